// Spawn-heavy workload for obsbench: a fork+execve storm.
// Usage: spawnstorm COUNT [PROGRAM]
// Forks COUNT children one after the other; each execs PROGRAM (default /bin/true) and is
// reaped with waitpid before the next fork. Exits 1 if any child fails.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: spawnstorm COUNT [PROGRAM]\n");
        return 2;
    }
    long count = atol(argv[1]);
    char *program = argc > 2 ? argv[2] : "/bin/true";
    char *child_argv[] = {program, NULL};
    for (long n = 0; n < count; n++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            execve(program, child_argv, environ);
            _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "spawnstorm: child %ld failed\n", n);
            return 1;
        }
    }
    return 0;
}
