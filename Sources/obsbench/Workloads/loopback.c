// Loopback network workload for obsbench: connect/accept/send/recv on 127.0.0.1.
// Usage: loopback CONNECTIONS
// One process listens on 127.0.0.1 (ephemeral port). Per connection it connects a new socket
// (the kernel completes the handshake into the backlog), accepts it, sends 64 bytes each way,
// receives them, and closes both ends.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void recv_all(int fd, char *buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, buf + got, len - got, 0);
        if (n <= 0) die("recv");
        got += (size_t)n;
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: loopback CONNECTIONS\n");
        return 2;
    }
    long connections = atol(argv[1]);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) die("socket");
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(listener, (struct sockaddr *)&addr, sizeof(addr)) != 0) die("bind");
    if (listen(listener, 64) != 0) die("listen");
    socklen_t len = sizeof(addr);
    if (getsockname(listener, (struct sockaddr *)&addr, &len) != 0) die("getsockname");
    char out[64], in[64];
    memset(out, 'p', sizeof(out));
    for (long n = 0; n < connections; n++) {
        int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (client < 0) die("socket");
        if (connect(client, (struct sockaddr *)&addr, sizeof(addr)) != 0) die("connect");
        struct sockaddr_in peer;
        socklen_t peer_len = sizeof(peer);
        int server = accept4(listener, (struct sockaddr *)&peer, &peer_len, SOCK_CLOEXEC);
        if (server < 0) die("accept4");
        if (send(client, out, sizeof(out), 0) != (ssize_t)sizeof(out)) die("send");
        recv_all(server, in, sizeof(in));
        if (send(server, in, sizeof(in), 0) != (ssize_t)sizeof(in)) die("send");
        recv_all(client, in, sizeof(in));
        close(server);
        close(client);
    }
    close(listener);
    return 0;
}
