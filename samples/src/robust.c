/* Robust mutexes: the kernel walks a dead task's robust list at exit.
 *
 *   robust thread   a thread locks a robust mutex and returns without unlocking it
 *   robust fork     a forked child locks a process-shared robust mutex and _exits;
 *                   the parent is waiting on the lock when the child dies
 *   robust exec     the child execs while holding the lock: exec releases it too
 *
 * In each case the next locker gets EOWNERDEAD, marks the mutex consistent and goes on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t *make_mutex(int pshared)
{
    pthread_mutex_t *m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pshared)
        pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(m, &a);
    return m;
}

static void relock(pthread_mutex_t *m, const char *who)
{
    int r = pthread_mutex_lock(m);
    printf("%s: lock -> %s\n", who, r == EOWNERDEAD ? "EOWNERDEAD" : r ? strerror(r) : "0");
    if (r == EOWNERDEAD)
        pthread_mutex_consistent(m);
    printf("%s: unlock -> %d\n", who, pthread_mutex_unlock(m));
}

static void *holder(void *arg)
{
    pthread_mutex_lock(arg);
    return NULL; /* dies holding it */
}

static int wait_child(pid_t pid)
{
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "thread";
    if (strcmp(mode, "child-exec") == 0) /* the image exec'd by "exec": lock is gone */
        return 0;
    if (strcmp(mode, "thread") == 0) {
        pthread_mutex_t *m = make_mutex(0);
        pthread_t t;
        pthread_create(&t, NULL, holder, m);
        pthread_join(t, NULL);
        relock(m, "main");
        return 0;
    }
    pthread_mutex_t *m = make_mutex(1);
    int ready[2];
    if (pipe(ready) < 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(m);
        write(ready[1], "x", 1);
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL); /* the parent blocks on the lock meanwhile */
        if (strcmp(mode, "exec") == 0) {
            execl("/proc/self/exe", argv[0], "child-exec", (char *)NULL);
            _exit(127);
        }
        _exit(3); /* dies holding it */
    }
    char c;
    read(ready[0], &c, 1);
    relock(m, "parent");
    printf("child exited %d\n", wait_child(pid));
    return 0;
}
