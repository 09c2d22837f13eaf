/* forkexec: fork, exec another program in the child, and wait in the parent, which
   says so on stderr.  `forkexec [PROG ARGS...]` (default: busybox echo). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
    char *dflt[] = {"/bin/busybox", "echo", "hello from the child", NULL};
    char **cmd = argc > 1 ? argv + 1 : dflt;
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        execve(cmd[0], cmd, environ);
        perror("execve failed");
        exit(EXIT_FAILURE);
    }
    fprintf(stderr, "%s\n", "Parent process");
    int status;
    if (waitpid(pid, &status, 0) == -1) {
        perror("wait failed");
        return 1;
    }
    if (WIFEXITED(status))
        fprintf(stderr, "child exited with status %d\n", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        fprintf(stderr, "child killed by signal %d\n", WTERMSIG(status));
    return 0;
}
