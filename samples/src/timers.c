/* timers: alarm, itimers on real and CPU time, POSIX timers (SIGEV_SIGNAL, SIGEV_THREAD_ID,
   SIGEV_NONE), overruns, rt_sigtimedwait, sigqueue, clock_nanosleep(TIMER_ABSTIME), and what
   fork and exec do to timers.  Prints only what does not depend on the machine's speed. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/* the result of a call and the error it left, printed after the call */
#define SHOW(label, call)                                                    \
    do {                                                                     \
        errno = 0;                                                           \
        long r_ = (long)(call);                                              \
        int e_ = errno;                                                      \
        printf("%s: %ld %s\n", label, r_, e_ ? strerror(e_) : "ok");       \
    } while (0)

static volatile sig_atomic_t alarms, vtalrms, profs;

static void on_alarm(int s) { (void)s; alarms++; }
static void on_vtalrm(int s) { (void)s; vtalrms++; }
static void on_prof(int s) { (void)s; profs++; }

static int k_timer_create(clockid_t c, struct sigevent *sev, int *id)
{
    return syscall(SYS_timer_create, c, sev, id);
}

static int k_timer_settime(int id, int fl, const struct itimerspec *n, struct itimerspec *o)
{
    return syscall(SYS_timer_settime, id, fl, n, o);
}

static void spin_until(volatile sig_atomic_t *flag)
{
    volatile unsigned long x = 0;
    while (!*flag)
        x++;
}

static int exec_check(void)
{
    struct itimerval it;
    getitimer(ITIMER_REAL, &it);
    printf("after exec: ITIMER_REAL %s\n", it.it_value.tv_sec > 0 ? "kept" : "gone");
    struct itimerspec cur;
    SHOW("after exec: timer_gettime(0)", syscall(SYS_timer_gettime, 0, &cur));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "exec-check"))
        return exec_check();
    setvbuf(stdout, NULL, _IONBF, 0);

    /* alarm: the seconds left of the previous one */
    printf("alarm(1) = %u\n", alarm(1));
    printf("alarm(5) = %u\n", alarm(5));
    printf("alarm(0) = %u\n", alarm(0));

    /* ITIMER_REAL every 10 ms: three SIGALRMs, then disarmed */
    signal(SIGALRM, on_alarm);
    struct itimerval it = {{0, 10000}, {0, 10000}};
    setitimer(ITIMER_REAL, &it, NULL);
    while (alarms < 3)
        pause();
    struct itimerval zero = {{0, 0}, {0, 0}}, old;
    setitimer(ITIMER_REAL, &zero, &old);
    printf("SIGALRMs: %d, old interval %ld us\n", (int)alarms, (long)old.it_interval.tv_usec);
    getitimer(ITIMER_REAL, &old);
    printf("disarmed: %ld %ld\n", (long)old.it_value.tv_sec, (long)old.it_value.tv_usec);
    SHOW("setitimer(7)", setitimer(7, &it, NULL));
    struct itimerval bad = {{0, 0}, {0, 1000000}};
    SHOW("setitimer(usec=1000000)", setitimer(ITIMER_REAL, &bad, NULL));

    /* CPU-time itimers fire only while the process computes */
    signal(SIGVTALRM, on_vtalrm);
    signal(SIGPROF, on_prof);
    struct itimerval cpu = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_VIRTUAL, &cpu, NULL);
    spin_until(&vtalrms);
    printf("SIGVTALRM after computing\n");
    setitimer(ITIMER_PROF, &cpu, NULL);
    spin_until(&profs);
    printf("SIGPROF after computing\n");

    /* a POSIX timer with a value, taken synchronously */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_int = 42;
    int id;
    k_timer_create(CLOCK_MONOTONIC, &sev, &id);
    struct itimerspec its = {{0, 0}, {0, 5000000}};
    k_timer_settime(id, 0, &its, NULL);
    siginfo_t si;
    int sig = sigwaitinfo(&set, &si);
    printf("timer: sig=%d SI_TIMER=%d value=%d id-matches=%d\n", sig, si.si_code == SI_TIMER,
           si.si_value.sival_int, si.si_timerid == id);

    /* a periodic timer whose signal stays pending counts overruns */
    struct itimerspec per = {{0, 1000000}, {0, 1000000}};
    k_timer_settime(id, 0, &per, NULL);
    struct timespec nap = {0, 20000000};
    nanosleep(&nap, NULL);
    sigwaitinfo(&set, &si);
    printf("overruns counted: %d, getoverrun agrees: %d\n", si.si_overrun > 5,
           syscall(SYS_timer_getoverrun, id) == si.si_overrun);
    struct itimerspec cur;
    syscall(SYS_timer_gettime, id, &cur);
    printf("still periodic: %ld ns\n", cur.it_interval.tv_nsec);
    syscall(SYS_timer_delete, id);
    SHOW("delete twice", syscall(SYS_timer_delete, id));

    /* SIGEV_THREAD_ID to this thread; SIGEV_NONE only counts down */
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = SIGUSR2;
    sev.sigev_notify_thread_id = gettid();
    k_timer_create(CLOCK_REALTIME, &sev, &id);
    k_timer_settime(id, 0, &its, NULL);
    sig = sigwaitinfo(&set, &si);
    printf("thread timer: sig=%d\n", sig);
    sev.sigev_notify = SIGEV_NONE;
    int quiet;
    k_timer_create(CLOCK_MONOTONIC, &sev, &quiet);
    struct itimerspec longer = {{0, 0}, {100, 0}};
    k_timer_settime(quiet, 0, &longer, NULL);
    syscall(SYS_timer_gettime, quiet, &cur);
    printf("SIGEV_NONE counts down: %d\n", cur.it_value.tv_sec >= 99);
    sev.sigev_notify_thread_id = 1;
    sev.sigev_notify = SIGEV_THREAD_ID;
    SHOW("thread of another process", k_timer_create(CLOCK_MONOTONIC, &sev, &id));

    /* rt_sigtimedwait: a timeout, and a queued value */
    struct timespec ten = {0, 10000000};
    SHOW("sigtimedwait, nothing pending", sigtimedwait(&set, &si, &ten));
    union sigval v = {.sival_int = 7};
    sigqueue(getpid(), SIGUSR2, v);
    sig = sigtimedwait(&set, &si, &ten);
    printf("sigqueue: sig=%d SI_QUEUE=%d int=%d pid-matches=%d\n", sig, si.si_code == SI_QUEUE,
           si.si_value.sival_int, si.si_pid == getpid());

    /* clock_nanosleep to an absolute time */
    struct timespec now, then;
    clock_gettime(CLOCK_MONOTONIC, &now);
    then = now;
    then.tv_nsec += 15000000;
    if (then.tv_nsec >= 1000000000) {
        then.tv_sec++;
        then.tv_nsec -= 1000000000;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &then, NULL);
    clock_gettime(CLOCK_MONOTONIC, &now);
    printf("absolute sleep reached its time: %d\n",
           now.tv_sec > then.tv_sec || (now.tv_sec == then.tv_sec && now.tv_nsec >= then.tv_nsec));

    /* SIGCHLD is ignored by default, yet a blocked one waits for sigtimedwait (tini) */
    pid_t pid = fork();
    if (pid == 0) {
        struct itimerval mine;
        getitimer(ITIMER_REAL, &mine);
        printf("child: ITIMER_REAL %ld\n", (long)mine.it_value.tv_sec);
        SHOW("child: the parent's timer", syscall(SYS_timer_gettime, quiet, &cur));
        _exit(3);
    }
    struct timespec five = {5, 0};
    sig = sigtimedwait(&set, &si, &five);
    printf("SIGCHLD by sigtimedwait: %d code=CLD_EXITED:%d status=%d\n", sig == SIGCHLD,
           si.si_code == CLD_EXITED, si.si_status);
    waitpid(pid, NULL, 0);

    /* exec keeps the itimers and deletes the POSIX timers */
    pid = fork();
    if (pid == 0) {
        struct itimerval hundred = {{0, 0}, {100, 0}};
        setitimer(ITIMER_REAL, &hundred, NULL);
        sev.sigev_notify = SIGEV_NONE;
        k_timer_create(CLOCK_MONOTONIC, &sev, &id);
        execl("/proc/self/exe", argv[0], "exec-check", (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("exec child exit %d\n", WEXITSTATUS(st));
    return 0;
}
