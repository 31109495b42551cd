// SPDX-License-Identifier: GPL-2.0
/*
 * The observer's eBPF programs: process-tree tracking (sched_process_fork/exec/exit) and the
 * file, network and exec syscalls of the tracked tree, delivered through one ring buffer.
 *
 * Tracking: obs_tracked holds the tgids of the observed tree. User space inserts the root (at
 * the start gate, or when attaching); sched_process_fork adds a child whose parent is tracked
 * when the child is a new thread group; sched_process_exit removes a tgid when its whole group
 * is dead. Everything else is filtered against this map before any ring space is used.
 *
 * Syscalls: one generic entry program and one generic exit program. The entry saves the six
 * arguments in obs_inflight (key: pid_tgid) when the syscall is one we observe (obs_syscalls,
 * filled by user space from this architecture's SYS_* numbers) and the caller is tracked. The
 * exit looks the entry up and reads the user strings and sockaddrs then, when the kernel has
 * faulted them in. Two flavours of the pair exist, and user space loads one:
 *   - tp: classic syscall tracepoints (syscalls/sys_{enter,exit}_<name>), attached once per
 *     observed syscall; they cost only those syscalls, but need tracefs. They return 1 so
 *     perf users of the same tracepoint still get their samples.
 *   - raw_tp: raw_tp/sys_enter and raw_tp/sys_exit, which need no tracefs but run on every
 *     syscall of the machine.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "obs_core.h"
#include "obs_records.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by user space between open and load. */
const volatile __u32 obs_want_process = 0; /* send fork and exec records (exit is always sent) */
const volatile __u64 obs_wakeup_bytes = 256 * 1024; /* wake the consumer once this much is queued */

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 8 << 20); /* user space may resize before load */
} obs_events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 65536);
    __type(key, __u32);
    __type(value, struct obs_tracked);
} obs_tracked SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16384);
    __type(key, __u64);
    __type(value, struct obs_inflight);
} obs_inflight SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, OBS_MAX_SYSCALL_NR);
    __type(key, __u32);
    __type(value, __u32);
} obs_syscalls SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, OBS_COUNTER_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} obs_counters SEC(".maps");

union obs_scratch_rec {
    struct obs_exec_rec exec;
    struct obs_file_rec file;
    struct obs_sock_rec sock;
    /* Slack after argv: the verifier bounds a read at argv + (off & (OBS_ARGV_MAX - 1)) of
     * OBS_ARG_MAX bytes by the map value's size; the code itself never reads past argv. */
    char slack[sizeof(struct obs_exec_rec) + OBS_ARG_MAX];
};

/* Records are built here, not on the 512-byte BPF stack. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, union obs_scratch_rec);
} obs_scratch SEC(".maps");

/* Classic syscall tracepoint layouts (tracefs events/syscalls/sys_{enter,exit}_<name>/format). */
struct obs_tp_sys_enter {
    __u64 common;
    __s32 nr;
    __s32 pad;
    __u64 args[6]; /* only the syscall's own arguments are valid: read with probe_read */
};

struct obs_tp_sys_exit {
    __u64 common;
    __s32 nr;
    __s32 pad;
    __s64 ret;
};

#define OBS_AT_FDCWD -100
#define OBS_O_CREAT_WRONLY_TRUNC (00000100 | 00000001 | 00001000) /* what creat(2) means */

static __always_inline __u64 *counter(__u32 which)
{
    return bpf_map_lookup_elem(&obs_counters, &which);
}

/*
 * Sends a record the caller built, waking the consumer only once obs_wakeup_bytes are queued.
 * A record the ring has no room for is counted, and the count rides on this CPU's next record
 * (lost_before), so user space reports the loss where it happened in the stream.
 */
static __always_inline void send(void *rec, __u64 size)
{
    struct obs_header *h = rec;
    __u64 *emitted = counter(OBS_COUNTER_EMITTED);
    __u64 *lost = counter(OBS_COUNTER_LOST);
    __u64 *pending = counter(OBS_COUNTER_PENDING_LOST);
    if (!emitted || !lost || !pending)
        return;
    __sync_fetch_and_add(emitted, 1);
    __u64 carried = *pending;
    h->lost_before = (__u32)carried;
    h->reserved = 0;
    __u64 queued = bpf_ringbuf_query(&obs_events, BPF_RB_AVAIL_DATA);
    __u64 flags = queued >= obs_wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
    if (bpf_ringbuf_output(&obs_events, rec, size, flags) == 0) {
        if (carried)
            __sync_fetch_and_sub(pending, carried);
    } else {
        __sync_fetch_and_add(lost, 1);
        __sync_fetch_and_add(pending, 1);
    }
}

static __always_inline void fill_header(struct obs_header *h, __u32 type)
{
    __u64 id = bpf_get_current_pid_tgid();
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    h->ts_ns = bpf_ktime_get_ns();
    h->type = type;
    h->tgid = id >> 32;
    h->tid = (__u32)id;
    h->ptgid = BPF_CORE_READ(task, real_parent, tgid);
    bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline int is_tracked(__u32 tgid)
{
    return bpf_map_lookup_elem(&obs_tracked, &tgid) != 0;
}

/* Reads a NUL-terminated user string; returns its length with the NUL, 0 when unreadable. */
static __always_inline __u16 read_user_path(char *dst, __u64 src, __u8 *flags)
{
    if (!src) {
        *flags = OBS_CAPTURE_UNREADABLE;
        return 0;
    }
    long n = bpf_probe_read_user_str(dst, OBS_PATH_MAX, (const void *)src);
    if (n <= 0) {
        *flags = OBS_CAPTURE_UNREADABLE;
        return 0;
    }
    *flags = 0;
    if (n == OBS_PATH_MAX) {
        /* Full buffer: a longer string exists only if the byte the NUL replaced was not NUL. */
        char c = 0;
        if (bpf_probe_read_user(&c, 1, (const void *)(src + OBS_PATH_MAX - 1)) == 0 && c != 0)
            *flags = OBS_CAPTURE_TRUNCATED;
    }
    return (__u16)n;
}

static __always_inline __u64 clamp_path(__u64 n)
{
    return n > OBS_PATH_MAX ? OBS_PATH_MAX : n;
}

/* ---------- syscall entry ---------- */

static __always_inline void on_sys_enter(__u64 id, __u32 sc, const __u64 *args)
{
    struct obs_inflight in = {};
    in.syscall = sc;
#pragma unroll
    for (int i = 0; i < 6; i++)
        in.args[i] = args[i];
    if (sc == OBS_SC_ACCEPT || sc == OBS_SC_ACCEPT4) {
        /* The caller's addrlen before the call: how much of addr the kernel may fill. */
        __u32 len = 0;
        if (args[2] && bpf_probe_read_user(&len, sizeof(len), (const void *)args[2]) == 0)
            in.reserved = len;
    }
    bpf_map_update_elem(&obs_inflight, &id, &in, BPF_ANY);
}

static __always_inline __u32 observed_syscall(__s64 nr)
{
    if (nr < 0 || nr >= OBS_MAX_SYSCALL_NR)
        return OBS_SC_NONE;
    __u32 key = (__u32)nr;
    __u32 *sc = bpf_map_lookup_elem(&obs_syscalls, &key);
    return sc ? *sc : OBS_SC_NONE;
}

SEC("tp")
int obs_tp_sys_enter(struct obs_tp_sys_enter *ctx)
{
    __u32 sc = observed_syscall(ctx->nr);
    if (sc == OBS_SC_NONE)
        return 1;
    __u64 id = bpf_get_current_pid_tgid();
    if (!is_tracked(id >> 32))
        return 1;
    __u64 args[6] = {};
    bpf_probe_read_kernel(args, sizeof(args), &ctx->args[0]);
    on_sys_enter(id, sc, args);
    return 1;
}

#ifndef OBS_NO_RAW_SYSCALLS
SEC("raw_tp/sys_enter")
int obs_raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
    __u32 sc = observed_syscall((__s64)ctx->args[1]);
    if (sc == OBS_SC_NONE)
        return 0;
    __u64 id = bpf_get_current_pid_tgid();
    if (!is_tracked(id >> 32))
        return 0;
    struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
#if defined(__TARGET_ARCH_x86)
    /* A 32-bit (ia32) syscall numbers differently; the tp flavour skips those too. */
    if (BPF_CORE_READ(regs, cs) != 0x33)
        return 0;
#endif
    __u64 args[6];
    args[0] = OBS_SYSCALL_ARG(regs, 0);
    args[1] = OBS_SYSCALL_ARG(regs, 1);
    args[2] = OBS_SYSCALL_ARG(regs, 2);
    args[3] = OBS_SYSCALL_ARG(regs, 3);
    args[4] = OBS_SYSCALL_ARG(regs, 4);
    args[5] = OBS_SYSCALL_ARG(regs, 5);
    on_sys_enter(id, sc, args);
    return 0;
}
#endif

/* ---------- syscall exit ---------- */

static __always_inline void on_file_exit(const struct obs_inflight *in, __s64 ret)
{
    __u32 zero = 0;
    struct obs_file_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r)
        return;
    fill_header(&r->h, OBS_REC_FILE);
    r->ret = ret;
    r->syscall = in->syscall;
    r->dfd = OBS_AT_FDCWD;
    r->flags = 0;
    r->mode = 0;
    r->path2_len = 0;
    r->path2_flags = 0;
    r->reserved = 0;
    __u64 path = 0, path2 = 0;
    switch (in->syscall) {
    case OBS_SC_OPEN:
        r->op = OBS_FILE_OPEN;
        path = in->args[0];
        r->flags = (__s32)in->args[1];
        r->mode = (__u32)in->args[2];
        break;
    case OBS_SC_OPENAT:
        r->op = OBS_FILE_OPEN;
        r->dfd = (__s32)in->args[0];
        path = in->args[1];
        r->flags = (__s32)in->args[2];
        r->mode = (__u32)in->args[3];
        break;
    case OBS_SC_OPENAT2: {
        /* struct open_how { __u64 flags; __u64 mode; __u64 resolve; } */
        __u64 how[2] = {};
        r->op = OBS_FILE_OPEN;
        r->dfd = (__s32)in->args[0];
        path = in->args[1];
        if (in->args[2])
            bpf_probe_read_user(how, sizeof(how), (const void *)in->args[2]);
        r->flags = (__s32)how[0];
        r->mode = (__u32)how[1];
        break;
    }
    case OBS_SC_CREAT:
        r->op = OBS_FILE_OPEN;
        path = in->args[0];
        r->flags = OBS_O_CREAT_WRONLY_TRUNC;
        r->mode = (__u32)in->args[1];
        break;
    case OBS_SC_UNLINK:
        r->op = OBS_FILE_UNLINK;
        path = in->args[0];
        break;
    case OBS_SC_UNLINKAT:
        r->dfd = (__s32)in->args[0];
        path = in->args[1];
        r->flags = (__s32)in->args[2];
        r->op = (r->flags & OBS_AT_REMOVEDIR) ? OBS_FILE_RMDIR : OBS_FILE_UNLINK;
        break;
    case OBS_SC_RMDIR:
        r->op = OBS_FILE_RMDIR;
        path = in->args[0];
        break;
    case OBS_SC_MKDIR:
        r->op = OBS_FILE_MKDIR;
        path = in->args[0];
        r->mode = (__u32)in->args[1];
        break;
    case OBS_SC_MKDIRAT:
        r->op = OBS_FILE_MKDIR;
        r->dfd = (__s32)in->args[0];
        path = in->args[1];
        r->mode = (__u32)in->args[2];
        break;
    case OBS_SC_RENAME:
        r->op = OBS_FILE_RENAME;
        path = in->args[0];
        path2 = in->args[1];
        break;
    case OBS_SC_RENAMEAT:
    case OBS_SC_RENAMEAT2:
        r->op = OBS_FILE_RENAME;
        r->dfd = (__s32)in->args[0];
        path = in->args[1];
        path2 = in->args[3];
        if (in->syscall == OBS_SC_RENAMEAT2)
            r->flags = (__s32)in->args[4];
        break;
    default:
        return;
    }
    r->path_len = read_user_path(r->path, path, &r->path_flags);
    if (r->op == OBS_FILE_RENAME) {
        r->path2_len = read_user_path(r->path2, path2, &r->path2_flags);
        send(r, __builtin_offsetof(struct obs_file_rec, path2) + clamp_path(r->path2_len));
    } else {
        send(r, __builtin_offsetof(struct obs_file_rec, path) + clamp_path(r->path_len));
    }
}

static __always_inline void on_sock_exit(const struct obs_inflight *in, __s64 ret)
{
    __u32 zero = 0;
    struct obs_sock_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r)
        return;
    fill_header(&r->h, OBS_REC_SOCK);
    r->ret = ret;
    r->syscall = in->syscall;
    r->fd = (__s32)in->args[0];
    r->backlog = 0;
    r->addr_len = 0;
    r->addr_flags = 0;
    r->reserved = 0;
    __u64 addr = 0;
    __u32 len = 0;
    switch (in->syscall) {
    case OBS_SC_CONNECT:
    case OBS_SC_BIND:
        r->op = in->syscall == OBS_SC_CONNECT ? OBS_SOCK_CONNECT : OBS_SOCK_BIND;
        addr = in->args[1];
        len = (__u32)in->args[2];
        break;
    case OBS_SC_ACCEPT:
    case OBS_SC_ACCEPT4:
        r->op = OBS_SOCK_ACCEPT;
        if (ret >= 0 && in->args[1] && in->args[2]) {
            /* After the call *addrlen is the peer address's true length; the kernel wrote at
             * most the caller's buffer size (saved at entry). */
            __u32 after = 0;
            addr = in->args[1];
            if (bpf_probe_read_user(&after, sizeof(after), (const void *)in->args[2]) != 0) {
                r->addr_flags = OBS_CAPTURE_UNREADABLE;
                addr = 0;
            }
            len = after < in->reserved ? after : in->reserved;
            if (after > len)
                r->addr_flags |= OBS_CAPTURE_TRUNCATED;
        }
        break;
    case OBS_SC_LISTEN:
        r->op = OBS_SOCK_LISTEN;
        r->backlog = (__s32)in->args[1];
        break;
    default:
        return;
    }
    if (addr && len) {
        if (len > OBS_SOCKADDR_MAX) {
            len = OBS_SOCKADDR_MAX;
            r->addr_flags |= OBS_CAPTURE_TRUNCATED;
        }
        if (bpf_probe_read_user(r->addr, len, (const void *)addr) == 0)
            r->addr_len = len;
        else
            r->addr_flags = OBS_CAPTURE_UNREADABLE;
    }
    send(r, sizeof(*r));
}

struct obs_argv_walk {
    __u64 argv; /* the caller's char *const argv[] */
    __u32 off;  /* bytes used in obs_exec_rec.argv */
    __u8 flags;
};

/* One argument per call (bpf_loop verifies this once instead of once per iteration). */
static long obs_read_arg(__u32 i, void *data)
{
    struct obs_argv_walk *w = data;
    __u32 zero = 0;
    struct obs_exec_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r)
        return 1;
    __u64 arg = 0;
    if (bpf_probe_read_user(&arg, sizeof(arg), (const void *)(w->argv + i * sizeof(__u64))) != 0) {
        w->flags |= OBS_CAPTURE_UNREADABLE;
        return 1;
    }
    if (!arg)
        return 1;
    __u32 off = w->off;
    if (off > OBS_ARGV_MAX - OBS_ARG_MAX || i == OBS_ARGS_MAX - 1) {
        w->flags |= OBS_CAPTURE_TRUNCATED;
        return 1;
    }
    long n = bpf_probe_read_user_str(&r->argv[off & (OBS_ARGV_MAX - 1)], OBS_ARG_MAX, (const void *)arg);
    if (n <= 0) {
        w->flags |= OBS_CAPTURE_UNREADABLE;
        return 1;
    }
    if (n == OBS_ARG_MAX)
        w->flags |= OBS_CAPTURE_TRUNCATED;
    w->off = off + n;
    return 0;
}

/* A failed execve/execveat: the caller's image is intact, so read its own pointers. */
static __always_inline void on_exec_failed(const struct obs_inflight *in, __s64 ret)
{
    __u32 zero = 0;
    struct obs_exec_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r)
        return;
    fill_header(&r->h, OBS_REC_EXEC);
    r->ret = ret;
    r->syscall = in->syscall;
    r->reserved = 0;
    __u64 path = in->syscall == OBS_SC_EXECVE ? in->args[0] : in->args[1];
    struct obs_argv_walk walk = {.argv = in->syscall == OBS_SC_EXECVE ? in->args[1] : in->args[2]};
    r->path_len = read_user_path(r->path, path, &r->path_flags);
    if (walk.argv)
        bpf_loop(OBS_ARGS_MAX, obs_read_arg, &walk, 0);
    __u32 off = walk.off > OBS_ARGV_MAX ? OBS_ARGV_MAX : walk.off;
    r->argv_len = off;
    r->argv_flags = walk.flags;
    send(r, __builtin_offsetof(struct obs_exec_rec, argv) + off);
}

static __always_inline void on_sys_exit(__s64 ret)
{
    __u64 id = bpf_get_current_pid_tgid();
    struct obs_inflight *found = bpf_map_lookup_elem(&obs_inflight, &id);
    if (!found)
        return;
    struct obs_inflight in = *found;
    bpf_map_delete_elem(&obs_inflight, &id);
    switch (in.syscall) {
    case OBS_SC_OPEN ... OBS_SC_RENAMEAT2:
        on_file_exit(&in, ret);
        break;
    case OBS_SC_CONNECT ... OBS_SC_LISTEN:
        on_sock_exit(&in, ret);
        break;
    case OBS_SC_EXECVE:
    case OBS_SC_EXECVEAT:
        /* Success was reported at sched_process_exec, which removed the entry. */
        if (ret < 0)
            on_exec_failed(&in, ret);
        break;
    }
}

SEC("tp")
int obs_tp_sys_exit(struct obs_tp_sys_exit *ctx)
{
    on_sys_exit(ctx->ret);
    return 1;
}

#ifndef OBS_NO_RAW_SYSCALLS
SEC("raw_tp/sys_exit")
int obs_raw_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
    on_sys_exit((__s64)ctx->args[1]);
    return 0;
}
#endif

/* ---------- the process tree ---------- */

SEC("raw_tp/sched_process_fork")
int obs_sched_process_fork(struct bpf_raw_tracepoint_args *ctx)
{
    struct task_struct *parent = (struct task_struct *)ctx->args[0];
    struct task_struct *child = (struct task_struct *)ctx->args[1];
    __u32 ptgid = BPF_CORE_READ(parent, tgid);
    if (!is_tracked(ptgid))
        return 0;
    __u32 cpid = BPF_CORE_READ(child, pid);
    __u32 ctgid = BPF_CORE_READ(child, tgid);
    if (cpid != ctgid)
        return 0; /* a new thread, not a new process */
    struct obs_tracked value = {.parent_tgid = ptgid};
    bpf_map_update_elem(&obs_tracked, &ctgid, &value, BPF_ANY);
    if (!obs_want_process)
        return 0;
    struct obs_fork_rec r = {};
    r.h.ts_ns = bpf_ktime_get_ns();
    r.h.type = OBS_REC_FORK;
    r.h.tgid = ctgid;
    r.h.tid = cpid;
    r.h.ptgid = ptgid;
    BPF_CORE_READ_STR_INTO(&r.h.comm, child, comm);
    r.parent_tgid = ptgid;
    r.parent_tid = BPF_CORE_READ(parent, pid);
    send(&r, sizeof(r));
    return 0;
}

SEC("raw_tp/sched_process_exec")
int obs_sched_process_exec(struct bpf_raw_tracepoint_args *ctx)
{
    __u64 id = bpf_get_current_pid_tgid();
    __u32 tgid = id >> 32;
    if (!is_tracked(tgid))
        return 0;
    /* The execve entry was saved under the thread that called it (old_pid), which may have been
     * a non-leader thread now renamed to the leader: drop it, success is reported here. */
    __u32 old_pid = (__u32)ctx->args[1];
    __u64 old_key = ((__u64)tgid << 32) | old_pid;
    __u32 sc = OBS_SC_EXECVE;
    struct obs_inflight *in = bpf_map_lookup_elem(&obs_inflight, &old_key);
    if (in)
        sc = in->syscall;
    bpf_map_delete_elem(&obs_inflight, &old_key);
    if (old_key != id)
        bpf_map_delete_elem(&obs_inflight, &id);
    if (!obs_want_process)
        return 0;

    __u32 zero = 0;
    struct obs_exec_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r)
        return 0;
    fill_header(&r->h, OBS_REC_EXEC);
    r->ret = 0;
    r->syscall = sc;
    r->argv_flags = 0;
    r->reserved = 0;
    struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
    const char *filename = BPF_CORE_READ(bprm, filename);
    long n = bpf_probe_read_kernel_str(r->path, OBS_PATH_MAX, filename);
    r->path_flags = n > 0 ? 0 : OBS_CAPTURE_UNREADABLE;
    r->path_len = n > 0 ? (__u16)n : 0;

    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    __u64 start = BPF_CORE_READ(task, mm, arg_start);
    __u64 end = BPF_CORE_READ(task, mm, arg_end);
    __u64 len = end > start ? end - start : 0;
    if (len > OBS_ARGV_MAX) {
        len = OBS_ARGV_MAX;
        r->argv_flags = OBS_CAPTURE_TRUNCATED;
    }
    r->argv_len = 0;
    if (len > 0) {
        if (bpf_probe_read_user(r->argv, len, (const void *)start) == 0)
            r->argv_len = len;
        else
            r->argv_flags = OBS_CAPTURE_UNREADABLE;
    }
    send(r, __builtin_offsetof(struct obs_exec_rec, argv) + (r->argv_len > OBS_ARGV_MAX ? OBS_ARGV_MAX : r->argv_len));
    return 0;
}

SEC("raw_tp/sched_process_exit")
int obs_sched_process_exit(struct bpf_raw_tracepoint_args *ctx)
{
    __u64 id = bpf_get_current_pid_tgid();
    __u32 tgid = id >> 32;
    if (!is_tracked(tgid))
        return 0;
    bpf_map_delete_elem(&obs_inflight, &id);
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    /* signal->live was decremented before this tracepoint: zero means the group is dead. */
    if (BPF_CORE_READ(task, signal, live.counter) != 0)
        return 0;
    bpf_map_delete_elem(&obs_tracked, &tgid);

    /* What wait(2) will report (wait_task_zombie): the group exit code once the group exits. */
    struct obs_exit_rec r = {};
    fill_header(&r.h, OBS_REC_EXIT);
    unsigned int flags = BPF_CORE_READ(task, signal, flags);
    if (flags & OBS_SIGNAL_GROUP_EXIT)
        r.status = BPF_CORE_READ(task, signal, group_exit_code);
    else
        r.status = BPF_CORE_READ(task, group_leader, exit_code);
    send(&r, sizeof(r));
    return 0;
}

/* The same sizes KernelRecordLayoutTests pins on the Swift side: both compiles must agree. */
_Static_assert(sizeof(struct obs_header) == 48, "obs_header layout changed");
_Static_assert(sizeof(struct obs_fork_rec) == 56, "obs_fork_rec layout changed");
_Static_assert(sizeof(struct obs_exit_rec) == 56, "obs_exit_rec layout changed");
_Static_assert(sizeof(struct obs_exec_rec) == 8256, "obs_exec_rec layout changed");
_Static_assert(sizeof(struct obs_file_rec) == 8272, "obs_file_rec layout changed");
_Static_assert(sizeof(struct obs_sock_rec) == 200, "obs_sock_rec layout changed");
_Static_assert(sizeof(struct obs_inflight) == 56, "obs_inflight layout changed");
_Static_assert(__builtin_offsetof(struct obs_file_rec, path) == 80, "obs_file_rec.path moved");
_Static_assert(__builtin_offsetof(struct obs_exec_rec, argv) == 4160, "obs_exec_rec.argv moved");
_Static_assert(__builtin_offsetof(struct obs_sock_rec, addr) == 72, "obs_sock_rec.addr moved");
