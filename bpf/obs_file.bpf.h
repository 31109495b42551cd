/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file category: open/openat/openat2/creat, unlink(at), rmdir, mkdir(at) and
 * rename(at,at2) records, built at syscall exit from the arguments saved at entry.
 */
#ifndef OBS_FILE_BPF_H
#define OBS_FILE_BPF_H

#define OBS_AT_FDCWD -100
#define OBS_O_CREAT_WRONLY_TRUNC (00000100 | 00000001 | 00001000) /* what creat(2) means */

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
    r->pad = 0;
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
        send(r, OBS_RENAME_REC_SIZE(clamp_path(r->path2_len)));
    } else {
        send(r, OBS_FILE_REC_SIZE(clamp_path(r->path_len)));
    }
}


#endif
