/* crash KIND: die of a CPU fault.  segv (store to address 0), ill (ud2), fpe (divide by
   zero), abort (SIGABRT), exit7 (a plain exit with status 7, for comparison).  The faults
   are written in assembly so the compiler cannot reason them away. */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void store_null(void)
{
    __asm__ volatile("xor %%eax, %%eax\n\tmovl $1, (%%rax)" ::: "rax", "memory");
}

__attribute__((noinline)) void divide_by_zero(void)
{
    __asm__ volatile("xor %%ecx, %%ecx\n\tmov $1, %%eax\n\tcltd\n\tidivl %%ecx"
                     ::: "rax", "rcx", "rdx");
}

int main(int argc, char **argv)
{
    const char *k = argc > 1 ? argv[1] : "segv";
    if (!strcmp(k, "segv"))
        store_null();
    else if (!strcmp(k, "ill"))
        __asm__ volatile("ud2");
    else if (!strcmp(k, "fpe"))
        divide_by_zero();
    else if (!strcmp(k, "abort"))
        abort();
    else if (!strcmp(k, "exit7"))
        exit(7);
    return 0;
}
