/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file category: open/openat/openat2/creat, unlink(at), rmdir, mkdir(at), rename(at,at2),
 * chdir, fchdir, link(at) and symlink(at) records, built at syscall exit from the arguments
 * saved at entry: the paths as passed, then each resolved (bpf/obs_path.bpf.h).
 */
#ifndef OBS_FILE_BPF_H
#define OBS_FILE_BPF_H

#define OBS_O_CREAT_WRONLY_TRUNC (00000100 | 00000001 | 00001000) /* what creat(2) means */

static __always_inline void on_file_exit(const struct obs_inflight *in, __s64 ret)
{
    __u32 zero = 0;
    struct obs_file_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r)
        return;
    fill_header(&r->h, OBS_REC_FILE);
    r->ret = ret;
    r->duration_ns = r->h.ts_ns > in->start_ns ? r->h.ts_ns - in->start_ns : 0;
    r->syscall = in->syscall;
    r->dfd = OBS_AT_FDCWD;
    r->dfd2 = OBS_AT_FDCWD;
    r->flags = 0;
    r->mode = 0;
    r->fd = -1;
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
        r->dfd2 = (__s32)in->args[2];
        path2 = in->args[3];
        if (in->syscall == OBS_SC_RENAMEAT2)
            r->flags = (__s32)in->args[4];
        break;
    case OBS_SC_CHDIR:
        r->op = OBS_FILE_CHDIR;
        path = in->args[0];
        break;
    case OBS_SC_FCHDIR:
        r->op = OBS_FILE_FCHDIR;
        r->fd = (__s32)in->args[0];
        break;
    case OBS_SC_LINK:
        r->op = OBS_FILE_LINK;
        path = in->args[0];
        path2 = in->args[1];
        break;
    case OBS_SC_LINKAT:
        r->op = OBS_FILE_LINK;
        r->dfd = (__s32)in->args[0];
        path = in->args[1];
        r->dfd2 = (__s32)in->args[2];
        path2 = in->args[3];
        r->flags = (__s32)in->args[4];
        break;
    case OBS_SC_SYMLINK:
        /* symlink(target, linkpath): the name created is PATH, the text stored PATH2. */
        r->op = OBS_FILE_SYMLINK;
        path2 = in->args[0];
        path = in->args[1];
        break;
    case OBS_SC_SYMLINKAT:
        r->op = OBS_FILE_SYMLINK;
        path2 = in->args[0];
        r->dfd = (__s32)in->args[1];
        path = in->args[2];
        break;
    default:
        return;
    }
    /* A rename or rmdir changes the names of what is below it: cached directories are walked
     * again from now on, this record's own resolution included. */
    if (ret == 0 && (r->op == OBS_FILE_RENAME || r->op == OBS_FILE_RMDIR))
        __sync_fetch_and_add(&obs_path_generation, 1);

    __u32 off = 0;
    __u32 path_off = off;
    if (r->op == OBS_FILE_FCHDIR)
        put_none(&r->str[OBS_FILE_STR_PATH]);
    else
        off += put_user_str(r->data, off, path, &r->str[OBS_FILE_STR_PATH]);
    __u32 path2_off = off;
    int two = r->op == OBS_FILE_RENAME || r->op == OBS_FILE_LINK || r->op == OBS_FILE_SYMLINK;
    if (two)
        off += put_user_str(r->data, off, path2, &r->str[OBS_FILE_STR_PATH2]);
    else
        put_none(&r->str[OBS_FILE_STR_PATH2]);

    struct obs_str *resolved = &r->str[OBS_FILE_STR_RESOLVED];
    __u32 data = OBS_FILE_REC_BASE_SIZE;
    if (!obs_resolve_paths)
        put_none(resolved);
    else if (r->op == OBS_FILE_OPEN && ret >= 0)
        off += put_resolved(resolved, obs_resolve(OBS_RESOLVE_WHERE(data, off, 0, 0), ret,
                                                  OBS_RESOLVE_HOW(OBS_RESOLVE_FD, OBS_SOURCE_FILE, 0)));
    else if ((r->op == OBS_FILE_CHDIR || r->op == OBS_FILE_FCHDIR) && ret == 0) /* the directory entered */
        off += put_resolved(resolved, obs_resolve(OBS_RESOLVE_WHERE(data, off, 0, 0), 0,
                                                  OBS_RESOLVE_HOW(OBS_RESOLVE_CWD, OBS_SOURCE_FILE, 0)));
    else if (r->op == OBS_FILE_FCHDIR)
        off += put_resolved(resolved, obs_resolve(OBS_RESOLVE_WHERE(data, off, 0, 0), r->fd,
                                                  OBS_RESOLVE_HOW(OBS_RESOLVE_FD_DIR, OBS_SOURCE_FILE, 0)));
    else
        off += put_resolved(
            resolved, obs_resolve(OBS_RESOLVE_WHERE(data, off, path_off, r->str[OBS_FILE_STR_PATH].len), r->dfd,
                                  OBS_RESOLVE_HOW(OBS_RESOLVE_BASE, 0,
                                                  r->op == OBS_FILE_LINK && (r->flags & OBS_AT_EMPTY_PATH))));

    /* A symlink's target is text, resolved (if ever) relative to the link, not the caller. */
    if (obs_resolve_paths && (r->op == OBS_FILE_RENAME || r->op == OBS_FILE_LINK))
        off += put_resolved(
            &r->str[OBS_FILE_STR_RESOLVED2],
            obs_resolve(OBS_RESOLVE_WHERE(data, off, path2_off, r->str[OBS_FILE_STR_PATH2].len), r->dfd2,
                        OBS_RESOLVE_HOW(OBS_RESOLVE_BASE, 0, 0)));
    else
        put_none(&r->str[OBS_FILE_STR_RESOLVED2]);

    if (off > OBS_FILE_STR_COUNT * OBS_PATH_MAX)
        off = OBS_FILE_STR_COUNT * OBS_PATH_MAX;
    __u8 op = r->op;
    /* The open's path, walked from the new descriptor's file, whole: its close can name it so. */
    int whole = resolved->source == OBS_SOURCE_FILE && resolved->len && !resolved->flags;
    int sent = obs_send_scratch(OBS_FILE_REC_SIZE(off));
    /* Byte counting: the new descriptor's close record says how long it was open. */
    if (obs_count_io && op == OBS_FILE_OPEN && ret >= 0)
        io_opened(ret, sent && whole);
}


#endif
