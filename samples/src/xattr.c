/* xattr: extended attributes of the program's own files, which are the host's: set with
   XATTR_CREATE and XATTR_REPLACE, read by path, through a symlink and with l*, listed, the
   size rules (0 asks, too small is ERANGE, too big E2BIG), removal, and the answers of
   the machine's own files (/proc, /dev/null). */
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/xattr.h>
#include <sys/stat.h>
#define SHOW(label, call) do { errno = 0; long r_ = (long)(call); int e_ = errno; printf("%s: %ld %s\n", label, r_, e_ ? strerror(e_) : "ok"); } while (0)
int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[] = "/tmp/forkdbg-xattr-XXXXXX"; mkdtemp(dir);
    char f[128], l[128]; snprintf(f, sizeof f, "%s/f", dir); snprintf(l, sizeof l, "%s/l", dir);
    int fd = open(f, O_CREAT|O_RDWR, 0644); symlink("f", l);
    char v[64] = {0}, list[256];
    SHOW("getxattr none", getxattr(f, "user.a", v, sizeof v));
    SHOW("listxattr none", listxattr(f, list, sizeof list));
    int st = setxattr(f, "user.a", "alpha", 5, XATTR_CREATE);
    SHOW("setxattr create", st);
    SHOW("setxattr create again", setxattr(f, "user.a", "x", 1, XATTR_CREATE));
    SHOW("setxattr replace missing", setxattr(f, "user.b", "x", 1, XATTR_REPLACE));
    SHOW("fsetxattr", fsetxattr(fd, "user.b", "beta!", 5, 0));
    SHOW("getxattr size 0", getxattr(f, "user.a", NULL, 0));
    SHOW("getxattr", getxattr(f, "user.a", v, sizeof v)); printf("value %s\n", v);
    SHOW("getxattr too small", getxattr(f, "user.a", v, 2));
    SHOW("getxattr via link", getxattr(l, "user.b", v, sizeof v));
    SHOW("lgetxattr on link", lgetxattr(l, "user.b", v, sizeof v));
    SHOW("lsetxattr user on link", lsetxattr(l, "user.c", "x", 1, 0));
    SHOW("listxattr size", listxattr(f, NULL, 0));
    long n = listxattr(f, list, sizeof list); printf("list:"); for (long i = 0; i < n; i += strlen(list + i) + 1) printf(" %s", list + i); printf("\n");
    SHOW("flistxattr too small", flistxattr(fd, list, 3));
    SHOW("no namespace", getxattr(f, "plain", v, sizeof v));
    SHOW("bad flags", setxattr(f, "user.a", "x", 1, 4));
    static char big[70000];
    SHOW("too big", setxattr(f, "user.a", big, sizeof big, 0));
    SHOW("removexattr", removexattr(f, "user.a"));
    SHOW("removexattr again", removexattr(f, "user.a"));
    SHOW("fremovexattr", fremovexattr(fd, "user.b"));
    SHOW("listxattr empty", listxattr(f, list, sizeof list));
    SHOW("getxattr /proc", getxattr("/proc/self/status", "user.a", v, sizeof v));
    SHOW("setxattr /dev/null", setxattr("/dev/null", "user.a", "x", 1, 0));
    SHOW("missing file", getxattr("/nonexistent", "user.a", v, sizeof v));
    close(fd); unlink(l); unlink(f); rmdir(dir);
    return 0;
}
