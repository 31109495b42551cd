// File-heavy workload for obsbench: open/read/close loops plus create/rename/unlink.
// Usage: filestorm DIR ITERATIONS
// Each iteration: 4 open+read+close of existing files, 1 failed open (ENOENT),
// 1 creat+write+close, 1 rename, 1 unlink. All paths are absolute inside DIR.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what, const char *path) {
    perror(what);
    fprintf(stderr, "filestorm: %s failed on %s\n", what, path);
    exit(1);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: filestorm DIR ITERATIONS\n");
        return 2;
    }
    const char *dir = argv[1];
    long iterations = atol(argv[2]);
    char inputs[4][4096], missing[4096], fresh[4096], renamed[4096];
    char buf[4096];
    memset(buf, 'x', sizeof(buf));
    for (int i = 0; i < 4; i++) {
        snprintf(inputs[i], sizeof(inputs[i]), "%s/input-%d-%d", dir, (int)getpid(), i);
        int fd = open(inputs[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) die("create input", inputs[i]);
        close(fd);
    }
    snprintf(missing, sizeof(missing), "%s/missing-%d", dir, (int)getpid());
    snprintf(fresh, sizeof(fresh), "%s/fresh-%d", dir, (int)getpid());
    snprintf(renamed, sizeof(renamed), "%s/renamed-%d", dir, (int)getpid());
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < 4; i++) {
            int fd = open(inputs[i], O_RDONLY | O_CLOEXEC);
            if (fd < 0) die("open", inputs[i]);
            if (read(fd, buf, 512) < 0) die("read", inputs[i]);
            close(fd);
        }
        if (open(missing, O_RDONLY) >= 0) die("open (expected ENOENT)", missing);
        int fd = open(fresh, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) die("create", fresh);
        if (write(fd, buf, 64) != 64) die("write", fresh);
        close(fd);
        if (rename(fresh, renamed) != 0) die("rename", fresh);
        if (unlink(renamed) != 0) die("unlink", renamed);
    }
    for (int i = 0; i < 4; i++) unlink(inputs[i]);
    return 0;
}
