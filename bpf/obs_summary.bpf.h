/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The syscall summary (obs_syscall_summary): every syscall of the counted processes of the tree,
 * summed per process and syscall number in obs_sc_stats at sys_exit (calls, errors by errno,
 * total/min/max time, a log2 histogram). Nothing per call is sent; user space reads and deletes a
 * process's entries at its exit record, and the rest at the run's end. See obs_records.h for
 * which processes are counted and from when.
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

/* Counts one returned call of tgid (its entry in `in`) that returned `ret`. */
static __always_inline void sc_count(__u32 tgid, const struct obs_inflight *in, __s64 ret)
{
    if (!in->start_ns)
        return;
    struct obs_sc_proc *proc = bpf_map_lookup_elem(&obs_sc_procs, &tgid);
    if (!proc) {
        /* An observed cgroup's processes were all running before the run: counted from now. */
        if (!obs_filter_cgroup_id)
            return; /* not counted yet: the spawn's set-up before the command's exec */
        sc_start_counting(tgid);
        proc = bpf_map_lookup_elem(&obs_sc_procs, &tgid);
        if (!proc)
            return;
    }
    __u64 now = bpf_ktime_get_ns();
    __u64 d = now > in->start_ns ? now - in->start_ns : 0;
    __u32 nr = in->nr & (OBS_MAX_SYSCALL_NR - 1);
    struct obs_sc_key key = {.tgid = tgid, .nr = nr};
    struct obs_sc_stat *st = bpf_map_lookup_elem(&obs_sc_stats, &key);
    if (!st) {
        struct obs_sc_zero *zero = sc_zero();
        if (!zero)
            return;
        bpf_map_update_elem(&obs_sc_stats, &key, &zero->stat, BPF_NOEXIST);
        st = bpf_map_lookup_elem(&obs_sc_stats, &key);
        if (!st) {
            __sync_fetch_and_add(&proc->dropped, 1);
            return;
        }
        __sync_fetch_and_or(&proc->seen[nr / 64], 1ULL << (nr % 64));
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
}

#endif
