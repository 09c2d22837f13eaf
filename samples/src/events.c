/* events: epoll (level and edge triggered, EPOLLONESHOT, EPOLLRDHUP, nested sets, a set
   shared by fork, items gone with their file), eventfd (counter, EFD_SEMAPHORE, blocking
   across processes), timerfd (relative, absolute, periodic ticks), signalfd, and every kind
   of descriptor under poll and select.  Prints what does not depend on the machine's speed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHOW(label, call)                                                    \
    do {                                                                     \
        errno = 0;                                                           \
        long r_ = (long)(call);                                              \
        int e_ = errno;                                                      \
        printf("%s: %ld %s\n", label, r_, e_ ? strerror(e_) : "ok");       \
    } while (0)

static int wait_one(int ep, int timeout, unsigned long *data, unsigned *events)
{
    struct epoll_event out[8];
    int n = epoll_wait(ep, out, 8, timeout);
    if (n > 0) {
        *data = (unsigned long)out[0].data.u64;
        *events = out[0].events;
    }
    return n;
}

static int add(int ep, int fd, unsigned events, unsigned long data)
{
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    unsigned long data = 0;
    unsigned events = 0;
    char buf[64];

    /* level and edge triggering on a pipe */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int p[2];
    pipe(p);
    add(ep, p[0], EPOLLIN | EPOLLET, 1);
    SHOW("add twice", add(ep, p[0], EPOLLIN, 1));
    SHOW("nothing yet", epoll_wait(ep, (struct epoll_event[1]){}, 1, 0));
    write(p[1], "ab", 2);
    int n = wait_one(ep, 0, &data, &events);
    printf("ET data: %d data=%lu in=%d\n", n, data, !!(events & EPOLLIN));
    printf("ET no new data: %d\n", wait_one(ep, 0, &data, &events));
    write(p[1], "c", 1);
    printf("ET new data: %d\n", wait_one(ep, 0, &data, &events));
    struct epoll_event mod = {.events = EPOLLIN, .data.u64 = 2};
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod);
    n = wait_one(ep, 0, &data, &events);
    printf("LT: %d", n);
    n = wait_one(ep, 0, &data, &events);
    printf(" %d data=%lu\n", n, data);
    mod.events = EPOLLIN | EPOLLONESHOT;
    mod.data.u64 = 3;
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod);
    n = wait_one(ep, 0, &data, &events);
    printf("ONESHOT: %d", n);
    n = wait_one(ep, 0, &data, &events);
    printf(" then %d\n", n);
    read(p[0], buf, sizeof buf);
    SHOW("del", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    SHOW("del again", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    SHOW("mod missing", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &mod));
    SHOW("bad op", epoll_ctl(ep, 9, p[0], &mod));
    SHOW("itself", add(ep, ep, EPOLLIN, 0));
    int reg = open("/proc/self/exe", O_RDONLY);
    SHOW("regular file", add(ep, reg, EPOLLIN, 0));
    SHOW("not an epoll", add(p[0], p[1], EPOLLIN, 0));
    SHOW("maxevents 0", epoll_wait(ep, (struct epoll_event[1]){}, 0, 0));
    SHOW("epoll_create(0)", syscall(SYS_epoll_create, 0));
    SHOW("epoll_create1(1)", epoll_create1(1));

    /* the writer closes: EPOLLHUP; a socketless EPOLLRDHUP request is accepted */
    add(ep, p[0], EPOLLIN | EPOLLRDHUP, 4);
    close(p[1]);
    wait_one(ep, 0, &data, &events);
    printf("writer closed: HUP=%d IN=%d\n", !!(events & EPOLLHUP), !!(events & EPOLLIN));
    close(p[0]);
    printf("closed file left the set: %d\n", wait_one(ep, 0, &data, &events));

    /* nested sets and ELOOP */
    int inner = epoll_create1(0), outer = epoll_create1(0);
    int q[2];
    pipe(q);
    add(inner, q[0], EPOLLIN, 5);
    add(outer, inner, EPOLLIN, 6);
    SHOW("loop", add(inner, outer, EPOLLIN, 7));
    write(q[1], "x", 1);
    n = wait_one(outer, 0, &data, &events);
    printf("nested: %d data=%lu\n", n, data);
    read(q[0], buf, 1);

    /* eventfd: counter, semaphore, overflow, blocking reader in a child */
    int efd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    uint64_t v;
    read(efd, &v, 8);
    printf("semaphore read %lu\n", (unsigned long)v);
    read(efd, &v, 8);
    SHOW("semaphore empty", read(efd, &v, 8));
    SHOW("short read", read(efd, &v, 4));
    v = 0xffffffffffffffffULL;
    SHOW("write max", write(efd, &v, 8));
    v = 0xfffffffffffffffeULL;
    write(efd, &v, 8);
    v = 1;
    SHOW("overflow", write(efd, &v, 8));
    int cfd = eventfd(0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        uint64_t got;
        read(cfd, &got, 8); /* blocks until the parent writes */
        printf("child read %lu\n", (unsigned long)got);
        _exit(0);
    }
    struct timespec nap = {0, 20000000};
    nanosleep(&nap, NULL);
    v = 42;
    write(cfd, &v, 8);
    waitpid(pid, NULL, 0);

    /* an epoll set shared by fork: the child's write shows in the parent's set */
    int r[2];
    pipe(r);
    int shared = epoll_create1(0);
    add(shared, r[0], EPOLLIN, 8);
    pid = fork();
    if (pid == 0) {
        write(r[1], "k", 1);
        printf("child sees the set: %d\n", wait_one(shared, 2000, &data, &events));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    n = wait_one(shared, -1, &data, &events);
    printf("parent: %d data=%lu\n", n, data);

    /* timerfd: relative one-shot, periodic ticks, absolute, gettime */
    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {{0, 0}, {0, 5000000}};
    timerfd_settime(tfd, 0, &its, NULL);
    read(tfd, &v, 8);
    printf("one-shot ticks %lu\n", (unsigned long)v);
    struct itimerspec per = {{0, 1000000}, {0, 1000000}};
    timerfd_settime(tfd, 0, &per, NULL);
    nanosleep(&nap, NULL);
    read(tfd, &v, 8);
    printf("periodic ticks counted: %d\n", v >= 10);
    struct itimerspec cur;
    timerfd_gettime(tfd, &cur);
    printf("interval %ld ns\n", cur.it_interval.tv_nsec);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int rtfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    struct itimerspec abs = {{0, 0}, {now.tv_sec + 1, now.tv_nsec}};
    timerfd_settime(rtfd, TFD_TIMER_ABSTIME, &abs, NULL);
    SHOW("absolute, not yet", read(rtfd, &v, 8));
    add(ep, rtfd, EPOLLIN, 9);
    n = wait_one(ep, -1, &data, &events);
    printf("absolute fires: %d data=%lu\n", n, data);
    SHOW("bad clock", timerfd_create(99, 0));
    SHOW("settime on a pipe", timerfd_settime(q[0], 0, &its, NULL));
    SHOW("bad flags", timerfd_settime(tfd, 8, &its, NULL));

    /* signalfd */
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGCHLD);
    sigprocmask(SIG_BLOCK, &m, NULL);
    int sfd = signalfd(-1, &m, SFD_NONBLOCK);
    struct signalfd_siginfo si;
    SHOW("signalfd empty", read(sfd, &si, sizeof si));
    kill(getpid(), SIGUSR1);
    read(sfd, &si, sizeof si);
    printf("signalfd: signo=%u code=%d pid-matches=%d\n", si.ssi_signo, si.ssi_code,
           si.ssi_pid == (uint32_t)getpid());
    SHOW("signalfd short read", read(sfd, &si, 16));
    pid = fork();
    if (pid == 0)
        _exit(9);
    add(ep, sfd, EPOLLIN, 10);
    epoll_ctl(ep, EPOLL_CTL_DEL, rtfd, NULL);
    n = wait_one(ep, -1, &data, &events);
    printf("SIGCHLD through epoll: %d data=%lu\n", n, data);
    read(sfd, &si, sizeof si);
    printf("SIGCHLD: code=%d status=%d\n", si.ssi_code, si.ssi_status);
    waitpid(pid, NULL, 0);

    /* poll and select on each kind */
    int e2 = eventfd(1, 0);
    struct pollfd pf[3] = {{e2, POLLIN, 0}, {tfd, POLLIN, 0}, {ep, POLLIN, 0}};
    timerfd_settime(tfd, 0, &its, NULL);
    n = poll(pf, 3, -1);
    printf("poll: %d eventfd=%d\n", n, !!(pf[0].revents & POLLIN));
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(tfd, &rs);
    n = select(tfd + 1, &rs, NULL, NULL, NULL);
    printf("select timerfd: %d %d\n", n, FD_ISSET(tfd, &rs));
    return 0;
}
