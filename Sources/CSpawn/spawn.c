#define _GNU_SOURCE
#include "obs_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/sched.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/// Reports the failed step and errno to the parent and exits; only async-signal-safe calls.
static void child_fail(int error_fd, int32_t step, int32_t fd, int err) {
    obs_spawn_failure failure = {.step = step, .err = err, .fd = fd};
    ssize_t ignored = write(error_fd, &failure, sizeof(failure));
    (void)ignored;
    _exit(127);
}

static int fail(obs_spawn_failure *failure, int32_t step, int err) {
    failure->step = step;
    failure->err = err;
    failure->fd = -1;
    return -1;
}

static int dup_onto(int from, int to) {
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

/// fork(), or clone3 with CLONE_INTO_CGROUP when a cgroup is given and the kernel has it (5.7+).
/// Like fork, the child returns 0; it must then do only async-signal-safe work (glibc's atfork
/// handlers do not run for a raw clone3, and the child calls nothing that needs them).
static pid_t fork_into(int cgroup_fd, int *in_cgroup) {
    *in_cgroup = 0;
    if (cgroup_fd >= 0) {
        struct clone_args args;
        memset(&args, 0, sizeof(args));
        args.flags = CLONE_INTO_CGROUP;
        args.exit_signal = SIGCHLD;
        args.cgroup = (uint64_t)cgroup_fd;
        long pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid >= 0) {
            *in_cgroup = 1;
            return (pid_t)pid;
        }
        // No clone3, or one without CLONE_INTO_CGROUP: fork, and the parent moves the child.
        if (errno != ENOSYS && errno != E2BIG) return -2;
    }
    return fork();
}

int obs_spawn_gated(const char *path, char *const argv[], char *const envp[], const char *cwd,
                    int stdin_fd, int stdout_fd, int stderr_fd, int cgroup_fd, int death_signal,
                    obs_gated_child *out, obs_spawn_failure *failure) {
    pid_t parent = getpid();
    int gate[2], errpipe[2];
    if (pipe2(gate, O_CLOEXEC) < 0) return fail(failure, OBS_STEP_PIPE, errno);
    if (pipe2(errpipe, O_CLOEXEC) < 0) {
        int e = errno;
        close(gate[0]);
        close(gate[1]);
        return fail(failure, OBS_STEP_PIPE, e);
    }
    // The child must not run Swift code or take locks: block every signal across fork so no
    // inherited handler runs before the child has reset the dispositions.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int in_cgroup = 0;
    pid_t pid = fork_into(cgroup_fd, &in_cgroup);
    if (pid < 0) {
        int e = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        close(gate[0]); close(gate[1]); close(errpipe[0]); close(errpipe[1]);
        return fail(failure, pid == -2 ? OBS_STEP_CLONE3 : OBS_STEP_FORK, e);
    }
    if (pid == 0) {
        close(gate[1]);
        close(errpipe[0]);
        // Die with the observer; if it is already gone (killed between fork and here), now.
        if (death_signal != 0) {
            prctl(PR_SET_PDEATHSIG, death_signal);
            if (getppid() != parent) _exit(127);
        }
        for (int sig = 1; sig < NSIG; sig++) {
            struct sigaction sa;
            memset(&sa, 0, sizeof(sa));
            sa.sa_handler = SIG_DFL;
            sigaction(sig, &sa, NULL); // EINVAL for SIGKILL/SIGSTOP and the RT gaps: harmless.
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (setpgid(0, 0) < 0) child_fail(errpipe[1], OBS_STEP_SETPGID, -1, errno);
        // Nothing the parent opened leaks into the program, whether or not it set O_CLOEXEC.
        syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
        if (dup_onto(stdin_fd, 0) < 0) child_fail(errpipe[1], OBS_STEP_DUP2, 0, errno);
        if (dup_onto(stdout_fd, 1) < 0) child_fail(errpipe[1], OBS_STEP_DUP2, 1, errno);
        if (dup_onto(stderr_fd, 2) < 0) child_fail(errpipe[1], OBS_STEP_DUP2, 2, errno);
        if (cwd != NULL && chdir(cwd) < 0) child_fail(errpipe[1], OBS_STEP_CHDIR, -1, errno);
        // The start gate: the parent registers our pid with its observers, then closes gate[1]
        // (EOF here). Any other outcome of the read is a failure of the gate.
        char byte;
        ssize_t n;
        while ((n = read(gate[0], &byte, 1)) < 0 && errno == EINTR) {
        }
        if (n < 0) child_fail(errpipe[1], OBS_STEP_GATE, -1, errno);
        execve(path, argv, envp);
        child_fail(errpipe[1], OBS_STEP_EXECVE, -1, errno);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    // Also from the parent, so the group exists before anyone signals it (no race with the child).
    setpgid(pid, pid);
    close(gate[0]);
    close(errpipe[1]);
    out->pid = pid;
    out->gate_fd = gate[1];
    out->error_fd = errpipe[0];
    out->in_cgroup = in_cgroup;
    return 0;
}

int obs_spawn_release(obs_gated_child *child, obs_spawn_failure *failure) {
    if (child->gate_fd >= 0) {
        close(child->gate_fd);
        child->gate_fd = -1;
    }
    obs_spawn_failure reported;
    ssize_t n;
    do {
        n = read(child->error_fd, &reported, sizeof(reported));
    } while (n < 0 && errno == EINTR);
    close(child->error_fd);
    child->error_fd = -1;
    if (n != (ssize_t)sizeof(reported)) return 0; // EOF: execve succeeded
    *failure = reported;
    return -1;
}

int obs_pidfd_open(pid_t pid) {
    long fd = syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -errno : (int)fd;
}

int obs_pipe_nonblocking(int fds[2]) { return pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0 ? errno : 0; }

int obs_set_thread_name(pthread_t thread, const char *name) { return pthread_setname_np(thread, name); }

/// What the CLONE_VM child of obs_spawn_joining reads, and where it reports its failure: the
/// memory is shared, so the parent sees `failure` once the child has exited.
struct joining_args {
    const char *path;
    char *const *argv;
    char *const *envp;
    const char *cwd;
    int stdio[3];
    const int *join_fds;
    int join_count;
    int death_signal;
    pid_t parent;
    obs_spawn_failure failure;
};

/// The child: async-signal-safe calls only, and no memory written but `failure` (it runs in the
/// parent's address space until execve).
static int joining_child(void *p) {
    struct joining_args *a = p;
#define JOIN_FAIL(step_, fd_)                                                                      \
    do {                                                                                           \
        a->failure.step = (step_);                                                                 \
        a->failure.err = errno;                                                                    \
        a->failure.fd = (fd_);                                                                     \
        _exit(127);                                                                                \
    } while (0)
    for (int i = 0; i < a->join_count; i++) {
        if (write(a->join_fds[i], "0", 1) != 1) JOIN_FAIL(OBS_STEP_CGROUP, i);
    }
    if (a->death_signal != 0) {
        prctl(PR_SET_PDEATHSIG, a->death_signal);
        if (getppid() != a->parent) _exit(127);
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL); // EINVAL for SIGKILL/STOP: fine
    if (setpgid(0, 0) < 0) JOIN_FAIL(OBS_STEP_SETPGID, -1);
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    for (int fd = 0; fd < 3; fd++) {
        if (dup_onto(a->stdio[fd], fd) < 0) JOIN_FAIL(OBS_STEP_DUP2, fd);
    }
    if (a->cwd != NULL && chdir(a->cwd) < 0) JOIN_FAIL(OBS_STEP_CHDIR, -1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(a->path, a->argv, a->envp);
    JOIN_FAIL(OBS_STEP_EXECVE, -1);
#undef JOIN_FAIL
    return 0;
}

int obs_spawn_joining(const char *path, char *const argv[], char *const envp[], const char *cwd,
                      int stdin_fd, int stdout_fd, int stderr_fd, const int *join_fds, int join_count,
                      int death_signal, pid_t *out_pid, obs_spawn_failure *failure) {
    if (join_count < 0 || join_count > OBS_SPAWN_MAX_JOIN) {
        errno = EINVAL;
        return fail(failure, OBS_STEP_CGROUP, EINVAL);
    }
    struct joining_args args = {
        .path = path, .argv = argv, .envp = envp, .cwd = cwd, .stdio = {stdin_fd, stdout_fd, stderr_fd},
        .join_fds = join_fds, .join_count = join_count, .death_signal = death_signal, .parent = getpid(),
        .failure = {.step = OBS_STEP_NONE, .err = 0, .fd = -1},
    };
    // The child needs little stack: a few calls before execve.
    size_t stack_size = 64 * 1024;
    void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return fail(failure, OBS_STEP_CLONE3, errno);
    // No handler of ours may run in the child before it has reset them: block everything.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = clone(joining_child, (char *)stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    munmap(stack, stack_size);
    if (pid < 0) return fail(failure, OBS_STEP_CLONE3, clone_errno);
    // CLONE_VFORK: the child has exec'd or exited by now; its failure is in the shared memory.
    if (args.failure.step != OBS_STEP_NONE) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        *failure = args.failure;
        return -1;
    }
    *out_pid = pid; // the child made its own process group before it exec'd
    return 0;
}

int obs_spawn_direct(const char *path, char *const argv[], char *const envp[], const char *cwd,
                     int stdin_fd, int stdout_fd, int stderr_fd, pid_t *out_pid, obs_spawn_failure *failure) {
    // posix_spawn reports one errno for every step; find a bad working directory first, and pin
    // the directory that was checked with a descriptor the child enters with fchdir.
    int cwd_fd = -1;
    if (cwd != NULL) {
        cwd_fd = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cwd_fd < 0) return fail(failure, OBS_STEP_CHDIR, errno);
        if (access(cwd, X_OK) < 0) {
            int e = errno;
            close(cwd_fd);
            return fail(failure, OBS_STEP_CHDIR, e);
        }
    }
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) {
        if (cwd_fd >= 0) close(cwd_fd);
        return fail(failure, OBS_STEP_EXECVE, rc);
    }
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&actions);
        if (cwd_fd >= 0) close(cwd_fd);
        return fail(failure, OBS_STEP_EXECVE, rc);
    }
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    // dup2 onto itself clears FD_CLOEXEC (glibc 2.29+), which is what "inherit" needs when the
    // caller passed its own 0/1/2.
    if (stdin_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
    if (stdout_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    if (stderr_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
    // fchdir before closefrom, which would close the directory's descriptor.
    if (cwd_fd >= 0) posix_spawn_file_actions_addfchdir_np(&actions, cwd_fd);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    rc = posix_spawn(out_pid, path, &actions, &attr, argv, envp);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (cwd_fd >= 0) close(cwd_fd);
    return rc == 0 ? 0 : fail(failure, OBS_STEP_EXECVE, rc);
}

int obs_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int obs_epoll_add(int epfd, int fd, int priority) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = priority ? EPOLLPRI : EPOLLIN;
    ev.data.fd = fd;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int obs_eventfd(void) {
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return fd < 0 ? -errno : fd;
}

int obs_epoll_del(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0; }

int obs_epoll_wait(int epfd, int *ready, int max, int timeout_ms) {
    struct epoll_event events[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, events, max, timeout_ms);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) ready[i] = events[i].data.fd;
    return n;
}
