#ifndef OBS_CHILD_STEPS_H
#define OBS_CHILD_STEPS_H
// The set-up of a spawned child between its creation and execve: one copy, compiled into the
// in-process shim (spawn.c) and into the spawn helper (helper/obs_spawn_helper.c). Only
// async-signal-safe calls: the child is a fork, or a CLONE_VM child sharing its creator's memory.

#include "obs_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/// What the child does, in order: enter its cgroups (join_fds), arm the death signal, restore
/// default signal handling and an empty mask, make its process group, mark every descriptor
/// close-on-exec, wire 0/1/2, change directory, wait at the start gate (gate_fd), execve.
struct obs_child_plan {
    const char *path;
    char *const *argv;
    char *const *envp;
    /// NULL: stay where the creator is.
    const char *cwd;
    /// A descriptor to dup2 onto 0/1/2; -1 inherits it; OBS_CHILD_CLOSE closes it.
    int stdio[3];
    /// Open cgroup.procs files the child writes "0" to before anything else.
    const int *join_fds;
    int join_count;
    int death_signal;
    /// The process the death signal is tied to: when getppid() is no longer it, the child exits.
    pid_t parent;
    /// The read end of the start-gate pipe, or -1 for no gate.
    int gate_fd;
    /// Where a failed step goes: the write end of a close-on-exec pipe (error_fd >= 0), or, for a
    /// CLONE_VM child, memory its creator reads once the child has exited.
    int error_fd;
    obs_spawn_failure *shared_failure;
    /// Resource limits to set first (the helper's children take the observer's, not the
    /// helper's); NULL for none. OBS_CHILD_LIMITS entries, indexed by resource.
    const struct rlimit *limits;
    /// The umask to set, or -1 to keep the creator's.
    int umask;
};

#define OBS_CHILD_CLOSE (-2)
/// RLIMIT_NLIMITS on Linux.
#define OBS_CHILD_LIMITS 16

__attribute__((noreturn)) static void obs_child_fail(const struct obs_child_plan *p, int32_t step, int32_t fd,
                                                     int err) {
    obs_spawn_failure failure = {.step = step, .err = err, .fd = fd};
    if (p->error_fd >= 0) {
        ssize_t ignored = write(p->error_fd, &failure, sizeof(failure));
        (void)ignored;
    } else if (p->shared_failure != NULL) {
        *p->shared_failure = failure;
    }
    _exit(127);
}

/// dup2 from onto to; from == to clears FD_CLOEXEC (the caller's own 0/1/2 passed as "inherit").
static int obs_child_dup_onto(int from, int to) {
    if (from == OBS_CHILD_CLOSE) {
        close(to);
        return 0;
    }
    if (from < 0 || from == to) {
        if (from == to) {
            int flags = fcntl(to, F_GETFD);
            if (flags >= 0) fcntl(to, F_SETFD, flags & ~FD_CLOEXEC);
        }
        return 0;
    }
    while (dup2(from, to) < 0) {
        if (errno != EINTR) return -1;
    }
    return 0;
}

__attribute__((noreturn)) static void obs_child_run(const struct obs_child_plan *p) {
    for (int i = 0; i < p->join_count; i++) {
        if (write(p->join_fds[i], "0", 1) != 1) obs_child_fail(p, OBS_STEP_CGROUP, i, errno);
    }
    // Die with the observer; if it is already gone (killed between the clone and here), now.
    if (p->death_signal != 0) {
        prctl(PR_SET_PDEATHSIG, p->death_signal);
        if (getppid() != p->parent) _exit(127);
    }
    if (p->limits != NULL) {
        for (int r = 0; r < OBS_CHILD_LIMITS; r++) {
            struct rlimit now;
            if (getrlimit(r, &now) == 0 &&
                (now.rlim_cur != p->limits[r].rlim_cur || now.rlim_max != p->limits[r].rlim_max)) {
                setrlimit(r, &p->limits[r]); // a hard limit above the helper's needs privilege: kept
            }
        }
    }
    if (p->umask >= 0) umask((mode_t)p->umask);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL); // EINVAL for SIGKILL/STOP: fine
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (setpgid(0, 0) < 0) obs_child_fail(p, OBS_STEP_SETPGID, -1, errno);
    // Nothing the creator opened leaks into the program, whether or not it set O_CLOEXEC.
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    for (int fd = 0; fd < 3; fd++) {
        if (obs_child_dup_onto(p->stdio[fd], fd) < 0) obs_child_fail(p, OBS_STEP_DUP2, fd, errno);
    }
    if (p->cwd != NULL && chdir(p->cwd) < 0) obs_child_fail(p, OBS_STEP_CHDIR, -1, errno);
    if (p->gate_fd >= 0) {
        // The start gate: the observer registers our pid with its observers, then closes the
        // write end (EOF here). Any other outcome of the read is a failure of the gate.
        char byte;
        ssize_t n;
        while ((n = read(p->gate_fd, &byte, 1)) < 0 && errno == EINTR) {
        }
        if (n < 0) obs_child_fail(p, OBS_STEP_GATE, -1, errno);
        // A gate closed with nobody left to read the error pipe was given up on, not opened (a
        // spawn helper killed before it could name us, an observer gone): nothing may run.
        struct pollfd reader = {.fd = p->error_fd, .events = 0, .revents = 0};
        if (p->error_fd >= 0 && poll(&reader, 1, 0) == 1 && (reader.revents & POLLERR)) _exit(127);
    }
    execve(p->path, p->argv, p->envp);
    obs_child_fail(p, OBS_STEP_EXECVE, -1, errno);
}

#endif
