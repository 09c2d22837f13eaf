/* answers: what Linux answers where programs check, one line each.

   Run as root (as the tests do): the credential cases drop privileges in a child. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* the kernel's definitions (musl-gcc has no linux/ headers) */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define _LINUX_CAPABILITY_VERSION_3 0x20080522
struct __user_cap_header_struct { uint32_t version; int pid; };
struct __user_cap_data_struct { uint32_t effective, permitted, inheritable; };
struct clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
        set_tid, set_tid_size, cgroup;
};
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef PR_GET_TSC
#define PR_GET_TSC 25
#define PR_SET_TSC 26
#endif

static const char *errname(int e)
{
    static const struct { int e; const char *name; } names[] = {
        {EPERM, "EPERM"}, {ESRCH, "ESRCH"}, {EBADF, "EBADF"}, {EAGAIN, "EAGAIN"},
        {EFAULT, "EFAULT"}, {EINVAL, "EINVAL"}, {E2BIG, "E2BIG"}, {EACCES, "EACCES"},
        {EEXIST, "EEXIST"}, {ENOSYS, "ENOSYS"}, {ECHILD, "ECHILD"}};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].e == e)
            return names[i].name;
    return "other";
}

static const char *res(long r)
{
    static char buf[64];
    if (r >= 0)
        snprintf(buf, sizeof buf, "%ld", r);
    else
        snprintf(buf, sizeof buf, "-1 %s", errname(errno));
    return buf;
}

#define SHOW(label, call) do { errno = 0; long r_ = (long)(call); printf("%-44s %s\n", label, res(r_)); } while (0)

static int futex_word;

static void *sleeper(void *arg)
{
    (void)arg;
    syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, NULL, NULL, 0);
    return NULL;
}

static void thread_state(void)
{
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
    for (int i = 0; i < 1000; i++)
        sched_yield();
    char path[64], buf[512];
    pid_t tid = 0;
    /* the second entry of /proc/self/task is the thread (tids count up) */
    for (int cand = getpid() + 1; cand < getpid() + 64 && !tid; cand++) {
        snprintf(path, sizeof path, "/proc/self/task/%d/stat", cand);
        if (access(path, R_OK) == 0)
            tid = cand;
    }
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    char state = '?';
    int same = 0;
    /* natively the thread may not be asleep yet on a busy machine: look again, up to 2 s */
    for (int tries = 0; tries < 2000 && state != 'S'; tries++) {
        FILE *f = fopen(path, "r");
        if (f && fgets(buf, sizeof buf, f)) {
            char *p = strrchr(buf, ')');
            state = p ? p[2] : '?';
            same = atoi(buf) == tid;
        }
        if (f)
            fclose(f);
        if (state != 'S')
            usleep(1000);
    }
    printf("%-44s %c, pid field is the tid: %s\n", "thread in FUTEX_WAIT, task/TID/stat",
           state, same ? "yes" : "no");
    FILE *f;
    snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
    f = fopen(path, "r");
    while (f && fgets(buf, sizeof buf, f))
        if (!strncmp(buf, "State:", 6) || !strncmp(buf, "Pid:", 4))
            printf("%-44s %s", "task/TID/status", !strncmp(buf, "Pid:", 4) ?
                   (atoi(buf + 4) == tid ? "Pid: the tid\n" : "Pid: other\n") : buf);
    if (f)
        fclose(f);
    futex_word = 1;
    syscall(SYS_futex, &futex_word, FUTEX_WAKE, 1, NULL, NULL, 0);
    pthread_join(t, NULL);
}

static void clone3_cases(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(two + pg, pg);
    /* 96 bytes ending 8 bytes into the unmapped page; a non-zero byte past 88 */
    struct clone_args *a = (struct clone_args *)(two + pg - 88);
    memset(a, 0, 88);
    a->exit_signal = SIGCHLD;
    SHOW("clone3 size 96, tail unmapped", syscall(SYS_clone3, a, 96));
    char *big = calloc(1, 4096);
    struct clone_args *b = (struct clone_args *)big;
    b->exit_signal = SIGCHLD;
    big[90] = 1;
    SHOW("clone3 size 96, byte 90 non-zero", syscall(SYS_clone3, b, 96));
    SHOW("clone3 size 4097", syscall(SYS_clone3, b, 4097));
    SHOW("clone3 size 63", syscall(SYS_clone3, b, 63));
    big[90] = 0;
    b->stack = (uint64_t)(uintptr_t)big;
    SHOW("clone3 stack without stack_size", syscall(SYS_clone3, b, 88));
    b->stack = 0;
    b->stack_size = 4096;
    SHOW("clone3 stack_size without stack", syscall(SYS_clone3, b, 88));
    b->stack_size = 0;
    b->exit_signal = 65;
    SHOW("clone3 exit_signal 65", syscall(SYS_clone3, b, 88));
    b->exit_signal = SIGCHLD;
    b->set_tid_size = 1;
    SHOW("clone3 set_tid_size without set_tid", syscall(SYS_clone3, b, 88));
    free(big);
}

static void setpgid_cases(void)
{
    SHOW("setpgid to a group that does not exist", setpgid(0, 99999));
    int ready[2];
    pipe(ready);
    pid_t c = fork();
    if (c == 0) {
        setsid();
        write(ready[1], "s", 1);  /* natively the parent could otherwise ask too soon */
        pause();
        _exit(0);
    }
    char s;
    read(ready[0], &s, 1);
    close(ready[0]);
    close(ready[1]);
    SHOW("setpgid of a child in another session", setpgid(c, c));
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    int p[2];
    pipe(p);
    c = fork();
    if (c == 0) {
        char *argv[] = {"/bin/busybox", "sleep", "1", NULL};
        close(p[0]);
        fcntl(p[1], F_SETFD, FD_CLOEXEC);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    char ch;
    read(p[0], &ch, 1);  /* EOF once the child has exec'd */
    SHOW("setpgid of a child that has exec'd", setpgid(c, c));
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
}

static void cred_cases(void)
{
    pid_t c = fork();
    if (c == 0) {
        SHOW("setgroups as root", setgroups(0, NULL));
        SHOW("setresuid(1000, 1000, 0) as root", setresuid(1000, 1000, 0));
        uid_t r, e, s;
        getresuid(&r, &e, &s);
        printf("%-44s %u %u %u\n", "getresuid", r, e, s);
        SHOW("setgroups without CAP_SETGID", setgroups(0, NULL));
        SHOW("seteuid(0) back (saved uid is 0)", seteuid(0));
        SHOW("setuid(2000) as root: all three", setuid(2000));
        getresuid(&r, &e, &s);
        printf("%-44s %u %u %u\n", "getresuid", r, e, s);
        SHOW("setuid(0) unprivileged", setuid(0));
        SHOW("setreuid(-1, 2000)", setreuid(-1, 2000));
        SHOW("setresuid(3000, -1, -1)", setresuid(3000, -1, -1));
        SHOW("kill(getppid(), 0) as another user", kill(getppid(), 0));
        SHOW("kill(1, 0) as another user", kill(1, 0));
        struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct d[2];
        SHOW("capget", syscall(SYS_capget, &h, d));
        printf("%-44s %08x %08x\n", "effective capabilities", d[1].effective, d[0].effective);
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    syscall(SYS_capget, &h, d);
    printf("%-44s %s\n", "root has CAP_SETUID and CAP_KILL",
           (d[0].effective >> 7 & 1) && (d[0].effective >> 5 & 1) ? "yes" : "no");
    h.version = 0x12345678;
    SHOW("capget with a bad version", syscall(SYS_capget, &h, d));
    printf("%-44s %#x\n", "version it answers", h.version);
}

/* setrlimit: the order of Linux's checks, and RLIMIT_NOFILE's ceiling (nr_open). */
static void rlimit_cases(void)
{
    struct rlimit cur, r;
    getrlimit(RLIMIT_NOFILE, &cur);
    r = (struct rlimit){cur.rlim_cur, RLIM_INFINITY};
    SHOW("RLIMIT_NOFILE hard infinity", setrlimit(RLIMIT_NOFILE, &r));
    r = (struct rlimit){1024, 2000000};
    SHOW("RLIMIT_NOFILE hard past nr_open", setrlimit(RLIMIT_NOFILE, &r));
    r = (struct rlimit){2048, 1024};
    SHOW("RLIMIT_NOFILE soft above hard", setrlimit(RLIMIT_NOFILE, &r));
    r = (struct rlimit){cur.rlim_cur, cur.rlim_max};
    SHOW("RLIMIT_NOFILE unchanged", setrlimit(RLIMIT_NOFILE, &r));
    SHOW("RLIMIT 99", syscall(SYS_prlimit64, 0, 99, NULL, &r));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int st;
    SHOW("wait4(INT_MIN)", syscall(SYS_wait4, INT_MIN, &st, 0, NULL));
    SHOW("getpgid(99999)", getpgid(99999));
    SHOW("getsid(99999)", getsid(99999));
    SHOW("getpgid(-5)", syscall(SYS_getpgid, -5));
    SHOW("getsid(-5)", syscall(SYS_getsid, -5));
    SHOW("kill(1, 0)", kill(1, 0));
    SHOW("getpgid(1) succeeds", getpgid(1) >= 0);
    SHOW("getsid(1) succeeds", getsid(1) >= 0);
    SHOW("/proc/1 exists", access("/proc/1/status", R_OK));
    /* int arguments: the upper half of the register is ignored */
    pid_t c = fork();
    if (c == 0)
        _exit(3);
    SHOW("wait4 options with garbage above", syscall(SYS_wait4, c, &st, 0x100000000L, NULL) == c);
    c = fork();
    if (c == 0)
        _exit(4);
    siginfo_t si;
    SHOW("waitid idtype 0x100000001 (P_PID)", syscall(SYS_waitid, 0x100000001L, c, &si,
                                                      WEXITED | 0x500000000L, NULL));
    SHOW("kill sig with garbage above", syscall(SYS_kill, getpid(), 0x7700000000L));
    SHOW("pidfd_open flags with garbage above", syscall(SYS_pidfd_open, getpid(),
                                                        0x100000000L));
    int fd = open("/proc/self", O_DIRECTORY | O_RDONLY);
    SHOW("pidfd_send_signal on /proc/PID", syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0));
    close(fd);
    fd = open("/proc/self/status", O_RDONLY);
    SHOW("pidfd_send_signal on a file", syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0));
    close(fd);
    SHOW("FUTEX_CMP_REQUEUE nr_requeue -1", syscall(SYS_futex, &futex_word, FUTEX_CMP_REQUEUE,
                                                      1, (void *)-1L, &futex_word, 0));
    SHOW("FUTEX_CMP_REQUEUE nr_wake -1", syscall(SYS_futex, &futex_word, FUTEX_CMP_REQUEUE,
                                                   -1, (void *)1L, &futex_word, 0));
    SHOW("FUTEX_REQUEUE nr_requeue -1", syscall(SYS_futex, &futex_word, FUTEX_REQUEUE,
                                                  1, (void *)-1L, &futex_word, 0));
    clone3_cases();
    setpgid_cases();
    thread_state();
    SHOW("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
    SHOW("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0));
    SHOW("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
    SHOW("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2));
    SHOW("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    SHOW("PR_SET_NO_NEW_PRIVS 1 with a3", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0));
    SHOW("PR_SET_NO_NEW_PRIVS 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    SHOW("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    SHOW("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK));
    SHOW("PR_SET_TIMERSLACK 1000", prctl(PR_SET_TIMERSLACK, 1000));
    SHOW("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK));
    SHOW("PR_SET_TIMERSLACK 0 (the default again)", prctl(PR_SET_TIMERSLACK, 0));
    SHOW("PR_GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK));
    int tsc = -1;
    SHOW("PR_GET_TSC", prctl(PR_GET_TSC, &tsc));
    printf("%-44s %d\n", "tsc mode", tsc);
    SHOW("PR_SET_TSC 3", prctl(PR_SET_TSC, 3));
    rlimit_cases();
    cred_cases();
    return 0;
}
