/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DNS: the payload of a send or receive on a UDP or TCP socket whose peer or local port is 53,
 * copied (bounded) into an obs_dns_rec for user space to decode. Called at the exit of the I/O
 * syscalls with where the call's bytes are in the caller's memory (enum obs_dns_layout); the
 * socket is found from the descriptor, and a call on anything else leaves after a few reads.
 */
#ifndef OBS_DNS_BPF_H
#define OBS_DNS_BPF_H

#include <bpf/bpf_endian.h>

/*
 * CO-RE views of the socket structures. The ___dns flavour (libbpf ignores what follows ___)
 * keeps them apart from other views of the same kernel types. skc_daddr, skc_dport and the
 * others sit in anonymous unions in the kernel, which CO-RE looks through.
 */
struct inode___dns {
    unsigned short i_mode;
} __attribute__((preserve_access_index));

struct file___dns {
    struct inode___dns *f_inode;
    void *private_data;
} __attribute__((preserve_access_index));

struct in6_addr___dns {
    __u8 s6_addr[16];
} __attribute__((preserve_access_index));

struct sock_common___dns {
    __u32 skc_daddr;
    __u32 skc_rcv_saddr;
    __u16 skc_dport;      /* network order */
    __u16 skc_num;        /* host order */
    unsigned short skc_family;
    struct in6_addr___dns skc_v6_daddr;
    struct in6_addr___dns skc_v6_rcv_saddr;
} __attribute__((preserve_access_index));

struct sock___dns {
    struct sock_common___dns __sk_common;
} __attribute__((preserve_access_index));

struct socket___dns {
    short type;
    struct sock___dns *sk;
} __attribute__((preserve_access_index));

/* The user-space structures a call's bytes are described by (uapi, fixed layouts). */
struct obs_dns_iovec {
    __u64 base;
    __u64 len;
};

struct obs_dns_msghdr {
    __u64 name;
    __s32 namelen;
    __s32 pad;
    __u64 iov;
    __u64 iovlen;
    __u64 control;
    __u64 controllen;
    __u32 flags;
    __u32 pad2;
};

struct obs_dns_mmsghdr {
    struct obs_dns_msghdr hdr;
    __u32 len;
    __u32 pad;
};

/* Where a call's bytes are (the `layout` argument of obs_dns_capture). */
enum obs_dns_layout {
    OBS_DNS_LAYOUT_BUF = 1,  /* arg: the buffer; the call moved ret bytes */
    OBS_DNS_LAYOUT_IOV = 2,  /* arg: struct iovec[count] (readv, writev) */
    OBS_DNS_LAYOUT_MSG = 3,  /* arg: struct msghdr (sendmsg, recvmsg) */
    OBS_DNS_LAYOUT_MMSG = 4, /* arg: struct mmsghdr[count]; ret is the number of messages */
};

/* OBS_S_IFMT, OBS_S_IFSOCK, OBS_AF_INET and OBS_AF_INET6 come from bpf/obs_io.bpf.h. */
#define OBS_SOCK_STREAM 1
#define OBS_SOCK_DGRAM 2

/* The port of a user sockaddr_in/sockaddr_in6 (both keep it at offset 2), with its address. */
static __always_inline __u16 dns_user_addr(__u64 addr, __u16 family, __u8 *out)
{
    if (!addr)
        return 0;
    __u16 head[2] = {};
    if (bpf_probe_read_user(head, sizeof(head), (const void *)addr) != 0 || head[0] != family)
        return 0;
    if (family == OBS_AF_INET)
        bpf_probe_read_user(out, 4, (const void *)(addr + 4));
    else
        bpf_probe_read_user(out, 16, (const void *)(addr + 8));
    return bpf_ntohs(head[1]);
}

/* Gathers up to `moved` bytes from iov[0..iovlen) into the record's data; returns the bytes kept. */
static __always_inline __u32 dns_gather(struct obs_dns_rec *r, __u64 iov, __u64 iovlen, __u32 moved)
{
    __u32 off = 0;
    for (int i = 0; i < OBS_DNS_IOV_MAX; i++) {
        if (i >= iovlen || off >= moved || off >= OBS_DNS_PAYLOAD_MAX)
            break;
        struct obs_dns_iovec v = {};
        if (bpf_probe_read_user(&v, sizeof(v), (const void *)(iov + i * sizeof(v))) != 0)
            break;
        __u64 n = v.len;
        if (n > moved - off)
            n = moved - off;
        if (n > OBS_DNS_PAYLOAD_MAX - off)
            n = OBS_DNS_PAYLOAD_MAX - off;
        OBS_CLAMP(n, OBS_DNS_PAYLOAD_MAX);
        if (n == 0)
            continue;
        __u32 at = off & (OBS_DNS_PAYLOAD_MAX - 1);
        if (bpf_probe_read_user(r->data + at, n, (const void *)v.base) != 0)
            break;
        off += n;
    }
    return off;
}

/*
 * Fills the payload of message msg_index of the call and sends the record, which the caller has
 * built in obs_scratch up to the payload. A global function with scalar arguments only: the
 * verifier checks it (and its gather loop) once per program, instead of once per call site with
 * that caller's state (as a static subprogram it was most of the DNS capture's 15,000 verified
 * instructions; a global taking the record as an argument lost the record's bounds).
 */
__noinline int obs_dns_send_one(__u64 iov, __u64 iovlen, __u32 moved, __u32 msg_index)
{
    __u32 zero = 0;
    struct obs_dns_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r)
        return 0;
    r->msg_index = msg_index;
    r->moved = moved;
    __u32 kept = dns_gather(r, iov, iovlen, moved);
    if (kept > OBS_DNS_PAYLOAD_MAX)
        kept = OBS_DNS_PAYLOAD_MAX;
    r->len = kept;
    r->flags = kept < moved ? OBS_CAPTURE_TRUNCATED : 0;
    obs_send_scratch(OBS_DNS_REC_SIZE(kept));
    return 0;
}

/* The inet (IPv4 or IPv6) UDP or TCP socket behind descriptor fd, its type in *type; 0 for any
 * other descriptor (a file, a pipe, a unix socket). */
static __always_inline struct sock___dns *dns_sock(__s64 fd, short *type)
{
    struct file___dns *f = (struct file___dns *)fd_file(fd);
    if (!f)
        return 0;
    unsigned short mode = BPF_CORE_READ(f, f_inode, i_mode);
    if ((mode & OBS_S_IFMT) != OBS_S_IFSOCK)
        return 0;
    struct socket___dns *sock = BPF_CORE_READ(f, private_data);
    if (!sock)
        return 0;
    *type = BPF_CORE_READ(sock, type);
    if (*type != OBS_SOCK_DGRAM && *type != OBS_SOCK_STREAM)
        return 0;
    struct sock___dns *sk = BPF_CORE_READ(sock, sk);
    if (!sk)
        return 0;
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    return family == OBS_AF_INET || family == OBS_AF_INET6 ? sk : 0;
}

/*
 * At the entry of an I/O call while bytes are not counted (the calls are observed for DNS
 * only): whether descriptor fd may carry DNS, so that the call's arguments are worth keeping
 * until its exit. A socket with port 53 at either end may, and an unconnected UDP socket (whose
 * peer is the call's own address); a file, a pipe or another socket does not, and its call
 * leaves here, without an obs_inflight entry.
 */
static __always_inline int obs_dns_may_carry(__s64 fd)
{
    short type = 0;
    struct sock___dns *sk = dns_sock(fd, &type);
    if (!sk)
        return 0;
    __u16 local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
    __u16 remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
    return local_port == OBS_DNS_PORT || remote_port == OBS_DNS_PORT || (type == OBS_SOCK_DGRAM && !remote_port);
}

/*
 * At the exit of an I/O call of the tree (OBS_SC_READ..OBS_SC_RECVMMSG, bpf/obs_io.bpf.h): when
 * it moved bytes on an inet UDP or TCP socket with port 53 at either end, send its payload.
 * sendto's destination and recvfrom's source (or a msghdr's msg_name) name the peer of an
 * unconnected socket. The file calls (pread64, sendfile, ...) never carry DNS and leave at once.
 */
static __always_inline void dns_io_exit(const struct obs_inflight *in, __s64 ret)
{
    if (!obs_want_dns || ret <= 0)
        return;
    __u8 syscall = in->syscall;
    __s32 fd = (__s32)in->args[0];
    __u64 arg = in->args[1];
    __u64 count = 0;
    __u64 addr = 0;
    __u8 direction = OBS_DNS_RECEIVED;
    __u8 layout = OBS_DNS_LAYOUT_BUF;
    switch (syscall) {
    case OBS_SC_READ:
        break;
    case OBS_SC_WRITE:
        direction = OBS_DNS_SENT;
        break;
    case OBS_SC_RECVFROM:
        addr = in->args[4];
        break;
    case OBS_SC_SENDTO:
        direction = OBS_DNS_SENT;
        addr = in->args[4];
        break;
    case OBS_SC_READV:
        layout = OBS_DNS_LAYOUT_IOV;
        count = in->args[2];
        break;
    case OBS_SC_WRITEV:
        direction = OBS_DNS_SENT;
        layout = OBS_DNS_LAYOUT_IOV;
        count = in->args[2];
        break;
    case OBS_SC_RECVMSG:
        layout = OBS_DNS_LAYOUT_MSG;
        break;
    case OBS_SC_SENDMSG:
        direction = OBS_DNS_SENT;
        layout = OBS_DNS_LAYOUT_MSG;
        break;
    case OBS_SC_RECVMMSG:
        layout = OBS_DNS_LAYOUT_MMSG;
        count = in->args[2];
        break;
    case OBS_SC_SENDMMSG:
        direction = OBS_DNS_SENT;
        layout = OBS_DNS_LAYOUT_MMSG;
        count = in->args[2];
        break;
    default:
        return;
    }
    if (!arg)
        return;
    short type = 0;
    struct sock___dns *sk = dns_sock(fd, &type);
    if (!sk)
        return;
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    __u16 local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
    __u16 remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));

    __u32 zero = 0;
    struct obs_dns_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r)
        return;
    __builtin_memset(r->remote_addr, 0, sizeof(r->remote_addr));
    __builtin_memset(r->local_addr, 0, sizeof(r->local_addr));
    /* bpf_core_read with the field's size (BPF_CORE_READ_INTO would copy sizeof(*dst): 1 byte). */
    if (family == OBS_AF_INET)
        bpf_core_read(r->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
    else
        bpf_core_read(r->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
    struct obs_dns_msghdr msg = {};
    if (layout == OBS_DNS_LAYOUT_MSG) {
        if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)arg) != 0)
            return;
        addr = msg.name;
    } else if (layout == OBS_DNS_LAYOUT_MMSG) {
        /* The first message's address stands for the call's (a resolver sends to one server). */
        if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)arg) != 0)
            return;
        addr = msg.name;
    }
    if (remote_port) {
        if (family == OBS_AF_INET)
            bpf_core_read(r->remote_addr, 4, &sk->__sk_common.skc_daddr);
        else
            bpf_core_read(r->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
    } else {
        remote_port = dns_user_addr(addr, family, r->remote_addr);
    }
    if (remote_port != OBS_DNS_PORT && local_port != OBS_DNS_PORT)
        return;

    fill_header(&r->h, OBS_REC_DNS);
    r->ret = ret;
    r->fd = fd;
    r->syscall = syscall;
    r->direction = direction;
    r->transport = type == OBS_SOCK_DGRAM ? OBS_DNS_UDP : OBS_DNS_TCP;
    r->family = family;
    r->remote_port = remote_port;
    r->local_port = local_port;
    r->msg_index = 0;
    r->pad = 0;
    __u32 moved = ret > 0xffffffff ? 0xffffffff : (__u32)ret;
    switch (layout) {
    case OBS_DNS_LAYOUT_BUF: {
        __u64 n = moved;
        OBS_CLAMP(n, OBS_DNS_PAYLOAD_MAX);
        r->moved = moved;
        if (n == 0 || bpf_probe_read_user(r->data, n, (const void *)arg) != 0)
            n = 0;
        r->len = n;
        r->flags = n < moved ? OBS_CAPTURE_TRUNCATED : 0;
        obs_send_scratch(OBS_DNS_REC_SIZE(n));
        break;
    }
    case OBS_DNS_LAYOUT_IOV:
        obs_dns_send_one(arg, count, moved, 0);
        break;
    case OBS_DNS_LAYOUT_MSG:
        obs_dns_send_one(msg.iov, msg.iovlen, moved, 0);
        break;
    case OBS_DNS_LAYOUT_MMSG:
        for (int i = 0; i < OBS_DNS_MMSG_MAX; i++) {
            if (i >= ret)
                break;
            struct obs_dns_mmsghdr m = {};
            if (bpf_probe_read_user(&m, sizeof(m), (const void *)(arg + i * sizeof(m))) != 0)
                break;
            obs_dns_send_one(m.hdr.iov, m.hdr.iovlen, m.len, i);
        }
        break;
    }
}

/*
 * The DNS capture as a global function: the verifier checks a global function once, on its own,
 * instead of once per path of each caller that reaches it. Inlined (or as a static subprogram,
 * which is checked per call site), it was most of the 47 ms the raw sys_exit program took to
 * verify at every run's start.
 */
__noinline int obs_dns_on_io_exit(const struct obs_inflight *in, __s64 ret)
{
    if (!in)
        return 0;
    dns_io_exit(in, ret);
    return 0;
}

#endif
