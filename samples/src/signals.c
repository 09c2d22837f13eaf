/* signals: handlers with siginfo, SIGCHLD from an exiting child, masks and pending sets,
   SIGPIPE ignored (EPIPE), and a blocking read interrupted by a handler (EINTR). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int got_usr1, usr1_code, got_chld, chld_status;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_usr1 = sig;
    usr1_code = si->si_code;
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    got_chld++;
    chld_status = si->si_status;
}

static void on_usr2(int sig) { (void)sig; }

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    kill(getpid(), SIGUSR1);
    printf("SIGUSR1 handled: sig=%d si_code=%s\n", got_usr1, usr1_code == SI_USER ? "SI_USER" : "?");

    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    got_usr1 = 0;
    kill(getpid(), SIGUSR1);
    sigpending(&pend);
    printf("blocked: handled=%d pending=%d\n", got_usr1, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("unblocked: handled=%d\n", got_usr1);

    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(9);
    int status;
    waitpid(pid, &status, 0);
    printf("SIGCHLD: count=%d si_status=%d\n", got_chld, chld_status);

    signal(SIGPIPE, SIG_IGN);
    int fds[2];
    pipe(fds);
    close(fds[0]);
    ssize_t w = write(fds[1], "x", 1);
    printf("write to a closed pipe: %zd %s\n", w, strerror(errno));
    close(fds[1]);

    int ready[2], data[2];
    pipe(ready);
    pipe(data);
    pid = fork();
    if (pid == 0) {
        struct sigaction s2;
        memset(&s2, 0, sizeof s2);
        s2.sa_handler = on_usr2; /* no SA_RESTART: the read fails with EINTR */
        sigaction(SIGUSR2, &s2, NULL);
        close(data[1]);
        write(ready[1], "r", 1);
        char c;
        ssize_t n = read(data[0], &c, 1);
        printf("child read: %zd %s\n", n, n < 0 ? strerror(errno) : "");
        fflush(stdout);
        _exit(0);
    }
    char c;
    read(ready[0], &c, 1);
    struct timespec ts = {0, 200000000};
    nanosleep(&ts, NULL);
    kill(pid, SIGUSR2);
    waitpid(pid, &status, 0);
    printf("interrupted child exited with %d\n", WEXITSTATUS(status));
    return 0;
}
