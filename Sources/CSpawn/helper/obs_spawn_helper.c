// The spawn helper: a tiny static program the observer starts once (from memory, with
// execveat) and asks to create each command's process.
//
// Why: Linux folds the hiwater RSS of the address space a process had before execve into its
// ru_maxrss (exec_mmap: setmax_mm_hiwater_rss(&tsk->signal->maxrss, old_mm)). A child forked
// from the observer, or sharing its memory until execve (posix_spawn), reports the observer's
// peak RSS as its own. The helper's children are new thread groups (a fresh signal_struct) whose
// pre-exec address space is the helper's, a few hundred KiB, so their ru_maxrss is the program's.
// CLONE_PARENT makes them the observer's children all the same: it reaps them with wait4, opens
// their pidfds, and their death signal is tied to the observer's thread that started the helper.
//
// Protocol: helper_protocol.h. argv[1] is the socket's descriptor number.

#define _GNU_SOURCE
#include "../child_steps.h"
#include "../helper_protocol.h"

#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/sched.h>

static char request_buffer[OBS_HELPER_MAX_REQUEST];
static char *pointers[OBS_HELPER_MAX_REQUEST + 2];
static char child_stack[64 * 1024] __attribute__((aligned(16)));

static int vfork_child(void *plan) { obs_child_run(plan); }

static void reply(int sock, int32_t rc, pid_t pid, int in_cgroup, int32_t step, int err) {
    struct obs_helper_reply r = {
        .rc = rc, .pid = pid, .in_cgroup = in_cgroup, .failure = {.step = step, .err = err, .fd = -1}};
    while (send(sock, &r, sizeof(r), MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

/// Creates one child from one request; replies; closes the descriptors it carried.
static void serve(int sock, struct obs_helper_request *req, size_t len, int *fds, int nfds, pid_t observer) {
    struct obs_child_plan plan;
    memset(&plan, 0, sizeof(plan));
    obs_spawn_failure shared = {.step = OBS_STEP_NONE, .err = 0, .fd = -1};
    // Strings: path, argv, envp, then the working directory.
    char *s = (char *)(req + 1);
    char *end = s + req->strings_len;
    size_t count = 1 + req->argc + req->envc + ((req->flags & OBS_HELPER_HAS_CWD) ? 1 : 0);
    if (sizeof(*req) + req->strings_len != len || count > OBS_HELPER_MAX_REQUEST || req->strings_len == 0 ||
        end[-1] != 0) {
        reply(sock, -1, 0, 0, OBS_STEP_FORK, EPROTO);
        return;
    }
    char *strings[4] = {NULL, NULL, NULL, NULL};
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        if (s >= end) {
            reply(sock, -1, 0, 0, OBS_STEP_FORK, EPROTO);
            return;
        }
        if (i == 0) strings[0] = s;
        else if (i <= req->argc + req->envc) pointers[k++] = s;
        else strings[1] = s;
        if (i == req->argc) pointers[k++] = NULL; // argv's end (after the path when argc == 0)
        s += strlen(s) + 1;
    }
    pointers[k++] = NULL;
    plan.path = strings[0];
    plan.cwd = strings[1];
    plan.argv = pointers;
    plan.envp = pointers + req->argc + 1;
    int next = 0;
    for (int i = 0; i < 3; i++) {
        if (req->stdio[i] == 1) plan.stdio[i] = next < nfds ? fds[next++] : -1;
        else plan.stdio[i] = req->stdio[i] == 2 ? OBS_CHILD_CLOSE : -1;
    }
    int cgroup_fd = req->has_cgroup && next < nfds ? fds[next++] : -1;
    plan.join_fds = fds + next;
    plan.join_count = (int)req->join_count;
    next += plan.join_count;
    int gated = (req->flags & OBS_HELPER_GATED) != 0;
    plan.gate_fd = gated ? fds[next++] : -1;
    plan.error_fd = gated ? fds[next++] : -1;
    if (next != nfds) {
        reply(sock, -1, 0, 0, OBS_STEP_FORK, EPROTO);
        return;
    }
    plan.shared_failure = &shared;
    plan.death_signal = req->death_signal;
    plan.parent = observer;
    plan.limits = req->limits;
    plan.umask = -1;

    if (gated) {
        // A fork-like clone: the child waits at the gate, and we reply at once.
        struct clone_args args;
        memset(&args, 0, sizeof(args));
        args.flags = CLONE_PARENT;
        args.exit_signal = 0; // clone3 refuses one with CLONE_PARENT: the child gets ours (SIGCHLD)
        int in_cgroup = 0;
        long pid = -1;
        if (cgroup_fd >= 0) {
            args.flags |= CLONE_INTO_CGROUP;
            args.cgroup = (uint64_t)cgroup_fd;
            pid = syscall(SYS_clone3, &args, sizeof(args));
            if (pid < 0 && errno != ENOSYS && errno != E2BIG) {
                reply(sock, -1, 0, 0, OBS_STEP_CLONE3, errno);
                return;
            }
            in_cgroup = pid >= 0;
            args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
            args.cgroup = 0;
        }
        if (pid < 0) pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid == 0) obs_child_run(&plan);
        if (pid < 0) {
            reply(sock, -1, 0, 0, OBS_STEP_FORK, errno);
            return;
        }
        reply(sock, 0, (pid_t)pid, in_cgroup, OBS_STEP_NONE, 0);
        return;
    }
    // CLONE_VM|CLONE_VFORK, as posix_spawn: we resume once the child has exec'd or exited.
    pid_t pid = clone(vfork_child, child_stack + sizeof(child_stack), CLONE_VM | CLONE_VFORK | CLONE_PARENT | SIGCHLD,
                      &plan);
    if (pid < 0) {
        // What the in-process paths report: the joining clone's step, or posix_spawn's errno.
        int cgroup_or_death = plan.join_count > 0 || plan.death_signal != 0;
        reply(sock, -1, 0, 0, cgroup_or_death ? OBS_STEP_CLONE3 : OBS_STEP_EXECVE, errno);
        return;
    }
    if (shared.step != OBS_STEP_NONE) {
        struct obs_helper_reply r = {.rc = -1, .pid = pid, .in_cgroup = 0, .failure = shared};
        while (send(sock, &r, sizeof(r), MSG_NOSIGNAL) < 0 && errno == EINTR) {
        }
        return;
    }
    reply(sock, 0, pid, 0, OBS_STEP_NONE, 0);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int sock = atoi(argv[1]);
    pid_t observer = getppid();
    // Gone with the observer's thread that started us (and so with the observer).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (argc > 2 && getppid() != atoi(argv[2])) return 0;
    // Out of the terminal's foreground group: a ^C meant for the observer is not for us.
    setpgid(0, 0);
    signal(SIGPIPE, SIG_IGN);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3 && null >= 0; fd++) {
        if (null != fd) dup2(null, fd); // received descriptors are then never 0, 1 or 2
    }
    if (null > 2) close(null);
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    for (;;) {
        union {
            struct cmsghdr align;
            char bytes[CMSG_SPACE(sizeof(int) * OBS_HELPER_MAX_FDS)];
        } control;
        struct iovec iov = {.iov_base = request_buffer, .iov_len = sizeof(request_buffer)};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes,
                             .msg_controllen = sizeof(control.bytes)};
        ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0; // the observer closed its end
        int fds[OBS_HELPER_MAX_FDS];
        int nfds = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < count && nfds < OBS_HELPER_MAX_FDS; i++) {
                memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            }
        }
        struct obs_helper_request *req = (struct obs_helper_request *)request_buffer;
        if ((size_t)n < sizeof(*req) || req->version != OBS_HELPER_VERSION || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
            reply(sock, -1, 0, 0, OBS_STEP_FORK, (msg.msg_flags & MSG_CTRUNC) ? EMFILE : EPROTO);
        } else {
            serve(sock, req, (size_t)n, fds, nfds, observer);
        }
        for (int i = 0; i < nfds; i++) close(fds[i]);
    }
}
