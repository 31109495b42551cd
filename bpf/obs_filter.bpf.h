/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The filters of file and network records (obsctl watch --failed-only, --slower-than; the
 * read-only globals obs_filter_*), checked at sys_exit before a record is built: a call filtered
 * out costs no path walk and no ring space. The syscall summary has counted it already, and the
 * lost accounting never sees it (it was never sent). --kinds is not here: user space leaves the
 * syscalls of the other kinds out of obs_syscalls, so their calls leave at sys_enter.
 */
#ifndef OBS_FILTER_BPF_H
#define OBS_FILTER_BPF_H

/* Whether the call saved in `in`, which returned `ret`, is to be sent. */
static __always_inline int obs_filter_keeps(const struct obs_inflight *in, __s64 ret)
{
    if (obs_filter_failed_only && ret >= 0)
        return 0;
    if (obs_filter_slower_than_ns) {
        __u64 now = bpf_ktime_get_ns();
        if (now <= in->start_ns || now - in->start_ns <= obs_filter_slower_than_ns)
            return 0;
    }
    return 1;
}

#endif
