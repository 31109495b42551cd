// The observer's watchdog: a forked process that ends the observer's runs when the observer dies.
// After the fork only raw system calls (and pure memcpy/strlen/strcmp): the observer has threads.

#define _GNU_SOURCE
#include "obs_watchdog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/// How long the watchdog waits for killed run cgroups to empty before it gives up removing them.
#define OBS_WATCHDOG_REMOVE_NS (5LL * 1000 * 1000 * 1000)
/// How deep it follows cgroups nested in a run's (a run may make its own).
#define OBS_WATCHDOG_MAX_DEPTH 8
/// The name of the observer's own leaf in the v2 owner directory (ObserverLeaf).
#define OBS_WATCHDOG_LEAF "observer"

/// getdents64's record (the kernel's struct linux_dirent64).
struct obs_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int64_t monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
}

/// Appends "/name" to path[0..len); returns the new length, or 0 when it would not fit.
static size_t append(char *path, size_t len, const char *name) {
    size_t n = strlen(name);
    if (len + 1 + n >= PATH_MAX) return 0;
    path[len] = '/';
    memcpy(path + len + 1, name, n);
    path[len + 1 + n] = 0;
    return len + 1 + n;
}

/// Writes text to the file path; 0 when all of it was written.
static int write_text(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = strlen(text);
    ssize_t written = write(fd, text, len);
    close(fd);
    return written == (ssize_t)len ? 0 : -1;
}

/// SIGKILL to every pid listed in the cgroup's cgroup.procs (the v1 way; v2 has cgroup.kill).
static void kill_listed(char *path, size_t len) {
    size_t file = append(path, len, "cgroup.procs");
    if (file == 0) return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    path[len] = 0;
    if (fd < 0) return;
    pid_t self = (pid_t)syscall(SYS_getpid);
    char buf[1024];
    long value = 0;
    int digits = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] >= '0' && buf[i] <= '9') {
                value = value * 10 + (buf[i] - '0');
                digits = 1;
            } else {
                if (digits && value != self) kill((pid_t)value, SIGKILL);
                value = 0;
                digits = 0;
            }
        }
    }
    if (digits && value != self) kill((pid_t)value, SIGKILL);
    close(fd);
}

/// Ends every process of the cgroup at path and of the cgroups nested in it.
static void kill_cgroup(char *path, size_t len) {
    size_t file = append(path, len, "cgroup.kill");
    int done = file != 0 && write_text(path, "1") == 0;
    path[len] = 0;
    if (!done) kill_listed(path, len);
}

enum sweep_phase { SWEEP_KILL, SWEEP_REMOVE };

/// For each directory in path (the owner's leaf skipped at depth 0): SWEEP_KILL ends its
/// processes, then those of its nested cgroups; SWEEP_REMOVE removes its nested cgroups, then it.
/// Returns how many directories could not be removed yet.
static int sweep(char *path, size_t len, enum sweep_phase phase, int depth) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    int remaining = 0;
    char buf[2048] __attribute__((aligned(8)));
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0) break;
        for (long offset = 0; offset < n;) {
            struct obs_dirent64 *entry = (struct obs_dirent64 *)(buf + offset);
            offset += entry->d_reclen;
            if (entry->d_type != DT_DIR || strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            if (depth == 0 && strcmp(entry->d_name, OBS_WATCHDOG_LEAF) == 0) continue;
            size_t sub = append(path, len, entry->d_name);
            if (sub == 0) continue;
            if (phase == SWEEP_KILL) {
                kill_cgroup(path, sub);
                if (depth < OBS_WATCHDOG_MAX_DEPTH) sweep(path, sub, SWEEP_KILL, depth + 1);
            } else {
                if (depth < OBS_WATCHDOG_MAX_DEPTH) remaining += sweep(path, sub, SWEEP_REMOVE, depth + 1);
                if (rmdir(path) != 0 && errno != ENOENT) {
                    remaining += 1;
                    kill_listed(path, sub);  // a v1 member that was not listed at the first pass
                }
            }
            path[len] = 0;
        }
    }
    close(fd);
    return remaining;
}

/// What the watchdog does once the observer is gone.
static void sweep_owners(const char *const owners[], int count) {
    static char path[PATH_MAX];
    for (int i = 0; i < count; i++) {
        size_t len = strlen(owners[i]);
        if (len == 0 || len >= PATH_MAX / 2) continue;
        memcpy(path, owners[i], len + 1);
        sweep(path, len, SWEEP_KILL, 0);
    }
    int64_t deadline = monotonic_ns() + OBS_WATCHDOG_REMOVE_NS;
    for (;;) {
        int remaining = 0;
        for (int i = 0; i < count; i++) {
            size_t len = strlen(owners[i]);
            if (len == 0 || len >= PATH_MAX / 2) continue;
            memcpy(path, owners[i], len + 1);
            remaining += sweep(path, len, SWEEP_REMOVE, 0);
        }
        if (remaining == 0 || monotonic_ns() > deadline) break;
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    for (int i = 0; i < count; i++) {
        size_t len = strlen(owners[i]);
        if (len == 0 || len >= PATH_MAX / 2) continue;
        memcpy(path, owners[i], len + 1);
        size_t leaf = append(path, len, OBS_WATCHDOG_LEAF);
        if (leaf != 0 && rmdir(path) != 0 && errno == EBUSY) {
            // The watchdog followed the observer into its leaf: back to the observer's own cgroup
            // (refused while that cgroup passes a domain controller down; the leaf then stays for
            // the next observer to remove as a dead owner's).
            char *slash = strrchr(owners[i], '/');
            if (slash != NULL && slash != owners[i]) {
                size_t own = (size_t)(slash - owners[i]);
                memcpy(path, owners[i], own);
                path[own] = 0;
                size_t procs = append(path, own, "cgroup.procs");
                if (procs != 0 && write_text(path, "0") == 0) {
                    memcpy(path, owners[i], len + 1);
                    append(path, len, OBS_WATCHDOG_LEAF);
                    rmdir(path);
                }
            }
        }
        path[len] = 0;
        memcpy(path, owners[i], len + 1);
        rmdir(path);
    }
}

/// The watchdog's whole life: detach, wait for the end of file, sweep, exit.
static void __attribute__((noreturn)) watchdog_main(int wait_fd, const char *const owners[], int count) {
    setsid();
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (wait_fd > 0) syscall(SYS_close_range, 0U, (unsigned)wait_fd - 1, 0U);
    syscall(SYS_close_range, (unsigned)wait_fd + 1, ~0U, 0U);
    prctl(PR_SET_NAME, "obs-watchdog", 0, 0, 0);
    if (chdir("/") != 0) {
        // Only so that no directory is kept busy; the watchdog works either way.
    }
    // Runs contained by their process group only (no cgroup here): the observer writes each
    // group's id when the run starts and its negation when the run no longer owns it (its root
    // exited); 4-byte writes to a pipe arrive whole.
    static pid_t groups[OBS_WATCHDOG_MAX_GROUPS];
    int group_count = 0;
    for (;;) {
        int32_t word;
        ssize_t n = read(wait_fd, &word, sizeof word);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (n != (ssize_t)sizeof word || word == 0) continue;
        if (word > 0 && group_count < OBS_WATCHDOG_MAX_GROUPS) {
            groups[group_count++] = (pid_t)word;
        } else if (word < 0) {
            for (int i = 0; i < group_count; i++) {
                if (groups[i] == (pid_t)-word) {
                    groups[i] = groups[--group_count];
                    break;
                }
            }
        }
    }
    for (int i = 0; i < group_count; i++) kill(-groups[i], SIGKILL);
    sweep_owners(owners, count);
    _exit(0);
}

int obs_watchdog_start(const char *const owners[], int count, obs_watchdog *out) {
    if (count < 0 || count > OBS_WATCHDOG_MAX_OWNERS) return EINVAL;
    int keep[2];
    int report[2];
    if (pipe2(keep, O_CLOEXEC) != 0) return errno;
    if (pipe2(report, O_CLOEXEC) != 0) {
        int err = errno;
        close(keep[0]);
        close(keep[1]);
        return err;
    }
    // _Fork: no atfork handlers, async-signal-safe; the children only make raw system calls.
    pid_t middle = _Fork();
    if (middle == 0) {
        // The intermediate child: forks the watchdog, reports its pid, and exits at once, so the
        // watchdog is re-parented (to init or a subreaper) and is never the observer's zombie.
        pid_t watchdog = _Fork();
        if (watchdog == 0) watchdog_main(keep[0], owners, count);
        int32_t word = watchdog > 0 ? (int32_t)watchdog : -(int32_t)errno;
        ssize_t ignored = write(report[1], &word, sizeof word);
        (void)ignored;
        _exit(0);
    }
    int err = middle < 0 ? errno : 0;
    close(report[1]);
    close(keep[0]);
    int32_t word = -ECHILD;
    if (middle > 0) {
        ssize_t n;
        do {
            n = read(report[0], &word, sizeof word);
        } while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof word) word = -ECHILD;
        int status;
        while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {}
        if (word <= 0) err = -word;
    }
    close(report[0]);
    if (err != 0) {
        close(keep[1]);
        return err;
    }
    out->pid = (pid_t)word;
    out->keep_fd = keep[1];
    return 0;
}
