/* waitstatus: children that exit with 3, die of SIGKILL, SIGSEGV and SIGTERM, reported with
   the W* macros through wait4, and one reported through waitid's siginfo. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited, status %d (raw %#x)\n", what, WEXITSTATUS(st), st);
    else if (WIFSIGNALED(st))
        printf("%s: killed by %s%s (raw %#x)\n", what, strsignal(WTERMSIG(st)),
               WCOREDUMP(st) ? ", core dumped" : "", st);
}

int main(void)
{
    int st;
    pid_t p = fork();
    if (p == 0)
        _exit(3);
    waitpid(p, &st, 0);
    report("exit(3)", st);

    p = fork();
    if (p == 0) {
        for (;;)
            pause();
    }
    kill(p, SIGKILL);
    waitpid(p, &st, 0);
    report("SIGKILL", st);

    p = fork();
    if (p == 0)
        *(volatile int *)0 = 0;
    waitpid(p, &st, 0);
    report("SIGSEGV", st);

    p = fork();
    if (p == 0)
        raise(SIGTERM);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, p, &si, WEXITED);
    printf("waitid: si_signo=%d si_code=%s si_status=%d same pid=%d\n", si.si_signo,
           si.si_code == CLD_KILLED ? "CLD_KILLED" : "?", si.si_status, si.si_pid == p);

    p = fork();
    if (p == 0)
        _exit(0);
    int r = waitpid(999999, &st, WNOHANG);
    printf("wait for a stranger: %d\n", r);
    while (waitpid(-1, &st, 0) > 0)
        ;
    r = waitpid(-1, &st, 0);
    printf("no children left: %d\n", r);
    return 0;
}
