// Peak-RSS probe for obsbench: runs a command and prints the ru_maxrss wait4 reports for it.
// Usage: peakrss CMD [ARG...]   → prints "MAXRSS_KIB STATUS" on stdout.
//
// Why a helper: Linux folds the hiwater RSS of the address space a process had before execve into
// its ru_maxrss. A child of obsbench (a ~20 MiB Swift process) would therefore never report less
// than obsbench's own RSS. This helper is a small C process: its children start from its ~1 MiB
// address space, so the figure is the command's own (and its reaped descendants').
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: peakrss CMD [ARG...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    int status;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0) {
    }
    printf("%ld %d\n", usage.ru_maxrss, status);
    return 0;
}
