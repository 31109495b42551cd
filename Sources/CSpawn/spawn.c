#define _GNU_SOURCE
#include "obs_spawn.h"
#include "child_steps.h"

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


static int fail(obs_spawn_failure *failure, int32_t step, int err) {
    failure->step = step;
    failure->err = err;
    failure->fd = -1;
    return -1;
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
        struct obs_child_plan plan = {
            .path = path, .argv = argv, .envp = envp, .cwd = cwd, .stdio = {stdin_fd, stdout_fd, stderr_fd},
            .join_fds = NULL, .join_count = 0, .death_signal = death_signal, .parent = parent,
            .gate_fd = gate[0], .error_fd = errpipe[1], .shared_failure = NULL, .limits = NULL, .umask = -1,
        };
        obs_child_run(&plan);
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

/// The CLONE_VM child of obs_spawn_joining: it runs in the parent's address space until execve
/// and writes no memory but its plan's `shared_failure`, which the parent reads once it has exited.
static int joining_child(void *plan) { obs_child_run(plan); }

int obs_spawn_joining(const char *path, char *const argv[], char *const envp[], const char *cwd,
                      int stdin_fd, int stdout_fd, int stderr_fd, const int *join_fds, int join_count,
                      int death_signal, pid_t *out_pid, obs_spawn_failure *failure) {
    if (join_count < 0 || join_count > OBS_SPAWN_MAX_JOIN) {
        errno = EINVAL;
        return fail(failure, OBS_STEP_CGROUP, EINVAL);
    }
    obs_spawn_failure child_failure = {.step = OBS_STEP_NONE, .err = 0, .fd = -1};
    struct obs_child_plan plan = {
        .path = path, .argv = argv, .envp = envp, .cwd = cwd, .stdio = {stdin_fd, stdout_fd, stderr_fd},
        .join_fds = join_fds, .join_count = join_count, .death_signal = death_signal, .parent = getpid(),
        .gate_fd = -1, .error_fd = -1, .shared_failure = &child_failure, .limits = NULL, .umask = -1,
    };
    // The child needs little stack: a few calls before execve.
    size_t stack_size = 64 * 1024;
    void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return fail(failure, OBS_STEP_CLONE3, errno);
    // No handler of ours may run in the child before it has reset them: block everything.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = clone(joining_child, (char *)stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    munmap(stack, stack_size);
    if (pid < 0) return fail(failure, OBS_STEP_CLONE3, clone_errno);
    // CLONE_VFORK: the child has exec'd or exited by now; its failure is in the shared memory.
    if (child_failure.step != OBS_STEP_NONE) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        *failure = child_failure;
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
