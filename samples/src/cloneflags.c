/* cloneflags [vm] [files] [fs] [sighand]: clone a child with those CLONE_* flags; the child
   changes a variable, opens a file, changes directory and installs a signal handler; the
   parent reports which of the changes it can see (shared) and which it cannot (copied). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int value = 1;
static volatile int child_fd = -1;
static char stack[65536] __attribute__((aligned(16)));

static void on_usr1(int sig) { (void)sig; }

static int child(void *arg)
{
    (void)arg;
    value = 42;
    child_fd = open("/dev/null", O_RDONLY);
    if (chdir("/") != 0)
        return 1;
    signal(SIGUSR1, on_usr1);
    return 0;
}

int main(int argc, char **argv)
{
    int flags = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "vm")) flags |= CLONE_VM;
        else if (!strcmp(argv[i], "files")) flags |= CLONE_FILES;
        else if (!strcmp(argv[i], "fs")) flags |= CLONE_FS;
        else if (!strcmp(argv[i], "sighand")) flags |= CLONE_SIGHAND;
        else { fprintf(stderr, "unknown flag %s\n", argv[i]); return 2; }
    }
    if (chdir("/tmp") != 0)
        return 1;
    int fd_before = open("/dev/null", O_RDONLY);
    close(fd_before);
    pid_t pid = clone(child, stack + sizeof stack, flags | SIGCHLD, NULL);
    if (pid < 0) {
        perror("clone");
        return 1;
    }
    int status;
    if (waitpid(pid, &status, 0) < 0) {
        perror("waitpid");
        return 1;
    }
    char cwd[256];
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    printf("memory:  %s\n", value == 42 ? "shared" : "copied");
    printf("files:   %s\n", fcntl(fd_before, F_GETFD) != -1 ? "shared" : "copied");
    printf("fs:      %s\n", strcmp(getcwd(cwd, sizeof cwd), "/") == 0 ? "shared" : "copied");
    printf("sighand: %s\n", sa.sa_handler == on_usr1 ? "shared" : "copied");
    printf("child exit status: %d\n", WEXITSTATUS(status));
    return 0;
}
