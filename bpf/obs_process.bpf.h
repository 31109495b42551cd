/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process category and the tree: sched_process_fork adds new thread groups of tracked
 * parents, sched_process_exec reports successful execs, sched_process_exit removes dead groups
 * and reports their status; failed execs are reported at the execve syscall's exit.
 */
#ifndef OBS_PROCESS_BPF_H
#define OBS_PROCESS_BPF_H

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
    long n = bpf_probe_read_user_str(&r->data[off & (OBS_ARGV_MAX - 1)], OBS_ARG_MAX, (const void *)arg);
    if (n <= 0) {
        w->flags |= OBS_CAPTURE_UNREADABLE;
        return 1;
    }
    if (n == OBS_ARG_MAX)
        w->flags |= OBS_CAPTURE_TRUNCATED;
    w->off = off + n;
    return 0;
}

/* The exec's working directory, then sends the record with data up to off. */
static __always_inline void send_exec(struct obs_exec_rec *r, __u32 off)
{
    if (obs_resolve_paths)
        off += put_resolved(&r->str[OBS_EXEC_STR_CWD],
                            obs_resolve(OBS_RESOLVE_WHERE(OBS_EXEC_REC_BASE_SIZE, off, 0, 0), 0,
                                        OBS_RESOLVE_HOW(OBS_RESOLVE_CWD, OBS_SOURCE_CWD, 0)));
    else
        put_none(&r->str[OBS_EXEC_STR_CWD]);
    if (off > OBS_ARGV_MAX + OBS_EXEC_STR_COUNT * OBS_PATH_MAX)
        off = OBS_ARGV_MAX + OBS_EXEC_STR_COUNT * OBS_PATH_MAX;
    obs_send_scratch(OBS_EXEC_REC_SIZE(off));
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
    r->pad = 0;
    int at = in->syscall == OBS_SC_EXECVEAT;
    r->dfd = at ? (__s32)in->args[0] : OBS_AT_FDCWD;
    struct obs_argv_walk walk = {.argv = at ? in->args[2] : in->args[1]};
    if (walk.argv)
        bpf_loop(OBS_ARGS_MAX, obs_read_arg, &walk, 0);
    __u32 off = walk.off > OBS_ARGV_MAX ? OBS_ARGV_MAX : walk.off;
    r->argv_len = off;
    r->argv_flags = walk.flags;
    __u32 path_off = off;
    off += put_user_str(r->data, off, at ? in->args[1] : in->args[0], &r->str[OBS_EXEC_STR_PATH]);
    if (obs_resolve_paths)
        off += put_resolved(
            &r->str[OBS_EXEC_STR_RESOLVED],
            obs_resolve(OBS_RESOLVE_WHERE(OBS_EXEC_REC_BASE_SIZE, off, path_off, r->str[OBS_EXEC_STR_PATH].len),
                        r->dfd, OBS_RESOLVE_HOW(OBS_RESOLVE_BASE, 0, at && (in->args[4] & OBS_AT_EMPTY_PATH))));
    else
        put_none(&r->str[OBS_EXEC_STR_RESOLVED]);
    send_exec(r, off);
}

/* ---------- the process tree ---------- */

SEC("raw_tp/sched_process_fork")
int obs_sched_process_fork(struct bpf_raw_tracepoint_args *ctx)
{
    struct task_struct *parent = (struct task_struct *)ctx->args[0];
    struct task_struct *child = (struct task_struct *)ctx->args[1];
    __u32 ptgid = BPF_CORE_READ(parent, tgid);
    if (!is_observed(ptgid))
        return 0;
    __u32 cpid = BPF_CORE_READ(child, pid);
    __u32 ctgid = BPF_CORE_READ(child, tgid);
    if (cpid != ctgid)
        return 0; /* a new thread, not a new process */
    /* An observed cgroup holds its tree by itself: the child is in its parent's cgroup. */
    if (!obs_filter_cgroup_id) {
        struct obs_tracked value = {.parent_tgid = ptgid};
        tracked_bit_set(ctgid);
        bpf_map_update_elem(&obs_tracked, &ctgid, &value, BPF_ANY);
    }
    /* A counted parent's child is counted from its first instruction (its return from fork is
     * not a call of its own: the parent's entry holds the call). */
    if (obs_syscall_summary && bpf_map_lookup_elem(&obs_sc_procs, &ptgid))
        sc_start_counting(ctgid);
    if (!obs_want_process)
        return 0;
    struct obs_fork_rec r = {};
    r.h.ts_ns = bpf_ktime_get_ns();
    r.h.type = OBS_REC_FORK;
    r.h.tgid = ctgid;
    r.h.tid = cpid;
    r.h.ptgid = ptgid;
    BPF_CORE_READ_STR_INTO(&r.h.comm, child, comm);
    r.h.cgroup_id = bpf_get_current_cgroup_id(); /* the parent's: where the child starts */
    r.parent_tgid = ptgid;
    r.parent_tid = BPF_CORE_READ(parent, pid);
    send(&r, OBS_FORK_REC_SIZE);
    return 0;
}

SEC("raw_tp/sched_process_exec")
int obs_sched_process_exec(struct bpf_raw_tracepoint_args *ctx)
{
    __u64 id = bpf_get_current_pid_tgid();
    __u32 tgid = id >> 32;
    if (!is_observed(tgid))
        return 0;
    /* The execve entry was saved under the thread that called it (old_pid), which may have been
     * a non-leader thread now renamed to the leader: drop it, success is reported here. */
    __u32 old_pid = (__u32)ctx->args[1];
    __u64 old_key = ((__u64)tgid << 32) | old_pid;
    __u32 sc = OBS_SC_EXECVE;
    __s32 dfd = OBS_AT_FDCWD;
    int empty_path = 0;
    struct obs_inflight *in = bpf_map_lookup_elem(&obs_inflight, &old_key);
    __u64 start_ns = 0;
    __u32 nr = 0;
    if (in) {
        sc = in->syscall;
        if (sc == OBS_SC_EXECVEAT) {
            dfd = (__s32)in->args[0];
            empty_path = (in->args[4] & OBS_AT_EMPTY_PATH) != 0;
        }
        start_ns = in->start_ns;
        nr = in->nr;
    }
    bpf_map_delete_elem(&obs_inflight, &old_key);
    if (old_key != id)
        bpf_map_delete_elem(&obs_inflight, &id);
    if (obs_syscall_summary) {
        /* The command starts here: counted from this exec on, the exec itself included, whose
         * exit finds an entry that reports nothing more (syscall NONE) but its time. */
        sc_start_counting(tgid);
        if (start_ns) {
            struct obs_inflight again = {.start_ns = start_ns, .nr = nr};
            bpf_map_update_elem(&obs_inflight, &id, &again, BPF_ANY);
        }
    }
    if (obs_count_io) {
        /* The command starts here: a spawned child's I/O is counted from its exec on. */
        if (!obs_filter_cgroup_id) {
            struct obs_tracked *t = bpf_map_lookup_elem(&obs_tracked, &tgid);
            if (t && (t->flags & OBS_TRACKED_GATED))
                t->flags &= ~OBS_TRACKED_GATED;
        }
        /* The descriptors the exec closed (close-on-exec) no longer hold their files. */
        obs_io_sweep(tgid, OBS_CLOSED_BY_EXEC, 0, 0);
    }
    if (!obs_want_process)
        return 0;

    __u32 zero = 0;
    struct obs_exec_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r)
        return 0;
    fill_header(&r->h, OBS_REC_EXEC);
    r->ret = 0;
    r->syscall = sc;
    r->dfd = dfd;
    r->argv_flags = 0;
    r->pad = 0;

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
        if (bpf_probe_read_user(r->data, len, (const void *)start) == 0)
            r->argv_len = len;
        else
            r->argv_flags = OBS_CAPTURE_UNREADABLE;
    }
    __u32 off = r->argv_len > OBS_ARGV_MAX ? OBS_ARGV_MAX : r->argv_len;
    /* The path as passed, from the kernel's own copy of it (getname() of the caller's string:
     * by now the caller's memory is gone, and at the syscall's entry its page may not be mapped
     * in a freshly forked child). For execveat with a dirfd and a relative or empty path the
     * kernel names it "/dev/fd/N/path" or "/dev/fd/N" (bprm->fdpath): flagged, so user space
     * recovers the path as passed exactly. */
    struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
    __u32 path_off = off;
    const char *filename = BPF_CORE_READ(bprm, filename);
    struct obs_str *path = &r->str[OBS_EXEC_STR_PATH];
    long n = bpf_probe_read_kernel_str(&r->data[off & OBS_DATA_MASK], OBS_PATH_MAX, filename);
    path->len = n > 0 ? (__u16)n : 0;
    path->flags = n > 0 ? 0 : OBS_CAPTURE_UNREADABLE;
    path->source = OBS_SOURCE_NONE;
    if (bpf_core_field_exists(bprm->fdpath) && filename == BPF_CORE_READ(bprm, fdpath))
        path->flags |= OBS_CAPTURE_FDPATH;
    __u32 path_len = path->len;
    OBS_CLAMP(path_len, OBS_PATH_MAX);
    off += path_len;

    /* The executed file itself, unless an interpreter ran it (a script): bprm->file is then the
     * interpreter, and the script's path is the path as passed, joined. */
    struct obs_str *resolved = &r->str[OBS_EXEC_STR_RESOLVED];
    if (!obs_resolve_paths) {
        put_none(resolved);
    } else if (BPF_CORE_READ(bprm, interp) == BPF_CORE_READ(bprm, filename)) {
        off += put_resolved(resolved, obs_resolve(OBS_RESOLVE_WHERE(OBS_EXEC_REC_BASE_SIZE, off, 0, 0),
                                                  (__s64)BPF_CORE_READ(bprm, file),
                                                  OBS_RESOLVE_HOW(OBS_RESOLVE_FILE, OBS_SOURCE_FILE, 0)));
    } else {
        off += put_resolved(resolved,
                            obs_resolve(OBS_RESOLVE_WHERE(OBS_EXEC_REC_BASE_SIZE, off, path_off, path->len), dfd,
                                        OBS_RESOLVE_HOW(OBS_RESOLVE_BASE, 0, empty_path)));
    }
    send_exec(r, off);
    return 0;
}

SEC("raw_tp/sched_process_exit")
int obs_sched_process_exit(struct bpf_raw_tracepoint_args *ctx)
{
    __u64 id = bpf_get_current_pid_tgid();
    __u32 tgid = id >> 32;
    if (!is_observed(tgid))
        return 0;
    bpf_map_delete_elem(&obs_inflight, &id);
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    /* signal->live was decremented before this tracepoint: zero means the group is dead. */
    if (BPF_CORE_READ(task, signal, live.counter) != 0)
        return 0;
    bpf_map_delete_elem(&obs_tracked, &tgid);
    tracked_bit_clear(tgid);
    /* The descriptors still open end with the process (their close records come first). */
    int io_uring = 0;
    if (obs_count_io) {
        obs_io_sweep(tgid, OBS_CLOSED_BY_EXIT, 0, 0);
        io_uring = bpf_map_lookup_elem(&obs_io_uring, &tgid) != 0;
        if (io_uring)
            bpf_map_delete_elem(&obs_io_uring, &tgid);
    }
    /* Its syscall summary, before its exit record (the verifier prunes this unless both are set). */
    if (obs_syscall_summary && obs_sc_emit_cpus)
        sc_emit_summary(tgid);

    /* What wait(2) will report (wait_task_zombie): the group exit code once the group exits.
     * Built in the scratch slot, after the sweep above used it: on the stack it would take the
     * room the sweep's path walks need. */
    __u32 zero = 0;
    struct obs_exit_rec *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r)
        return 0;
    __builtin_memset(r, 0, sizeof(*r));
    fill_header(&r->h, OBS_REC_EXIT);
    unsigned int flags = BPF_CORE_READ(task, signal, flags);
    if (flags & OBS_SIGNAL_GROUP_EXIT)
        r->status = BPF_CORE_READ(task, signal, group_exit_code);
    else
        r->status = BPF_CORE_READ(task, group_leader, exit_code);
    /* Which process the OOM killer chose is known here only: memory.events counts kills, and
     * the tracepoint that names the victim (oom:mark_victim) fires in the allocating task. */
    struct signal_struct *sig = BPF_CORE_READ(task, signal);
    if (bpf_core_field_exists(sig->oom_mm) && BPF_CORE_READ(sig, oom_mm))
        r->flags = OBS_EXIT_OOM_KILLED;
    /* Peak RSS. do_exit folds the exiting mm into signal->maxrss when the group dies, before
     * this tracepoint; since 6.16 the tracepoint also comes before exit_mm, so the image's own
     * peak is still readable: a group figure above it came from an image exec replaced. */
    if (bpf_core_field_exists(sig->maxrss)) {
        r->maxrss_pages = BPF_CORE_READ(sig, maxrss);
        r->flags |= OBS_EXIT_MAXRSS;
    }
    struct mm_struct *mm = BPF_CORE_READ(task, mm);
    if (mm && bpf_core_field_exists(mm->hiwater_rss) && bpf_core_field_exists(mm->rss_stat)) {
        __s64 rss = 0, v;
        v = BPF_CORE_READ(mm, rss_stat[OBS_MM_FILEPAGES].count);
        rss += v > 0 ? v : 0;
        v = BPF_CORE_READ(mm, rss_stat[OBS_MM_ANONPAGES].count);
        rss += v > 0 ? v : 0;
        v = BPF_CORE_READ(mm, rss_stat[OBS_MM_SHMEMPAGES].count);
        rss += v > 0 ? v : 0;
        __u64 hiwater = BPF_CORE_READ(mm, hiwater_rss);
        r->image_rss_pages = hiwater > (__u64)rss ? hiwater : (__u64)rss;
        r->flags |= OBS_EXIT_IMAGE_RSS;
    }
    read_io_totals(task, r);
    if (io_uring)
        r->flags |= OBS_EXIT_IO_URING;
    send(r, OBS_EXIT_REC_SIZE);
    return 0;
}

#endif
