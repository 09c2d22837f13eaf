/* pollwait: a parent that polls, without ever blocking, for what its busy child does.

   pipe     read() of a nonblocking pipe returns EAGAIN until the child writes
   wnohang  waitpid(WNOHANG) returns 0 until the child exits
   yield    sched_yield() until a second thread sets a flag

   The child (or thread) first computes for a while, so only a scheduler that preempts
   a task making non-blocking system calls lets it finish. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void compute(void)
{
    for (volatile unsigned long i = 0; i < 3000000; i++)
        ;
}

static volatile int flag;

static void *setter(void *arg)
{
    (void)arg;
    compute();
    flag = 1;
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "pipe";
    if (!strcmp(mode, "yield")) {
        pthread_t t;
        pthread_create(&t, NULL, setter, NULL);
        while (!flag)
            sched_yield();
        pthread_join(t, NULL);
        printf("yield: the thread set the flag\n");
        return 0;
    }
    int p[2];
    if (pipe2(p, O_NONBLOCK) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        compute();
        write(p[1], "x", 1);
        _exit(7);
    }
    if (!strcmp(mode, "pipe")) {
        char c;
        ssize_t n;
        while ((n = read(p[0], &c, 1)) < 0 && errno == EAGAIN)
            ;
        printf("pipe: read %zd byte '%c'\n", n, c);
    } else {
        int st;
        pid_t r;
        while ((r = waitpid(pid, &st, WNOHANG)) == 0)
            ;
        printf("wnohang: child %s with %d\n", r == pid ? "reaped" : "lost", WEXITSTATUS(st));
        return 0;
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child exited with %d\n", WEXITSTATUS(st));
    return 0;
}
