/* rawfork: fork through the raw fork syscall (57) and vfork through 58, bypassing libc's
   wrappers (which use clone).  The vfork child exits at once in assembly. */
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long raw_vfork_then_exit(long code)
{
    long ret;
    __asm__ volatile("mov $58, %%eax\n\t"
                     "syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "mov %1, %%rdi\n\t"
                     "mov $60, %%eax\n\t"
                     "syscall\n"
                     "1:"
                     : "=&a"(ret)
                     : "r"(code)
                     : "rcx", "r11", "rdi", "memory");
    return ret;
}

int main(void)
{
    int status;
    long pid = syscall(SYS_fork);
    if (pid == 0) {
        printf("child of fork(57): getppid() is my parent\n");
        fflush(stdout);
        _exit(3);
    }
    waitpid(pid, &status, 0);
    printf("fork(57) child exited with %d\n", WEXITSTATUS(status));
    pid = raw_vfork_then_exit(4);
    waitpid(pid, &status, 0);
    printf("vfork(58) child exited with %d\n", WEXITSTATUS(status));
    return 0;
}
