/* inotify: events for names the program makes, removes and moves in a watched
   directory (IN_CREATE, IN_DELETE, IN_MOVED_FROM/TO with a cookie, IN_ISDIR), IN_IGNORED
   after inotify_rm_watch, and the errors. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
static void drain(int fd) {
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n = read(fd, buf, sizeof buf);
    for (char *p = buf; n > 0 && p < buf + n; ) {
        struct inotify_event *e = (void *)p;
        printf("event wd=%d mask=%#x%s name=%s cookie-set=%d\n", e->wd, e->mask & ~IN_ISDIR, e->mask & IN_ISDIR ? " ISDIR" : "", e->len ? e->name : "", e->cookie != 0);
        p += sizeof *e + e->len;
    }
}
int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[] = "/tmp/forkdbg-inotify-XXXXXX"; mkdtemp(dir);
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int wd = inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO);
    printf("wd %d\n", wd);
    errno = 0; int r = read(fd, (char[64]){0}, 64); printf("empty read: %d %s\n", r, strerror(errno));
    char p[128], q[128];
    snprintf(p, sizeof p, "%s/file", dir); close(open(p, O_CREAT | O_WRONLY, 0600));
    snprintf(q, sizeof q, "%s/sub", dir); mkdir(q, 0700);
    drain(fd);
    char p2[128]; snprintf(p2, sizeof p2, "%s/renamed", dir); rename(p, p2);
    drain(fd);
    unlink(p2); rmdir(q);
    drain(fd);
    printf("same path again: %d\n", inotify_add_watch(fd, dir, IN_CREATE) == wd);
    printf("rm_watch: %d\n", inotify_rm_watch(fd, wd));
    drain(fd);
    errno = 0; r = inotify_rm_watch(fd, wd); printf("rm twice: %d %s\n", r, strerror(errno));
    errno = 0; r = inotify_add_watch(fd, "/nonexistent", IN_CREATE); printf("missing: %d %s\n", r, strerror(errno));
    rmdir(dir);
    return 0;
}
