/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Byte counting (obs_count_io): the I/O calls of the observed tree summed per (process,
 * descriptor) in obs_io, and one close record per descriptor that did I/O when it ends. See
 * obs_records.h ("Byte counting") for the key and what each call adds.
 *
 *   - I/O calls (read .. recvmmsg): saved at entry like every observed syscall, counted at exit
 *     by on_io_exit (the return value, on the read or the write side of each descriptor).
 *   - close: at its entry, while the descriptor is still the file's (close cannot fail to
 *     release it; a close of a descriptor that is not open finds no entry).
 *   - close_range: at its entry, every entry of the process in [first, last] (not with
 *     CLOSE_RANGE_CLOEXEC, which only marks them).
 *   - dup2/dup3: at exit, when the call replaced an open descriptor that had an entry.
 *   - close-on-exec: at sched_process_exec, by then the kernel has closed them: an entry whose
 *     descriptor no longer holds its file was closed by the exec.
 *   - the exit: at sched_process_exit of the group's last thread, every entry of the process (the
 *     files are still attached there: the tracepoint comes before exit_files).
 * A closed file's last reference is dropped through task_work, which runs when the task returns
 * to user space (or exits), after these programs: the struct file an entry names is still there
 * to walk.
 *
 * Nothing here runs for a process outside the tree: the I/O calls pass the same first checks as
 * every observed syscall (obs_syscalls, then the tracked map), and with obs_count_io zero the
 * verifier prunes all of it and user space does not observe the calls at all.
 */
#ifndef OBS_IO_BPF_H
#define OBS_IO_BPF_H

/* Which close records to send (OBS_COUNT_IO_*); zero: byte counting is off. */
const volatile __u32 obs_count_io = 0;

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, OBS_IO_MAX);
    /* Entries come and go with descriptors: allocated on use, so a run without counting pays no
     * memory and the load no time for them. */
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct obs_io_key);
    __type(value, struct obs_io_stat);
} obs_io SEC(".maps");

/* Processes that called io_uring_setup (key: tgid), until their exit record says so. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, OBS_IO_URING_MAX);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u32);
    __type(value, __u32);
} obs_io_uring SEC(".maps");

/*
 * Which descriptors of a process have an entry in obs_io (key: tgid), so that the exec, exit and
 * close_range sweeps look up only those: a sweep over obs_io itself (bpf_for_each_map_elem) walks
 * every bucket of the map, 65,536 of them, which measured 47 us per exec. Descriptors from
 * OBS_IO_FD_BITS on are flagged in `high`, and their process is swept over the whole map.
 */
#define OBS_IO_FD_WORDS 16
#define OBS_IO_FD_BITS (OBS_IO_FD_WORDS * 64)
struct obs_io_fds {
    __u64 bits[OBS_IO_FD_WORDS];
    __u32 high;
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, OBS_TRACKED_MAX);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u32);
    __type(value, struct obs_io_fds);
} obs_io_fds SEC(".maps");

/* Never written: the value a process's bitmap starts from. */
struct obs_io_fds obs_io_fds_zero = {};

/* Marks fd of tgid as having an entry. */
static __always_inline void io_mark(__u32 tgid, __s32 fd)
{
    struct obs_io_fds *f = bpf_map_lookup_elem(&obs_io_fds, &tgid);
    if (!f) {
        bpf_map_update_elem(&obs_io_fds, &tgid, &obs_io_fds_zero, BPF_NOEXIST);
        f = bpf_map_lookup_elem(&obs_io_fds, &tgid);
        if (!f)
            return;
    }
    __u32 word = (__u32)fd / 64;
    if (fd < 0 || word >= OBS_IO_FD_WORDS) {
        f->high = 1;
        return;
    }
    __sync_fetch_and_or(&f->bits[word & (OBS_IO_FD_WORDS - 1)], 1ULL << ((__u32)fd % 64));
}

/* Clears fd of tgid's mark (its entry was deleted). */
static __always_inline void io_unmark(__u32 tgid, __s32 fd)
{
    struct obs_io_fds *f = bpf_map_lookup_elem(&obs_io_fds, &tgid);
    __u32 word = (__u32)fd / 64;
    if (!f || fd < 0 || word >= OBS_IO_FD_WORDS)
        return;
    __sync_fetch_and_and(&f->bits[word & (OBS_IO_FD_WORDS - 1)], ~(1ULL << ((__u32)fd % 64)));
}

#define OBS_S_IFMT 0170000
#define OBS_S_IFSOCK 0140000
#define OBS_AF_INET 2
#define OBS_AF_INET6 10
#define OBS_AF_UNIX_FAMILY 1
#define OBS_CLOSE_RANGE_CLOEXEC (1U << 2)
#define OBS_EINPROGRESS 115
#define OBS_MMSGHDR_SIZE 64      /* sizeof(struct mmsghdr) on 64-bit */
#define OBS_MMSGHDR_LEN_OFF 56   /* offsetof(struct mmsghdr, msg_len) */
#define OBS_MMSG_MAX 1024        /* UIO_MAXIOV: the most messages one call moves */

/* Whether an I/O call of the tracked process whose map value is t is counted: not while it waits
 * at the start gate (its read there is the observer's, not the command's). */
static __always_inline int io_gated(const struct obs_tracked *t)
{
    return obs_count_io && !obs_filter_cgroup_id && t && (t->flags & OBS_TRACKED_GATED);
}

static __always_inline int is_io_syscall(__u32 sc)
{
    return sc >= OBS_SC_READ && sc <= OBS_SC_RECVMMSG;
}

static __always_inline void io_count_dropped(void)
{
    __u64 *dropped = counter(OBS_COUNTER_IO_DROPPED);
    if (dropped)
        __sync_fetch_and_add(dropped, 1);
}

/* OBS_IO_INET when f is an inet (IPv4/IPv6) UDP or TCP socket, whose calls may carry DNS; 0
 * otherwise. Read once, when the descriptor's entry is made: its calls then need no look at the
 * file to know they carry no DNS. */
static __always_inline __u32 io_file_flags(struct file *f)
{
    __u16 mode = BPF_CORE_READ(f, f_inode, i_mode);
    if ((mode & OBS_S_IFMT) != OBS_S_IFSOCK)
        return 0;
    struct socket *sock = (struct socket *)BPF_CORE_READ(f, private_data);
    struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : 0;
    if (!sk)
        return 0;
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    __u16 type = BPF_CORE_READ(sk, sk_type);
    if (family != OBS_AF_INET && family != OBS_AF_INET6)
        return 0;
    return type == 1 /* SOCK_STREAM */ || type == 2 /* SOCK_DGRAM */ ? OBS_IO_INET : 0;
}

/* The entry of (tgid, fd), made for the file the descriptor holds now when there is none; 0 when
 * the descriptor is not open or the map is full (counted). */
static __always_inline struct obs_io_stat *io_entry(__u32 tgid, __s32 fd)
{
    struct obs_io_key key = {.tgid = tgid, .fd = fd};
    struct obs_io_stat *st = bpf_map_lookup_elem(&obs_io, &key);
    if (st)
        return st;
    struct file *f = fd_file(fd);
    if (!f)
        return 0;
    struct obs_io_stat fresh = {.file = (__u64)f, .flags = io_file_flags(f)};
    long rc = bpf_map_update_elem(&obs_io, &key, &fresh, BPF_NOEXIST);
    st = bpf_map_lookup_elem(&obs_io, &key);
    if (!st && rc != 0)
        io_count_dropped();
    if (rc == 0)
        io_mark(tgid, fd);
    return st;
}

/* Adds one successful call that moved `bytes` to the entry st. */
static __always_inline void io_count(struct obs_io_stat *st, __u64 bytes, int write)
{
    if (write) {
        __sync_fetch_and_add(&st->bytes_written, bytes);
        __sync_fetch_and_add(&st->writes, 1);
    } else {
        __sync_fetch_and_add(&st->bytes_read, bytes);
        __sync_fetch_and_add(&st->reads, 1);
    }
}

/* Adds one successful call that moved `bytes` through descriptor fd of tgid. */
static __always_inline void io_add(__u32 tgid, __s64 fd, __u64 bytes, int write)
{
    if (fd < 0 || fd > 0x7fffffff)
        return;
    struct obs_io_stat *st = io_entry(tgid, (__s32)fd);
    if (st)
        io_count(st, bytes, write);
}

/* io_add as a global function: verified once, not once per call in io_exit's switch (13 calls,
 * 1,560 instructions of the syscall exit). */
__noinline int obs_io_add(__u32 tgid, __s64 fd, __u64 bytes, __u32 write)
{
    io_add(tgid, fd, bytes, write);
    return 0;
}

/* A descriptor whose start the run saw (open, socket, accept, connect): its entry remembers
 * when. A socket's first observed start wins (connect after socket keeps socket's time). */
static __always_inline void io_started(__s64 fd)
{
    if (fd < 0 || fd > 0x7fffffff)
        return;
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    struct obs_io_stat *st = io_entry(tgid, (__s32)fd);
    if (st && !st->open_ts)
        st->open_ts = bpf_ktime_get_ns();
}

/* An open that returned fd: a new file, whatever an earlier entry of that number held.
 * path_sent: the open's record went out with the file's whole path (OBS_IO_PATH_SENT). Not for
 * a process at the start gate: its files are the observer's, and an entry would have its calls
 * counted (an entry is all raw_io_exit looks for). */
static __always_inline void io_opened(__s64 fd, int path_sent)
{
    if (fd < 0 || fd > 0x7fffffff)
        return;
    struct obs_io_key key = {.tgid = bpf_get_current_pid_tgid() >> 32, .fd = (__s32)fd};
    if (!obs_filter_cgroup_id && io_gated(tracked_entry(key.tgid)))
        return;
    struct obs_io_stat fresh = {.file = (__u64)fd_file(fd), .open_ts = bpf_ktime_get_ns()};
    if (!fresh.file)
        return;
    if (path_sent) {
        fresh.flags = OBS_IO_PATH_SENT;
        fresh.path_gen = obs_path_generation;
    }
    if (bpf_map_update_elem(&obs_io, &key, &fresh, BPF_ANY) != 0)
        io_count_dropped();
    else
        io_mark(key.tgid, key.fd);
}

struct obs_mmsg_sum {
    __u64 vec;   /* the caller's struct mmsghdr array */
    __u64 bytes;
};

static long obs_mmsg_add(__u32 i, void *data)
{
    struct obs_mmsg_sum *s = data;
    __u32 len = 0;
    if (bpf_probe_read_user(&len, sizeof(len), (const void *)(s->vec + (__u64)i * OBS_MMSGHDR_SIZE + OBS_MMSGHDR_LEN_OFF)) != 0)
        return 1;
    s->bytes += len;
    return 0;
}

/* The bytes of the first n messages of a sendmmsg/recvmmsg vector (each one's msg_len, which the
 * kernel has filled in by the syscall's exit). */
static __always_inline __u64 mmsg_bytes(__u64 vec, __s64 n)
{
    struct obs_mmsg_sum s = {.vec = vec};
    if (!vec || n <= 0)
        return 0;
    if (n > OBS_MMSG_MAX)
        n = OBS_MMSG_MAX;
    bpf_loop((__u32)n, obs_mmsg_add, &s, 0);
    return s.bytes;
}

/*
 * An I/O call returned `ret` (its entry, with the arguments, in `in`): counts it. A socket
 * payload capture (DNS) hooks in here too: in->args hold the descriptor and the user buffers of
 * the call, and ret what it moved.
 */
static __always_inline void io_exit(const struct obs_inflight *in, __s64 ret)
{
    if (!obs_count_io || ret < 0)
        return;
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    __u64 bytes = (__u64)ret;
    switch (in->syscall) {
    case OBS_SC_READ:
    case OBS_SC_PREAD64:
    case OBS_SC_READV:
    case OBS_SC_PREADV:
    case OBS_SC_PREADV2:
    case OBS_SC_RECVFROM:
    case OBS_SC_RECVMSG:
        obs_io_add(tgid, (__s64)in->args[0], bytes, 0);
        break;
    case OBS_SC_WRITE:
    case OBS_SC_PWRITE64:
    case OBS_SC_WRITEV:
    case OBS_SC_PWRITEV:
    case OBS_SC_PWRITEV2:
    case OBS_SC_SENDTO:
    case OBS_SC_SENDMSG:
        obs_io_add(tgid, (__s64)in->args[0], bytes, 1);
        break;
    case OBS_SC_SENDFILE: /* sendfile(out_fd, in_fd, offset, count) */
        obs_io_add(tgid, (__s64)(__s32)in->args[1], bytes, 0);
        obs_io_add(tgid, (__s64)(__s32)in->args[0], bytes, 1);
        break;
    case OBS_SC_COPY_FILE_RANGE: /* (fd_in, off_in, fd_out, off_out, len, flags) */
    case OBS_SC_SPLICE:          /* the same order */
        obs_io_add(tgid, (__s64)(__s32)in->args[0], bytes, 0);
        obs_io_add(tgid, (__s64)(__s32)in->args[2], bytes, 1);
        break;
    case OBS_SC_SENDMMSG:
        obs_io_add(tgid, (__s64)(__s32)in->args[0], mmsg_bytes(in->args[1], ret), 1);
        break;
    case OBS_SC_RECVMMSG:
        obs_io_add(tgid, (__s64)(__s32)in->args[0], mmsg_bytes(in->args[1], ret), 0);
        break;
    }
}

/* ---------- close records ---------- */

/* Reads a socket's addresses and kind into the record. */
static __always_inline void read_sock(struct obs_sock_close_rec *r, struct file *f)
{
    struct socket *sock = (struct socket *)BPF_CORE_READ(f, private_data);
    struct sock *sk = BPF_CORE_READ(sock, sk);
    r->family = 0;
    r->sock_type = 0;
    r->protocol = 0;
    r->local_len = 0;
    r->peer_len = 0;
    if (!sk)
        return;
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    r->family = family;
    r->sock_type = BPF_CORE_READ(sk, sk_type);
    r->protocol = BPF_CORE_READ(sk, sk_protocol);
    if (family == OBS_AF_INET) {
        /* struct sockaddr_in: family, port (network order), address. */
        __u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
        __u32 laddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
        __u16 dport = BPF_CORE_READ(sk, __sk_common.skc_dport);
        __u32 daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
        if (lport || laddr) {
            __u16 be = __builtin_bswap16(lport);
            __builtin_memcpy(&r->local[0], &family, 2);
            __builtin_memcpy(&r->local[2], &be, 2);
            __builtin_memcpy(&r->local[4], &laddr, 4);
            r->local_len = 16;
        }
        if (dport || daddr) {
            __builtin_memcpy(&r->peer[0], &family, 2);
            __builtin_memcpy(&r->peer[2], &dport, 2);
            __builtin_memcpy(&r->peer[4], &daddr, 4);
            r->peer_len = 16;
        }
    } else if (family == OBS_AF_INET6 && bpf_core_field_exists(sk->__sk_common.skc_v6_daddr)) {
        /* (A kernel without IPv6 has no such fields: the record then says only the family.) */
        /* struct sockaddr_in6: family, port, flowinfo, address, scope id. */
        __u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
        __u16 dport = BPF_CORE_READ(sk, __sk_common.skc_dport);
        __u32 zero = 0;
        __u16 be = __builtin_bswap16(lport);
        __builtin_memcpy(&r->local[0], &family, 2);
        __builtin_memcpy(&r->local[2], &be, 2);
        __builtin_memcpy(&r->local[4], &zero, 4);
        BPF_CORE_READ_INTO(&r->local[8], sk, __sk_common.skc_v6_rcv_saddr);
        __builtin_memcpy(&r->local[24], &zero, 4);
        r->local_len = lport ? 28 : 0;
        __builtin_memcpy(&r->peer[0], &family, 2);
        __builtin_memcpy(&r->peer[2], &dport, 2);
        __builtin_memcpy(&r->peer[4], &zero, 4);
        BPF_CORE_READ_INTO(&r->peer[8], sk, __sk_common.skc_v6_daddr);
        __builtin_memcpy(&r->peer[24], &zero, 4);
        r->peer_len = dport ? 28 : 0;
    } else if (family == OBS_AF_UNIX_FAMILY && bpf_core_type_exists(struct unix_sock)) {
        /* (unix_sock is in the kernel's BTF when unix sockets are built in, not a module.) */
        /* The names bound to this socket and to its peer (unix_sk(sk)->addr, a sockaddr_un of
         * addr->len bytes); an unnamed one has none. */
        struct unix_sock *u = (struct unix_sock *)sk;
        struct unix_address *a = BPF_CORE_READ(u, addr);
        if (a) {
            __u32 len = BPF_CORE_READ(a, len);
            OBS_CLAMP(len, OBS_SOCKADDR_MAX);
            if (len && bpf_probe_read_kernel(r->local, len, (void *)a + bpf_core_field_offset(struct unix_address, name)) == 0)
                r->local_len = len;
        }
        struct unix_sock *peer = (struct unix_sock *)BPF_CORE_READ(u, peer);
        struct unix_address *pa = peer ? BPF_CORE_READ(peer, addr) : 0;
        if (pa) {
            __u32 len = BPF_CORE_READ(pa, len);
            OBS_CLAMP(len, OBS_SOCKADDR_MAX);
            if (len && bpf_probe_read_kernel(r->peer, len, (void *)pa + bpf_core_field_offset(struct unix_address, name)) == 0)
                r->peer_len = len;
        }
    }
}

/*
 * Sends the close record of the descriptor `key` whose counts are `st`, if it did any I/O and its
 * kind (file or socket) is wanted. The current task is the process that owned the descriptor.
 */
static __always_inline void emit_close(const struct obs_io_key *key, struct obs_io_stat *st, __u8 closed_by)
{
    if (!st->reads && !st->writes)
        return;
    struct file *f = (struct file *)st->file;
    struct inode *inode = BPF_CORE_READ(f, f_inode);
    __u16 mode = BPF_CORE_READ(inode, i_mode);
    __u32 zero = 0;
    if ((mode & OBS_S_IFMT) == OBS_S_IFSOCK) {
        if (!(obs_count_io & OBS_COUNT_IO_SOCKETS))
            return;
        struct obs_sock_close_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
        if (!r)
            return;
        fill_header(&r->h, OBS_REC_SOCK_CLOSE);
        r->open_ts = st->open_ts;
        r->bytes_sent = st->bytes_written;
        r->bytes_received = st->bytes_read;
        r->sends = st->writes;
        r->receives = st->reads;
        r->ino = BPF_CORE_READ(inode, i_ino);
        r->fd = key->fd;
        r->closed_by = closed_by;
        r->pad = 0;
        read_sock(r, f);
        obs_send_scratch(OBS_SOCK_CLOSE_REC_SIZE);
        return;
    }
    if (!(obs_count_io & OBS_COUNT_IO_FILES))
        return;
    struct obs_file_close_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r)
        return;
    fill_header(&r->h, OBS_REC_FILE_CLOSE);
    r->open_ts = st->open_ts;
    r->bytes_read = st->bytes_read;
    r->bytes_written = st->bytes_written;
    r->reads = st->reads;
    r->writes = st->writes;
    r->ino = BPF_CORE_READ(inode, i_ino);
    r->magic = (__u32)BPF_CORE_READ(inode, i_sb, s_magic);
    r->fd = key->fd;
    r->mode = mode;
    r->closed_by = closed_by;
    r->pad = 0;
    __u32 off = 0;
    put_none(&r->path);
    if ((st->flags & OBS_IO_PATH_SENT) && st->path_gen == obs_path_generation &&
        BPF_CORE_READ(f, f_path.dentry, d_hash.pprev)) {
        /* The path its open carried, still the file's: no rename or rmdir since (the generation),
         * not unlinked (the dentry still hashed). User space takes it from that open. */
        r->path.source = OBS_SOURCE_OPENED;
        obs_send_scratch(OBS_FILE_CLOSE_REC_SIZE(0));
        return;
    }
    if (obs_resolve_paths)
        off = put_resolved(&r->path, obs_resolve(OBS_RESOLVE_WHERE(OBS_FILE_CLOSE_REC_BASE_SIZE, 0, 0, 0), (__s64)f,
                                                 OBS_RESOLVE_HOW(OBS_RESOLVE_FILE, OBS_SOURCE_FILE, 0)));
    if (off == 0) {
        /* No path (a pipe, an anonymous inode, or resolution off): the dentry's own name, which
         * user space words with the magic and inode number as the kernel does in /proc. */
        const unsigned char *name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
        long n = bpf_probe_read_kernel_str(r->data, OBS_NAME_MAX + 1, name);
        r->path.len = n > 0 ? (__u16)n : 0;
        r->path.flags = 0; /* a name of at most NAME_MAX bytes: whole */
        r->path.source = OBS_SOURCE_NONE;
        off = r->path.len;
    }
    if (off > OBS_PATH_MAX)
        off = OBS_PATH_MAX;
    obs_send_scratch(OBS_FILE_CLOSE_REC_SIZE(off));
}

/*
 * emit_close as a global function: the verifier checks the close record (the socket's addresses,
 * the path walk) once per program, instead of once per place a descriptor ends (close, dup2, and
 * the exec, exit and close_range sweeps, each inlined into several programs). The key's tgid is
 * not an argument: the record takes the process from the current task.
 */
__noinline int obs_emit_close(__s32 fd, struct obs_io_stat *st, __u32 closed_by)
{
    if (!st)
        return 0;
    struct obs_io_key key = {.fd = fd};
    emit_close(&key, st, closed_by);
    return 0;
}

/* Ends (tgid, fd): sends its record and deletes its entry. Its bit in obs_io_fds stays set: a
 * sweep finds no entry behind a stale bit (and clears it then), and a close saves the lookup. */
static __always_inline void io_close_fd(__u32 tgid, __s32 fd, __u8 closed_by)
{
    struct obs_io_key key = {.tgid = tgid, .fd = fd};
    struct obs_io_stat *found = bpf_map_lookup_elem(&obs_io, &key);
    if (!found)
        return;
    obs_emit_close(fd, found, closed_by);
    bpf_map_delete_elem(&obs_io, &key);
}

/* Which entries a sweep ends, and the bitmap it works through (a per-CPU slot: a sweep is never
 * interrupted by another program of ours on its CPU). */
struct obs_io_sweep {
    __u32 tgid;
    __u32 closed_by;
    __s64 first;   /* close_range: the descriptors [first, last] */
    __s64 last;
    __u32 word;    /* the first bitmap word that may still have bits */
    __u32 pad;
    __u64 bits[OBS_IO_FD_WORDS]; /* a copy of the process's bitmap, cleared as it is swept */
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct obs_io_sweep);
} obs_io_sweeps SEC(".maps");

/* The index of the one bit set in v: the bits below it, counted without a branch (a branch per
 * bit would make the verifier walk the rest of the sweep once per possible index). */
static __always_inline __u32 io_bit_index(__u64 v)
{
    __u64 x = v - 1;
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (__u32)((x * 0x0101010101010101ULL) >> 56) & 63;
}

/* Ends one descriptor of the sweep when it selects it; returns 1 when it was ended. */
static __always_inline int io_sweep_fd(const struct obs_io_sweep *s, __s32 fd, struct obs_io_stat *st)
{
    if (s->closed_by == OBS_CLOSED_BY_CLOSE_RANGE && (fd < s->first || fd > s->last))
        return 0;
    if (s->closed_by == OBS_CLOSED_BY_EXEC && (__u64)fd_file(fd) == st->file)
        return 0; /* still open after the exec */
    struct obs_io_key k = {.tgid = s->tgid, .fd = fd};
    obs_emit_close(fd, st, s->closed_by);
    bpf_map_delete_elem(&obs_io, &k);
    return 1;
}

/* One marked descriptor (or one empty bitmap word) per call, lowest first; stops when none is
 * left. */
static long obs_io_sweep_next(__u32 i, void *unused)
{
    __u32 zero = 0;
    struct obs_io_sweep *s = bpf_map_lookup_elem(&obs_io_sweeps, &zero);
    if (!s)
        return 1;
    __u32 w = s->word;
    if (w >= OBS_IO_FD_WORDS)
        return 1;
    __u64 word = s->bits[w & (OBS_IO_FD_WORDS - 1)];
    if (!word) {
        s->word = w + 1; /* one word per call: no loop for the verifier to walk */
        return 0;
    }
    __u64 low = word & -word;
    s->bits[w & (OBS_IO_FD_WORDS - 1)] = word & ~low;
    __s32 fd = (__s32)(w * 64 + io_bit_index(low));
    struct obs_io_key k = {.tgid = s->tgid, .fd = fd};
    struct obs_io_stat *st = bpf_map_lookup_elem(&obs_io, &k);
    if (!st) {
        if (s->closed_by != OBS_CLOSED_BY_EXIT)
            io_unmark(s->tgid, fd); /* a stale bit: its entry was ended by close or dup2 */
        return 0;
    }
    if (io_sweep_fd(s, fd, st) && s->closed_by != OBS_CLOSED_BY_EXIT)
        io_unmark(s->tgid, fd);
    return 0;
}

/* Every entry of obs_io, for a process with descriptors past the bitmap (rare). */
static long obs_io_sweep_high(void *map, struct obs_io_key *key, struct obs_io_stat *value, void *unused)
{
    __u32 zero = 0;
    struct obs_io_sweep *s = bpf_map_lookup_elem(&obs_io_sweeps, &zero);
    if (s && key->tgid == s->tgid && key->fd >= OBS_IO_FD_BITS)
        io_sweep_fd(s, key->fd, value);
    return 0;
}

/* Ends the entries of tgid the sweep selects: the descriptors its bitmap marks. A global
 * function: verified once, not inlined into the exec, exit and syscall-entry programs. */
__noinline int obs_io_sweep(__u32 tgid, __u32 closed_by, __s64 first, __s64 last)
{
    if (!obs_count_io)
        return 0;
    __u32 zero = 0;
    struct obs_io_fds *f = bpf_map_lookup_elem(&obs_io_fds, &tgid);
    struct obs_io_sweep *s = bpf_map_lookup_elem(&obs_io_sweeps, &zero);
    if (!f || !s)
        return 0;
    s->tgid = tgid;
    s->closed_by = closed_by;
    s->first = first;
    s->last = last;
    s->word = 0;
    s->pad = 0;
    __builtin_memcpy(s->bits, f->bits, sizeof(s->bits));
    __u32 high = f->high;
    bpf_loop(OBS_IO_FD_BITS + OBS_IO_FD_WORDS, obs_io_sweep_next, 0, 0);
    if (high)
        bpf_for_each_map_elem(&obs_io, obs_io_sweep_high, 0, 0);
    if (closed_by == OBS_CLOSED_BY_EXIT)
        bpf_map_delete_elem(&obs_io_fds, &tgid);
    return 0;
}

/* close and close_range, at their entry (the descriptors still hold their files). */
static __always_inline void io_close_enter(__u64 id, __u32 sc, const __u64 *args)
{
    __u32 tgid = id >> 32;
    if (sc == OBS_SC_CLOSE) {
        io_close_fd(tgid, (__s32)args[0], OBS_CLOSED_BY_CLOSE);
    } else if (sc == OBS_SC_CLOSE_RANGE) {
        __u32 first = (__u32)args[0], last = (__u32)args[1];
        if ((args[2] & OBS_CLOSE_RANGE_CLOEXEC) || first > last)
            return; /* only marked close-on-exec (the exec ends them), or EINVAL */
        obs_io_sweep(tgid, OBS_CLOSED_BY_CLOSE_RANGE, first, last);
    }
}

/* The exits of the calls that end or start descriptors (dup2/dup3, socket, io_uring_setup). */
static __always_inline void on_io_fd_exit(const struct obs_inflight *in, __s64 ret)
{
    if (!obs_count_io || ret < 0)
        return;
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    switch (in->syscall) {
    case OBS_SC_DUP2:
    case OBS_SC_DUP3:
        /* dup2(oldfd, newfd): newfd now holds oldfd's file; what it held before is closed. */
        if ((__s32)in->args[0] != (__s32)in->args[1])
            io_close_fd(tgid, (__s32)in->args[1], OBS_CLOSED_BY_DUP);
        break;
    case OBS_SC_SOCKET:
        io_started(ret);
        break;
    case OBS_SC_IO_URING_SETUP: {
        __u32 one = 1;
        bpf_map_update_elem(&obs_io_uring, &tgid, &one, BPF_ANY);
        break;
    }
    }
}

/* ---------- a process's I/O totals at its exit ---------- */

struct obs_io_totals {
    __u64 head;   /* &signal->thread_head */
    __u64 node;   /* the thread list node being summed */
    __u64 v[7];   /* rchar, wchar, syscr, syscw, read_bytes, write_bytes, cancelled_write_bytes */
};

static __always_inline void add_ioac(__u64 *v, struct task_io_accounting *a)
{
    struct task_io_accounting *probe = 0;
    if (bpf_core_field_exists(probe->rchar)) {
        v[0] += BPF_CORE_READ(a, rchar);
        v[1] += BPF_CORE_READ(a, wchar);
        v[2] += BPF_CORE_READ(a, syscr);
        v[3] += BPF_CORE_READ(a, syscw);
    }
    if (bpf_core_field_exists(probe->read_bytes)) {
        v[4] += BPF_CORE_READ(a, read_bytes);
        v[5] += BPF_CORE_READ(a, write_bytes);
        v[6] += BPF_CORE_READ(a, cancelled_write_bytes);
    }
}

/* One thread of the group's list (signal->thread_head, linked by task_struct.thread_node). */
static long obs_thread_io(__u32 i, void *data)
{
    struct obs_io_totals *s = data;
    if (!s->node || s->node == s->head)
        return 1;
    struct task_struct *t = (struct task_struct *)(s->node - bpf_core_field_offset(struct task_struct, thread_node));
    add_ioac(s->v, (struct task_io_accounting *)((void *)t + bpf_core_field_offset(struct task_struct, ioac)));
    struct list_head *node = (struct list_head *)s->node;
    s->node = (__u64)BPF_CORE_READ(node, next);
    return 0;
}

/*
 * The thread group's I/O totals into the exit record, summed as /proc/PID/io sums them for a
 * process (do_io_accounting): signal->ioac (threads already released) plus every thread still on
 * the group's list. At the last thread's sched_process_exit nothing more is done by the group,
 * and the threads that exited before are either released (in signal->ioac) or still listed.
 */
/* Not inlined: its frame (the sums) must not add to the exit program's own, whose other calls
 * (the descriptor sweep's path walks) reach the 512-byte stack limit. */
static __noinline void read_io_totals(struct task_struct *task, struct obs_exit_rec *r)
{
    struct task_io_accounting *probe = 0;
    int chars = bpf_core_field_exists(probe->rchar);
    int bytes = bpf_core_field_exists(probe->read_bytes);
    if (!chars && !bytes)
        return;
    struct signal_struct *sig = BPF_CORE_READ(task, signal);
    struct obs_io_totals s = {};
    add_ioac(s.v, (struct task_io_accounting *)((void *)sig + bpf_core_field_offset(struct signal_struct, ioac)));
    s.head = (__u64)sig + bpf_core_field_offset(struct signal_struct, thread_head);
    s.node = (__u64)BPF_CORE_READ(sig, thread_head.next);
    bpf_loop(OBS_THREADS_MAX, obs_thread_io, &s, 0);
    r->rchar = s.v[0];
    r->wchar = s.v[1];
    r->syscr = s.v[2];
    r->syscw = s.v[3];
    r->read_bytes = s.v[4];
    r->write_bytes = s.v[5];
    r->cancelled_write_bytes = s.v[6];
    if (chars)
        r->flags |= OBS_EXIT_IO_CHARS;
    if (bytes)
        r->flags |= OBS_EXIT_IO_BYTES;
}

/* Whether tgid's I/O calls are counted: in the tree and past the start gate (the raw I/O exit
 * here, and observed_for for the entries that save them). */
static __always_inline int io_counts_process(__u32 tgid)
{
    if (obs_filter_cgroup_id)
        return is_observed(tgid);
    struct obs_tracked *t = tracked_entry(tgid);
    return t && !(t->flags & OBS_TRACKED_GATED);
}

#ifndef OBS_NO_RAW_SYSCALLS
/* The calls on one descriptor, args[0]: what the raw exit counts from one register. */
static __always_inline int io_single_fd(__u32 sc)
{
    return sc != OBS_SC_SENDFILE && sc != OBS_SC_COPY_FILE_RANGE && sc != OBS_SC_SPLICE &&
           sc != OBS_SC_SENDMMSG && sc != OBS_SC_RECVMMSG;
}

static __always_inline int io_is_write(__u32 sc)
{
    return sc == OBS_SC_WRITE || sc == OBS_SC_PWRITE64 || sc == OBS_SC_WRITEV || sc == OBS_SC_PWRITEV ||
           sc == OBS_SC_PWRITEV2 || sc == OBS_SC_SENDTO || sc == OBS_SC_SENDMSG;
}

/*
 * An I/O call that returned ret >= 0, at its exit in the raw flavour without the summary
 * (raw_io_exit, bpf/obs_syscalls.bpf.h): counted from the saved user registers, read one at a
 * time. A call on one descriptor reads that descriptor and looks up its entry: a descriptor the
 * tree already did I/O on, or opened, has one (entries are made only for processes that pass the
 * tracked check, and a process's are deleted at its exit), so the call costs that one lookup; the
 * DNS capture reads the call's other arguments only on an inet socket's entry (OBS_IO_INET). A
 * descriptor without an entry, and the calls on two descriptors or message vectors, pass the
 * tracked check first. Returns 1 when the call may carry DNS (an inet socket's, with DNS
 * wanted): the caller then hands it to obs_dns_on_io_exit, from its own frame (called from here,
 * the stacks of the three frames would pass the verifier's 512 bytes). A global function:
 * verified once.
 */
__noinline int obs_io_raw_exit(__u32 sc, __u64 regs_addr, __s64 ret)
{
    struct pt_regs *regs = (struct pt_regs *)regs_addr;
    if (!obs_count_io || !regs || ret < 0)
        return 0;
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    /* A process outside the tree leaves at its clear bit (obs_tracked_bits), before any lookup. */
    if (surely_untracked(tgid))
        return 0;
#if defined(__TARGET_ARCH_x86)
    /* A 32-bit (ia32) syscall numbers differently: not one of these. */
    if (BPF_CORE_READ(regs, cs) != 0x33)
        return 0;
#endif
    struct obs_inflight in = {.syscall = sc};
    in.args[0] = OBS_SYSCALL_ARG(regs, 0);
    if (io_single_fd(sc)) {
        __s64 fd = (__s64)in.args[0];
        if (fd < 0 || fd > 0x7fffffff)
            return 0;
        struct obs_io_key key = {.tgid = tgid, .fd = (__s32)fd};
        struct obs_io_stat *st = bpf_map_lookup_elem(&obs_io, &key);
        if (!st) {
            if (!io_counts_process(tgid))
                return 0;
            st = io_entry(tgid, (__s32)fd);
            if (!st)
                return 0;
        }
        io_count(st, (__u64)ret, io_is_write(sc));
        return obs_want_dns && (st->flags & OBS_IO_INET);
    }
    if (!io_counts_process(tgid))
        return 0;
    in.args[1] = OBS_SYSCALL_ARG(regs, 1);
    in.args[2] = OBS_SYSCALL_ARG(regs, 2);
    in.args[3] = OBS_SYSCALL_ARG(regs, 3);
    in.args[4] = OBS_SYSCALL_ARG(regs, 4);
    in.args[5] = OBS_SYSCALL_ARG(regs, 5);
    io_exit(&in, ret);
    return obs_want_dns && (sc == OBS_SC_SENDMMSG || sc == OBS_SC_RECVMMSG);
}
#endif

/*
 * The count of one I/O call, as a global function: checked once by the verifier rather than per
 * path of each caller (see obs_dns_on_io_exit), which keeps a run's start cheap.
 */
__noinline int on_io_exit(const struct obs_inflight *in, __s64 ret)
{
    if (!in)
        return 0;
    io_exit(in, ret);
    return 0;
}

#endif
