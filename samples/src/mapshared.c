/* mapshared: a file mapped MAP_SHARED is the file.  Stores show in read/pread and in
   other mappings (another descriptor, a fork child, a program exec'd later); write,
   pwrite and ftruncate show in the mapping; a private mapping keeps its stores; msync
   and munmap leave the stores in the file.  With an argument, the file is made there
   and kept, so the caller can read what reached it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHOW(label, call)                                                    \
    do {                                                                     \
        errno = 0;                                                           \
        long r_ = (long)(call);                                              \
        int e_ = errno;                                                      \
        printf("%s: %ld %s\n", label, r_, e_ ? strerror(e_) : "ok");       \
    } while (0)

static int exec_child(const char *path)
{
    int fd = open(path, O_RDWR);
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 1;
    printf("exec'd child sees: %.5s %.5s\n", p, p + 20);
    memcpy(p + 100, "EXEC", 4);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 2 && strcmp(argv[1], "child") == 0)
        return exec_child(argv[2]);
    char dir[] = "/tmp/forkdbg-mapshared-XXXXXX";
    char path[256];
    if (argc > 1)
        snprintf(path, sizeof path, "%s", argv[1]);
    else
        snprintf(path, sizeof path, "%s/data", mkdtemp(dir));
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    SHOW("ftruncate 8192", ftruncate(fd, 8192));
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mapped: %d\n", p != MAP_FAILED);
    memcpy(p, "hello", 5);
    char buf[16] = {0};
    pread(fd, buf, 5, 0);
    printf("pread after a store: %s\n", buf);
    lseek(fd, 1, SEEK_SET);
    memset(buf, 0, sizeof buf);
    read(fd, buf, 4);
    printf("read at 1: %s\n", buf);
    pwrite(fd, "WORLD", 5, 10);
    printf("mapping after pwrite: %.5s\n", p + 10);
    lseek(fd, 30, SEEK_SET);
    write(fd, "written", 7);
    printf("mapping after write: %.7s\n", p + 30);

    pid_t c = fork();
    if (c == 0) {
        memcpy(p + 20, "child", 5);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    printf("fork child's store: %.5s\n", p + 20);
    c = fork();
    if (c == 0) {
        execl("/proc/self/exe", argv[0], "child", path, (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(c, &st, 0);
    printf("exec'd child status %d, its store: %.4s\n", WEXITSTATUS(st), p + 100);

    int fd2 = open(path, O_RDONLY);
    char *q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd2, 0);
    p[200] = 'Z';
    printf("another descriptor's mapping: %c\n", q[200]);
    SHOW("read-only descriptor, writable shared mapping",
         mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0) == MAP_FAILED ? -1 : 0);
    char *r = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("private mapping sees: %.5s\n", r);
    memcpy(r, "PRIVATE", 7);
    pread(fd, buf, 7, 0);
    printf("file after a private store: %.5s\n", buf);

    SHOW("msync MS_SYNC", msync(p, 8192, MS_SYNC));
    SHOW("msync MS_ASYNC|MS_INVALIDATE", msync(p, 4096, MS_ASYNC | MS_INVALIDATE));
    SHOW("msync MS_SYNC|MS_ASYNC", msync(p, 8192, MS_SYNC | MS_ASYNC));
    SHOW("msync unaligned", msync(p + 1, 10, MS_SYNC));
    munmap(p + 4096, 4096);
    SHOW("msync over a hole", msync(p, 8192, MS_SYNC));

    SHOW("ftruncate 4096", ftruncate(fd, 4096));
    SHOW("ftruncate 8192", ftruncate(fd, 8192));
    char *g = mremap(p, 4096, 8192, MREMAP_MAYMOVE);
    printf("mremap grown: %d, byte 5000 after shrink and growth: %d\n", g != MAP_FAILED,
           g[5000]);
    g[6000] = 'Q';
    munmap(g, 8192);
    munmap(q, 4096);
    munmap(r, 4096);
    memset(buf, 0, sizeof buf);
    pread(fd, buf, 1, 6000);
    printf("after munmap, byte 6000: %c\n", buf[0]);
    printf("size: %ld\n", (long)lseek(fd, 0, SEEK_END));
    close(fd);
    close(fd2);
    if (argc <= 1) {
        unlink(path);
        rmdir(dir);
    }
    return 0;
}
