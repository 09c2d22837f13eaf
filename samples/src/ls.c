/* ls: list a directory with the raw getdents64 system call, sorted by name. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ent {
    unsigned long long ino;
    long long off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        fprintf(stderr, "ls: %s: %s\n", dir, strerror(errno));
        return 2;
    }
    char buf[8192];
    char *names[4096];
    int count = 0;
    long n;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n;) {
            struct ent *e = (struct ent *)(buf + off);
            if (e->name[0] != '.' && count < 4096) {
                const char *suffix = e->type == DT_DIR ? "/" : "";
                names[count] = malloc(strlen(e->name) + 2);
                sprintf(names[count++], "%s%s", e->name, suffix);
            }
            off += e->reclen;
        }
    }
    if (n < 0) {
        fprintf(stderr, "ls: getdents64: %s\n", strerror(errno));
        return 2;
    }
    qsort(names, count, sizeof names[0], cmp);
    for (int i = 0; i < count; i++)
        puts(names[i]);
    return 0;
}
