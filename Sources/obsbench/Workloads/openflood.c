// Event-flood workload for obsbench: the tightest open+close loop, one file event per iteration.
// Usage: openflood PATH COUNT
// Opens PATH read-only and closes it COUNT times; PATH must exist.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: openflood PATH COUNT\n");
        return 2;
    }
    long count = atol(argv[2]);
    for (long n = 0; n < count; n++) {
        int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            perror(argv[1]);
            return 1;
        }
        close(fd);
    }
    return 0;
}
