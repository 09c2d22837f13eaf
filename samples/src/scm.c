/* scm: descriptors and credentials over AF_UNIX sockets: a pipe's write end passed to a
   child with SCM_RIGHTS (installed close-on-exec with MSG_CMSG_CLOEXEC), a bad descriptor,
   and SCM_CREDENTIALS to a receiver with SO_PASSCRED. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
static int send_fd(int s, int fd) {
    char data = 'F'; struct iovec iov = {&data, 1};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m); c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd); return sendmsg(s, &m, 0);
}
static int recv_fd(int s, int *flags_out) {
    char data; struct iovec iov = {&data, 1};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    if (recvmsg(s, &m, MSG_CMSG_CLOEXEC) < 0) return -1;
    *flags_out = m.msg_flags;
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_type != SCM_RIGHTS) return -2;
    int fd; memcpy(&fd, CMSG_DATA(c), sizeof fd); return fd;
}
int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int p[2]; pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        int fl = 0; int fd = recv_fd(sv[1], &fl);
        printf("child got a descriptor: %d cloexec %d ctrunc %d\n", fd >= 0, (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, !!(fl & MSG_CTRUNC));
        write(fd, "through the passed pipe", 23);
        _exit(0);
    }
    close(sv[1]);
    int sent = send_fd(sv[0], p[1]);
    close(p[1]);
    char buf[64]; int n = read(p[0], buf, sizeof buf);
    waitpid(pid, NULL, 0);  /* the child has printed its line: ours come after it */
    printf("sendmsg: %d\n", sent);
    printf("parent read: %.*s\n", n, buf);
    errno = 0;
    int bad = send_fd(sv[0], 99);
    printf("bad fd: %d %s\n", bad, strerror(errno));
    int d[2]; socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
    int one = 1; setsockopt(d[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    struct ucred cr = {getpid(), getuid(), getgid()};
    char data = 'C'; struct iovec iov = {&data, 1};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof cr)]; } u;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m); c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_CREDENTIALS; c->cmsg_len = CMSG_LEN(sizeof cr);
    memcpy(CMSG_DATA(c), &cr, sizeof cr);
    printf("send creds: %zd\n", sendmsg(d[0], &m, 0));
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof cr)]; } r;
    struct msghdr rm = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = r.buf, .msg_controllen = sizeof r.buf};
    recvmsg(d[1], &rm, 0);
    struct cmsghdr *rc = CMSG_FIRSTHDR(&rm);
    struct ucred got; if (rc) memcpy(&got, CMSG_DATA(rc), sizeof got);
    printf("creds received: %d pid-ok %d\n", rc && rc->cmsg_type == SCM_CREDENTIALS, rc && got.pid == getpid());
    return 0;
}
