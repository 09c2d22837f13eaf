/* pollpipe: poll, ppoll and select on pipes: nothing ready, data ready, EOF, timeouts. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    int p[2];
    pipe(p);
    struct pollfd pf = {p[0], POLLIN, 0};
    printf("empty pipe, timeout 0: %d\n", poll(&pf, 1, 0));
    printf("empty pipe, timeout 50ms: %d\n", poll(&pf, 1, 50));
    write(p[1], "x", 1);
    int n = poll(&pf, 1, -1);
    printf("data: %d revents POLLIN=%d\n", n, !!(pf.revents & POLLIN));
    char c;
    read(p[0], &c, 1);
    pid_t pid = fork();
    if (pid == 0) {
        write(p[1], "y", 1);
        _exit(0);
    }
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    n = select(p[0] + 1, &rs, NULL, NULL, NULL);
    printf("select after the child wrote: %d isset=%d\n", n, FD_ISSET(p[0], &rs));
    read(p[0], &c, 1);
    waitpid(pid, NULL, 0);
    close(p[1]);
    struct timespec ts = {1, 0};
    n = ppoll(&pf, 1, &ts, NULL);
    printf("writer closed: %d POLLHUP=%d\n", n, !!(pf.revents & POLLHUP));
    FD_ZERO(&rs);
    FD_SET(0, &rs);
    struct timeval tv = {0, 10000};
    int q[2];
    pipe(q);
    FD_ZERO(&rs);
    FD_SET(q[0], &rs);
    printf("select timeout: %d\n", select(q[0] + 1, &rs, NULL, NULL, &tv));
    return 0;
}
