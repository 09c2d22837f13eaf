/* clonethread: a raw CLONE_THREAD child with CLONE_CHILD_SETTID and CLONE_CHILD_CLEARTID.
   The kernel stores the new tid at ctid, and at the thread's exit writes 0 there and
   wakes the futex the parent sleeps on. */
#define _GNU_SOURCE
#define FUTEX_WAIT 0
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int ctid = -1;
static volatile long child_pid, child_tid, seen_ctid;
static char stack[65536] __attribute__((aligned(16)));

static int thread_fn(void *arg)
{
    (void)arg;
    child_pid = syscall(SYS_getpid);
    child_tid = syscall(SYS_gettid);
    seen_ctid = ctid; /* CLONE_CHILD_SETTID wrote our tid here */
    syscall(SYS_exit, 0); /* only this thread ends */
    return 0;
}

int main(void)
{
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                CLONE_SYSVSEM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
    long tid = clone(thread_fn, stack + sizeof stack, flags, NULL, NULL, NULL, (void *)&ctid);
    if (tid < 0) {
        perror("clone");
        return 1;
    }
    /* sleep until the kernel clears ctid at the thread's exit */
    while (ctid != 0) {
        int v = ctid;
        if (v != 0)
            syscall(SYS_futex, &ctid, FUTEX_WAIT, v, NULL, NULL, 0);
    }
    printf("same process: %s\n", child_pid == getpid() ? "yes" : "no");
    printf("thread tid == clone's return: %s\n", child_tid == tid ? "yes" : "no");
    printf("ctid held the tid while it ran: %s\n", seen_ctid == tid ? "yes" : "no");
    printf("ctid after exit: %d\n", ctid);
    return 0;
}
