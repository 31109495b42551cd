#ifndef OBS_SPAWN_H
#define OBS_SPAWN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// The step of starting a child that failed. The child reports its own steps (setpgid to
/// execve) through the close-on-exec error pipe; the parent's (pipe2, fork) are returned directly.
typedef enum obs_spawn_step {
    OBS_STEP_NONE = 0,
    /// Parent: pipe2 for the start gate or the error pipe.
    OBS_STEP_PIPE = 1,
    /// Parent: fork.
    OBS_STEP_FORK = 2,
    /// Child: setpgid(0, 0).
    OBS_STEP_SETPGID = 3,
    /// Child: dup2 onto descriptor 0, 1 or 2 (`fd` says which).
    OBS_STEP_DUP2 = 4,
    /// Child (or the parent's check before posix_spawn): chdir to the working directory.
    OBS_STEP_CHDIR = 5,
    /// Child: reading the start-gate pipe.
    OBS_STEP_GATE = 6,
    /// Child: execve (or posix_spawn, which reports execve's errno).
    OBS_STEP_EXECVE = 7,
    /// Parent: clone3 with CLONE_INTO_CGROUP, or clone with CLONE_VM|CLONE_VFORK.
    OBS_STEP_CLONE3 = 8,
    /// Child: writing itself to a cgroup's cgroup.procs (obs_spawn_joining).
    OBS_STEP_CGROUP = 9,
} obs_spawn_step;

/// A failed step and its errno; `fd` is the target descriptor for OBS_STEP_DUP2, else -1.
/// This is also the exact record the child writes to the error pipe.
typedef struct obs_spawn_failure {
    int32_t step;
    int32_t err;
    int32_t fd;
} obs_spawn_failure;

/// A child forked by obs_spawn_gated and held at the start gate, before execve.
typedef struct obs_gated_child {
    pid_t pid;
    /// Write end of the start-gate pipe: closing it lets the child call execve.
    int gate_fd;
    /// Read end of the exec-error pipe: EOF means execve succeeded, an obs_spawn_failure record
    /// means a step of the child's set-up failed.
    int error_fd;
    /// 1 when clone3 started the child inside the requested cgroup; 0 when the kernel has no
    /// CLONE_INTO_CGROUP (before 5.7) and the child must be moved there at the start gate.
    int in_cgroup;
} obs_gated_child;

/// Forks a child that puts itself in a new process group, restores default signal handling,
/// wires its standard descriptors, changes directory, then blocks until the parent releases the
/// start gate, and only then calls execve.
///
/// stdin_fd/stdout_fd/stderr_fd: a descriptor to dup2 onto 0/1/2, or -1 to inherit.
/// cwd may be NULL. cgroup_fd, when not -1, is an O_DIRECTORY descriptor of a cgroup v2
/// directory: the child is created inside it (clone3 with CLONE_INTO_CGROUP), so it and all its
/// descendants are in the cgroup from their first instruction. Returns 0, or -1 with *failure set
/// (OBS_STEP_PIPE, OBS_STEP_FORK or OBS_STEP_CLONE3).
///
/// death_signal, when not 0, is the signal the child gets when the thread that called this
/// exits (PR_SET_PDEATHSIG): so that the root of a run dies with an observer that was killed.
int obs_spawn_gated(const char *path, char *const argv[], char *const envp[], const char *cwd,
                    int stdin_fd, int stdout_fd, int stderr_fd, int cgroup_fd, int death_signal,
                    obs_gated_child *out, obs_spawn_failure *failure);

/// Starts a child without a start gate, with glibc's posix_spawn (CLONE_VM|CLONE_VFORK: no page
/// tables are copied, which makes it several times cheaper than fork in a large process). The child
/// gets a new process group, default signal dispositions, an empty signal mask, the given stdio,
/// the working directory, and no other descriptors. Returns 0, or -1 with *failure set: the
/// working directory is opened and checked in the parent first (OBS_STEP_CHDIR), so that
/// posix_spawn's one errno (glibc reports execve's and reaps the failed child) means execve.
int obs_spawn_direct(const char *path, char *const argv[], char *const envp[], const char *cwd,
                     int stdin_fd, int stdout_fd, int stderr_fd, pid_t *out_pid, obs_spawn_failure *failure);

/// The most cgroup.procs descriptors obs_spawn_joining takes (v2 plus three v1 hierarchies).
#define OBS_SPAWN_MAX_JOIN 4

/// Starts a child as posix_spawn does (clone with CLONE_VM|CLONE_VFORK on a stack of its own: no
/// page tables are copied, the caller is suspended until the child has exec'd or failed) and has
/// the child put itself in each cgroup of join_fds (open cgroup.procs files: it writes "0") before
/// anything else, so the program's first instruction runs inside them. The same set-up as
/// obs_spawn_gated otherwise: a new process group, default signal dispositions, an empty mask,
/// the stdio, the working directory, no other descriptors, the death signal. There is no start
/// gate. Returns 0, or -1 with *failure set to the step that failed (the failed child is reaped).
int obs_spawn_joining(const char *path, char *const argv[], char *const envp[], const char *cwd,
                      int stdin_fd, int stdout_fd, int stderr_fd, const int *join_fds, int join_count,
                      int death_signal, pid_t *out_pid, obs_spawn_failure *failure);

/// Opens the start gate and waits for the outcome of execve.
/// Returns 0 when the child is now running the new program, or -1 with *failure set to the step
/// of the child's set-up that failed (setpgid, dup2, chdir, the gate, execve) and its errno; the
/// child has then exited with status 127 and must be reaped.
int obs_spawn_release(obs_gated_child *child, obs_spawn_failure *failure);

/// The spawn helper (Sources/CSpawn/helper): the static program the observer starts once, from
/// memory, to create each command's process, so that the command's ru_maxrss is its own and not
/// the observer's (Linux folds the pre-exec address space's hiwater RSS into it at execve).
/// `bytes` (an ELF image) must stay valid for the life of the process.
void obs_helper_set_image(const void *bytes, size_t len);

/// Stops using the helper (and ends it): every later spawn is made in this process. `reason` is
/// what obs_helper_status reports.
void obs_helper_disable(const char *reason);

/// Starts the helper in the background (on its keeper thread) when none runs and one can, and
/// returns at once: a spawn that follows finds it running, or waits only for what is left of its
/// start. For a start that has other work to do meanwhile (the eBPF load).
void obs_helper_warm(void);

/// obs_spawn_gated through the helper: the child is created by the helper with
/// clone3(CLONE_PARENT [| CLONE_INTO_CGROUP]), so it is this process's child, and waits at the
/// start gate exactly as obs_spawn_gated's does (obs_spawn_release opens it). Returns 0, -1 with
/// *failure set (the same steps and errnos as obs_spawn_gated), or 1 when the helper is not
/// available (it could not be started, or the command is too large for one request): the caller
/// then spawns in this process.
int obs_helper_spawn_gated(const char *path, char *const argv[], char *const envp[], const char *cwd, int stdin_fd,
                           int stdout_fd, int stderr_fd, int cgroup_fd, int death_signal, obs_gated_child *out,
                           obs_spawn_failure *failure);

/// obs_spawn_joining (and, with no join_fds and no death signal, obs_spawn_direct) through the
/// helper: a CLONE_VM|CLONE_VFORK|CLONE_PARENT child of the helper, which replies once it has
/// exec'd or failed (a failed child is reaped here). Returns 0, -1 with *failure set, or 1 when
/// the helper is not available.
int obs_helper_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, int stdin_fd,
                     int stdout_fd, int stderr_fd, const int *join_fds, int join_count, int death_signal,
                     pid_t *out_pid, obs_spawn_failure *failure);

/// 1 when the helper is running, with its pid and our end of its socket (what the observer's own
/// process and descriptor counts leave out); else 0, with why in `reason`. `generation` counts
/// the helper's starts.
int obs_helper_status(pid_t *pid, int *descriptor, unsigned *generation, char *reason, size_t reason_len);

/// Backed by pidfd_open(2). Returns a descriptor or -errno.
int obs_pidfd_open(pid_t pid);


/// pipe2(O_CLOEXEC | O_NONBLOCK). Returns 0 or errno.
int obs_pipe_nonblocking(int fds[2]);

/// epoll for the shared reaper: epoll_create1(EPOLL_CLOEXEC) → fd or -errno.
int obs_epoll_create(void);
/// Adds fd with the fd itself as the cookie, for EPOLLIN, or with `priority` for EPOLLPRI only (a
/// cgroup's cgroup.events: kernfs files are always readable, and a change is signalled as a
/// priority event). 0 or -errno.
int obs_epoll_add(int epfd, int fd, int priority);
/// 0 or -errno.
int obs_epoll_del(int epfd, int fd);
/// Waits; writes the ready descriptors to ready[]. Returns their count or -errno.
int obs_epoll_wait(int epfd, int *ready, int max, int timeout_ms);

/// eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) → fd or -errno (a cgroup v1 memory OOM notification).
int obs_eventfd(void);

/// pthread_setname_np, which Swift cannot see without _GNU_SOURCE.
int obs_set_thread_name(pthread_t thread, const char *name);
#endif
