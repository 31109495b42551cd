/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network category: connect, accept/accept4, bind and listen records, built at syscall
 * exit from the arguments saved at entry.
 */
#ifndef OBS_NET_BPF_H
#define OBS_NET_BPF_H

#define OBS_AF_UNIX 1

static __always_inline void on_sock_exit(const struct obs_inflight *in, __s64 ret)
{
    __u32 zero = 0;
    struct obs_sock_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r)
        return;
    fill_header(&r->h, OBS_REC_SOCK);
    r->ret = ret;
    r->duration_ns = r->h.ts_ns > in->start_ns ? r->h.ts_ns - in->start_ns : 0;
    r->syscall = in->syscall;
    r->fd = (__s32)in->args[0];
    r->backlog = 0;
    r->addr_len = 0;
    r->addr_flags = 0;
    r->pad = 0;
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
        if (!in->args[1] || !in->args[2])
            r->addr_flags = OBS_CAPTURE_NOT_REQUESTED;
        else if (ret >= 0) {
            /* After the call *addrlen is the peer address's true length; the kernel wrote at
             * most the caller's buffer size (saved at entry). */
            __u32 after = 0;
            addr = in->args[1];
            if (bpf_probe_read_user(&after, sizeof(after), (const void *)in->args[2]) != 0) {
                r->addr_flags = OBS_CAPTURE_UNREADABLE;
                addr = 0;
            }
            len = after < in->accept_addrlen ? after : in->accept_addrlen;
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
    /* A unix socket's relative path is relative to the caller's working directory. */
    __u32 off = 0;
    __u16 family = 0;
    __builtin_memcpy(&family, r->addr, sizeof(family));
    if (obs_resolve_paths && family == OBS_AF_UNIX && r->addr_len > 2 && r->addr[2] != 0 && r->addr[2] != '/')
        off = put_resolved(&r->cwd, obs_resolve(OBS_RESOLVE_WHERE(OBS_SOCK_REC_BASE_SIZE, 0, 0, 0), 0,
                                                OBS_RESOLVE_HOW(OBS_RESOLVE_CWD, OBS_SOURCE_CWD, 0)));
    else
        put_none(&r->cwd);
    r->pad2 = 0;
    if (off > OBS_PATH_MAX)
        off = OBS_PATH_MAX;
    __u8 op = r->op;
    obs_send_scratch(OBS_SOCK_REC_SIZE(off));
    /* Byte counting: a socket's life runs from its first observed socket(), accept or connect. */
    if (obs_count_io) {
        if (op == OBS_SOCK_ACCEPT && ret >= 0)
            io_started(ret);
        else if (op == OBS_SOCK_CONNECT && (ret == 0 || ret == -OBS_EINPROGRESS))
            io_started((__s32)in->args[0]);
    }
}


#endif
