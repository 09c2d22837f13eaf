/* inet: the loopback network inside the machine: TCP between a parent and a child on
   127.0.0.1 and ::1, port 0 choosing a port, EADDRINUSE, ECONNREFUSED for a port nobody
   holds, a UDP exchange with the sender's address, nonblocking accept, and nonblocking
   connect: EINPROGRESS, then the outcome through poll, SO_ERROR and the next connect. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHOW(label, call)                                                    \
    do {                                                                     \
        errno = 0;                                                           \
        long r_ = (long)(call);                                              \
        int e_ = errno;                                                      \
        printf("%s: %ld %s\n", label, r_, e_ ? strerror(e_) : "ok");       \
    } while (0)

static void tcp(int family, const char *loop)
{
    int l = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *a = (void *)&ss;
        a->sin_family = AF_INET;
        inet_pton(AF_INET, loop, &a->sin_addr);
        len = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (void *)&ss;
        a->sin6_family = AF_INET6;
        inet_pton(AF_INET6, loop, &a->sin6_addr);
        len = sizeof *a;
    }
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    SHOW("bind port 0", bind(l, (void *)&ss, len));
    SHOW("listen", listen(l, 8));
    socklen_t got = sizeof ss;
    getsockname(l, (void *)&ss, &got);
    int port = family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
                                 : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    printf("ephemeral port chosen: %d\n", port >= 32768);
    int l2 = socket(family, SOCK_STREAM, 0);
    SHOW("bind the same port", bind(l2, (void *)&ss, len));
    fcntl(l, F_SETFL, O_NONBLOCK);
    SHOW("accept with nobody connecting", accept(l, NULL, NULL));
    pid_t p = fork();
    if (p == 0) {
        int c = socket(family, SOCK_STREAM, 0);
        if (connect(c, (void *)&ss, len)) {
            perror("child connect");
            _exit(1);
        }
        int nd = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nd, sizeof nd);
        write(c, "request", 7);
        char b[32];
        int n = read(c, b, sizeof b);
        printf("child read: %.*s\n", n, b);
        _exit(0);
    }
    fcntl(l, F_SETFL, 0);
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    int s = accept(l, (void *)&peer, &plen);
    printf("accepted from the loopback: %d\n", s >= 0 && plen == len);
    char b[32];
    int n = read(s, b, sizeof b);
    printf("server read: %.*s\n", n, b);
    write(s, "response", 8);
    waitpid(p, NULL, 0);
    SHOW("read after the client closed", read(s, b, sizeof b));
    close(s);
    close(l);
    int c = socket(family, SOCK_STREAM, 0);
    SHOW("connect to the closed port", connect(c, (void *)&ss, len));
    close(c);
    close(l2);
}

static void show_poll(int fd)
{
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    int r = poll(&p, 1, 0);
    printf("poll: %d %#x\n", r, p.revents);
}

static void show_so_error(int fd)
{
    int e = -1;
    socklen_t n = sizeof e;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &n);
    printf("SO_ERROR: %s\n", e ? strerror(e) : "0");
}

static void nonblocking_connect(void)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(l, (void *)&a, sizeof a);
    listen(l, 5);
    socklen_t n = sizeof a;
    getsockname(l, (void *)&a, &n);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    show_poll(c);
    SHOW("nonblocking connect", connect(c, (void *)&a, sizeof a));
    show_poll(c);
    show_so_error(c);
    SHOW("connect again", connect(c, (void *)&a, sizeof a));
    SHOW("and again", connect(c, (void *)&a, sizeof a));
    a.sin_port = htons(1);
    int d = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    SHOW("nonblocking connect, refused", connect(d, (void *)&a, sizeof a));
    show_poll(d);
    SHOW("connect again", connect(d, (void *)&a, sizeof a));
    SHOW("and again", connect(d, (void *)&a, sizeof a));
    show_poll(d);
    show_so_error(d);
    SHOW("after SO_ERROR", connect(d, (void *)&a, sizeof a));
    show_poll(d);
    close(c);
    close(d);
    close(l);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    tcp(AF_INET, "127.0.0.1");
    tcp(AF_INET6, "::1");
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    SHOW("bind udp", bind(u, (void *)&a, sizeof a));
    socklen_t l = sizeof a;
    getsockname(u, (void *)&a, &l);
    int c = socket(AF_INET, SOCK_DGRAM, 0);
    SHOW("sendto", sendto(c, "ping", 4, 0, (void *)&a, sizeof a));
    char b[16];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    SHOW("recvfrom", recvfrom(u, b, sizeof b, 0, (void *)&from, &fl));
    printf("from the loopback: %d\n", from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    SHOW("reply", sendto(u, "pong", 4, 0, (void *)&from, fl));
    SHOW("recv", recv(c, b, sizeof b, 0));
    nonblocking_connect();
    return 0;
}
