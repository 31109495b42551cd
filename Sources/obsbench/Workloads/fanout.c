// Process-tree workload for obsbench: a parallel fan-out of fork+exec, like a build's tree.
// Usage: fanout REPEAT DEPTH WIDTH
// Builds a tree REPEAT times, one tree after the other. A node of depth D forks WIDTH children
// at once and then waits for all of them; each child re-executes this program as a node of depth
// D-1, or, at depth 1, executes /bin/true. DEPTH 3, WIDTH 6 is 1 + 6 + 36 + 216 = 259 processes
// per tree (43 nodes, 216 leaves), every one a fork and an exec. Exits 1 if any child fails.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int node(const char *self, long depth, long width) {
    char depth_arg[24], width_arg[24];
    snprintf(depth_arg, sizeof depth_arg, "%ld", depth - 1);
    snprintf(width_arg, sizeof width_arg, "%ld", width);
    char *inner[] = {(char *)self, "1", depth_arg, width_arg, NULL};
    char *leaf[] = {"/bin/true", NULL};
    for (long n = 0; n < width; n++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            if (depth > 1)
                execve(self, inner, environ);
            else
                execve(leaf[0], leaf, environ);
            _exit(127);
        }
    }
    int failed = 0;
    for (long n = 0; n < width; n++) {
        int status;
        if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
    }
    return failed;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: fanout REPEAT DEPTH WIDTH\n");
        return 2;
    }
    long repeat = atol(argv[1]), depth = atol(argv[2]), width = atol(argv[3]);
    if (repeat < 1 || depth < 1 || width < 1) {
        fprintf(stderr, "fanout: REPEAT, DEPTH and WIDTH must be at least 1\n");
        return 2;
    }
    for (long r = 0; r < repeat; r++) {
        if (node(argv[0], depth, width) != 0) {
            fprintf(stderr, "fanout: a child failed in tree %ld\n", r);
            return 1;
        }
    }
    return 0;
}
