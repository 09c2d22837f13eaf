/* forkbomb: fork children that sleep in read() on a pipe until fork fails (EAGAIN under
   RLIMIT_NPROC / forkdbg --max-procs), then release them, reap them and report. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    int children = 0;
    for (;;) {
        pid_t pid = fork();
        if (pid == 0) {
            char c;
            close(fds[1]);
            read(fds[0], &c, 1); /* idle until the parent closes the write end */
            _exit(0);
        }
        if (pid < 0) {
            printf("fork failed after %d children: %s\n", children, strerror(errno));
            break;
        }
        children++;
        if (children >= 100000)
            break;
    }
    close(fds[1]);
    int reaped = 0;
    while (wait(NULL) > 0)
        reaped++;
    printf("reaped %d children\n", reaped);
    return 0;
}
