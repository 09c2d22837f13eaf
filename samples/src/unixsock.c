/* unixsock: AF_UNIX sockets by name: bind to a path (a socket inode) and to an abstract
   name, autobind, listen, connect from a child, accept4, SO_PEERCRED, datagrams sent to a
   name, and Linux's errors (unbound listen, a taken name, nobody listening, no file). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <stddef.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#define SHOW(label, call) do { errno = 0; long r_ = (long)(call); int e_ = errno; printf("%s: %ld %s\n", label, r_, e_ ? strerror(e_) : "ok"); } while (0)
int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[] = "/tmp/forkdbg-unix-XXXXXX", path[64];
    mkdtemp(dir);  /* a directory of its own: concurrent runs never share a name */
    snprintf(path, sizeof path, "%s/sock", dir);
    struct sockaddr_un a = {.sun_family = AF_UNIX}; strcpy(a.sun_path, path);
    socklen_t alen = offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    SHOW("listen unbound", listen(l, 5));
    SHOW("bind", bind(l, (struct sockaddr *)&a, alen));
    struct stat st; stat(path, &st); printf("is socket: %d\n", S_ISSOCK(st.st_mode));
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("bind again", bind(l2, (struct sockaddr *)&a, alen));
    int c0 = socket(AF_UNIX, SOCK_STREAM, 0);
    SHOW("connect before listen", connect(c0, (struct sockaddr *)&a, alen));
    SHOW("listen", listen(l, 5));
    struct sockaddr_un got; socklen_t glen = sizeof got;
    SHOW("getsockname", getsockname(l, (struct sockaddr *)&got, &glen)); printf("len-ok %d path-ok %d\n", glen == alen, !strcmp(got.sun_path, path));
    pid_t p = fork();
    if (p == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, alen)) { perror("child connect"); _exit(1); }
        write(c, "hello server", 12);
        char b[64]; int n = read(c, b, sizeof b); printf("child got %.*s\n", n, b);
        _exit(0);
    }
    struct pollfd pf = {l, POLLIN, 0};
    poll(&pf, 1, -1); printf("listener readable: %d\n", !!(pf.revents & POLLIN));
    struct sockaddr_un peer; socklen_t plen = sizeof peer;
    int s = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
    printf("accepted: %d peer len %u\n", s >= 0, plen);
    char b[64]; int n = read(s, b, sizeof b); printf("server got %.*s\n", n, b);
    write(s, "hello client", 12);
    waitpid(p, NULL, 0);
    struct ucred cr; socklen_t cl = sizeof cr;
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl); printf("peer is the child: %d\n", cr.pid == p);
    SHOW("read after client exit", read(s, b, sizeof b));
    /* abstract names and autobind */
    int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un aa = {.sun_family = AF_UNIX}; memcpy(aa.sun_path, "\0forkdbg-abstract", 17);
    socklen_t aalen = offsetof(struct sockaddr_un, sun_path) + 17;
    SHOW("bind abstract", bind(ab, (struct sockaddr *)&aa, aalen));
    int sender = socket(AF_UNIX, SOCK_DGRAM, 0);
    SHOW("sendto abstract", sendto(sender, "dgram!", 6, 0, (struct sockaddr *)&aa, aalen));
    SHOW("recv", recv(ab, b, sizeof b, 0));
    int auto_ = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    SHOW("autobind", bind(auto_, (struct sockaddr *)&fam, sizeof(sa_family_t)));
    glen = sizeof got; getsockname(auto_, (struct sockaddr *)&got, &glen); printf("autobind len %u abstract %d\n", glen, got.sun_path[0] == 0);
    struct sockaddr_un none = {.sun_family = AF_UNIX}; strcpy(none.sun_path, "/nonexistent/sock");
    SHOW("connect missing", connect(c0, (struct sockaddr *)&none, sizeof none));
    SHOW("accept on non-listener", accept(c0, NULL, NULL));
    unlink(path);
    rmdir(dir);
    return 0;
}
