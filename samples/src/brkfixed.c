/* brkfixed: brk after a MAP_FIXED mapping over part of the heap, as musl's malloc does
   (grow the heap, turn its first page into a PROT_NONE guard, grow it again).  The heap
   keeps its bytes: brk moves the end of the area that ends at the break, whatever is
   mapped over its start or middle. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static uintptr_t brk_to(uintptr_t to)
{
    return (uintptr_t)syscall(SYS_brk, to);
}

static int holds(unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t start = brk_to(0);
    start = (start + pg - 1) & ~(uintptr_t)(pg - 1);
    if (brk_to(start) != start)  /* page-align the break first */
        return 1;
    unsigned char *heap = (unsigned char *)start;
    printf("grow 4 pages: %s\n", brk_to(start + 4 * pg) == start + 4 * pg ? "ok" : "failed");
    memset(heap, 0xaa, 4 * pg);
    void *g = mmap(heap, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("guard over the first page: %s\n", g == heap ? "ok" : "failed");
    printf("grow 4 more: %s\n", brk_to(start + 8 * pg) == start + 8 * pg ? "ok" : "failed");
    memset(heap + 4 * pg, 0xbb, 4 * pg);
    printf("old pages kept: %s\n", holds(heap + pg, 3 * pg, 0xaa) ? "yes" : "no");
    printf("new pages written: %s\n", holds(heap + 4 * pg, 4 * pg, 0xbb) ? "yes" : "no");
    void *m = mmap(heap + 5 * pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("read-only page in the middle: %s, reads %s\n", m == heap + 5 * pg ? "ok" : "failed",
           holds(heap + 5 * pg, pg, 0) ? "zeros" : "old bytes");
    printf("shrink to 6 pages: %s\n", brk_to(start + 6 * pg) == start + 6 * pg ? "ok" : "failed");
    printf("grow to 10 pages: %s\n", brk_to(start + 10 * pg) == start + 10 * pg ? "ok" : "failed");
    printf("regrown page 7 reads %s\n", holds(heap + 7 * pg, pg, 0) ? "zeros" : "old bytes");
    printf("page 4 still holds %s\n", holds(heap + 4 * pg, pg, 0xbb) ? "its bytes" : "other bytes");
    void *block = mmap(heap + 11 * pg, pg, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("grow into a mapping: %s\n", block == heap + 11 * pg &&
           brk_to(start + 12 * pg) == start + 10 * pg ? "refused" : "allowed");
    printf("grow up to a page before it: %s\n", brk_to(start + 10 * pg + 1) == start + 10 * pg + 1
           ? "ok" : "refused");
    uintptr_t now = brk_to(0);
    printf("break below the program: %s\n", brk_to(4096) == now ? "refused" : "allowed");
    return 0;
}
