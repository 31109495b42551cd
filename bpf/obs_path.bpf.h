/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Absolute paths, resolved in the kernel at syscall exit: a dentry walk like the kernel's own
 * d_path (fs/d_path.c, prepend_path), written for tracepoint programs, which may not call
 * bpf_d_path. From a (vfsmount, dentry) pair it prepends each component's name while walking
 * d_parent, crosses a mount at its root to the mountpoint in the parent mount, and stops at the
 * process's root (task->fs->root), so a path is what the process itself would see. Reaching the
 * namespace's root without meeting the process's root marks the path OBS_PATH_OUTSIDE_ROOT.
 *
 * The walk runs under bpf_loop, so the verifier checks one step, not OBS_WALK_STEPS_MAX of
 * them. Every pointer is read with BPF_CORE_READ; struct mount is reached from its embedded
 * vfsmount by the CO-RE offset of mount.mnt. A walk is racy as d_path is under rename_lock:
 * a concurrent rename of an ancestor can give a mix of old and new names.
 *
 * Directories are cached (obs_dir_cache, keyed by mount and dentry, and the process's root): a
 * process's working directory, a dirfd's directory and an opened file's parent directory are
 * walked once, then reused while the dentry at that address still has the same parent and name
 * hash, and no rename or rmdir of the tracked tree happened since (obs_path_generation). What the cache
 * cannot see: a directory above it renamed by a process outside the tree.
 */
#ifndef OBS_PATH_BPF_H
#define OBS_PATH_BPF_H


static __always_inline struct obs_walk_buf *walk_buf(void)
{
    __u32 zero = 0;
    return bpf_map_lookup_elem(&obs_walk, &zero);
}

/* Prepends the first directory from the cache; returns 1 when it was there and still valid: the
 * dentry at that address has the parent and the name hash it had when walked. */
static __always_inline int prepend_cached(struct obs_walk *w, struct obs_walk_buf *b, __u64 parent, __u64 hash_len)
{
    struct obs_dir_entry *e = bpf_map_lookup_elem(&obs_dir_cache, &w->cache_key);
    if (!e)
        return 0;
    if (e->generation != obs_path_generation || e->parent != parent || e->hash_len != hash_len)
        return 0;
    __u32 len = e->len;
    OBS_CLAMP(len, OBS_PATH_MAX - 1);
    if (len == 0 || (__s32)len > w->pos)
        return 0;
    __s32 pos = w->pos - len;
    if (pos < 0)
        return 0;
    if (bpf_probe_read_kernel(&b->buf[pos & (OBS_PATH_MAX - 1)], len, e->path) != 0)
        return 0;
    w->pos = pos;
    return 1;
}

/* One step of the walk: a mount crossing, the cache, or one component. Returns 1 to stop. */
static long obs_walk_step(__u32 i, void *data)
{
    struct obs_walk_buf *b = walk_buf();
    if (!b)
        return 1;
    struct obs_walk *w = &b->walk;
    if (w->dentry == w->root_dentry && w->vfsmnt == w->root_mnt) {
        w->done = 1;
        return 1;
    }
    struct dentry *d = (struct dentry *)w->dentry;
    struct vfsmount *vfsmnt = (struct vfsmount *)w->vfsmnt;
    struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
    struct dentry *parent = BPF_CORE_READ(d, d_parent);
    if (i == 0)
        w->leaf_parent = (__u64)parent;
    if (d == mnt_root || d == parent) {
        if (d != mnt_root) {
            /* Its own parent but not a mount's root: a disconnected dentry, or a pseudo file
             * (pipe, socket, anonymous inode: d_alloc_pseudo() makes them their own parent,
             * and they name themselves through d_op->d_dname), which has no path. */
            w->flags |= OBS_PATH_UNWALKABLE;
            w->done = 1;
            return 1;
        }
        struct mount *m = (struct mount *)(w->vfsmnt - bpf_core_field_offset(struct mount, mnt));
        struct mount *up = BPF_CORE_READ(m, mnt_parent);
        if (!up || up == m) {
            /* The namespace's root, and the process's root was not on the way. */
            w->flags |= OBS_PATH_OUTSIDE_ROOT;
            w->done = 1;
            return 1;
        }
        w->dentry = (__u64)BPF_CORE_READ(m, mnt_mountpoint);
        w->vfsmnt = (__u64)up + bpf_core_field_offset(struct mount, mnt);
        return 0;
    }
    struct qstr q = {};
    if (BPF_CORE_READ_INTO(&q, d, d_name) != 0) {
        w->flags |= OBS_PATH_UNWALKABLE;
        w->done = 1;
        return 1;
    }
    if (w->level == w->cache_level && !w->at_dir) {
        w->at_dir = 1;
        w->dir_end = w->pos;
        w->cache_key.mnt = w->vfsmnt;
        w->cache_key.dentry = w->dentry;
        w->cache_key.root_mnt = w->root_mnt;
        w->cache_key.root_dentry = w->root_dentry;
        w->dir_parent = (__u64)parent;
        w->dir_hash_len = q.hash_len;
        if (prepend_cached(w, b, (__u64)parent, q.hash_len)) {
            w->cached = 1;
            w->done = 1;
            return 1;
        }
    }
    __u32 len = q.len;
    const unsigned char *name = q.name;
    if (len > OBS_NAME_MAX) {
        w->flags |= OBS_PATH_UNWALKABLE;
        w->done = 1;
        return 1;
    }
    OBS_CLAMP(len, OBS_NAME_MAX);
    if ((__s32)len + 1 > w->pos) {
        w->flags |= OBS_PATH_TRUNCATED;
        w->done = 1;
        return 1;
    }
    __s32 pos = w->pos - (__s32)len - 1;
    if (pos < 0) {
        w->flags |= OBS_PATH_TRUNCATED;
        w->done = 1;
        return 1;
    }
    if (bpf_probe_read_kernel(&b->buf[(pos + 1) & (OBS_PATH_MAX - 1)], len, name) != 0) {
        w->flags |= OBS_PATH_UNWALKABLE;
        w->done = 1;
        return 1;
    }
    b->buf[pos & (OBS_PATH_MAX - 1)] = '/';
    w->pos = pos;
    w->level++;
    w->dentry = (__u64)parent;
    return 0;
}

/* Caches the walk's first directory: buf[pos, dir_end) is its path. */
static __always_inline void cache_directory(struct obs_walk *w, struct obs_walk_buf *b)
{
    __s32 len = w->dir_end - w->pos;
    if (len <= 0 || len >= OBS_PATH_MAX || w->pos < 0 || w->pos >= OBS_PATH_MAX)
        return; /* the root, whose walk is free, or nothing to keep */
    __u32 n = len;
    OBS_CLAMP(n, OBS_PATH_MAX - 1);
    struct obs_dir_entry *e = &b->dir;
    e->parent = w->dir_parent;
    e->hash_len = w->dir_hash_len;
    e->generation = obs_path_generation;
    e->len = n;
    e->pad = 0;
    if (bpf_probe_read_kernel(e->path, n, &b->buf[w->pos & (OBS_PATH_MAX - 1)]) != 0)
        return;
    bpf_map_update_elem(&obs_dir_cache, &w->cache_key, e, BPF_ANY);
}

/*
 * Walks (vfsmnt, dentry) for the current task into the walk buffer: the path is buf[pos,
 * OBS_PATH_MAX), NUL included. is_dir says the dentry is a directory (cached itself) rather
 * than a file (its parent is cached). Returns pos | flags << 16.
 *
 * A global function, so the verifier checks it (and its bpf_loop callback) once, on its own,
 * instead of once per call site of every program: inlined, the walk took the syscall-exit
 * program past the verifier's million-instruction budget.
 */
__attribute__((noinline)) long obs_walk_path(__u64 vfsmnt, __u64 dentry, __u32 is_dir)
{
    /* Global functions are verified even when no caller reaches them: with resolution off the
     * verifier prunes from here, so a kernel lacking a field the walk reads (its CO-RE
     * relocation failed, the instruction poisoned) still loads the object. */
    if (!obs_resolve_paths)
        return (long)OBS_PATH_UNWALKABLE << 16;
    struct obs_walk_buf *b = walk_buf();
    if (!b || !vfsmnt || !dentry)
        return (long)OBS_PATH_UNWALKABLE << 16;
    struct dentry *d = (struct dentry *)dentry;
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    struct fs_struct *fs = BPF_CORE_READ(task, fs);
    struct path root = {};
    if (!fs || BPF_CORE_READ_INTO(&root, fs, root) != 0)
        return (long)OBS_PATH_UNWALKABLE << 16;
    /* The state lives in the map value, not on the stack: the verifier then sees unknown
     * scalars in each step and checks the callback once, instead of once per distinct
     * position (which, with a precise position, it would do up to OBS_WALK_STEPS_MAX times). */
    b->walk = (struct obs_walk){
        .vfsmnt = vfsmnt,
        .dentry = dentry,
        .root_mnt = (__u64)root.mnt,
        .root_dentry = (__u64)root.dentry,
        .pos = OBS_PATH_MAX - 1,
        .cache_level = is_dir ? 0 : 1,
        .leaf_parent = dentry, /* a root, until the first step reads the parent */
    };
    b->buf[OBS_PATH_MAX - 1] = 0;
    long steps = bpf_loop(OBS_WALK_STEPS_MAX, obs_walk_step, 0, 0);
    struct obs_walk w = b->walk;
    if (steps < 0 || (!w.done && !(w.flags & OBS_PATH_UNWALKABLE)))
        w.flags |= OBS_PATH_TRUNCATED;
    if (w.flags & OBS_PATH_UNWALKABLE)
        return (long)w.flags << 16;
    if (w.pos == OBS_PATH_MAX - 1 && !(w.flags & OBS_PATH_TRUNCATED)) {
        /* Nothing above the root: the path is "/". */
        w.pos = OBS_PATH_MAX - 2;
        b->buf[OBS_PATH_MAX - 2] = '/';
    }
    if (w.flags & OBS_PATH_TRUNCATED) {
        /* Keep the last components without the leading '/': never a made-up absolute path. */
        if (w.pos >= 0 && w.pos < OBS_PATH_MAX - 1 && b->buf[w.pos & (OBS_PATH_MAX - 1)] == '/')
            w.pos++;
    } else if (!w.cached && w.at_dir && !w.flags) {
        cache_directory(&b->walk, b);
    }
    /* d_unlinked(): unhashed and not a root. */
    if (!BPF_CORE_READ(d, d_hash.pprev) && w.leaf_parent != dentry)
        w.flags |= OBS_PATH_DELETED;
    if (w.pos < 0 || w.pos > OBS_PATH_MAX - 1)
        return (long)OBS_PATH_UNWALKABLE << 16;
    return (long)w.pos | (long)w.flags << 16;
}

/* What obs_resolve resolves (its `how`, bits 0-7). */
enum obs_resolve_kind {
    OBS_RESOLVE_FD = 1,      /* the file open at descriptor `arg` */
    OBS_RESOLVE_FD_DIR = 2,  /* the directory open at descriptor `arg` */
    OBS_RESOLVE_FILE = 3,    /* the struct file at address `arg` */
    OBS_RESOLVE_CWD = 4,     /* the working directory */
    OBS_RESOLVE_BASE = 5,    /* what the path as passed is relative to, dirfd `arg` */
};

#define OBS_RESOLVE_HOW(kind, source, empty_ok) ((kind) | ((source) << 8) | ((empty_ok) ? 1 << 16 : 0))
/* Where obs_resolve works: the record's data offset in the scratch slot, where to write, and
 * where the path as passed is, with its length. */
#define OBS_RESOLVE_WHERE(data_off, off, path_off, path_len)                                         \
    ((__u64)(data_off) | ((__u64)((off) & 0xffff) << 16) | ((__u64)((path_off) & 0xffff) << 32)       \
     | ((__u64)((path_len) & 0xffff) << 48))

/* The struct file behind descriptor fd of the current task, or 0. */
static __always_inline struct file *fd_file(__s64 fd)
{
    if (fd < 0)
        return 0;
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
    if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
        return 0;
    struct file **fds = BPF_CORE_READ(fdt, fd);
    struct file *f = 0;
    if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) != 0)
        return 0;
    return f;
}

/*
 * Resolves one path into the record being built in obs_scratch: walks what `how` names and
 * copies the path to the record's data at `off` (see OBS_RESOLVE_WHERE). Returns the obs_str
 * of the result packed as len | flags << 16 | source << 24.
 *
 * A global function, like obs_walk_path, for the same reason: the syscall-exit program calls it
 * from a dozen places, and inlined, each call multiplied the states the verifier explores (28k
 * instructions and about 30 ms of load time, against 3k without resolution).
 */
__attribute__((noinline)) long obs_resolve(__u64 where, __s64 arg, __u32 how)
{
    __u32 data_off = where & 0xff;
    __u32 off = (where >> 16) & 0xffff;
    __u32 path_off = (where >> 32) & 0xffff;
    __u32 path_len = (where >> 48) & 0xffff;
    __u32 kind = how & 0xff;
    long source = (how >> 8) & 0xff;
    if (!obs_resolve_paths) /* as in obs_walk_path */
        return 0;
    __u32 zero = 0;
    char *rec = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!rec)
        return OBS_PATH_UNWALKABLE << 16 | source << 24;
    char *data = rec + data_off;
    if (kind == OBS_RESOLVE_BASE) {
        /* Nothing when the path is absolute or unreadable; the dirfd's file itself for an
         * empty path with AT_EMPTY_PATH; else the dirfd's directory or the working directory. */
        if (path_len == 0)
            return 0;
        char first = data[path_off & OBS_DATA_MASK];
        if (first == '/')
            return 0;
        if (first == 0) {
            if (!((how >> 16) & 1) || arg == OBS_AT_FDCWD)
                return 0; /* an empty path names nothing (ENOENT) */
            kind = OBS_RESOLVE_FD;
            source = OBS_SOURCE_FILE;
        } else if (arg == OBS_AT_FDCWD) {
            kind = OBS_RESOLVE_CWD;
            source = OBS_SOURCE_CWD;
        } else {
            kind = OBS_RESOLVE_FD_DIR;
            source = OBS_SOURCE_DIRFD;
        }
    }
    struct path path = {};
    if (kind == OBS_RESOLVE_CWD) {
        struct task_struct *task = (struct task_struct *)bpf_get_current_task();
        BPF_CORE_READ_INTO(&path, task, fs, pwd);
    } else {
        struct file *f = kind == OBS_RESOLVE_FILE ? (struct file *)arg : fd_file(arg);
        if (!f)
            return OBS_PATH_UNWALKABLE << 16 | source << 24;
        BPF_CORE_READ_INTO(&path, f, f_path);
    }
    long walked = obs_walk_path((__u64)path.mnt, (__u64)path.dentry, kind != OBS_RESOLVE_FD && kind != OBS_RESOLVE_FILE);
    long flags = (walked >> 16) & 0xff;
    if (flags & OBS_PATH_UNWALKABLE)
        return flags << 16 | source << 24;
    struct obs_walk_buf *b = walk_buf();
    if (!b)
        return OBS_PATH_UNWALKABLE << 16 | source << 24;
    __u32 pos = walked & 0xffff;
    OBS_CLAMP(pos, OBS_PATH_MAX - 1);
    __u32 len = OBS_PATH_MAX - pos;
    OBS_CLAMP(len, OBS_PATH_MAX);
    if (bpf_probe_read_kernel(&data[off & OBS_DATA_MASK], len, &b->buf[pos & (OBS_PATH_MAX - 1)]) != 0)
        return OBS_PATH_UNWALKABLE << 16 | source << 24;
    return (long)len | flags << 16 | source << 24;
}

/* Fills s from obs_resolve's result; returns the bytes written. */
static __always_inline __u32 put_resolved(struct obs_str *s, long r)
{
    s->len = r & 0xffff;
    s->flags = (r >> 16) & 0xff;
    s->source = (r >> 24) & 0xff;
    return s->len;
}

/* No string. */
static __always_inline void put_none(struct obs_str *s)
{
    s->len = 0;
    s->flags = 0;
    s->source = OBS_SOURCE_NONE;
}

/* Reads a user string into dst[off]; returns its length with the NUL (0 when unreadable). */
static __always_inline __u32 put_user_str(char *dst, __u32 off, __u64 src, struct obs_str *s)
{
    s->source = OBS_SOURCE_NONE;
    s->len = read_user_path(&dst[off & OBS_DATA_MASK], src, &s->flags);
    if (s->len > OBS_PATH_MAX)
        s->len = OBS_PATH_MAX;
    return s->len;
}

#endif
