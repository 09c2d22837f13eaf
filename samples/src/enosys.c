/* enosys: call a system call forkdbg does not implement (io_uring_setup, 425) twice. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    for (int i = 0; i < 2; i++) {
        long r = syscall(425, 1, NULL);
        printf("io_uring_setup: %ld %s\n", r, strerror(errno));
    }
    return 0;
}
