/* escape HOSTDIR ROOTPATH: try every way out of a root this program knows of.

   Run inside a root (a real chroot, or forkdbg run --root) holding /tmp; HOSTDIR is a
   host directory outside the root holding a file `secret` whose content starts with
   "HOST-SECRET"; ROOTPATH is the root's own host path (which the guest must not learn).
   Each attempt prints "name: contained" or "name: ESCAPED (...)"; the last line counts
   the escapes.  The attempts read, write, create, delete, link, list, stat and execute
   through `..` chains, symlinks (absolute, relative, looping), /dev/shm, /proc magic links, a
   working directory or a directory descriptor whose directory was renamed away and
   replaced by a symlink to the host, a #! interpreter, and two processes racing. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *host, *rootpath;
static int escapes, attempts;
static char buf[4096];

static void report(const char *name, int escaped, const char *how)
{
    attempts++;
    if (escaped) {
        escapes++;
        printf("%s: ESCAPED (%s)\n", name, how);
    } else {
        printf("%s: contained\n", name);
    }
    fflush(stdout);
}

/* did reading `fd` give the host's secret? */
static int secret_in(int fd)
{
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    return n > 0 && strstr(buf, "HOST-SECRET") != NULL;
}

static int secret_at(int dirfd, const char *path)
{
    return secret_in(openat(dirfd, path, O_RDONLY));
}

static char *cat(const char *a, const char *b)
{
    static char out[8][4096];
    static int i;
    char *o = out[i++ % 8];
    snprintf(o, 4096, "%s%s", a, b);
    return o;
}

static void dotdot(void)
{
    char p[4096] = "";
    for (int i = 0; i < 40; i++)
        strcat(p, "../");
    report("dotdot chain", secret_at(AT_FDCWD, cat(cat(p, host), "/secret")), "read");
    report("absolute host path", secret_at(AT_FDCWD, cat(host, "/secret")), "read");
    chdir("/");
    for (int i = 0; i < 50; i++)
        chdir("..");
    report("chdir .. from the root", secret_at(AT_FDCWD, cat(host + 1, "/secret")), "read");
    chdir("/");
}

static void symlinks(void)
{
    unlink("/tmp/abs");
    symlink(cat(host, "/secret"), "/tmp/abs");
    report("absolute symlink", secret_at(AT_FDCWD, "/tmp/abs"), "read");
    char p[4096] = "";
    for (int i = 0; i < 40; i++)
        strcat(p, "../");
    unlink("/tmp/rel");
    symlink(cat(cat(p, host), "/secret"), "/tmp/rel");
    report("relative symlink with ..", secret_at(AT_FDCWD, "/tmp/rel"), "read");
    unlink("/tmp/rootlink");
    symlink("/", "/tmp/rootlink");
    report("symlink to / then ..",
           secret_at(AT_FDCWD, cat(cat("/tmp/rootlink/../../../..", host), "/secret")), "read");
    unlink("/tmp/loop1");
    unlink("/tmp/loop2");
    symlink("/tmp/loop2", "/tmp/loop1");
    symlink("/tmp/loop1", "/tmp/loop2");
    int fd = open("/tmp/loop1", O_RDONLY);
    report("looping symlinks", fd >= 0 || errno != ELOOP, "no ELOOP");
    if (fd >= 0)
        close(fd);
    /* a symlink to the host directory, then a file through it */
    unlink("/tmp/hostdir");
    symlink(host, "/tmp/hostdir");
    report("symlink to the host dir", secret_at(AT_FDCWD, "/tmp/hostdir/secret"), "read");
    /* the host directory does not exist inside the root: any success lands outside */
    int w = open("/tmp/hostdir/created", O_WRONLY | O_CREAT, 0644);
    report("create through a symlink", w >= 0, "create");
    if (w >= 0)
        close(w);
}

/* /dev/shm may be a mount of its own (forkdbg's tmpfs): its ".." must lead back to /dev */
static void shm_routes(void)
{
    char p[4096] = "";
    for (int i = 0; i < 40; i++)
        strcat(p, "../");
    if (chdir("/dev/shm") == 0) {
        report("dotdot chain from /dev/shm", secret_at(AT_FDCWD, cat(cat(p, host), "/secret")),
               "read");
        char cwd[4096] = "";
        report("getcwd in /dev/shm",
               getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, "/dev/shm") != 0, cwd);
        unlink("/dev/shm/up");
        symlink(cat(cat(p, host), "/secret"), "/dev/shm/up");
        report("relative symlink in /dev/shm", secret_at(AT_FDCWD, "/dev/shm/up"), "read");
        unlink("/dev/shm/up");
        int d = open("/dev/shm", O_RDONLY | O_DIRECTORY);
        report("openat .. chain from a /dev/shm descriptor",
               secret_at(d, cat(cat(p, host), "/secret")), "read");
        close(d);
    } else {
        report("dotdot chain from /dev/shm", 0, "");
        report("getcwd in /dev/shm", 0, "");
        report("relative symlink in /dev/shm", 0, "");
        report("openat .. chain from a /dev/shm descriptor", 0, "");
    }
    chdir("/");
}

static void proc_links(void)
{
    report("/proc/self/root/..", secret_at(AT_FDCWD, cat(cat("/proc/self/root/../../..", host),
                                                      "/secret")), "read");
    chdir("/tmp");
    report("/proc/self/cwd/..", secret_at(AT_FDCWD, cat(cat("/proc/self/cwd/../../../..", host),
                                                     "/secret")), "read");
    chdir("/");
    int d = open("/tmp", O_RDONLY | O_DIRECTORY);
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d/../../../../..", d);
    report("/proc/self/fd/N/..", secret_at(AT_FDCWD, cat(cat(p, host), "/secret")), "read");
    close(d);
    ssize_t n = readlink("/proc/self/cwd", buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    report("readlink /proc/self/cwd hides the root", n > 0 && strstr(buf, rootpath) != NULL,
           buf);
    n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    report("readlink /proc/self/exe hides the root", n > 0 && strstr(buf, rootpath) != NULL,
           buf);
    char *cwd = getcwd(buf, sizeof buf);
    report("getcwd hides the root", cwd != NULL && strstr(cwd, rootpath) != NULL, buf);
}

/* make /NAME a directory, stand in it (or hold it), move it away and put a symlink to
   the host in its place */
static void swap_in(const char *name)
{
    mkdir(name, 0755);
}

static void swap_out(const char *name)
{
    char old[64];
    snprintf(old, sizeof old, "%s.old", name);
    rename(name, old);
    symlink(host, name);
}

static void swap_clean(const char *name)
{
    char old[256];
    snprintf(old, sizeof old, "%s.old", name);
    unlink(name);
    snprintf(old, sizeof old, "%s.old/made", name);
    unlink(old);
    snprintf(old, sizeof old, "%s.old/linked", name);
    unlink(old);
    snprintf(old, sizeof old, "%s.old", name);
    rmdir(old);
}

static void stale_cwd(void)
{
    swap_in("/w");
    chdir("/w");
    swap_out("/w");
    report("stale cwd: read", secret_at(AT_FDCWD, "secret"), "read");
    int fd = open("made", O_WRONLY | O_CREAT, 0644);
    struct stat st;
    report("stale cwd: create", fd >= 0 && stat("/w.old/made", &st) != 0, "created outside");
    if (fd >= 0)
        close(fd);
    report("stale cwd: stat", stat("secret", &st) == 0, "stat");
    report("stale cwd: unlink", unlink("secret") == 0, "unlink");
    report("stale cwd: hard link", link("secret", "/tmp/linked") == 0, "link");
    DIR *dir = opendir(".");
    int saw = 0;
    struct dirent *e;
    while (dir && (e = readdir(dir)))
        saw |= !strcmp(e->d_name, "secret");
    if (dir)
        closedir(dir);
    report("stale cwd: list", saw, "readdir");
    char *cwd = getcwd(buf, sizeof buf);
    report("stale cwd: getcwd", cwd != NULL && strstr(cwd, host) != NULL, buf);
    chdir("/");
    swap_clean("/w");
}

static void stale_dirfd(void)
{
    swap_in("/d");
    int d = open("/d", O_RDONLY | O_DIRECTORY);
    swap_out("/d");
    report("stale dir fd: openat", secret_at(d, "secret"), "read");
    struct stat st;
    report("stale dir fd: fstatat", fstatat(d, "secret", &st, 0) == 0, "stat");
    int fd = openat(d, "made", O_WRONLY | O_CREAT, 0644);
    report("stale dir fd: create", fd >= 0 && stat("/d.old/made", &st) != 0, "created outside");
    if (fd >= 0)
        close(fd);
    report("stale dir fd: unlinkat", unlinkat(d, "secret", 0) == 0, "unlink");
    char ents[4096];
    long n = syscall(SYS_getdents64, d, ents, sizeof ents);
    int saw = 0;
    for (long off = 0; off < n;) {
        unsigned short reclen = *(unsigned short *)(ents + off + 16);
        saw |= !strcmp(ents + off + 19, "secret");
        off += reclen;
    }
    report("stale dir fd: getdents64", saw, "listed");
    if (fchdir(d) == 0)
        report("stale dir fd: fchdir", secret_at(AT_FDCWD, "secret"), "read");
    else
        report("stale dir fd: fchdir", 0, "");
    chdir("/");
    close(d);
    swap_clean("/d");
}

static void exec_routes(void)
{
    /* a script whose interpreter is named through .. and through the host path */
    int fd = open("/tmp/script", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    dprintf(fd, "#!%s/../../../../../../%s/tool\n", "/tmp", host);
    close(fd);
    pid_t c = fork();
    if (c == 0) {
        execl("/tmp/script", "script", (char *)NULL);
        _exit(errno == ENOENT || errno == EACCES || errno == ENOEXEC ? 0 : 1);
    }
    int st;
    waitpid(c, &st, 0);
    report("#! interpreter outside", WIFEXITED(st) && WEXITSTATUS(st) == 42, "ran host tool");
    c = fork();
    if (c == 0) {
        execl(cat(host, "/tool"), "tool", (char *)NULL);
        _exit(0);
    }
    waitpid(c, &st, 0);
    report("execve of a host path", WIFEXITED(st) && WEXITSTATUS(st) == 42, "ran host tool");
    swap_in("/x");
    chdir("/x");
    swap_out("/x");
    c = fork();
    if (c == 0) {
        execl("./tool", "tool", (char *)NULL);
        _exit(0);
    }
    waitpid(c, &st, 0);
    report("stale cwd: execve", WIFEXITED(st) && WEXITSTATUS(st) == 42, "ran host tool");
    chdir("/");
    swap_clean("/x");
}

static void renames(void)
{
    char p[4096] = "";
    for (int i = 0; i < 40; i++)
        strcat(p, "../");
    int fd = open("/tmp/movable", O_WRONLY | O_CREAT, 0644);
    close(fd);
    report("rename out through ..", rename("/tmp/movable", cat(cat(p, host), "/moved")) == 0,
           "moved out");
    unlink(cat(cat(p, host), "/moved"));
    report("hard link of a host file", link(cat(cat(p, host), "/secret"), "/tmp/hl") == 0
           && secret_at(AT_FDCWD, "/tmp/hl"), "linked");
    unlink("/tmp/hl");
    unlink("/tmp/symsecret");
    symlink(cat(host, "/secret"), "/tmp/symsecret");
    report("linkat AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, "/tmp/symsecret", AT_FDCWD, "/tmp/hl2",
                                              AT_SYMLINK_FOLLOW) == 0
           && secret_at(AT_FDCWD, "/tmp/hl2"), "linked");
    unlink("/tmp/hl2");
}

/* a child swaps /r/d between a directory and a symlink to the host while the parent
   keeps opening /r/d/secret */
static void race(void)
{
    mkdir("/r", 0755);
    mkdir("/r/d", 0755);
    pid_t c = fork();
    if (c == 0) {
        for (int i = 0; i < 2000; i++) {
            rename("/r/d", "/r/d.old");
            symlink(host, "/r/d");
            unlink("/r/d");
            rename("/r/d.old", "/r/d");
        }
        _exit(0);
    }
    int got = 0;
    for (int i = 0; i < 2000; i++)
        got |= secret_at(AT_FDCWD, "/r/d/secret");
    waitpid(c, NULL, 0);
    report("two processes racing a swap", got, "read during a swap");
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: escape HOSTDIR ROOTPATH\n");
        return 2;
    }
    host = argv[1];
    rootpath = argv[2];
    dotdot();
    symlinks();
    shm_routes();
    proc_links();
    stale_cwd();
    stale_dirfd();
    exec_routes();
    renames();
    race();
    printf("%d of %d attempts escaped\n", escapes, attempts);
    return escapes != 0;
}
