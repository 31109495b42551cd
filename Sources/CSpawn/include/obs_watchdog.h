#ifndef OBS_WATCHDOG_H
#define OBS_WATCHDOG_H

#include <sys/types.h>

/// The most owner directories a watchdog sweeps (v2 plus three v1 hierarchies).
#define OBS_WATCHDOG_MAX_OWNERS 4
/// Process groups of runs without a cgroup the watchdog can hold at once.
#define OBS_WATCHDOG_MAX_GROUPS 4096

/// A watchdog started by obs_watchdog_start.
typedef struct obs_watchdog {
    /// The watchdog's process id. It is not our child (it was forked by a child that exited at
    /// once), so it never becomes our zombie.
    pid_t pid;
    /// The write end of the pipe the watchdog waits on (close-on-exec, held by no other process).
    /// It carries only the process groups of runs without a cgroup (an int32 each: the id to
    /// kill, or its negation to forget it); the watchdog acts when the last copy closes, which is
    /// when this process dies, however it dies.
    int keep_fd;
} obs_watchdog;

/// Starts a process that outlives this one only long enough to end its runs: it blocks in read(2)
/// on a pipe whose write end only this process holds; at end of file (this process is gone, by
/// exit or by any signal, SIGKILL included) it ends every process of each run cgroup under the
/// owner directories (`cgroup.kill`, else SIGKILL to each pid of `cgroup.procs`), removes those
/// cgroups deepest first once empty (for up to five seconds), removes the owner directories, and
/// exits. A child named `observer` (the observer's own leaf) is not killed; it is removed when
/// empty.
///
/// The watchdog calls setsid(2) (a terminal's Ctrl-C to our process group does not reach it),
/// resets every signal disposition and its mask, closes every other descriptor, and is named
/// "obs-watchdog". After the fork it makes raw system calls only (this process has threads; the
/// library ships no executable to exec). owners[0..count) are absolute paths, each shorter than
/// PATH_MAX / 2. Returns 0, or an errno (pipe2, fork, or the intermediate child's report).
int obs_watchdog_start(const char *const owners[], int count, obs_watchdog *out);

#endif
