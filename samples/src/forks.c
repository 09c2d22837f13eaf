/* forks N: N times fork, _exit in the child, wait4 in the parent (the fork benchmark). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000;
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        int status;
        waitpid(pid, &status, 0);
    }
    printf("%ld forks\n", n);
    return 0;
}
