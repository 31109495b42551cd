// SPDX-License-Identifier: GPL-2.0
/*
 * The observer's eBPF programs: process-tree tracking (sched_process_fork/exec/exit) and the
 * file, network and exec syscalls of the tracked tree, delivered through one ring buffer.
 *
 * Tracking: obs_tracked holds the tgids of the observed tree. User space inserts the root (at
 * the start gate, or when attaching); sched_process_fork adds a child whose parent is tracked
 * when the child is a new thread group; sched_process_exit removes a tgid when its whole group
 * is dead. Everything else is filtered against this map before any ring space is used. When a
 * cgroup is observed (obs_filter_cgroup_id), the tree is that cgroup's tasks and its descendant
 * cgroups' instead, checked by ancestry (is_observed), and the map is not used.
 *
 * Syscalls: one generic entry program and one generic exit program. The entry saves the six
 * arguments in obs_inflight (key: pid_tgid) when the syscall is one we observe (obs_syscalls,
 * filled by user space from this architecture's SYS_* numbers) and the caller is tracked. The
 * exit looks the entry up and reads the user strings and sockaddrs then, when the kernel has
 * faulted them in. Two flavours of the pair exist, and user space loads one:
 *   - tp: classic syscall tracepoints (syscalls/sys_{enter,exit}_<name>), attached once per
 *     observed syscall; they cost only those syscalls, but need tracefs. They return 1 so
 *     perf users of the same tracepoint still get their samples.
 *   - raw_tp: raw_tp/sys_enter and raw_tp/sys_exit, which need no tracefs but run on every
 *     syscall of the machine.
 *
 * Everything user space relies on (records, their size rule, limits, names, OBS_ABI_VERSION) is
 * in obs_records.h; the names of the maps, programs and globals below must match its OBS_MAP_*,
 * OBS_PROG_* and OBS_GLOBAL_* strings, which KernelContractTests checks against this object.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "obs_core.h"
#include "obs_records.h"

char LICENSE[] SEC("license") = "GPL";

#include "obs_maps.bpf.h"
#include "obs_record.bpf.h"
#include "obs_path.bpf.h"
#include "obs_io.bpf.h"
#include "obs_file.bpf.h"
#include "obs_net.bpf.h"
#include "obs_dns.bpf.h"
#include "obs_summary.bpf.h"
#include "obs_filter.bpf.h"
#include "obs_process.bpf.h"
#include "obs_syscalls.bpf.h"
