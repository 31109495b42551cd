// Copy workload for obsbench (issue 18): the per-call price of byte counting.
// Usage: copy MIB SRC DST
// Copies SRC to DST with read(2) and write(2) of 4 KiB each: MIB MiB, 256 reads and 256 writes per
// MiB (512 MiB: 131,072 of each, plus one read at end of file). SRC is made first (MIB MiB of
// bytes) when it is missing or shorter, so the first run of a benchmark pays that once, in its
// warm-up; then it is in the page cache, and the copy is system calls and memory copies.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK 4096

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: copy MIB SRC DST\n");
        return 2;
    }
    long mib = atol(argv[1]);
    if (mib < 1) {
        fprintf(stderr, "copy: MIB must be at least 1\n");
        return 2;
    }
    off_t size = (off_t)mib << 20;
    char buf[BLOCK];
    struct stat st;
    if (stat(argv[2], &st) != 0 || st.st_size < size) {
        int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0) {
            perror(argv[2]);
            return 1;
        }
        memset(buf, 'c', sizeof buf);
        for (off_t done = 0; done < size; done += BLOCK)
            if (write(out, buf, BLOCK) != BLOCK) {
                perror("write source");
                return 1;
            }
        close(out);
    }
    int in = open(argv[2], O_RDONLY);
    int out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0) {
        perror("open");
        return 1;
    }
    off_t copied = 0;
    for (;;) {
        ssize_t n = read(in, buf, BLOCK);
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (n == 0) break;
        if (write(out, buf, (size_t)n) != n) {
            perror("write");
            return 1;
        }
        copied += n;
    }
    close(in);
    close(out);
    if (copied != size) {
        fprintf(stderr, "copy: copied %lld bytes of %lld\n", (long long)copied, (long long)size);
        return 1;
    }
    return 0;
}
