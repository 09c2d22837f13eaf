/* orphan: a child forks a grandchild and exits; the orphaned grandchild is re-parented
   (its getppid() changes), cannot be waited for by its grandparent, and still runs. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int release[2], ready[2];
    pipe(release);
    pipe(ready);
    pid_t child = fork();
    if (child == 0) {
        pid_t gc = fork();
        if (gc == 0) {
            char c;
            close(release[1]);
            pid_t before = getppid();
            write(ready[1], "r", 1);
            read(release[0], &c, 1); /* until the grandparent lets go */
            pid_t after = getppid();
            printf("grandchild: getppid() changed when its parent exited: %s\n",
                   before != after ? "yes" : "no");
            return 0;
        }
        char c;
        read(ready[0], &c, 1);
        _exit(0);
    }
    close(release[0]);
    waitpid(child, NULL, 0);
    printf("parent: child reaped; waiting for the grandchild: %d\n", waitpid(-1, NULL, 0));
    fflush(stdout);
    close(release[1]);
    sleep(1);
    return 0;
}
