/* spawn: posix_spawn busybox echo (glibc: clone3 with CLONE_VM|CLONE_VFORK), then wait. */
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>

extern char **environ;

int main(void)
{
    char *argv[] = {"/bin/busybox", "echo", "spawned", NULL};
    pid_t pid;
    int err = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
    if (err) {
        fprintf(stderr, "posix_spawn failed: %d\n", err);
        return 1;
    }
    int status;
    waitpid(pid, &status, 0);
    printf("spawned child exited with %d\n", WEXITSTATUS(status));
    return 0;
}
