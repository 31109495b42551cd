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
const volatile __u32 obs_resolve_paths = 1; /* resolve absolute paths in the kernel (bpf/obs_path.bpf.h) */
/* Nonzero: the observed tree is every task of this cgroup v2 (its id, the directory's inode) and
 * of its descendant cgroups, found by ancestry, instead of the tracked map (obsctl watch
 * --cgroup). */
const volatile __u64 obs_filter_cgroup_id = 0;
/* The observer's own thread group: never observed, even inside an observed cgroup. */
const volatile __u32 obs_observer_tgid = 0;
/* Nonzero: count every syscall of the observed tree in obs_sc_procs/obs_sc_stats (the syscall
 * summary, obsctl watch -c). Zero (the default): the verifier prunes all of it, and a syscall
 * leaves the entry program at the obs_syscalls lookup as before. */
const volatile __u32 obs_syscall_summary = 0;
/* Nonzero (with obs_syscall_summary): the number of possible CPUs, and the kernel builds each
 * process's summary record at its exit (obs_summary.bpf.h, sc_emit_summary), which needs bpf_loop
 * and bpf_map_lookup_percpu_elem (5.19). Zero: user space reads the maps at the exit record. */
const volatile __u32 obs_sc_emit_cpus = 0;
/* Nonzero (with obs_syscall_summary): the start of a call the summary only counts (not streamed)
 * is kept in task-local storage (obs_sc_start), which needs BPF_MAP_TYPE_TASK_STORAGE and
 * bpf_task_storage_get in tracepoint programs (5.11+), probed by user space. Zero: in an
 * obs_inflight entry, as before ABI 15, and obs_sc_start is not created. */
const volatile __u32 obs_sc_task_start = 0;
/* The filters of file and network records (bpf/obs_filter.bpf.h; obsctl watch --failed-only,
 * --slower-than, --kinds). Zero, the default, keeps every record and the verifier prunes the
 * check. */
const volatile __u32 obs_filter_failed_only = 0;     /* only calls that returned < 0 */
const volatile __u64 obs_filter_slower_than_ns = 0;  /* only calls longer than this; 0: all */
const volatile __u32 obs_filter_kinds = 0;           /* only the syscalls of the bitmap below */
const volatile __u64 obs_filter_syscalls_low = 0;    /* bit id: enum obs_syscall id < 64 wanted */
const volatile __u64 obs_filter_syscalls_high = 0;   /* bit id - 64: ids 64..127 */
/* Nonzero: send the payloads of the tree's DNS traffic (bpf/obs_dns.bpf.h; the network category). */
const volatile __u32 obs_want_dns = 0;

/* Bumped by every successful rename or rmdir of the tracked tree: a cached directory path
 * (obs_dir_cache) of an older generation is walked again. */
__u32 obs_path_generation = 0;

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, OBS_RING_BYTES); /* user space may resize before load */
} obs_events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    /* Not preallocated: 65,536 entries cost 1.5 ms to create at each load, while entries are
     * added only at fork and removed at exit (bpf_mem_alloc's per-CPU caches serve those). */
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, OBS_TRACKED_MAX);
    __type(key, __u32);
    __type(value, struct obs_tracked);
} obs_tracked SEC(".maps");

/*
 * One bit per pid, set while the pid is a key of obs_tracked (and possibly a while after: only a
 * set bit sends the check on to obs_tracked). A process outside the tree leaves the tracked check
 * at its clear bit, an array load the verifier inlines, instead of a hash lookup: every syscall
 * we observe pays that check for every process of the machine (the bystander cost). The kernel
 * sets bits at fork and clears them at exit; user space sets the bit of each process it tracks
 * through its own mapping of the array (BPF_F_MMAPABLE), with an atomic or, never a
 * read-modify-write that could lose a bit the kernel set meanwhile.
 */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, OBS_TRACKED_WORDS);
    __uint(map_flags, BPF_F_MMAPABLE);
    __type(key, __u32);
    __type(value, __u64);
} obs_tracked_bits SEC(".maps");

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

/* The syscall summary (obs_records.h). obs_sc_procs is allocated on use (BPF_F_NO_PREALLOC: one
 * element per process). A (process, syscall) entry lives in obs_sc_stats, preallocated, while it
 * has room, else in obs_sc_spill, allocated on use:
 * - a per-CPU element allocated at the first call of each (process, syscall) cost a short
 *   process about 0.4 ms of system time (spawnstorm, issue 19), a preallocated one a free-list
 *   pop; entries are deleted at each process's exit, so what must fit is the live processes'
 *   syscalls, not the run's;
 * - preallocating costs at load, about 0.7 us per entry on 2 CPUs (per-CPU allocations), and
 *   65,536 of them (the old size) were 50 to 90 ms of every -c run's start. So obs_sc_stats holds
 *   a few thousand (SyscallSummaryReader.preallocatedEntries, 1 MiB of per-CPU values), and a
 *   run with more live pairs than that spills into obs_sc_spill (up to the 32 MiB of the old
 *   budget, SyscallSummaryReader.spillEntries), paying the allocation only for those.
 * Without the summary both are one preallocated entry (user space sets the sizes and the spill's
 * flags before load), so a run without it pays nothing. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, OBS_SC_PROCS_MAX);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u32);
    __type(value, struct obs_sc_proc);
} obs_sc_procs SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, OBS_SC_STATS_MAX); /* user space sizes it */
    __type(key, struct obs_sc_key);
    __type(value, struct obs_sc_stat);
} obs_sc_stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, OBS_SC_STATS_MAX); /* user space sizes it, and sets BPF_F_NO_PREALLOC with -c */
    __type(key, struct obs_sc_key);
    __type(value, struct obs_sc_stat);
} obs_sc_spill SEC(".maps");

/* The start of the call a task is in, when the summary only counts it (obs_sc_task_start;
 * bpf/obs_syscalls.bpf.h, sc_start_call): a pointer off the task, so such a call costs no hash
 * update, lookup and delete of obs_inflight (with -c, every syscall of the tree paid those). Freed
 * with the task. start_ns is zero between calls. */
struct obs_sc_start {
    __u64 start_ns;
    __u32 nr;
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct obs_sc_start);
} obs_sc_start SEC(".maps");

/* Never written: the zero values new summary entries are created from (too big for the stack
 * next to the rest). */
struct obs_sc_zero {
    struct obs_sc_stat stat;
    struct obs_sc_proc proc;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct obs_sc_zero);
} obs_sc_zero SEC(".maps");

/* A process's summary record is built here (obs_sc_rec, 8.5 KB, too big for the stack; a slot of
 * its own, so the summary's entry loop never shares obs_scratch with a record builder). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct obs_sc_rec);
} obs_sc_scratch SEC(".maps");

/* The walk over a process's syscall bitmap at its exit (obs_summary.bpf.h, sc_emit_nr): the
 * numbers still to sum and the word being walked. In a map, not on the stack, so that the
 * verifier knows nothing of them and checks the loop's callback once, not once per word and bit
 * (on the stack: 275,817 instructions instead of 6,160 for sched_process_exit). */
struct obs_sc_walk {
    __u64 seen[OBS_MAX_SYSCALL_NR / 64];
    __u32 word;
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct obs_sc_walk);
} obs_sc_walk SEC(".maps");

/* The offset mask of a record's data area (4 paths' worth; see obs_records.h). */
#define OBS_DATA_MASK (4 * OBS_PATH_MAX - 1)

union obs_scratch_rec {
    struct obs_exec_rec exec;
    struct obs_file_rec file;
    struct obs_sock_rec sock;
    struct obs_file_close_rec file_close;
    struct obs_sock_close_rec sock_close;
    struct obs_exit_rec exit;
    struct obs_dns_rec dns;
    /* Slack after data: the verifier bounds a write at a record's data (at most 255 bytes in)
     * + (off & OBS_DATA_MASK) of up to OBS_PATH_MAX bytes by the map value's size; the code
     * itself never writes past data. */
    char slack[256 + 5 * OBS_PATH_MAX];
};

/* Records are built here, not on the 512-byte BPF stack. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, union obs_scratch_rec);
} obs_scratch SEC(".maps");

/* A directory's resolved path, keyed by its mount and dentry and the process's root, and what must still hold for the
 * entry to describe the dentry now at that address (bpf/obs_path.bpf.h). */
struct obs_dir_key {
    __u64 mnt;
    __u64 dentry;
    __u64 root_mnt;       /* the walking process's root: a chroot sees another path */
    __u64 root_dentry;
};

struct obs_dir_entry {
    __u64 parent;         /* d_parent */
    __u64 hash_len;       /* d_name.hash_len: the name's hash (salted by the parent) and length */
    __u32 generation;     /* obs_path_generation when walked */
    __u16 len;            /* bytes of path, no NUL */
    __u16 pad;
    char path[OBS_PATH_MAX];
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, OBS_DIR_CACHE_MAX);
    __type(key, struct obs_dir_key);
    __type(value, struct obs_dir_entry);
} obs_dir_cache SEC(".maps");

/* The state of one path walk (bpf/obs_path.bpf.h). */
struct obs_walk {
    __u64 vfsmnt;       /* struct vfsmount * of the current dentry */
    __u64 dentry;       /* struct dentry * being named */
    __u64 root_mnt;     /* the process's root (task->fs->root) */
    __u64 root_dentry;
    struct obs_dir_key cache_key; /* the first directory of the walk */
    __u64 dir_parent;   /* its d_parent and d_name.hash_len, to cache it with */
    __u64 dir_hash_len;
    __u64 leaf_parent;  /* the walked dentry's d_parent */
    __s32 pos;          /* the path starts at buf[pos] */
    __s32 dir_end;      /* where the first directory's path ends in buf */
    __u32 level;        /* components prepended so far */
    __u32 cache_level;  /* the level of the first directory: 0 for a directory, 1 for a file */
    __u8 flags;         /* enum obs_path_flags */
    __u8 done;
    __u8 cached;        /* the first directory came from the cache */
    __u8 at_dir;        /* the first directory was reached */
};

/* The walk's buffer: a path is written backwards ending at OBS_PATH_MAX - 1; the second half
 * is slack for the verifier's bounds of masked writes. */
struct obs_walk_buf {
    char buf[2 * OBS_PATH_MAX];
    struct obs_walk walk;
    struct obs_dir_entry dir;       /* building an obs_dir_cache value */
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct obs_walk_buf);
} obs_walk SEC(".maps");

#endif
