/* Process file descriptors: a child's pidfd from clone and clone3 (CLONE_PIDFD) and from
 * pidfd_open; poll on it until the child exits; waitid(P_PIDFD); pidfd_send_signal;
 * pidfd_getfd; and the errors for what is not a pidfd or no longer a process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define CLONE_PARENT_SETTID_ 0x00100000
#define PIDFD_NONBLOCK O_NONBLOCK

struct clone_args_v0 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static const char *err(long r)
{
    if (r >= 0)
        return "ok";
    switch (errno) {
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ESRCH: return "ESRCH";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    default: return strerror(errno);
    }
}

static void report(const char *what, int pidfd, pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    long r = syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, NULL);
    printf("%s: waitid(P_PIDFD) %s, pid %s, %s %d\n", what, err(r),
           si.si_pid == pid ? "matches" : "differs",
           si.si_code == CLD_EXITED ? "exited" : si.si_code == CLD_KILLED ? "killed by" : "?",
           si.si_status);
}

static int ready(int pidfd, int timeout_ms)
{
    struct pollfd p = {pidfd, POLLIN, 0};
    int n = poll(&p, 1, timeout_ms);
    return n == 1 && (p.revents & POLLIN);
}

int main(void)
{
    int pidfd = -1;
    /* clone(CLONE_PIDFD): the descriptor comes back through parent_tid */
    setvbuf(stdout, NULL, _IONBF, 0); /* children must not print what the parent buffered */
    int go[2], back[2]; /* parent -> child, child -> parent: no timing in this program */
    char c;
    if (pipe(go) < 0 || pipe(back) < 0)
        return 1;
    pid_t pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, 0);
    if (pid == 0) {
        read(go[0], &c, 1);
        _exit(5);
    }
    printf("clone: pidfd %s, close-on-exec %s\n", pidfd >= 0 ? "set" : "missing",
           fcntl(pidfd, F_GETFD) & FD_CLOEXEC ? "yes" : "no");
    char link[64] = "", path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", pidfd);
    readlink(path, link, sizeof link - 1);
    printf("it is %s\n", link);
    printf("ready before the child exits: %s\n", ready(pidfd, 0) ? "yes" : "no");
    write(go[1], "x", 1);
    printf("ready once it has: %s\n", ready(pidfd, -1) ? "yes" : "no");
    printf("a zombie takes kill(pid, 0): %s, and signal 0 through its pidfd: %s\n",
           err(kill(pid, 0)), err(syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0)));
    report("clone", pidfd, pid);
    struct pollfd p = {pidfd, POLLIN, 0};
    poll(&p, 1, 0);
    printf("reaped: revents%s%s\n", p.revents & POLLIN ? " POLLIN" : "",
           p.revents & POLLHUP ? " POLLHUP" : "");
    printf("signal after reaping: %s\n", err(syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0)));
    printf("waitid again: %s\n", err(syscall(SYS_waitid, P_PIDFD, pidfd, &(siginfo_t){0}, WEXITED, NULL)));
    close(pidfd);

    /* clone3 with CLONE_PIDFD: the descriptor comes back through args.pidfd */
    struct clone_args_v0 ca = {0};
    int fd3 = -1;
    ca.flags = CLONE_PIDFD;
    ca.pidfd = (uintptr_t)&fd3;
    ca.exit_signal = SIGCHLD;
    pid = syscall(SYS_clone3, &ca, sizeof ca);
    if (pid == 0)
        _exit(7);
    report("clone3", fd3, pid);
    close(fd3);

    /* pidfd_open on a child that waits forever, then a signal through the pidfd */
    pid = fork();
    if (pid == 0) {
        int theirs[2];
        if (pipe(theirs) < 0 || dup2(theirs[1], 42) < 0) /* the parent takes fd 42 */
            _exit(1);
        write(back[1], "r", 1);
        ssize_t n = read(theirs[0], path, sizeof path);
        printf("child read %zd bytes through its own pipe: %.*s\n", n, (int)n, path);
        write(back[1], "r", 1);
        pause();
        _exit(0);
    }
    int fd = syscall(SYS_pidfd_open, pid, 0);
    printf("pidfd_open: %s\n", err(fd));
    read(back[0], &c, 1); /* its pipe is made */
    int got = syscall(SYS_pidfd_getfd, fd, 42, 0);
    printf("pidfd_getfd: %s, close-on-exec %s\n", err(got),
           got >= 0 && fcntl(got, F_GETFD) & FD_CLOEXEC ? "yes" : "no");
    printf("pidfd_getfd of a closed descriptor: %s\n", err(syscall(SYS_pidfd_getfd, fd, 99, 0)));
    if (got >= 0)
        write(got, "hello", 5);
    read(back[0], &c, 1); /* it has printed */
    int nb = syscall(SYS_pidfd_open, pid, PIDFD_NONBLOCK);
    printf("waitid on a nonblocking pidfd of a running child: %s\n",
           err(syscall(SYS_waitid, P_PIDFD, nb, &(siginfo_t){0}, WEXITED, NULL)));
    printf("pidfd_send_signal SIGTERM: %s\n", err(syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0)));
    report("pidfd_open", fd, pid);

    /* what is not a pidfd, or not a process */
    printf("pidfd_open(-1): %s\n", err(syscall(SYS_pidfd_open, -1, 0)));
    printf("pidfd_open(reaped): %s\n", err(syscall(SYS_pidfd_open, pid, 0)));
    printf("pidfd_open(bad flags): %s\n", err(syscall(SYS_pidfd_open, getpid(), 1)));
    printf("pidfd_send_signal(pipe): %s\n", err(syscall(SYS_pidfd_send_signal, go[0], 0, NULL, 0)));
    printf("waitid(P_PIDFD, pipe): %s\n", err(syscall(SYS_waitid, P_PIDFD, go[0], &(siginfo_t){0}, WEXITED, NULL)));
    int self = syscall(SYS_pidfd_open, getpid(), 0);
    printf("waitid on itself: %s\n", err(syscall(SYS_waitid, P_PIDFD, self, &(siginfo_t){0}, WEXITED | WNOHANG, NULL)));
    printf("signal 0 to itself: %s\n", err(syscall(SYS_pidfd_send_signal, self, 0, NULL, 0)));
    printf("pidfd_send_signal(unknown flags): %s\n",
           err(syscall(SYS_pidfd_send_signal, self, 0, NULL, 0x100)));
    int both = -1;
    printf("clone(CLONE_PIDFD|CLONE_PARENT_SETTID): %s\n",
           err(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID_ | SIGCHLD, NULL, &both, NULL, 0)));
    return 0;
}
