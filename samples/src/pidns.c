/* pidns: pid namespaces.  unshare(CLONE_NEWUSER | CLONE_NEWPID) as an unprivileged
   process may; the caller stays where it is and its next child is the new namespace's
   init (pid 1, parent 0); that init's children count from 2; pids outside are invisible
   (ESRCH, a group id of 0); the init ignores signals from inside without a handler;
   an orphan inside is reparented to it; a SIGKILL from outside kills it and everything
   inside, and the namespace takes no new process (ENOMEM).  The init blocks SIGCHLD and
   the orphan exits when told, so that nothing depends on timing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHOW(label, call)                                                    \
    do {                                                                     \
        errno = 0;                                                           \
        long r_ = (long)(call);                                              \
        int e_ = errno;                                                      \
        printf("%s: %ld %s\n", label, r_, e_ ? strerror(e_) : "ok");       \
    } while (0)

static void wait_byte(int fd)
{
    char b;
    if (read(fd, &b, 1) != 1)
        _exit(9);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t me = getpid();
    SHOW("unshare(CLONE_NEWUSER|CLONE_NEWPID)", unshare(CLONE_NEWUSER | CLONE_NEWPID));
    printf("the caller keeps its pid: %d\n", getpid() == me);
    SHOW("unshare(CLONE_NEWPID) before a child", unshare(CLONE_NEWPID));
    int ready[2], done[2];
    pipe(ready);
    pipe(done);
    pid_t init = fork();
    if (init == 0) {
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_BLOCK, &chld, NULL);
        printf("init: getpid %d getppid %d\n", getpid(), getppid());
        SHOW("init: kill(1, SIGTERM), ignored", kill(1, SIGTERM));
        int go[2];
        pipe(go);
        pid_t c = fork();
        if (c == 0) {
            printf("child of init: getpid %d getppid %d gettid %ld\n", getpid(), getppid(),
                   syscall(SYS_gettid));
            printf("child: getpgid(0) %d getsid(0) %d\n", getpgid(0), getsid(0));
            SHOW("child: kill(the outer parent)", kill(me, 0));
            pid_t o = fork();
            if (o == 0) {  /* an orphan once its parent exits: init reaps it */
                wait_byte(go[0]);
                _exit(0);
            }
            printf("child: forked %d\n", o);
            _exit(3);
        }
        int st;
        pid_t w = waitpid(c, &st, 0);
        printf("init: waited %d (fork said %d), status %d\n", w, c, WEXITSTATUS(st));
        write(go[1], "g", 1);
        w = waitpid(-1, &st, 0);
        printf("init: reaped the orphan %d\n", w);
        write(ready[1], "r", 1);
        wait_byte(done[0]);
        _exit(0);
    }
    wait_byte(ready[0]);  /* after init's lines: the order is the same on every run */
    printf("parent: fork gave a pid of its own namespace: %d\n", init > 1);
    pid_t c2 = fork();
    if (c2 == 0) {
        printf("second child: getpid %d getppid %d\n", getpid(), getppid());
        _exit(0);
    }
    waitpid(c2, NULL, 0);
    SHOW("kill(init, SIGKILL) from outside", kill(init, SIGKILL));
    int st;
    waitpid(init, &st, 0);
    printf("init killed: %d\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    pid_t c3 = fork();
    if (c3 == 0)
        _exit(0);
    printf("fork after the init died: %d %s\n", c3, c3 < 0 ? strerror(errno) : "");
    return 0;
}
