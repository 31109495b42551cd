/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The syscall summary (obs_syscall_summary): every syscall of the counted processes of the tree,
 * summed per process and syscall number in obs_sc_stats (or, once that is full, obs_sc_spill) at
 * sys_exit (calls, errors by errno, total/min/max time, a log2 histogram). Nothing per call is
 * sent. At a process's exit the kernel sends its summary record (sc_emit_summary, where
 * obs_sc_emit_cpus is set), or user space reads and deletes its entries at its exit record; the
 * rest at the run's end. See obs_records.h for which processes are counted and from when.
 */
#ifndef OBS_SUMMARY_BPF_H
#define OBS_SUMMARY_BPF_H

/* floor(log2(v)), 0 for 0 and 1. */
static __always_inline __u32 obs_log2(__u64 v)
{
    __u32 r = 0, shift;
    shift = (v > 0xFFFFFFFFULL) << 5;
    v >>= shift;
    r |= shift;
    shift = (v > 0xFFFF) << 4;
    v >>= shift;
    r |= shift;
    shift = (v > 0xFF) << 3;
    v >>= shift;
    r |= shift;
    shift = (v > 0xF) << 2;
    v >>= shift;
    r |= shift;
    shift = (v > 0x3) << 1;
    v >>= shift;
    r |= shift;
    r |= (v >> 1);
    return r;
}

static __always_inline struct obs_sc_zero *sc_zero(void)
{
    __u32 zero = 0;
    return bpf_map_lookup_elem(&obs_sc_zero, &zero);
}

/* Starts counting tgid (an exec, a fork of a counted parent). An entry already there is kept: a
 * counted process that execs again goes on. A full map is counted, never silent. */
static __always_inline void sc_start_counting(__u32 tgid)
{
    if (bpf_map_lookup_elem(&obs_sc_procs, &tgid))
        return;
    struct obs_sc_zero *zero = sc_zero();
    if (!zero)
        return;
    long rc = bpf_map_update_elem(&obs_sc_procs, &tgid, &zero->proc, BPF_NOEXIST);
    if (rc != 0 && rc != -17 /* EEXIST: another thread made it */) {
        __u64 *dropped = counter(OBS_COUNTER_SC_DROPPED_PROCS);
        if (dropped)
            __sync_fetch_and_add(dropped, 1);
    }
}

/* A new (process, syscall) entry for the pair key of the counted process proc: in obs_sc_stats,
 * or in obs_sc_spill once that is full; its number marked in proc's bitmap. Null when both are
 * full (the call is counted in proc's dropped). */
static __always_inline struct obs_sc_stat *sc_new_entry(struct obs_sc_proc *proc, struct obs_sc_key *key)
{
    struct obs_sc_zero *zero = sc_zero();
    if (!zero)
        return 0;
    bpf_map_update_elem(&obs_sc_stats, key, &zero->stat, BPF_NOEXIST);
    struct obs_sc_stat *st = bpf_map_lookup_elem(&obs_sc_stats, key);
    if (!st) {
        /* The preallocated map is full: the spill map, allocated on use. Another thread of the
         * process may put the same pair in either map meanwhile; the readers sum both maps'
         * values of every number of a process that spilled, so no call is lost. */
        bpf_map_update_elem(&obs_sc_spill, key, &zero->stat, BPF_NOEXIST);
        st = bpf_map_lookup_elem(&obs_sc_spill, key);
        if (!st) {
            __sync_fetch_and_add(&proc->dropped, 1);
            return 0;
        }
        proc->spilled = 1;
    }
    __u32 nr = key->nr & (OBS_MAX_SYSCALL_NR - 1);
    __sync_fetch_and_or(&proc->seen[nr / 64], 1ULL << (nr % 64));
    return st;
}

/* Counts one returned call of tgid, syscall number nr, that started at start_ns and returned
 * `ret`. A global function taking only scalars: the verifier checks it once, on its own, and the
 * syscall-exit program's code after the call once per path that reaches it, not once per path
 * through the errno slots as well. */
__noinline int obs_sc_count(__u32 tgid, __u64 start_ns, __u32 nr, __s64 ret)
{
    /* Pruned to this return without the summary: a kernel that checks every global function,
     * called or not (before 6.8), checks only that. */
    if (!obs_syscall_summary)
        return 0;
    if (!start_ns)
        return 0;
    __u64 now = bpf_ktime_get_ns();
    __u64 d = now > start_ns ? now - start_ns : 0;
    nr &= OBS_MAX_SYSCALL_NR - 1;
    struct obs_sc_key key = {.tgid = tgid, .nr = nr};
    /* The pair's entry first: once it exists its process is counted (entries are made only for
     * a counted process, and deleted with its obs_sc_procs entry at its exit, or read after it),
     * so a call of a number the process used before costs this one lookup, not two. */
    struct obs_sc_stat *st = bpf_map_lookup_elem(&obs_sc_stats, &key);
    if (!st) {
        struct obs_sc_proc *proc = bpf_map_lookup_elem(&obs_sc_procs, &tgid);
        if (!proc) {
            /* An observed cgroup's processes were all running before the run: counted from now. */
            if (!obs_filter_cgroup_id)
                return 0; /* not counted yet: the spawn's set-up before the command's exec */
            sc_start_counting(tgid);
            proc = bpf_map_lookup_elem(&obs_sc_procs, &tgid);
            if (!proc)
                return 0;
        }
        if (proc->spilled)
            st = bpf_map_lookup_elem(&obs_sc_spill, &key);
        if (!st)
            st = sc_new_entry(proc, &key);
        if (!st)
            return 0;
    }
    /* Per CPU: no other program updates this slot meanwhile. */
    if (st->calls == 0 || d < st->min_ns)
        st->min_ns = d;
    if (d > st->max_ns)
        st->max_ns = d;
    st->calls += 1;
    st->total_ns += d;
    __u32 bucket = obs_log2(d);
    if (bucket >= OBS_SC_HIST_BUCKETS)
        bucket = OBS_SC_HIST_BUCKETS - 1;
    st->hist[bucket] += 1;
    if (ret < 0 && ret >= -4095) {
        __u32 e = (__u32)-ret;
        st->errors += 1;
        int placed = 0;
#pragma unroll
        for (int i = 0; i < OBS_SC_ERRNO_SLOTS; i++) {
            if (!placed && (st->errno_nr[i] == e || st->errno_nr[i] == 0)) {
                st->errno_nr[i] = e;
                st->errno_count[i] += 1;
                placed = 1;
            }
        }
        if (!placed)
            st->errno_other += 1;
    }
    return 0;
}

/* The call site's name (bpf/obs_syscalls.bpf.h): a call whose entry is in obs_inflight. */
static __always_inline void sc_count(__u32 tgid, const struct obs_inflight *in, __s64 ret)
{
    obs_sc_count(tgid, in->start_ns, in->nr, ret);
}

/*
 * The start of a call of the tree that the summary only counts (nothing streamed, no arguments
 * kept), in the task's obs_sc_start (obs_sc_task_start); returns 0 when it is not kept there (no
 * task storage on this kernel, or none could be had).
 */
static __always_inline int sc_start_task(__s64 nr)
{
    if (!obs_sc_task_start)
        return 0;
    struct obs_sc_start *s =
        bpf_task_storage_get(&obs_sc_start, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
    if (!s)
        return 0;
    s->start_ns = bpf_ktime_get_ns();
    s->nr = (__u32)nr;
    return 1;
}

/* The same, falling back to an obs_inflight entry of syscall NONE, as the streamed calls' are. */
static __always_inline void sc_start_call(__u64 id, __s64 nr)
{
    if (sc_start_task(nr))
        return;
    struct obs_inflight in = {.start_ns = bpf_ktime_get_ns(), .nr = (__u32)nr};
    bpf_map_update_elem(&obs_inflight, &id, &in, BPF_ANY);
}

/*
 * At a syscall's exit, with the summary on: the task's storage when sc_start_call kept the
 * call's start there, else null (a streamed call, whose entry is in obs_inflight; a process
 * outside the tree, which has no storage or a cleared one). Looked at before anything else, so
 * that a process outside the tree reads no register for it.
 */
static __always_inline struct obs_sc_start *sc_started(void)
{
    if (!obs_sc_task_start)
        return 0;
    struct obs_sc_start *s = bpf_task_storage_get(&obs_sc_start, bpf_get_current_task_btf(), 0, 0);
    return s && s->start_ns ? s : 0;
}

/* Counts the call of number nr whose start s holds (sc_started) and clears it; returns 1. A start
 * of another number is stale (an exit that could not reach the storage): dropped, not counted,
 * and 0 returned. */
static __always_inline int sc_count_started(struct obs_sc_start *s, __s64 nr, __s64 ret)
{
    __u64 start_ns = s->start_ns;
    s->start_ns = 0;
    if ((__s64)s->nr != nr)
        return 0;
    obs_sc_count(bpf_get_current_pid_tgid() >> 32, start_ns, (__u32)nr, ret);
    return 1;
}

/*
 * The summary record of a process, built here at its last thread's sched_process_exit (since
 * ABI 8, where bpf_loop and bpf_map_lookup_percpu_elem exist: obs_sc_emit_cpus is then the
 * number of possible CPUs). Each syscall its bitmap names is summed over the CPUs, deleted, and
 * put in an obs_sc_rec; a full record is sent and another begun, the last one says so. No
 * bpf() call of user space per process and syscall any more: one ring-buffer record per 32
 * syscalls.
 */
struct sc_emit {
    __u32 tgid;
    __u32 n;       /* entries in the record being built */
    __u32 nr;      /* the syscall being summed */
    __u32 spilled; /* nonzero: obs_sc_spill holds some of its entries too */
};

static __always_inline struct obs_sc_rec *sc_rec(void)
{
    __u32 zero = 0;
    return bpf_map_lookup_elem(&obs_sc_scratch, &zero);
}

/*
 * Adds src, one CPU's value of a (process, syscall) pair, into dst, the entry being built. A
 * global function: the verifier checks its errno-slot loops once, on their own, instead of in
 * every bpf_loop callback that sums a map (each verified until its states converge).
 */
__noinline int obs_sc_merge(struct obs_sc_stat *dst, const struct obs_sc_stat *src)
{
    if (!dst || !src || src->calls == 0) /* a global function's pointers may be null to the verifier */
        return 0;
    if (dst->calls == 0 || src->min_ns < dst->min_ns)
        dst->min_ns = src->min_ns;
    if (src->max_ns > dst->max_ns)
        dst->max_ns = src->max_ns;
    dst->calls += src->calls;
    dst->errors += src->errors;
    dst->total_ns += src->total_ns;
    dst->errno_other += src->errno_other;
#pragma unroll
    for (int i = 0; i < OBS_SC_HIST_BUCKETS; i++)
        dst->hist[i] += src->hist[i];
#pragma unroll
    for (int i = 0; i < OBS_SC_ERRNO_SLOTS; i++) {
        __u32 err = src->errno_nr[i];
        __u64 count = src->errno_count[i];
        if (err == 0 || count == 0)
            continue;
        int placed = 0;
#pragma unroll
        for (int j = 0; j < OBS_SC_ERRNO_SLOTS; j++) {
            if (!placed && (dst->errno_nr[j] == err || dst->errno_nr[j] == 0)) {
                dst->errno_nr[j] = err;
                dst->errno_count[j] += count;
                placed = 1;
            }
        }
        if (!placed)
            dst->errno_other += count;
    }
    return 0;
}

/* Adds CPU cpu's value of (tgid, nr) in map (obs_sc_stats or obs_sc_spill) into the entry being
 * built. */
static __always_inline long sc_emit_from(void *map, __u64 cpu, struct sc_emit *e)
{
    struct obs_sc_key key = {.tgid = e->tgid, .nr = e->nr};
    struct obs_sc_stat *src = bpf_map_lookup_percpu_elem(map, &key, (__u32)cpu);
    if (!src)
        return 0;
    struct obs_sc_rec *r = sc_rec();
    if (!r)
        return 1;
    obs_sc_merge(&r->entries[e->n & (OBS_SC_REC_ENTRIES - 1)].stat, src);
    return 0;
}

/* bpf_loop callbacks over the CPUs: one per map, so that each sees one map. */
static long sc_emit_cpu(__u64 cpu, void *data)
{
    return sc_emit_from(&obs_sc_stats, cpu, data);
}

static long sc_emit_spill_cpu(__u64 cpu, void *data)
{
    return sc_emit_from(&obs_sc_spill, cpu, data);
}

static __always_inline void sc_send(struct obs_sc_rec *r, __u32 n, __u32 last, __u64 dropped)
{
    r->count = n;
    r->last = last;
    r->dropped = dropped;
    __u64 size = OBS_SC_REC_SIZE(n > OBS_SC_REC_ENTRIES ? OBS_SC_REC_ENTRIES : n);
    send(r, size);
}

/*
 * One syscall number the bitmap names (or one empty word of it) per call, lowest first: summed,
 * deleted, appended when it was called; stops when none is left. A process uses 20 to 60
 * numbers, so this runs that many times plus 16 words, not once per each of the 1,024 numbers
 * (sched_process_exit took 7.6 us a run with the summary, 1.7 us without; Docs/BENCHMARKS.md,
 * "Per call with -c"). The bit index is io_bit_index's, branch-free (bpf/obs_io.bpf.h).
 */
static long sc_emit_nr(__u64 i, void *data)
{
    struct sc_emit *e = data;
    __u32 slot = 0;
    struct obs_sc_walk *walk = bpf_map_lookup_elem(&obs_sc_walk, &slot);
    if (!walk)
        return 1;
    __u32 w = walk->word;
    if (w >= OBS_MAX_SYSCALL_NR / 64)
        return 1;
    __u64 word = walk->seen[w & (OBS_MAX_SYSCALL_NR / 64 - 1)];
    if (!word) {
        walk->word = w + 1; /* one word per call: no loop for the verifier to walk */
        return 0;
    }
    __u64 low = word & -word;
    walk->seen[w & (OBS_MAX_SYSCALL_NR / 64 - 1)] = word & ~low;
    __u32 nr = (w * 64 + io_bit_index(low)) & (OBS_MAX_SYSCALL_NR - 1);
    struct obs_sc_rec *r = sc_rec();
    struct obs_sc_zero *zero = sc_zero();
    if (!r || !zero)
        return 1;
    struct obs_sc_entry *entry = &r->entries[e->n & (OBS_SC_REC_ENTRIES - 1)];
    entry->nr = (__u32)nr;
    entry->pad = 0;
    entry->stat = zero->stat;
    e->nr = (__u32)nr;
    bpf_loop(obs_sc_emit_cpus, sc_emit_cpu, e, 0);
    struct obs_sc_key key = {.tgid = e->tgid, .nr = (__u32)nr};
    bpf_map_delete_elem(&obs_sc_stats, &key);
    if (e->spilled) {
        bpf_loop(obs_sc_emit_cpus, sc_emit_spill_cpu, e, 0);
        bpf_map_delete_elem(&obs_sc_spill, &key);
    }
    if (entry->stat.calls == 0)
        return 0;
    e->n += 1;
    if (e->n >= OBS_SC_REC_ENTRIES) {
        sc_send(r, OBS_SC_REC_ENTRIES, 0, 0);
        e->n = 0;
    }
    return 0;
}

/* Sends the summary of tgid, whose last thread is exiting, and forgets it. A global function: the
 * verifier checks it once, on its own, and the exit program's code after it once. */
__noinline int obs_sc_emit_summary(__u32 tgid)
{
    /* Pruned to this return unless both are set: a kernel that checks every global function,
     * called or not (before 6.8), would otherwise refuse the whole object where bpf_loop or
     * bpf_map_lookup_percpu_elem is missing, the kernels the user-space reading is for. */
    if (!obs_syscall_summary || !obs_sc_emit_cpus)
        return 0;
    struct obs_sc_proc *proc = bpf_map_lookup_elem(&obs_sc_procs, &tgid);
    if (!proc)
        return 0;
    struct obs_sc_rec *r = sc_rec();
    if (!r)
        return 0;
    __u32 zero = 0;
    struct obs_sc_walk *walk = bpf_map_lookup_elem(&obs_sc_walk, &zero);
    if (!walk)
        return 0;
    struct sc_emit e = {.tgid = tgid, .spilled = proc->spilled != 0};
    __builtin_memcpy(walk->seen, proc->seen, sizeof(walk->seen));
    walk->word = 0;
    __u64 dropped = proc->dropped;
    bpf_map_delete_elem(&obs_sc_procs, &tgid);
    fill_header(&r->h, OBS_REC_SC);
    bpf_loop(OBS_MAX_SYSCALL_NR + OBS_MAX_SYSCALL_NR / 64, sc_emit_nr, &e, 0);
    sc_send(r, e.n, 1, dropped);
    return 0;
}

/* The call site's name (bpf/obs_process.bpf.h). */
static __always_inline void sc_emit_summary(__u32 tgid)
{
    obs_sc_emit_summary(tgid);
}

#endif
