/* vfork: the parent sleeps until the child execs or exits.  First the child execs
   busybox echo, then a second child exits with status 5. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
    char *cmd[] = {"/bin/busybox", "echo", "child of vfork runs first", NULL};
    int status;
    pid_t pid = vfork();
    if (pid == 0) {
        execve(cmd[0], cmd, environ);
        _exit(127);
    }
    waitpid(pid, &status, 0);
    printf("parent resumed; exec'd child exited with %d\n", WEXITSTATUS(status));
    fflush(stdout);
    pid = vfork();
    if (pid == 0)
        _exit(5);
    waitpid(pid, &status, 0);
    printf("second child exited with %d\n", WEXITSTATUS(status));
    return 0;
}
