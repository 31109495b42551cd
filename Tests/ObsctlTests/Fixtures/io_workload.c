/*
 * The byte-counting exactness workload (issue 18): every way a descriptor is shared or ends,
 * with I/O on each, so that the kernel's per-descriptor sums can be compared with strace's.
 * Usage: io_workload DIR. Sequential on purpose (each child is waited for before the next step),
 * so strace prints no call split across lines. Exits 0 when every step did what it should.
 *
 * A child calls io_uring_setup and prints whether it could ("io_uring ok"/"io_uring off"): its
 * exit says it used io_uring. The last child prints its own /proc/self/io (read just before it exits) to standard output,
 * then exits: its exit record's I/O totals are those figures plus that read and that write.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char path_buf[4096];

static const char *in_dir(const char *dir, const char *name)
{
    snprintf(path_buf, sizeof(path_buf), "%s/%s", dir, name);
    return path_buf;
}

static void must(int ok, const char *what)
{
    if (!ok) {
        perror(what);
        exit(2);
    }
}

static void reap(pid_t pid, int expect_kill)
{
    int status = 0;
    must(waitpid(pid, &status, 0) == pid, "waitpid");
    if (expect_kill)
        must(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed child");
    else
        must(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status");
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "after-exec") == 0) {
        /* The exec'd image: the close-on-exec descriptor is gone; one write to prove we ran. */
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
        must(fd >= 0, "open after exec");
        must(write(fd, "exec\n", 5) == 5, "write after exec");
        close(fd);
        return 0;
    }
    must(argc == 2, "usage: io_workload DIR");
    const char *dir = argv[1];
    char buf[4096];
    memset(buf, 'x', sizeof(buf));

    /* 1. dup2: bytes through two descriptors of one file, each closed. */
    int a = open(in_dir(dir, "a.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    must(a >= 0, "open a");
    for (int i = 0; i < 3; i++)
        must(write(a, buf, 100) == 100, "write a");
    must(dup2(a, 10) == 10, "dup2");
    must(write(10, buf, 50) == 50, "write 10");
    struct iovec iov[2] = {{buf, 20}, {buf, 30}};
    must(writev(10, iov, 2) == 50, "writev 10");
    close(a);
    close(10);

    /* 2. A forked child writes to an inherited descriptor; the parent writes to it too. */
    int b = open(in_dir(dir, "b.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    must(b >= 0, "open b");
    must(write(b, buf, 3) == 3, "write b parent");
    pid_t child = fork();
    must(child >= 0, "fork");
    if (child == 0) {
        must(write(b, buf, 7) == 7, "write b child");
        must(pwrite(b, buf, 7, 100) == 7, "pwrite b child");
        _exit(0); /* the exit closes b in the child */
    }
    reap(child, 0);
    must(write(b, buf, 5) == 5, "write b parent again");
    close(b);

    /* 3. sendfile: a read on the input, a write on the output; reads to end of file count. */
    int src = open(in_dir(dir, "a.txt"), O_RDONLY);
    must(src >= 0, "open a for reading");
    int dst = open(in_dir(dir, "c.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    must(dst >= 0, "open c");
    must(sendfile(dst, src, NULL, 4096) == 400, "sendfile");
    must(pread(src, buf, 10, 0) == 10, "pread a");
    must(read(src, buf, sizeof(buf)) == 0, "read at end of file");
    close(src);
    close(dst);

    /* 4. Close-on-exec: a child reads a descriptor opened O_CLOEXEC, then execs. */
    int d = open(in_dir(dir, "a.txt"), O_RDONLY | O_CLOEXEC);
    must(d >= 0, "open a cloexec");
    child = fork();
    must(child >= 0, "fork for exec");
    if (child == 0) {
        must(read(d, buf, 64) == 64, "read d");
        must(read(d, buf, 36) == 36, "read d again");
        char log[4096];
        snprintf(log, sizeof(log), "%s/e.txt", dir);
        char *args[] = {argv[0], "after-exec", log, NULL};
        execv("/proc/self/exe", args);
        _exit(3);
    }
    reap(child, 0);
    close(d);

    /* 5. A process killed with its files open. */
    int sync_pipe[2], block_pipe[2];
    must(pipe(sync_pipe) == 0 && pipe(block_pipe) == 0, "pipe");
    child = fork();
    must(child >= 0, "fork for kill");
    if (child == 0) {
        close(sync_pipe[0]);
        close(block_pipe[1]);
        int k = open(in_dir(dir, "k.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        must(k >= 0, "open k");
        must(write(k, buf, 11) == 11, "write k");
        must(write(sync_pipe[1], "r", 1) == 1, "write sync");
        read(block_pipe[0], buf, 1); /* blocks until killed */
        _exit(4);
    }
    close(sync_pipe[1]);
    close(block_pipe[0]);
    must(read(sync_pipe[0], buf, 1) == 1, "read sync");
    must(kill(child, SIGKILL) == 0, "kill");
    reap(child, 1);
    close(sync_pipe[0]);
    close(block_pipe[1]);

    /* 6. A unix socket pair and a TCP connection over loopback. */
    int pair[2];
    must(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0, "socketpair");
    must(send(pair[0], "hello", 5, 0) == 5, "send pair");
    must(write(pair[0], "abc", 3) == 3, "write pair");
    must(recv(pair[1], buf, 8, MSG_WAITALL) == 8, "recv pair");
    close(pair[0]);
    must(read(pair[1], buf, 8) == 0, "read pair at shutdown");
    close(pair[1]);

    int server = socket(AF_INET, SOCK_STREAM, 0);
    must(server >= 0, "socket");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    must(bind(server, (struct sockaddr *)&addr, sizeof(addr)) == 0, "bind");
    must(listen(server, 1) == 0, "listen");
    must(getsockname(server, (struct sockaddr *)&addr, &len) == 0, "getsockname");
    int client = socket(AF_INET, SOCK_STREAM, 0);
    must(client >= 0, "socket client");
    must(connect(client, (struct sockaddr *)&addr, sizeof(addr)) == 0, "connect");
    int conn = accept(server, NULL, NULL);
    must(conn >= 0, "accept");
    must(sendto(client, buf, 1000, 0, NULL, 0) == 1000, "sendto");
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
    must(sendmsg(client, &msg, 0) == 50, "sendmsg");
    must(recv(conn, buf, 1050, MSG_WAITALL) == 1050, "recv conn");
    must(write(conn, "pong", 4) == 4, "write conn");
    must(recvfrom(client, buf, 4, MSG_WAITALL, NULL, NULL) == 4, "recvfrom client");
    close(client);
    close(conn);
    close(server);

    /* 6b. copy_file_range and splice (a read on the input, a write on the output), and a datagram
     * socket pair with sendmmsg/recvmmsg (the messages' bytes, one call each). */
    int in = open(in_dir(dir, "a.txt"), O_RDONLY);
    int cfr = open(in_dir(dir, "cfr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    must(in >= 0 && cfr >= 0, "open for copy_file_range");
    must(copy_file_range(in, NULL, cfr, NULL, 100, 0) == 100, "copy_file_range");
    int through[2];
    must(pipe(through) == 0, "pipe for splice");
    must(splice(in, NULL, through[1], NULL, 60, 0) == 60, "splice in");
    must(splice(through[0], NULL, cfr, NULL, 60, 0) == 60, "splice out");
    close(through[0]);
    close(through[1]);
    close(in);
    close(cfr);
    int dgram[2];
    must(socketpair(AF_UNIX, SOCK_DGRAM, 0, dgram) == 0, "socketpair dgram");
    struct iovec m1 = {buf, 5}, m2 = {buf, 7};
    struct mmsghdr out_msgs[2] = {{.msg_hdr = {.msg_iov = &m1, .msg_iovlen = 1}},
                                  {.msg_hdr = {.msg_iov = &m2, .msg_iovlen = 1}}};
    must(sendmmsg(dgram[0], out_msgs, 2, 0) == 2, "sendmmsg");
    char r1buf[16], r2buf[16];
    struct iovec i1 = {r1buf, sizeof(r1buf)}, i2 = {r2buf, sizeof(r2buf)};
    struct mmsghdr in_msgs[2] = {{.msg_hdr = {.msg_iov = &i1, .msg_iovlen = 1}},
                                 {.msg_hdr = {.msg_iov = &i2, .msg_iovlen = 1}}};
    must(recvmmsg(dgram[1], in_msgs, 2, MSG_WAITFORONE, NULL) == 2, "recvmmsg");
    must(in_msgs[0].msg_len == 5 && in_msgs[1].msg_len == 7, "recvmmsg lengths");
    close(dgram[0]);
    close(dgram[1]);

    /* 7. close_range: two files written, then every descriptor from the first on closed at once. */
    int r1 = open(in_dir(dir, "r1.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int r2 = open(in_dir(dir, "r2.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    must(r1 >= 0 && r2 > r1, "open r1, r2");
    must(write(r1, buf, 13) == 13 && write(r2, buf, 17) == 17, "write r1, r2");
    must(close_range((unsigned)r1, ~0U, 0) == 0, "close_range");

    /* 8. A child that sets up an io_uring (none of its I/O would be in the counts). */
    child = fork();
    must(child >= 0, "fork for io_uring");
    if (child == 0) {
        struct io_uring_params params;
        memset(&params, 0, sizeof(params));
        long ring = syscall(SYS_io_uring_setup, 4, &params);
        const char *line = ring >= 0 ? "io_uring ok\n" : "io_uring off\n";
        must(write(1, line, strlen(line)) == (ssize_t)strlen(line), "write io_uring");
        _exit(0);
    }
    reap(child, 0);

    /* 9. The I/O totals: a child does some I/O, reads its own /proc/self/io and prints it. */
    child = fork();
    must(child >= 0, "fork for totals");
    if (child == 0) {
        int t = open(in_dir(dir, "a.txt"), O_RDONLY);
        must(t >= 0, "open a for totals");
        must(read(t, buf, 123) == 123, "read totals");
        close(t);
        int io = open("/proc/self/io", O_RDONLY);
        must(io >= 0, "open /proc/self/io");
        char text[1024];
        ssize_t n = read(io, text, sizeof(text) - 1);
        must(n > 0, "read /proc/self/io");
        /* One line, so strace and the test see it whole: "io <read bytes> <the text>". */
        char out[2048];
        int m = snprintf(out, sizeof(out), "io %zd %.*s", n, (int)n, text);
        for (int i = 3; i < m; i++)
            if (out[i] == '\n')
                out[i] = ' ';
        out[m++] = '\n';
        must(write(1, out, m) == m, "write totals");
        _exit(0); /* nothing more: exit_group, with /proc/self/io still open */
    }
    reap(child, 0);
    return 0;
}
