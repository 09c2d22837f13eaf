/* membomb MODE SIZE_MB: ask for memory and use it.

   mmap   one private anonymous mapping of SIZE_MB, every page written
   brk    the break moved SIZE_MB up, every page written
   bomb   1 MiB at a time with malloc and memset, until it fails or forever
   touch  four mappings of SIZE_MB/4 each, then written in a loop with no system call
   probe  the break moved SIZE_MB up (the raw call), a word read at a third and written
          at two thirds of the way: zeros, then what was written

   Prints what the kernel answered; a process the kernel kills prints no last line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    size_t size = (size_t)strtoul(argv[2], NULL, 0) << 20;
    long pg = sysconf(_SC_PAGESIZE);
    if (!strcmp(argv[1], "probe")) {
        char *cur = (char *)syscall(SYS_brk, 0);
        char *top = (char *)syscall(SYS_brk, cur + size);
        if (top != cur + size) {
            printf("brk of %s MiB: refused\n", argv[2]);
            return 1;
        }
        volatile long *a = (long *)(cur + size / 3);
        volatile long *b = (long *)(cur + 2 * (size / 3));
        long before = *a;
        *b = 0x1234567890L;
        printf("probe: %s\n", before == 0 && *b == 0x1234567890L ?
               "zeros, then what was written" : "other memory");
        return 0;
    }
    if (!strcmp(argv[1], "touch")) {
        char *parts[4];
        for (int i = 0; i < 4; i++) {
            parts[i] = mmap(NULL, size / 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                            -1, 0);
            if (parts[i] == MAP_FAILED) {
                printf("mmap of a quarter: %s\n", strerror(errno));
                return 1;
            }
        }
        printf("mapped 4 x %zu MiB\n", size / 4 >> 20);
        fflush(stdout);
        for (int i = 0; i < 4; i++)
            for (size_t j = 0; j < size / 4; j += pg)
                parts[i][j] = 1;
        printf("wrote every page\n");
        return 0;
    }
    if (!strcmp(argv[1], "mmap")) {
        char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            printf("mmap of %s MiB: %s\n", argv[2], strerror(errno));
            return 1;
        }
        printf("mmap of %s MiB: ok\n", argv[2]);
        fflush(stdout);
        for (size_t i = 0; i < size; i += pg)
            p[i] = 1;
        printf("wrote every page\n");
        return 0;
    }
    if (!strcmp(argv[1], "brk")) {
        char *p = sbrk((intptr_t)size);
        if (p == (void *)-1) {
            printf("sbrk of %s MiB: %s\n", argv[2], strerror(errno));
            return 1;
        }
        printf("sbrk of %s MiB: ok\n", argv[2]);
        fflush(stdout);
        for (size_t i = 0; i < size; i += pg)
            p[i] = 1;
        printf("wrote every page\n");
        return 0;
    }
    for (size_t mib = 1;; mib++) {
        char *p = malloc(1 << 20);
        if (p == NULL) {
            printf("malloc failed after %zu MiB\n", mib - 1);
            return 1;
        }
        memset(p, 1, 1 << 20);
        if (mib % 64 == 0) {
            printf("%zu MiB\n", mib);
            fflush(stdout);
        }
    }
}
