/* inotify: events for names the program makes, removes and moves in a watched
   directory (IN_CREATE, IN_DELETE, IN_MOVED_FROM/TO with a cookie, IN_ISDIR), IN_IGNORED
   after inotify_rm_watch, and the errors; then, step by step, the events a file and
   its directory get for opens, reads, writes, truncation, closes, attribute and link
   changes, a rename, listing, and deletion while open (IN_DELETE_SELF at last close). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <dirent.h>
static void drain(int fd) {
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n = read(fd, buf, sizeof buf);
    for (char *p = buf; n > 0 && p < buf + n; ) {
        struct inotify_event *e = (void *)p;
        printf("event wd=%d mask=%#x%s name=%s cookie-set=%d\n", e->wd, e->mask & ~IN_ISDIR, e->mask & IN_ISDIR ? " ISDIR" : "", e->len ? e->name : "", e->cookie != 0);
        p += sizeof *e + e->len;
    }
}
static int wdd, wdf, wds;
static const char *who(int wd) { return wd == wdd ? "dir" : wd == wdf ? "file" : wd == wds ? "sub" : "?"; }
static void drain_step(int fd, const char *step) {
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n = read(fd, buf, sizeof buf);
    printf("%s:", step);
    for (char *p = buf; n > 0 && p < buf + n; ) {
        struct inotify_event *e = (void *)p;
        printf(" %s:%#x%s%s", who(e->wd), e->mask, e->len ? ":" : "", e->len ? e->name : "");
        p += sizeof *e + e->len;
    }
    printf("\n");
}
static void file_events(void) {
    char dir[] = "/tmp/forkdbg-inotify-XXXXXX"; mkdtemp(dir);
    char f[128], g[128], h[128], s[128];
    snprintf(f, sizeof f, "%s/f", dir); snprintf(g, sizeof g, "%s/g", dir);
    snprintf(h, sizeof h, "%s/h", dir); snprintf(s, sizeof s, "%s/sub", dir);
    int in = inotify_init1(IN_NONBLOCK);
    close(open(f, O_CREAT|O_WRONLY, 0600));
    mkdir(s, 0700);
    wdd = inotify_add_watch(in, dir, IN_ALL_EVENTS);
    wdf = inotify_add_watch(in, f, IN_ALL_EVENTS);
    wds = inotify_add_watch(in, s, IN_ALL_EVENTS);
    int fd = open(f, O_RDWR); drain_step(in, "open rw");
    write(fd, "abc", 3); write(fd, "def", 3); drain_step(in, "two writes");
    char b[8]; pread(fd, b, 2, 0); drain_step(in, "pread");
    ftruncate(fd, 1); drain_step(in, "ftruncate");
    close(fd); drain_step(in, "close written");
    fd = open(f, O_RDONLY); close(fd); drain_step(in, "open+close read-only");
    chmod(f, 0644); drain_step(in, "chmod");
    link(f, g); drain_step(in, "link");
    unlink(g); drain_step(in, "unlink one link");
    rename(f, h); drain_step(in, "rename");
    DIR *d = opendir(s); readdir(d); closedir(d); drain_step(in, "list sub");
    fd = open(h, O_RDONLY); unlink(h); drain_step(in, "unlink open file");
    close(fd); drain_step(in, "close it");
    rmdir(s); drain_step(in, "rmdir sub");
    char k[128]; snprintf(k, sizeof k, "%s/k", dir);
    close(open(k, O_CREAT|O_WRONLY, 0600)); drain_step(in, "create+close k");
    wdf = inotify_add_watch(in, k, IN_ALL_EVENTS);
    close(open(k, O_WRONLY|O_TRUNC)); drain_step(in, "open O_TRUNC+close");
    utimensat(AT_FDCWD, k, NULL, 0); drain_step(in, "utimensat");
    truncate(k, 5); drain_step(in, "truncate path");
    unlink(k); drain_step(in, "unlink closed k");
    rmdir(dir); drain_step(in, "rmdir dir");
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
    file_events();
    return 0;
}
