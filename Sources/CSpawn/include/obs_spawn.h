#ifndef OBS_SPAWN_H
#define OBS_SPAWN_H

#include <pthread.h>
#include <sys/types.h>

/// A child forked by obs_spawn_gated and held at the start gate, before execve.
typedef struct obs_gated_child {
    pid_t pid;
    /// Write end of the start-gate pipe: closing it lets the child call execve.
    int gate_fd;
    /// Read end of the exec-error pipe: EOF means execve succeeded, 4 bytes mean it failed with that errno.
    int error_fd;
} obs_gated_child;

/// Forks a child that puts itself in a new process group, restores default signal handling,
/// wires its standard descriptors, changes directory, then blocks until the parent releases the
/// start gate, and only then calls execve.
///
/// stdin_fd/stdout_fd/stderr_fd: a descriptor to dup2 onto 0/1/2, or -1 to inherit.
/// cwd may be NULL. Returns 0 or an errno from pipe2/fork in the parent.
int obs_spawn_gated(const char *path, char *const argv[], char *const envp[], const char *cwd,
                    int stdin_fd, int stdout_fd, int stderr_fd, obs_gated_child *out);

/// Starts a child without a start gate, with glibc's posix_spawn (CLONE_VM|CLONE_VFORK: no page
/// tables are copied, which makes it several times cheaper than fork in a large process). The child
/// gets a new process group, default signal dispositions, an empty signal mask, the given stdio,
/// the working directory, and no other descriptors. Returns 0, or the errno of the failure
/// (including execve's: glibc reports it and reaps the failed child).
int obs_spawn_direct(const char *path, char *const argv[], char *const envp[], const char *cwd,
                     int stdin_fd, int stdout_fd, int stderr_fd, pid_t *out_pid);

/// Opens the start gate and waits for the outcome of execve.
/// Returns 0 when the child is now running the new program, or the errno execve (or the child's
/// set-up: chdir, dup2) failed with; the child has then exited with status 127 and must be reaped.
int obs_spawn_release(obs_gated_child *child);

/// Backed by pidfd_open(2). Returns a descriptor or -errno.
int obs_pidfd_open(pid_t pid);



/// pipe2(O_CLOEXEC | O_NONBLOCK). Returns 0 or errno.
int obs_pipe_nonblocking(int fds[2]);

/// epoll for the shared reaper: epoll_create1(EPOLL_CLOEXEC) → fd or -errno.
int obs_epoll_create(void);
/// Adds fd for EPOLLIN with the fd itself as the cookie. 0 or -errno.
int obs_epoll_add(int epfd, int fd);
/// 0 or -errno.
int obs_epoll_del(int epfd, int fd);
/// Waits; writes the ready descriptors to ready[]. Returns their count or -errno.
int obs_epoll_wait(int epfd, int *ready, int max, int timeout_ms);

/// pthread_setname_np, which Swift cannot see without _GNU_SOURCE.
int obs_set_thread_name(pthread_t thread, const char *name);
#endif
