/* faults: data faults in the middle of a block, and what a SIGSEGV handler is told.

   Each case is an assembly function whose faulting instruction carries a global label,
   after instructions that a kernel reporting the wrong instruction would run twice.  The
   handler (on an alternate stack) prints si_code, si_addr relative to the page that
   faults, the pc relative to the label, and a register the case checks; then it jumps
   back.  `fixup` instead makes the page writable and returns: the store runs again, once.
   With a case name, only that case runs. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CASE(name, body) \
    __asm__(".text\n.globl " #name "\n" #name ":\n" body); \
    extern void name(void *p, void *q); extern const char name##_at[];

/* rdi: 8 bytes before an unmapped page; the second load faults */
CASE(load, "mov (%rdi), %rax\n add $8, %rdi\n.globl load_at\nload_at: mov (%rdi), %rdx\n ret\n")
/* rdi: 8 bytes before a read-only page; the second store faults */
CASE(store, "movq $1, (%rdi)\n add $8, %rdi\n.globl store_at\nstore_at: movq $2, (%rdi)\n ret\n")
/* rsi: 8 bytes above an unmapped page, used as the stack; the second push faults */
CASE(push, "mov %rsp, %r12\n mov %rsi, %rsp\n push %rbp\n mov %rsp, %rbp\n"
           ".globl push_at\npush_at: push %rbx\n mov %r12, %rsp\n ret\n")
/* rsi: the lowest address of a stack whose page below is unmapped; the call faults */
CASE(call, "mov %rsp, %r12\n mov %rsi, %rsp\n add $1, %rbx\n.globl call_at\ncall_at: call call\n ret\n")
/* rsi: an unmapped address used as the stack; ret reads the return address there */
CASE(ret, "mov %rsp, %r12\n lea 8(%rsi), %rsp\n sub $8, %rsp\n.globl ret_at\nret_at: ret\n")
/* rdi: 100 bytes before an unmapped page; rep movsb copies 256 bytes into it */
CASE(movs, "mov %rdi, %rax\n mov %rsi, %rdi\n mov %rax, %rsi\n xchg %rsi, %rdi\n mov $256, %ecx\n"
           ".globl movs_at\nmovs_at: rep movsb\n ret\n")
/* rdi: 16 bytes into an unmapped page; a vector load */
CASE(vector, "pxor %xmm0, %xmm0\n add $16, %rdi\n sub $16, %rdi\n"
             ".globl vector_at\nvector_at: movdqu (%rdi), %xmm0\n ret\n")
/* rdi: a read-only page; rbx counts, then the store faults; the handler fixes the page */
CASE(fixup, "xor %eax, %eax\n add $1, %rbx\n.globl fixup_at\nfixup_at: mov %rbx, (%rdi)\n"
            " mov %rbx, %rax\n ret\n")

static sigjmp_buf back;
static const char *expect;
static char *page;  /* the page that faults */
static int fixing;
static long pagesize;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    long pc = (long)uc->uc_mcontext.gregs[REG_RIP] - (long)expect;
    printf("  SIGSEGV code %s addr page%+ld pc label%+ld", si->si_code == SEGV_MAPERR ?
           "SEGV_MAPERR" : si->si_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other",
           (long)((char *)si->si_addr - page), pc);
    static const struct { const char *name; int reg; } regs[] = {
        {"rdi", REG_RDI}, {"rsi", REG_RSI}, {"rsp", REG_RSP}, {"rcx", REG_RCX}, {"rbx", REG_RBX}};
    for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        long v = (long)uc->uc_mcontext.gregs[regs[i].reg];
        long rel = v - (long)page;
        if (rel > -65536 && rel < 65536)  /* near the page: an address the case set up */
            printf(" %s page%+ld", regs[i].name, rel);
        else if (v >= 0 && v < 1000)  /* a count the case keeps */
            printf(" %s %ld", regs[i].name, v);
    }
    printf("\n");
    fflush(stdout);
    (void)sig;
    if (fixing) {
        mprotect(page, pagesize, PROT_READ | PROT_WRITE);
        return;
    }
    siglongjmp(back, 1);
}

/* two pages: the first read-write, the second as `second` says (PROT_NONE: unmapped) */
static char *pages(int second)
{
    char *p = mmap(NULL, 2 * pagesize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (second == PROT_NONE)
        munmap(p + pagesize, pagesize);
    else
        mprotect(p + pagesize, pagesize, second);
    page = p + pagesize;
    return p;
}

static void run(const char *name, void (*fn)(void *, void *), const char *at, void *a, void *b)
{
    printf("%s:\n", name);
    fflush(stdout);
    expect = at;
    if (sigsetjmp(back, 1) == 0) {
        register long rbx __asm__("rbx") = 0;
        __asm__ volatile("" : "+r"(rbx));
        fn(a, b);
        printf("  no fault\n");
    }
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    pagesize = sysconf(_SC_PAGESIZE);
    static char altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigaction(SIGSEGV, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
#define ON(n) (!only || !strcmp(only, n))
    if (ON("load")) {
        char *p = pages(PROT_NONE);
        run("load", load, load_at, page - 8, NULL);
        munmap(p, pagesize);
    }
    if (ON("store")) {
        char *p = pages(PROT_READ);
        run("store", store, store_at, page - 8, NULL);
        munmap(p, 2 * pagesize);
    }
    if (ON("push")) {
        char *p = pages(PROT_READ | PROT_WRITE);
        munmap(p, pagesize);  /* the stack is the second page, nothing below it */
        run("push", push, push_at, NULL, page + 8);
        munmap(page, pagesize);
    }
    if (ON("call")) {
        char *p = pages(PROT_READ | PROT_WRITE);
        munmap(p, pagesize);
        run("call", call, call_at, NULL, page);
        munmap(page, pagesize);
    }
    if (ON("ret")) {
        char *p = pages(PROT_NONE);
        run("ret", ret, ret_at, NULL, page + 64);
        munmap(p, pagesize);
    }
    if (ON("movs")) {
        char *p = pages(PROT_NONE);
        static char src[256];
        run("movs", movs, movs_at, page - 100, src);
        munmap(p, pagesize);
    }
    if (ON("vector")) {
        char *p = pages(PROT_NONE);
        run("vector", vector, vector_at, page + 16, NULL);
        munmap(p, pagesize);
    }
    if (ON("fixup")) {
        char *p = pages(PROT_READ);
        fixing = 1;
        printf("fixup:\n");
        expect = fixup_at;
        long r;
        register long rbx __asm__("rbx") = 41;
        __asm__ volatile("call fixup" : "=a"(r), "+r"(rbx) : "D"(page) : "rcx", "rdx", "rsi",
                         "r8", "r9", "r10", "r11", "memory");
        printf("  returned %ld, page holds %ld\n", r, *(long *)page);
        munmap(p, 2 * pagesize);
    }
    return 0;
}
