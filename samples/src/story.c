/* story: how a process is born, in one short run.  fork returns twice: the child's 0,
   the parent's the child's pid; the child execs `hello`, which lies beside this program
   in samples/bin (nothing outside the repository is needed); the parent waits for it and
   reports how it ended.  Try `forkdbg trace -f --tree` on it. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char self[PATH_MAX] = {0}, hello[PATH_MAX + 8];
    if (readlink("/proc/self/exe", self, sizeof self - 1) < 0) {
        perror("readlink /proc/self/exe");
        return 1;
    }
    snprintf(hello, sizeof hello, "%s/hello", dirname(self));
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        printf("child:  fork returned 0; I am %d, now exec'ing hello\n", getpid());
        char *argv[] = {"hello", NULL};
        execve(hello, argv, environ);
        perror("execve");
        _exit(127);
    }
    printf("parent: fork returned %d; waiting for it\n", pid);
    int status;
    if (waitpid(pid, &status, 0) < 0) {
        perror("waitpid");
        return 1;
    }
    printf("parent: child %d %s %d\n", pid, WIFEXITED(status) ? "exited with" : "killed by",
           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
}
