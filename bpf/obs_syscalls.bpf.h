/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic syscall entry and exit programs, in both flavours (classic tp and raw_tp): the
 * entry saves the arguments of an observed syscall of a tracked caller in obs_inflight, the
 * exit hands them to the file, network or exec handler.
 */
#ifndef OBS_SYSCALLS_BPF_H
#define OBS_SYSCALLS_BPF_H

/* Classic syscall tracepoint layouts (tracefs events/syscalls/sys_{enter,exit}_<name>/format). */
struct obs_tp_sys_enter {
    __u64 common;
    __s32 nr;
    __s32 pad;
    __u64 args[6]; /* only the syscall's own arguments are valid: read with probe_read */
};

struct obs_tp_sys_exit {
    __u64 common;
    __s32 nr;
    __s32 pad;
    __s64 ret;
};

/* ---------- syscall entry ---------- */

static __always_inline void on_sys_enter(__u64 id, __u32 sc, __s64 nr, const __u64 *args)
{
    struct obs_inflight in = {};
    in.syscall = sc;
#pragma unroll
    for (int i = 0; i < 6; i++)
        in.args[i] = args[i];
    in.start_ns = bpf_ktime_get_ns(); /* the records' duration_ns, the summary's time */
    if (obs_syscall_summary)
        in.nr = (__u32)nr;
    if (sc == OBS_SC_ACCEPT || sc == OBS_SC_ACCEPT4) {
        /* The caller's addrlen before the call: how much of addr the kernel may fill. */
        __u32 len = 0;
        if (args[2] && bpf_probe_read_user(&len, sizeof(len), (const void *)args[2]) == 0)
            in.accept_addrlen = len;
    }
    bpf_map_update_elem(&obs_inflight, &id, &in, BPF_ANY);
}

static __always_inline __u32 observed_syscall(__s64 nr)
{
    if (nr < 0 || nr >= OBS_MAX_SYSCALL_NR)
        return OBS_SC_NONE;
    __u32 key = (__u32)nr;
    __u32 *sc = bpf_map_lookup_elem(&obs_syscalls, &key);
    return sc ? *sc : OBS_SC_NONE;
}

/* Whether the caller of syscall sc is observed: in the tree, and for an I/O call (byte counting)
 * not waiting at the start gate. Without counting this is is_observed. */
static __always_inline int observed_for(__u32 tgid, __u32 sc)
{
    if (!obs_count_io || !is_io_syscall(sc))
        return is_observed(tgid);
    return io_counts_process(tgid);
}

/* With the summary on, an observed syscall of a process the summary counts: an I/O call at the
 * start gate is timed but not counted (sc NONE). */
static __always_inline __u32 summary_io_gate(__u64 id, __u32 sc)
{
    if (!obs_count_io || !is_io_syscall(sc))
        return sc;
    __u32 tgid = id >> 32;
    return io_gated(tracked_entry(tgid)) ? OBS_SC_NONE : sc;
}

/* Whether an observed call's arguments are kept for its exit: always, but for an I/O call while
 * bytes are not counted, observed for DNS only (bpf/obs_dns.bpf.h), kept only on a descriptor
 * that may carry DNS. */
static __always_inline int io_entry_wanted(__u32 sc, const __u64 *args)
{
    if (obs_count_io || !is_io_syscall(sc))
        return 1;
    return obs_want_dns && obs_dns_may_carry((__s64)(__s32)args[0]);
}

/* close and close_range are handled at their entry (bpf/obs_io.bpf.h); returns 1 when sc is one. */
static __always_inline int io_close_at_entry(__u64 id, __u32 sc, const __u64 *args)
{
    if (!obs_count_io || (sc != OBS_SC_CLOSE && sc != OBS_SC_CLOSE_RANGE))
        return 0;
    io_close_enter(id, sc, args);
    return 1;
}

/*
 * With the summary on (obs_syscall_summary), every syscall of the machine pays the tracked check
 * first, and every one of the tree keeps its start time: a call we stream in its obs_inflight
 * entry with its arguments, one only counted in the task's storage (sc_start_call). Off, the
 * verifier prunes this, and the entry programs below are as they were: an unobserved syscall
 * leaves at the obs_syscalls lookup.
 */
static __always_inline __u32 summary_sys_enter(__s64 nr, __u64 *id)
{
    if (nr < 0 || nr >= OBS_MAX_SYSCALL_NR)
        return 0;
    *id = bpf_get_current_pid_tgid();
    if (!is_observed(*id >> 32))
        return 0;
    return 1;
}

SEC("tp")
int obs_tp_sys_enter(struct obs_tp_sys_enter *ctx)
{
    if (obs_syscall_summary) {
        __u64 id = 0;
        if (!summary_sys_enter(ctx->nr, &id))
            return 1;
        __u32 sc = summary_io_gate(id, observed_syscall(ctx->nr));
        if (sc == OBS_SC_NONE) {
            sc_start_call(id, ctx->nr);
            return 1;
        }
        __u64 args[6] = {};
        bpf_probe_read_kernel(args, sizeof(args), &ctx->args[0]);
        if (io_close_at_entry(id, sc, args) || !io_entry_wanted(sc, args))
            sc_start_call(id, ctx->nr);
        else
            on_sys_enter(id, sc, ctx->nr, args);
        return 1;
    }
    __u32 sc = observed_syscall(ctx->nr);
    if (sc == OBS_SC_NONE)
        return 1;
    __u64 id = bpf_get_current_pid_tgid();
    if (!observed_for(id >> 32, sc))
        return 1;
    __u64 args[6] = {};
    bpf_probe_read_kernel(args, sizeof(args), &ctx->args[0]);
    if (io_close_at_entry(id, sc, args) || !io_entry_wanted(sc, args))
        return 1;
    on_sys_enter(id, sc, ctx->nr, args);
    return 1;
}

#ifndef OBS_NO_RAW_SYSCALLS
static __always_inline int raw_sys_enter_args(struct bpf_raw_tracepoint_args *ctx, __u64 *args)
{
    struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
#if defined(__TARGET_ARCH_x86)
    /* A 32-bit (ia32) syscall numbers differently; the tp flavour skips those too. */
    if (BPF_CORE_READ(regs, cs) != 0x33)
        return 0;
#endif
    args[0] = OBS_SYSCALL_ARG(regs, 0);
    args[1] = OBS_SYSCALL_ARG(regs, 1);
    args[2] = OBS_SYSCALL_ARG(regs, 2);
    args[3] = OBS_SYSCALL_ARG(regs, 3);
    args[4] = OBS_SYSCALL_ARG(regs, 4);
    args[5] = OBS_SYSCALL_ARG(regs, 5);
    return 1;
}

SEC("raw_tp/sys_enter")
int obs_raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
    if (obs_syscall_summary) {
        __s64 nr = (__s64)ctx->args[1];
        __u64 id = 0;
        if (!summary_sys_enter(nr, &id))
            return 0;
#if defined(__TARGET_ARCH_x86)
        struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
        if (BPF_CORE_READ(regs, cs) != 0x33)
            return 0;
#endif
        __u32 sc = observed_syscall(nr);
        /* An I/O call is byte-counted at its exit from the registers (raw_io_exit), which also
         * leaves out a process at the start gate: only its start is kept, as for a call we do
         * not observe. Without task storage, its arguments are kept as before. */
        if (obs_count_io && is_io_syscall(sc) && sc_start_task(nr))
            return 0;
        sc = summary_io_gate(id, sc);
        if (sc == OBS_SC_NONE) {
            sc_start_call(id, nr);
            return 0;
        }
        __u64 args[6];
        if (!raw_sys_enter_args(ctx, args))
            return 0;
        if (io_close_at_entry(id, sc, args) || !io_entry_wanted(sc, args))
            sc_start_call(id, nr);
        else
            on_sys_enter(id, sc, nr, args);
        return 0;
    }
    __u32 sc = observed_syscall((__s64)ctx->args[1]);
    if (sc == OBS_SC_NONE)
        return 0;
    /* An I/O call is counted at its exit, from the registers (raw_io_exit): nothing to save, and
     * a process outside the tree leaves here, at the first check. */
    if (obs_count_io && is_io_syscall(sc))
        return 0;
    __u64 id = bpf_get_current_pid_tgid();
    if (!observed_for(id >> 32, sc))
        return 0;
    if (obs_count_io && sc == OBS_SC_CLOSE) {
        /* Byte counting's close, at its entry: only the descriptor is needed. */
        struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
#if defined(__TARGET_ARCH_x86)
        if (BPF_CORE_READ(regs, cs) != 0x33)
            return 0;
#endif
        io_close_fd(id >> 32, (__s32)OBS_SYSCALL_ARG(regs, 0), OBS_CLOSED_BY_CLOSE);
        return 0;
    }
    __u64 args[6];
    if (!raw_sys_enter_args(ctx, args))
        return 0;
    if (io_close_at_entry(id, sc, args) || !io_entry_wanted(sc, args))
        return 0;
    on_sys_enter(id, sc, 0, args);
    return 0;
}
#endif

/*
 * The record builders of the exit, as global functions: the verifier checks each once per program
 * on its own, with nothing known of the entry but its type, instead of inline in the exit's
 * switch. (Measured with scripts/bpf-verifier-stats.c: the file records' builder alone is a third
 * of the exit program's verified instructions; Docs/BENCHMARKS.md, "Where the load's time goes".)
 * Each returns 0; `in` is never null, but a global function's pointer argument may be to the
 * verifier.
 */
__noinline int obs_file_exit(const struct obs_inflight *in, __s64 ret)
{
    if (in)
        on_file_exit(in, ret);
    return 0;
}

__noinline int obs_sock_exit(const struct obs_inflight *in, __s64 ret)
{
    if (in)
        on_sock_exit(in, ret);
    return 0;
}

__noinline int obs_exec_failed(const struct obs_inflight *in, __s64 ret)
{
    if (in)
        on_exec_failed(in, ret);
    return 0;
}

/* A syscall's exit with an obs_inflight entry; returns 0 when the caller has none. */
static __always_inline int on_sys_exit(__s64 ret)
{
    __u64 id = bpf_get_current_pid_tgid();
    /* A process outside the tree saved nothing at entry: its clear bit says so without the
     * obs_inflight lookup (an observed syscall of the machine's other processes pays this). */
    if (surely_untracked(id >> 32))
        return 0;
    struct obs_inflight *found = bpf_map_lookup_elem(&obs_inflight, &id);
    if (!found)
        return 0;
    struct obs_inflight in = *found;
    bpf_map_delete_elem(&obs_inflight, &id);
    if (obs_syscall_summary)
        sc_count(id >> 32, &in, ret);
    switch (in.syscall) {
    case OBS_SC_OPEN ... OBS_SC_SYMLINKAT:
        if (obs_filter_keeps(&in, ret))
            obs_file_exit(&in, ret);
        break;
    case OBS_SC_CONNECT ... OBS_SC_LISTEN:
        if (obs_filter_keeps(&in, ret))
            obs_sock_exit(&in, ret);
        break;
    case OBS_SC_READ ... OBS_SC_RECVMMSG:
        on_io_exit(&in, ret);
        obs_dns_on_io_exit(&in, ret);
        break;
    case OBS_SC_DUP2:
    case OBS_SC_DUP3:
    case OBS_SC_SOCKET:
    case OBS_SC_IO_URING_SETUP:
        on_io_fd_exit(&in, ret);
        break;
    case OBS_SC_EXECVE:
    case OBS_SC_EXECVEAT:
        /* Success was reported at sched_process_exec, which removed the entry. */
        if (ret < 0)
            obs_exec_failed(&in, ret);
        break;
    }
    return 1;
}

/*
 * The syscall of number nr as the exit sees it without the summary: OBS_SC_NONE when its exit
 * has nothing to do, so that the exit program leaves at this array lookup, before any hash
 * lookup: a syscall we do not observe (its entry saved nothing), and close and close_range,
 * handled whole at their entry (io_close_at_entry, which saves nothing either). With the summary
 * on, every syscall of the tree has an obs_inflight entry, and the exit looks it up instead.
 */
static __always_inline __u32 exit_syscall(__s64 nr)
{
    __u32 sc = observed_syscall(nr);
    return sc == OBS_SC_CLOSE || sc == OBS_SC_CLOSE_RANGE ? OBS_SC_NONE : sc;
}

SEC("tp")
int obs_tp_sys_exit(struct obs_tp_sys_exit *ctx)
{
    if (obs_syscall_summary) {
        /* Only counted (its start in the task's storage), or else streamed. */
        struct obs_sc_start *s = sc_started();
        if (!s || !sc_count_started(s, ctx->nr, ctx->ret))
            on_sys_exit(ctx->ret);
        return 1;
    }
    /* Attached to observed syscalls only, but close's exit has nothing to do. */
    if (exit_syscall(ctx->nr) == OBS_SC_NONE)
        return 1;
    on_sys_exit(ctx->ret);
    return 1;
}

#ifndef OBS_NO_RAW_SYSCALLS
/*
 * An I/O call (sc) at its exit, in the raw flavour: the saved user registers
 * still hold the syscall's arguments there (x86-64 replaces only ax with the return value; arm64
 * keeps the first argument in orig_x0), so its entry saved nothing in obs_inflight, and this
 * counts it (obs_io_raw_exit, which reads only the registers it needs); one that may carry DNS
 * goes on to the capture with all its arguments.
 */
static __always_inline void raw_io_exit(struct bpf_raw_tracepoint_args *ctx, __u32 sc, __s64 ret)
{
    struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
    if (ret >= 0 && obs_io_raw_exit(sc, (__u64)regs, ret)) {
        struct obs_inflight in = {.syscall = sc};
        if (raw_sys_enter_args(ctx, in.args))
            obs_dns_on_io_exit(&in, ret);
    }
}

/*
 * Every syscall of the machine runs this. Without the summary, one that has nothing to do at its
 * exit leaves at the first check, the obs_syscalls lookup of its number (still in the saved
 * registers: x86-64 orig_ax, arm64 syscallno), which is what the entry looked up too.
 */
SEC("raw_tp/sys_exit")
int obs_raw_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
    __s64 ret = (__s64)ctx->args[1];
    struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
    if (obs_syscall_summary) {
        /* A call of the tree: only counted (its start in the task's storage), or streamed (its
         * entry in obs_inflight). An I/O call is only counted, and byte-counted here from the
         * registers as without the summary; a process outside the tree leaves after the two
         * lookups (its task has no storage, or a cleared one), reading no register. */
        struct obs_sc_start *s = sc_started();
        if (s) {
            __s64 nr = (__s64)OBS_SYSCALL_NR(regs);
            if (sc_count_started(s, nr, ret)) {
                __u32 sc = obs_count_io ? observed_syscall(nr) : OBS_SC_NONE;
                if (is_io_syscall(sc))
                    raw_io_exit(ctx, sc, ret);
                return 0;
            }
        }
        on_sys_exit(ret);
        return 0;
    }
    __u32 sc = exit_syscall((__s64)OBS_SYSCALL_NR(regs));
    if (sc == OBS_SC_NONE)
        return 0;
    if (obs_count_io && is_io_syscall(sc)) {
        raw_io_exit(ctx, sc, ret);
        return 0;
    }
    on_sys_exit(ret);
    return 0;
}
#endif


#endif
