/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The object's read-only globals and maps. Part of bpf/observer.bpf.c (the one compilation
 * unit), which includes it first; user space finds them by the names in obs_records.h.
 */
#ifndef OBS_MAPS_BPF_H
#define OBS_MAPS_BPF_H

/* The contract version this object was built against (OBS_GLOBAL_ABI_VERSION); user space
 * reads it after open and refuses another. */
const volatile __u32 obs_abi_version = OBS_ABI_VERSION;

/* Set by user space between open and load. */
const volatile __u32 obs_want_process = 0; /* send fork and exec records (exit is always sent) */
const volatile __u64 obs_wakeup_bytes = OBS_WAKEUP_BYTES; /* wake the consumer once this much is queued */

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, OBS_RING_BYTES); /* user space may resize before load */
} obs_events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, OBS_TRACKED_MAX);
    __type(key, __u32);
    __type(value, struct obs_tracked);
} obs_tracked SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, OBS_INFLIGHT_MAX);
    __type(key, __u64);
    __type(value, struct obs_inflight);
} obs_inflight SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, OBS_MAX_SYSCALL_NR);
    __type(key, __u32);
    __type(value, __u32);
} obs_syscalls SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, OBS_COUNTER_COUNT);
    __type(key, __u32);
    __type(value, __u64);
} obs_counters SEC(".maps");

union obs_scratch_rec {
    struct obs_exec_rec exec;
    struct obs_file_rec file;
    struct obs_sock_rec sock;
    /* Slack after argv: the verifier bounds a read at argv + (off & (OBS_ARGV_MAX - 1)) of
     * OBS_ARG_MAX bytes by the map value's size; the code itself never reads past argv. */
    char slack[sizeof(struct obs_exec_rec) + OBS_ARG_MAX];
};

/* Records are built here, not on the 512-byte BPF stack. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, union obs_scratch_rec);
} obs_scratch SEC(".maps");


#endif
