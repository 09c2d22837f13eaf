/* idlekids [N]: fork N children (default 100) that each report "ready" on one pipe and
   then sleep in read() on another; once all N are idle the parent says so, releases
   them and reaps them (the memory benchmark samples peak memory at that point). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100;
    int hold[2], ready[2];
    if (pipe(hold) < 0 || pipe(ready) < 0)
        return 1;
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            char c = 'r';
            close(hold[1]);
            close(ready[0]);
            write(ready[1], &c, 1);
            read(hold[0], &c, 1); /* idle until the parent closes the write end */
            _exit(0);
        }
    }
    close(ready[1]);
    int idle = 0;
    char c;
    while (idle < n && read(ready[0], &c, 1) == 1)
        idle++;
    printf("%d children idle\n", idle);
    close(hold[1]);
    int reaped = 0;
    while (wait(NULL) > 0)
        reaped++;
    printf("reaped %d children\n", reaped);
    return reaped == n ? 0 : 1;
}
