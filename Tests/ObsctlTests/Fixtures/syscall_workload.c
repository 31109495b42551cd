/*
 * The syscall summary's exactness workload (WatchSyscallSummaryTests): N getpid (through
 * syscall(2), which libc cannot cache), M openat of a missing file (ENOENT), one openat of
 * /dev/zero, K reads of it, a thread making 5 getpid, a fork whose child execs this program
 * again as a leaf that exits at once. Built static, so no dynamic loader adds calls of its own.
 *
 * usage: syscall_workload N M K | syscall_workload leaf
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static void *worker(void *arg) { (void)arg; for (int i = 0; i < 5; i++) syscall(SYS_getpid); return 0; }
int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "leaf") == 0) return 0;
    int n = atoi(argv[1]), m = atoi(argv[2]), k = atoi(argv[3]);
    for (int i = 0; i < n; i++) syscall(SYS_getpid);
    for (int i = 0; i < m; i++) syscall(SYS_openat, AT_FDCWD, "/nonexistent/obs-summary-test", O_RDONLY);
    int fd = syscall(SYS_openat, AT_FDCWD, "/dev/zero", O_RDONLY);
    char buf[64];
    for (int i = 0; i < k; i++) syscall(SYS_read, fd, buf, sizeof buf);
    pthread_t t; pthread_create(&t, 0, worker, 0); pthread_join(t, 0);
    pid_t child = fork();
    if (child == 0) { execl("/proc/self/exe", argv[0], "leaf", (char *)0); _exit(127); }
    int status; waitpid(child, &status, 0);
    return 0;
}
