/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The filters of file and network records (obsctl watch --failed-only, --slower-than, --kinds;
 * the read-only globals obs_filter_*), checked at sys_exit before a record is built: a call
 * filtered out costs no path walk and no ring space. The syscall summary has counted it already,
 * and the lost accounting never sees it (it was never sent). --kinds is a bitmap of the syscalls
 * (enum obs_syscall ids) that can make a kind asked for: unlinkat makes unlink and rmdir, so with
 * one of them asked for the other's records still come, and user space drops them. obs_syscalls
 * is not pruned by kind: a syscall may serve more than its events (byte counting, DNS).
 */
#ifndef OBS_FILTER_BPF_H
#define OBS_FILTER_BPF_H

/* Whether the call saved in `in`, which returned `ret`, is to be sent. */
static __always_inline int obs_filter_keeps(const struct obs_inflight *in, __s64 ret)
{
    if (obs_filter_failed_only && ret >= 0)
        return 0;
    if (obs_filter_kinds) {
        __u32 id = in->syscall;
        __u64 word = id < 64 ? obs_filter_syscalls_low : obs_filter_syscalls_high;
        if (id >= 128 || !((word >> (id & 63)) & 1))
            return 0;
    }
    if (obs_filter_slower_than_ns) {
        __u64 now = bpf_ktime_get_ns();
        if (now <= in->start_ns || now - in->start_ns <= obs_filter_slower_than_ns)
            return 0;
    }
    return 1;
}

#endif
