/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building and sending records: the counters, the ring-buffer send with its wakeup threshold
 * and loss carrying, the common header, the tracked-map filter and user-string reads.
 */
#ifndef OBS_RECORD_BPF_H
#define OBS_RECORD_BPF_H

/*
 * Bounds a length for the verifier: clamps it to max, then hides the value from the compiler
 * so that later checks (len == 0, len > pos) cannot be folded into a subtraction on a copy,
 * whose bounds the verifier would not carry back to the length passed to a helper.
 */
#define OBS_CLAMP(v, max)                                                                          \
    do {                                                                                           \
        if ((v) > (max))                                                                           \
            (v) = (max);                                                                           \
        asm volatile("" : "+r"(v));                                                                \
    } while (0)

static __always_inline __u64 *counter(__u32 which)
{
    return bpf_map_lookup_elem(&obs_counters, &which);
}

/*
 * Sends a record the caller built, waking the consumer only once obs_wakeup_bytes are queued.
 * A record the ring has no room for is counted, and the count rides on this CPU's next record
 * (lost_before), so user space reports the loss where it happened in the stream. Returns 1 when
 * the record went into the ring.
 */
static __always_inline int send(void *rec, __u64 size)
{
    struct obs_header *h = rec;
    __u64 *emitted = counter(OBS_COUNTER_EMITTED);
    __u64 *lost = counter(OBS_COUNTER_LOST);
    __u64 *pending = counter(OBS_COUNTER_PENDING_LOST);
    if (!emitted || !lost || !pending)
        return 0;
    __sync_fetch_and_add(emitted, 1);
    __u64 carried = *pending;
    h->lost_before = (__u32)carried;
    h->pad = 0;
    __u64 queued = bpf_ringbuf_query(&obs_events, BPF_RB_AVAIL_DATA);
    __u64 flags = queued >= obs_wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
    if (bpf_ringbuf_output(&obs_events, rec, size, flags) == 0) {
        if (carried)
            __sync_fetch_and_sub(pending, carried);
        return 1;
    }
    __sync_fetch_and_add(lost, 1);
    __sync_fetch_and_add(pending, 1);
    return 0;
}

/*
 * Sends the first `size` bytes of this CPU's obs_scratch record (send). A global function: the
 * verifier checks the send once per program, instead of once per path of a record builder that
 * reaches it with another range of sizes (the file record's builder reached it with dozens: a
 * quarter of the syscall exit's verified instructions). Returns 1 when the record went into the
 * ring.
 */
__noinline int obs_send_scratch(__u32 size)
{
    __u32 zero = 0;
    void *r = bpf_map_lookup_elem(&obs_scratch, &zero);
    if (!r || size > sizeof(union obs_scratch_rec))
        return 0;
    return send(r, size);
}

static __always_inline void fill_header(struct obs_header *h, __u32 type)
{
    __u64 id = bpf_get_current_pid_tgid();
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    h->ts_ns = bpf_ktime_get_ns();
    h->type = type;
    h->tgid = id >> 32;
    h->tid = (__u32)id;
    h->ptgid = BPF_CORE_READ(task, real_parent, tgid);
    bpf_get_current_comm(h->comm, sizeof(h->comm));
    h->cgroup_id = bpf_get_current_cgroup_id();
}

/* tgid's word of obs_tracked_bits; 0 past the array (a pid over PID_MAX_LIMIT: never). */
static __always_inline __u64 *tracked_word(__u32 tgid)
{
    __u32 word = tgid / 64;
    return word < OBS_TRACKED_WORDS ? bpf_map_lookup_elem(&obs_tracked_bits, &word) : 0;
}

/* Whether tgid's bit is clear: then it is no key of obs_tracked. */
static __always_inline int tracked_bit_is_clear(__u32 tgid)
{
    __u64 *word = tracked_word(tgid);
    return word && !(*word & (1ULL << (tgid % 64)));
}

/* tgid's obs_tracked entry, or 0: a clear bit answers without the hash lookup. */
static __always_inline struct obs_tracked *tracked_entry(__u32 tgid)
{
    return tracked_bit_is_clear(tgid) ? 0 : bpf_map_lookup_elem(&obs_tracked, &tgid);
}

static __always_inline void tracked_bit_set(__u32 tgid)
{
    __u64 *word = tracked_word(tgid);
    if (word)
        __sync_fetch_and_or(word, 1ULL << (tgid % 64));
}

static __always_inline void tracked_bit_clear(__u32 tgid)
{
    __u64 *word = tracked_word(tgid);
    if (word)
        __sync_fetch_and_and(word, ~(1ULL << (tgid % 64)));
}

/* Whether tgid is certainly outside the tree: its bit is clear (with an observed cgroup the tree
 * is the cgroup's, and the bits are not used). */
static __always_inline int surely_untracked(__u32 tgid)
{
    return !obs_filter_cgroup_id && tracked_bit_is_clear(tgid);
}

static __always_inline int is_tracked(__u32 tgid)
{
    return tracked_entry(tgid) != 0;
}

/*
 * Whether the current task's cgroup v2 is the observed cgroup or one beneath it. The ancestors
 * are looked through from the root down (the helper returns 0 past the task's own level), so no
 * level has to be known: user space's view of the hierarchy may be a cgroup namespace's. A global
 * function, verified once for every caller.
 */
__noinline int obs_in_observed_cgroup(void)
{
    for (int level = 0; level < OBS_CGROUP_DEPTH_MAX; level++) {
        __u64 id = bpf_get_current_ancestor_cgroup_id(level);
        if (id == obs_filter_cgroup_id)
            return 1;
        if (id == 0)
            return 0;
    }
    return 0;
}

/*
 * Whether the current task, of thread group tgid, belongs to the observed tree: in the tracked
 * map, or, when a cgroup is observed, in that cgroup or one beneath it (an ancestry check, so a
 * process moved into the cgroup later is observed from then on, and one moved out no longer is).
 * The observer itself never is.
 */
static __always_inline int is_observed(__u32 tgid)
{
    if (!obs_filter_cgroup_id)
        return is_tracked(tgid);
    return tgid != obs_observer_tgid && obs_in_observed_cgroup();
}

/* Reads a NUL-terminated user string; returns its length with the NUL, 0 when unreadable. */
static __always_inline __u16 read_user_path(char *dst, __u64 src, __u8 *flags)
{
    if (!src) {
        *flags = OBS_CAPTURE_UNREADABLE;
        return 0;
    }
    long n = bpf_probe_read_user_str(dst, OBS_PATH_MAX, (const void *)src);
    if (n <= 0) {
        *flags = OBS_CAPTURE_UNREADABLE;
        return 0;
    }
    *flags = 0;
    if (n == OBS_PATH_MAX) {
        /* Full buffer: a longer string exists only if the byte the NUL replaced was not NUL. */
        char c = 0;
        if (bpf_probe_read_user(&c, 1, (const void *)(src + OBS_PATH_MAX - 1)) == 0 && c != 0)
            *flags = OBS_CAPTURE_TRUNCATED;
    }
    return (__u16)n;
}

static __always_inline __u64 clamp_path(__u64 n)
{
    return n > OBS_PATH_MAX ? OBS_PATH_MAX : n;
}


#endif
