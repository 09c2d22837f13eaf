/* diet_demo: a dietlibc program (diet gcc -static): the time through the vDSO dietlibc
   looks up at start-up, and a fork/exec/wait. */
#include <stdio.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    struct timeval tv;
    struct timespec ts;
    gettimeofday(&tv, 0);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("gettimeofday after 2020: %d\n", tv.tv_sec > 1577836800);
    printf("monotonic runs: %d\n", ts.tv_sec > 0 || ts.tv_nsec > 0);
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        execl("/bin/busybox", "busybox", "echo", "exec'd by a dietlibc child", (char *)0);
        _exit(127);
    }
    int st;
    waitpid(p, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));
    return 0;
}
