#define _GNU_SOURCE
#include "obs_spawn.h"
#include "helper_protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

// The observer's side of the spawn helper (helper/obs_spawn_helper.c, protocol in
// helper_protocol.h). One helper per process, started on first use by the keeper thread, which
// lives as long as the process: the helper's children are CLONE_PARENT children, whose parent
// *thread* (the one their PR_SET_PDEATHSIG is tied to) is the keeper. The keeper then waits for
// the helper to exit and reaps it; the next spawn starts a new one.

enum helper_state { HELPER_IDLE, HELPER_STARTING, HELPER_RUNNING, HELPER_DISABLED };

static pthread_mutex_t helper_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t helper_changed = PTHREAD_COND_INITIALIZER;
static enum helper_state state = HELPER_IDLE;
static int keeper_running = 0;
static int helper_sock = -1;
static pid_t helper_pid = 0;
static const void *helper_image = NULL;
static size_t helper_image_len = 0;
static char helper_reason[256] = "no spawn helper program was given";
/// Bumped at each (re)start, so the caller can log a change once.
static unsigned helper_generation = 0;
static char request_buffer[OBS_HELPER_MAX_REQUEST];
/// Our credentials when the helper was started, which its children run with.
static uid_t helper_uids[3];
static gid_t helper_gids[3];
/// The helper's working directory (the keeper's when it started it), which its children start in
/// unless a request names another.
static struct stat helper_cwd;
static int helper_cwd_known = 0;

void obs_helper_set_image(const void *bytes, size_t len) {
    pthread_mutex_lock(&helper_lock);
    helper_image = bytes;
    helper_image_len = len;
    if (state == HELPER_DISABLED && len > 0) state = HELPER_IDLE;
    pthread_mutex_unlock(&helper_lock);
}

void obs_helper_disable(const char *reason) {
    pthread_mutex_lock(&helper_lock);
    state = HELPER_DISABLED;
    snprintf(helper_reason, sizeof(helper_reason), "%s", reason);
    if (helper_pid > 0) kill(helper_pid, SIGKILL);
    pthread_mutex_unlock(&helper_lock);
}

struct start_args {
    int memfd;
    int sock;
    char *const *argv;
    int err;
};

static int start_child(void *p) {
    struct start_args *a = p;
    fcntl(a->sock, F_SETFD, 0);
    char *const envp[] = {NULL};
    syscall(SYS_execveat, a->memfd, "", a->argv, envp, AT_EMPTY_PATH);
    a->err = errno;
    _exit(127);
}

/// Starts the helper; with helper_lock held. Sets state (RUNNING, IDLE after a transient
/// failure, DISABLED after one that will not change) and helper_reason.
static void start_helper(void) {
    if (helper_image == NULL || helper_image_len == 0) {
        state = HELPER_DISABLED;
        return;
    }
    int memfd = memfd_create("obs-spawn-helper", MFD_CLOEXEC | MFD_EXEC);
    if (memfd < 0 && errno == EINVAL) memfd = memfd_create("obs-spawn-helper", MFD_CLOEXEC);
    if (memfd < 0) {
        int e = errno;
        snprintf(helper_reason, sizeof(helper_reason), "memfd_create failed: %s", strerror(e));
        state = (e == EMFILE || e == ENFILE || e == ENOMEM) ? HELPER_IDLE : HELPER_DISABLED;
        return;
    }
    size_t done = 0;
    while (done < helper_image_len) {
        ssize_t n = write(memfd, (const char *)helper_image + done, helper_image_len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            snprintf(helper_reason, sizeof(helper_reason), "writing the helper to its memfd failed: %s",
                     strerror(n < 0 ? errno : EIO));
            close(memfd);
            state = HELPER_IDLE;
            return;
        }
        done += (size_t)n;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(helper_reason, sizeof(helper_reason), "socketpair failed: %s", strerror(errno));
        close(memfd);
        state = HELPER_IDLE;
        return;
    }
    char fd_arg[16], pid_arg[16];
    snprintf(fd_arg, sizeof(fd_arg), "%d", sv[1]);
    snprintf(pid_arg, sizeof(pid_arg), "%d", (int)getpid());
    char *const argv[] = {"obs-spawn-helper", fd_arg, pid_arg, NULL};
    struct start_args args = {.memfd = memfd, .sock = sv[1], .argv = argv, .err = 0};
    size_t stack_size = 64 * 1024;
    void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    pid_t pid = -1;
    int clone_errno = ENOMEM;
    if (stack != MAP_FAILED) {
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pid = clone(start_child, (char *)stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
        clone_errno = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        munmap(stack, stack_size);
    }
    close(memfd);
    close(sv[1]);
    if (pid < 0 || args.err != 0) {
        int e = pid < 0 ? clone_errno : args.err;
        if (pid > 0) {
            while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
            }
        }
        close(sv[0]);
        snprintf(helper_reason, sizeof(helper_reason), "%s failed: %s", pid < 0 ? "clone" : "execveat of the memfd",
                 strerror(e));
        state = pid < 0 ? HELPER_IDLE : HELPER_DISABLED;
        return;
    }
    helper_cwd_known = stat(".", &helper_cwd) == 0;
    getresuid(&helper_uids[0], &helper_uids[1], &helper_uids[2]);
    getresgid(&helper_gids[0], &helper_gids[1], &helper_gids[2]);
    helper_sock = sv[0];
    helper_pid = pid;
    helper_generation++;
    state = HELPER_RUNNING;
}

static void *keeper(void *unused) {
    (void)unused;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
    pthread_setname_np(pthread_self(), "obs-spawn-help");
    pthread_mutex_lock(&helper_lock);
    for (;;) {
        while (state != HELPER_STARTING) pthread_cond_wait(&helper_changed, &helper_lock);
        start_helper();
        pthread_cond_broadcast(&helper_changed);
        if (state != HELPER_RUNNING) continue;
        pid_t pid = helper_pid;
        pthread_mutex_unlock(&helper_lock);
        // The helper is our child: reap it when it exits (no zombie), then forget it.
        while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR) {
        }
        pthread_mutex_lock(&helper_lock);
        if (helper_pid == pid) {
            close(helper_sock);
            helper_sock = -1;
            helper_pid = 0;
            if (state == HELPER_RUNNING) state = HELPER_IDLE;
        }
        pthread_cond_broadcast(&helper_changed);
    }
    return NULL;
}

static void abandon_helper(const char *why);
static int request_start(void);

/// With helper_lock held: 1 when the helper runs (started now if it was not), else 0. A helper
/// started with other credentials than ours now (we called setuid since) is replaced: its
/// children would run with its.
static int ensure_helper(void) {
    if (state == HELPER_RUNNING) {
        uid_t u[3];
        gid_t g[3];
        getresuid(&u[0], &u[1], &u[2]);
        getresgid(&g[0], &g[1], &g[2]);
        if (memcmp(u, helper_uids, sizeof(u)) == 0 && memcmp(g, helper_gids, sizeof(g)) == 0) return 1;
        abandon_helper("our user or group changed since it was started");
    }
    if (!request_start()) return 0;
    while (state == HELPER_STARTING) pthread_cond_wait(&helper_changed, &helper_lock);
    return state == HELPER_RUNNING;
}

/// With helper_lock held: asks the keeper thread (started now if need be) to start the helper
/// when none runs. 0 when no helper can run.
static int request_start(void) {
    if (state == HELPER_DISABLED || helper_image == NULL) return 0;
    if (!keeper_running) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        pthread_t thread;
        int rc = pthread_create(&thread, &attr, keeper, NULL);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            snprintf(helper_reason, sizeof(helper_reason), "its thread could not be started: %s", strerror(rc));
            return 0;
        }
        keeper_running = 1;
    }
    if (state == HELPER_IDLE) {
        state = HELPER_STARTING;
        pthread_cond_broadcast(&helper_changed);
    }
    return 1;
}

void obs_helper_warm(void) {
    pthread_mutex_lock(&helper_lock);
    (void)request_start();
    pthread_mutex_unlock(&helper_lock);
}

/// The helper went wrong mid-request: end it; the keeper reaps it, the next spawn starts another.
static void abandon_helper(const char *why) {
    snprintf(helper_reason, sizeof(helper_reason), "%s", why);
    if (helper_pid > 0) kill(helper_pid, SIGKILL);
    state = HELPER_IDLE;
    helper_pid = 0; // the keeper, waiting for the pid it started, still reaps it
    close(helper_sock);
    helper_sock = -1;
}

static size_t append(size_t at, const char *s) {
    size_t n = strlen(s) + 1;
    if (at + n > sizeof(request_buffer)) return SIZE_MAX;
    memcpy(request_buffer + at, s, n);
    return at + n;
}

/// One request and its reply; with helper_lock held. Returns 1 when the helper cannot be used
/// for this request (the caller spawns in this process), else 0 with *reply set.
static int exchange(const char *path, char *const argv[], char *const envp[], const char *cwd, const int stdio_in[3],
                    int cgroup_fd, const int *join_fds, int join_count, int gate_fd, int error_fd, int death_signal,
                    struct obs_helper_reply *reply) {
    struct obs_helper_request *req = (struct obs_helper_request *)request_buffer;
    memset(req, 0, sizeof(*req));
    req->version = OBS_HELPER_VERSION;
    req->death_signal = death_signal;
    char cwd_now[4096];
    if (cwd == NULL) {
        // The child starts where this thread is now: the helper's directory when that is the
        // same (no chdir in the child, as when it is forked here), else this one by name.
        struct stat here;
        if (stat(".", &here) < 0) return 1;
        if (!helper_cwd_known || here.st_dev != helper_cwd.st_dev || here.st_ino != helper_cwd.st_ino) {
            if (getcwd(cwd_now, sizeof(cwd_now)) == NULL) return 1;
            cwd = cwd_now;
        }
    }
    req->flags = (cwd != NULL ? OBS_HELPER_HAS_CWD : 0) | (gate_fd >= 0 ? OBS_HELPER_GATED : 0);
    size_t at = sizeof(*req);
    at = append(at, path);
    for (char *const *a = argv; at != SIZE_MAX && *a != NULL; a++, req->argc++) at = append(at, *a);
    for (char *const *e = envp; at != SIZE_MAX && *e != NULL; e++, req->envc++) at = append(at, *e);
    if (at != SIZE_MAX && cwd != NULL) at = append(at, cwd);
    if (at == SIZE_MAX) return 1; // too big for one message
    req->strings_len = (uint32_t)(at - sizeof(*req));
    for (int r = 0; r < OBS_HELPER_LIMITS; r++) getrlimit(r, &req->limits[r]);

    int fds[OBS_HELPER_MAX_FDS];
    int nfds = 0;
    for (int i = 0; i < 3; i++) {
        int fd = stdio_in[i] >= 0 ? stdio_in[i] : i;
        if (stdio_in[i] < 0 && fcntl(i, F_GETFD) < 0) {
            req->stdio[i] = 2; // ours is closed: so is the child's
        } else {
            req->stdio[i] = 1;
            fds[nfds++] = fd;
        }
    }
    if (cgroup_fd >= 0) {
        req->has_cgroup = 1;
        fds[nfds++] = cgroup_fd;
    }
    for (int i = 0; i < join_count; i++) fds[nfds++] = join_fds[i];
    req->join_count = (uint32_t)join_count;
    if (gate_fd >= 0) {
        fds[nfds++] = gate_fd;
        fds[nfds++] = error_fd;
    }
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(int) * OBS_HELPER_MAX_FDS)];
    } control;
    memset(&control, 0, sizeof(control));
    struct iovec iov = {.iov_base = request_buffer, .iov_len = at};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.bytes,
                         .msg_controllen = CMSG_SPACE(sizeof(int) * nfds)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    ssize_t n;
    while ((n = sendmsg(helper_sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    if (n < 0) {
        if (errno == EMSGSIZE || errno == ENOBUFS) return 1;
        abandon_helper("sending it a request failed");
        return 1;
    }
    while ((n = recv(helper_sock, reply, sizeof(*reply), 0)) < 0 && errno == EINTR) {
    }
    if (n != (ssize_t)sizeof(*reply)) {
        abandon_helper("it did not answer a request");
        return 1;
    }
    return 0;
}

static void reap(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

int obs_helper_spawn_gated(const char *path, char *const argv[], char *const envp[], const char *cwd, int stdin_fd,
                           int stdout_fd, int stderr_fd, int cgroup_fd, int death_signal, obs_gated_child *out,
                           obs_spawn_failure *failure) {
    pthread_mutex_lock(&helper_lock);
    if (!ensure_helper()) {
        pthread_mutex_unlock(&helper_lock);
        return 1;
    }
    int gate[2], errpipe[2];
    if (pipe2(gate, O_CLOEXEC) < 0) {
        pthread_mutex_unlock(&helper_lock);
        *failure = (obs_spawn_failure){.step = OBS_STEP_PIPE, .err = errno, .fd = -1};
        return -1;
    }
    if (pipe2(errpipe, O_CLOEXEC) < 0) {
        int e = errno;
        pthread_mutex_unlock(&helper_lock);
        close(gate[0]);
        close(gate[1]);
        *failure = (obs_spawn_failure){.step = OBS_STEP_PIPE, .err = e, .fd = -1};
        return -1;
    }
    const int stdio[3] = {stdin_fd, stdout_fd, stderr_fd};
    struct obs_helper_reply reply;
    int unavailable =
        exchange(path, argv, envp, cwd, stdio, cgroup_fd, NULL, 0, gate[0], errpipe[1], death_signal, &reply);
    pthread_mutex_unlock(&helper_lock);
    close(gate[0]);
    close(errpipe[1]);
    if (unavailable || reply.rc != 0) {
        // The error pipe first: a child the helper made before it failed to answer finds its
        // gate closed with no reader and exits instead of running unobserved.
        close(errpipe[0]);
        close(gate[1]);
        if (unavailable) return 1;
        *failure = reply.failure;
        return -1;
    }
    // Also from here, so the group exists before anyone signals it (no race with the child).
    setpgid(reply.pid, reply.pid);
    out->pid = reply.pid;
    out->gate_fd = gate[1];
    out->error_fd = errpipe[0];
    out->in_cgroup = reply.in_cgroup;
    return 0;
}

int obs_helper_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, int stdin_fd,
                     int stdout_fd, int stderr_fd, const int *join_fds, int join_count, int death_signal,
                     pid_t *out_pid, obs_spawn_failure *failure) {
    if (join_count < 0 || join_count > OBS_SPAWN_MAX_JOIN) return 1;
    pthread_mutex_lock(&helper_lock);
    if (!ensure_helper()) {
        pthread_mutex_unlock(&helper_lock);
        return 1;
    }
    const int stdio[3] = {stdin_fd, stdout_fd, stderr_fd};
    struct obs_helper_reply reply;
    int unavailable = exchange(path, argv, envp, cwd, stdio, -1, join_fds, join_count, -1, -1, death_signal, &reply);
    pthread_mutex_unlock(&helper_lock);
    if (unavailable) return 1;
    if (reply.rc != 0) {
        if (reply.pid > 0) reap(reply.pid); // our child (CLONE_PARENT), exited with 127
        *failure = reply.failure;
        return -1;
    }
    *out_pid = reply.pid;
    return 0;
}

int obs_helper_status(pid_t *pid, int *descriptor, unsigned *generation, char *reason, size_t reason_len) {
    pthread_mutex_lock(&helper_lock);
    int running = state == HELPER_RUNNING;
    if (pid != NULL) *pid = running ? helper_pid : 0;
    if (descriptor != NULL) *descriptor = running ? helper_sock : -1;
    if (generation != NULL) *generation = helper_generation;
    if (reason != NULL && reason_len > 0) snprintf(reason, reason_len, "%s", running ? "" : helper_reason);
    pthread_mutex_unlock(&helper_lock);
    return running;
}
