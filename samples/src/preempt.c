/* preempt: work that a kernel preempting at the wrong point would corrupt.

   count N      two processes and two threads each loop N times on `addq $1, mem;
                addq $1, reg; push; pop` with no system call between, then check that
                the memory counter, the register counter and the stack pointer agree
                (a stop mid-block resumed at the block's start runs part of it twice)
   forkexec N P a spinner child burns CPU while the parent forks and execs P N times
   threadfork N three threads rewrite and check their buffers while the main thread
                forks N children that each check the buffers they inherited
   sigint       the count loop alone, until SIGINT arrives: its handler ends the loop,
                which then checks itself (an interrupt stopped in the middle of a block
                and resumed at its start would have run part of it twice) */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long counters[4];

static int add_loop(int slot, unsigned long n)
{
    unsigned long reg = 0;
    unsigned long sp0, sp1;
    asm volatile("mov %%rsp, %0" : "=r"(sp0));
    for (unsigned long i = 0; i < n; i++)
        asm volatile("addq $1, %0\n\t"
                     "addq $1, %1\n\t"
                     "sub $128, %%rsp\n\t"  /* step over the red zone */
                     "pushq %1\n\t"
                     "popq %1\n\t"
                     "add $128, %%rsp"
                     : "+m"(counters[slot]), "+r"(reg) : : "memory");
    asm volatile("mov %%rsp, %0" : "=r"(sp1));
    if (counters[slot] != n || reg != n || sp0 != sp1) {
        printf("slot %d: mem %lu reg %lu rsp moved %ld\n", slot, counters[slot], reg,
               (long)(sp1 - sp0));
        return 1;
    }
    return 0;
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int until_sigint(void)
{
    signal(SIGINT, on_sigint);
    printf("spinning\n");
    fflush(stdout);
    unsigned long reg = 0, n = 0;
    unsigned long sp0, sp1;
    asm volatile("mov %%rsp, %0" : "=r"(sp0));
    while (!interrupted) {
        asm volatile("addq $1, %0\n\t"
                     "addq $1, %1\n\t"
                     "sub $128, %%rsp\n\t"
                     "pushq %1\n\t"
                     "popq %1\n\t"
                     "add $128, %%rsp"
                     : "+m"(counters[0]), "+r"(reg) : : "memory");
        n++;
    }
    asm volatile("mov %%rsp, %0" : "=r"(sp1));
    int ok = counters[0] == n && reg == n && sp0 == sp1;
    printf("sigint: %s\n", ok ? "consistent" : "CORRUPTED");
    return !ok;
}

static unsigned long loop_n;

static void *add_thread(void *arg)
{
    return (void *)(long)add_loop((int)(long)arg, loop_n);
}

static int count(unsigned long n)
{
    loop_n = n;
    pid_t pid = fork();
    pthread_t t[2];
    int bad = 0;
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, add_thread, (void *)(long)(i + 2));
    bad |= add_loop(pid == 0 ? 1 : 0, n);
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad |= (int)(long)r;
    }
    if (pid == 0)
        _exit(bad);
    int st;
    waitpid(pid, &st, 0);
    bad |= !WIFEXITED(st) || WEXITSTATUS(st);
    printf("count: %s\n", bad ? "CORRUPTED" : "consistent");
    return bad;
}

static int forkexec(int n, char *prog)
{
    pid_t spinner = fork();
    if (spinner == 0)
        for (volatile unsigned long i = 0;; i++)
            ;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        pid_t c = fork();
        if (c == 0) {
            execl(prog, prog, (char *)NULL);
            _exit(127);
        }
        int st;
        waitpid(c, &st, 0);
        ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    kill(spinner, SIGKILL);
    int st;
    waitpid(spinner, &st, 0);
    printf("forkexec: %d of %d ok, spinner %s\n", ok, n,
           WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? "killed" : "???");
    return ok != n;
}

#define WORDS 1024
static volatile unsigned long bufs[3][WORDS];
static volatile int stop;

static void *writer(void *arg)
{
    volatile unsigned long *b = bufs[(long)arg];
    long bad = 0;
    for (unsigned long seq = 1; !stop; seq++) {
        for (int i = 0; i < WORDS; i++)
            b[i] = seq;
        for (int i = 0; i < WORDS; i++)
            bad += b[i] != seq;
    }
    return (void *)bad;
}

/* a buffer caught mid-sweep reads k..k then k-1..k-1 */
static int well_formed(volatile unsigned long *b)
{
    unsigned long first = b[0];
    int i = 0;
    while (i < WORDS && b[i] == first)
        i++;
    unsigned long rest = i < WORDS ? b[i] : first - 1;
    if (rest + 1 != first)
        return 0;
    while (i < WORDS && b[i] == rest)
        i++;
    return i == WORDS;
}

static int threadfork(int n)
{
    pthread_t t[3];
    for (long i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, writer, (void *)i);
    int ok = 0;
    for (int i = 0; i < n; i++) {
        pid_t c = fork();
        if (c == 0) {
            int good = 1;
            for (int j = 0; j < 3; j++)
                good &= well_formed(bufs[j]);
            _exit(good ? 0 : 1);
        }
        int st;
        waitpid(c, &st, 0);
        ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    stop = 1;
    long bad = 0;
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (long)r;
    }
    printf("threadfork: %d of %d children saw well-formed buffers, writers %s\n", ok, n,
           bad ? "CORRUPTED" : "consistent");
    return ok != n || bad;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "count"))
        return count(strtoul(argv[2], NULL, 0));
    if (argc >= 4 && !strcmp(argv[1], "forkexec"))
        return forkexec(atoi(argv[2]), argv[3]);
    if (argc >= 3 && !strcmp(argv[1], "threadfork"))
        return threadfork(atoi(argv[2]));
    if (argc >= 2 && !strcmp(argv[1], "sigint"))
        return until_sigint();
    fprintf(stderr, "usage: preempt count N | forkexec N PROG | threadfork N | sigint\n");
    return 2;
}
