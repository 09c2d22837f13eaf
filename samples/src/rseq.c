/* Restartable sequences: what the kernel does with a thread's struct rseq.
 *
 * glibc registers one for every thread; musl does not, so the program registers its own
 * when the C library has not. Then it checks, printing one line each:
 *   the cpu number the kernel publishes agrees with getcpu(2)
 *   registering again, elsewhere, or with another signature: EBUSY, EINVAL, EPERM
 *   a critical section interrupted by a signal resumes at its abort handler
 *   a critical section spinning until another process on the same CPU preempts it
 *   an abort handler without the right signature in front of it: SIGSEGV
 *   a fork child keeps the registration; exec drops it (the new image registers anew)
 * "rseq nospin" leaves out the preemption case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIG_RSEQ 0x53053053 /* x86's RSEQ_SIG, the one glibc uses */

struct rseq_area {
    uint32_t cpu_id_start, cpu_id;
    uint64_t rseq_cs;
    uint32_t flags, node_id, mm_cid;
} __attribute__((aligned(32)));

/* int cs_run(struct rseq_area *rs, int tid, volatile int *flag, int how)
 *   how 0: tkill(tid, SIGUSR1) inside the section; 1: spin until aborted
 *   2: like 0 but the section's abort handler lacks the signature
 * returns 1 if the section ran to its end, 2 if it was aborted */
__asm__(
    ".text\n"
    ".globl cs_run\n"
    "cs_run:\n"
    "    cmpl $2, %ecx\n"
    "    je cs_bad\n"
    "    leaq cs_desc(%rip), %rax\n"
    "cs_start:\n"                    /* armed inside: Linux clears rseq_cs lazily when it */
    "    movq %rax, 8(%rdi)\n"        /* finds the pc outside, e.g. preempted just before */
    "    movl $1, (%rdx)\n"           /* tell a watcher we are inside */
    "    testl %ecx, %ecx\n"
    "    jnz 2f\n"
    "    movl %esi, %edi\n"
    "    movl $10, %esi\n"            /* SIGUSR1 */
    "    movl $200, %eax\n"           /* tkill */
    "    syscall\n"
    "    movl $1, %eax\n"
    "    jmp cs_commit\n"
    "2:  movq %rax, 8(%rdi)\n"        /* re-armed on every turn, for the same reason */
    "    jmp 2b\n"
    "cs_commit:\n"
    "    ret\n"
    "    .long 0x53053053\n"
    "cs_abort:\n"
    "    movl $2, %eax\n"
    "    ret\n"
    "cs_bad:\n"
    "    leaq bad_desc(%rip), %rax\n"
    "bad_start:\n"
    "    movq %rax, 8(%rdi)\n"
    "    movl %esi, %edi\n"
    "    movl $10, %esi\n"
    "    movl $200, %eax\n"
    "    syscall\n"
    "    movl $1, %eax\n"
    "bad_commit:\n"
    "    ret\n"
    "    .long 0x12345678\n"
    "bad_abort:\n"
    "    movl $2, %eax\n"
    "    ret\n"
    ".section .rodata\n"
    ".balign 32\n"
    "cs_desc:\n"
    "    .long 0, 0\n"
    "    .quad cs_start, cs_commit - cs_start, cs_abort\n"
    ".balign 32\n"
    "bad_desc:\n"
    "    .long 0, 0\n"
    "    .quad bad_start, bad_commit - bad_start, bad_abort\n"
    ".text\n");
int cs_run(struct rseq_area *rs, int tid, volatile int *flag, int how);

static struct rseq_area own, other;
static struct rseq_area *rs;
static volatile sig_atomic_t handled;

static void on_usr1(int sig) { (void)sig; handled++; }

static long rseq_call(void *area, uint32_t len, int flags, uint32_t sig)
{
    return syscall(SYS_rseq, area, len, flags, sig);
}

static const char *err(long r)
{
    if (r == 0)
        return "0";
    switch (errno) {
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case EFAULT: return "EFAULT";
    case ENOSYS: return "ENOSYS";
    default: return strerror(errno);
    }
}

static int tid(void) { return (int)syscall(SYS_gettid); }

/* the thread's registered area: glibc's in the thread block, or our own */
static struct rseq_area *find_area(void)
{
    long r = rseq_call(&own, sizeof own, 0, SIG_RSEQ);
    if (r == 0)
        return &own;
    /* EINVAL: registered elsewhere. Find where: the kernel keeps its cpu_id current
       and that is all we can see, so ask glibc. */
    extern const ptrdiff_t __rseq_offset __attribute__((weak));
    extern const unsigned int __rseq_size __attribute__((weak));
    if (&__rseq_offset && __rseq_size)
        return (struct rseq_area *)((char *)__builtin_thread_pointer() + __rseq_offset);
    printf("cannot find the registered rseq area (%s)\n", err(r));
    exit(1);
}

static void check_fork(void)
{
    fflush(stdout); /* or the child would print what is buffered again */
    pid_t pid = fork();
    if (pid == 0) {
        long r = rseq_call(rs, sizeof *rs, 0, SIG_RSEQ);
        printf("fork child registers again: %s\n", err(r));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
}

static void check_abort_by_preemption(void)
{
    cpu_set_t one; /* natively: share this CPU with the child, which inherits the mask */
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    sched_setaffinity(0, sizeof one, &one);
    volatile int *inside = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a parent a debugger killed */
        if (getppid() == 1)
            _exit(1);
        while (!*inside) /* runs when the spinning parent is switched out */
            ;
        for (int ms = 0; ms < 5000 && !inside[1]; ms++) { /* a kernel that never aborts */
            struct timespec t = {0, 1000 * 1000};     /* it would spin forever */
            nanosleep(&t, NULL);
        }
        if (!inside[1])
            kill(getppid(), SIGKILL);
        _exit(0);
    }
    int r = cs_run(rs, tid(), inside, 1);
    inside[1] = 1;
    waitpid(pid, NULL, 0);
    printf("spinning section, preempted by a child: %s, rseq_cs %s\n",
           r == 2 ? "aborted" : "finished", rs->rseq_cs ? "still set" : "cleared");
}

static void check_bad_signature(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int flag = 0;
        cs_run(rs, tid(), &flag, 2);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("abort handler without the signature: %s\n",
           WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "survived");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        /* a fresh image: whatever the old one registered is gone */
        extern const unsigned int __rseq_size __attribute__((weak));
        long r = rseq_call(&own, sizeof own, 0, SIG_RSEQ);
        printf("after exec: %s\n", (&__rseq_size && __rseq_size) ? "libc registered"
               : r == 0 ? "registered here" : err(r));
        return 0;
    }
    rs = find_area();
    printf("registered by %s\n", rs == &own ? "this program" : "the C library");
    unsigned cpu = 99;
    syscall(SYS_getcpu, &cpu, NULL, NULL);
    printf("cpu_id matches getcpu: %s; cpu_id_start too: %s\n",
           rs->cpu_id == cpu ? "yes" : "no", rs->cpu_id_start == cpu ? "yes" : "no");
    printf("register again: %s\n", err(rseq_call(rs, sizeof *rs, 0, SIG_RSEQ)));
    printf("register elsewhere: %s\n", err(rseq_call(&other, sizeof other, 0, SIG_RSEQ)));
    printf("register with another signature: %s\n", err(rseq_call(rs, sizeof *rs, 0, 1)));
    printf("register with a short length: %s\n", err(rseq_call(rs, 16, 0, SIG_RSEQ)));
    printf("unknown flags: %s\n", err(rseq_call(rs, sizeof *rs, 2, SIG_RSEQ)));
    printf("unregister with another signature: %s\n", err(rseq_call(rs, sizeof *rs, 1, 1)));
    printf("unregister elsewhere: %s\n", err(rseq_call(&other, sizeof other, 1, SIG_RSEQ)));

    signal(SIGUSR1, on_usr1);
    int flag = 0;
    int r = cs_run(rs, tid(), &flag, 0);
    printf("signal inside a section: %s, handler ran %d time(s), rseq_cs %s\n",
           r == 2 ? "aborted" : "finished", (int)handled, rs->rseq_cs ? "still set" : "cleared");
    if (!(argc > 1 && strcmp(argv[1], "nospin") == 0))
        check_abort_by_preemption(); /* under ptrace (strace, gdb) Linux 6.18 may never abort it */
    check_bad_signature();
    check_fork();

    if (rs == &own) {
        long u = rseq_call(&own, sizeof own, 1, SIG_RSEQ);
        printf("unregister: %s, cpu_id now %d\n", err(u), (int)own.cpu_id);
        printf("register misaligned: %s\n",
               err(rseq_call((char *)&own + 4, sizeof own, 0, SIG_RSEQ)));
        printf("register at a kernel address: %s\n",
               err(rseq_call((void *)0xffffffffff600000, sizeof own, 0, SIG_RSEQ)));
    }
    fflush(stdout);
    execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
    perror("execl");
    return 1;
}
