/* The kernel's robust-list walk at exit, driven by hand with set_robust_list(2).
 *
 * Each child registers a list it built in shared memory, then dies; the parent reads
 * what the kernel left in each futex word and whether its own futex wait was woken:
 *   list     own lock, own lock with waiters (parent waits on it), a lock owned by
 *            somebody else, a PI lock (pointer tagged with bit 0)
 *   pending  a lock the child was in the middle of releasing (word already 0)
 *   cycle    an entry that points to itself: the walk gives up after its limit
 *   fault    a list pointer into nowhere: the walk stops quietly
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* from <linux/futex.h>, which musl's toolchain does not ship */
#define FUTEX_WAIT 0
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

struct link { struct link *next; };
struct lock { struct link link; uint32_t word; };
struct head { struct link *list; long futex_offset; struct link *pending; };

struct shared {
    struct head head;
    struct lock mine, waited, theirs, pi, pending, self;
    volatile int parent_waits; /* the parent's next sleep is its futex wait */
};

static struct shared *sh;
static int ready[2];

static struct link *tag(struct lock *l, int pi) { return (struct link *)((uintptr_t)&l->link | pi); }

static const char *futex_wait(uint32_t *word, uint32_t val)
{
    struct timespec ts = {2, 0};
    long r = syscall(SYS_futex, word, FUTEX_WAIT, val, &ts, NULL, 0);
    return r == 0 ? "woken" : errno == ETIMEDOUT ? "ETIMEDOUT" : strerror(errno);
}

/* Return once the parent sleeps in its futex wait: no timing in this program. */
static void parent_asleep(void)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)getppid());
    struct timespec ms = {0, 1000 * 1000};
    while (!sh->parent_waits)
        nanosleep(&ms, NULL);
    for (;;) {
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
            fclose(f);
        buf[n] = 0;
        char *end = strrchr(buf, ')');
        if (end && end[1] == ' ' && end[2] == 'S')
            return;
        nanosleep(&ms, NULL);
    }
}

static void child(const char *mode)
{
    uint32_t tid = (uint32_t)syscall(SYS_gettid);
    struct head *h = &sh->head;
    h->futex_offset = offsetof(struct lock, word) - offsetof(struct lock, link);
    h->list = (struct link *)h; /* empty: the list points back at its head */
    h->pending = NULL;
    if (strcmp(mode, "list") == 0) {
        sh->mine.word = tid;
        sh->waited.word = tid | FUTEX_WAITERS;
        sh->theirs.word = 12345;
        sh->pi.word = tid | FUTEX_WAITERS;
        h->list = &sh->mine.link;
        sh->mine.link.next = &sh->waited.link;
        sh->waited.link.next = &sh->theirs.link;
        sh->theirs.link.next = tag(&sh->pi, 1);
        sh->pi.link.next = (struct link *)h;
    } else if (strcmp(mode, "pending") == 0) {
        sh->pending.word = 0;
        h->pending = &sh->pending.link;
    } else if (strcmp(mode, "cycle") == 0) {
        sh->self.word = tid;
        h->list = &sh->self.link;
        sh->self.link.next = &sh->self.link;
    } else if (strcmp(mode, "fault") == 0) {
        h->list = (struct link *)8;
        sh->pending.word = tid;
        h->pending = &sh->pending.link; /* never reached: the walk faults first */
    }
    long r = syscall(SYS_set_robust_list, h, sizeof *h);
    write(ready[1], r == 0 ? "y" : "n", 1);
    if (strcmp(mode, "list") == 0 || strcmp(mode, "pending") == 0)
        parent_asleep();
    _exit(0);
}

static void run(const char *mode)
{
    memset(sh, 0, sizeof *sh);
    pid_t pid = fork();
    if (pid == 0)
        child(mode);
    char c;
    read(ready[0], &c, 1);
    const char *waited = "-";
    sh->parent_waits = 1;
    if (strcmp(mode, "list") == 0)
        waited = futex_wait(&sh->waited.word, sh->waited.word);
    else if (strcmp(mode, "pending") == 0)
        waited = futex_wait(&sh->pending.word, 0);
    int st;
    waitpid(pid, &st, 0);
    printf("%-8s registered=%c wait=%s exit=%d\n", mode, c, waited, WEXITSTATUS(st));
    struct lock *all[] = {&sh->mine, &sh->waited, &sh->theirs, &sh->pi, &sh->pending, &sh->self};
    const char *names[] = {"mine", "waited", "theirs", "pi", "pending", "self"};
    for (int i = 0; i < 6; i++) {
        uint32_t w = all[i]->word;
        if (w)
            printf("  %-8s died=%d waiters=%d owner=%s\n", names[i], !!(w & FUTEX_OWNER_DIED),
                   !!(w & FUTEX_WAITERS), (w & FUTEX_TID_MASK) == 0 ? "none"
                   : (w & FUTEX_TID_MASK) == (uint32_t)pid ? "child" : "other");
    }
}

int main(void)
{
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED || pipe(ready) < 0)
        return 1;
    run("list");
    run("pending");
    run("cycle");
    run("fault");
    return 0;
}
