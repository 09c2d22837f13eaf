/* clonebad: flag combinations the kernel refuses, each tried with the raw clone syscall. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#ifndef __WALL
#define __WALL 0x40000000
#endif
#include <unistd.h>

static void try(const char *name, unsigned long flags)
{
    long r = syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
    if (r == 0)
        _exit(0);
    printf("%-32s -> %s\n", name, r < 0 ? strerror(errno) : "created");
    if (r > 0)
        while (waitpid(-1, NULL, __WALL) > 0)
            ;
}

int main(void)
{
    try("CLONE_THREAD without SIGHAND", CLONE_THREAD | CLONE_VM);
    try("CLONE_SIGHAND without VM", CLONE_SIGHAND | SIGCHLD);
    try("CLONE_FS|CLONE_NEWNS", CLONE_FS | CLONE_NEWNS | SIGCHLD);
    try("CLONE_PIDFD|CLONE_DETACHED", CLONE_PIDFD | CLONE_DETACHED | SIGCHLD);
    try("plain SIGCHLD", SIGCHLD);
    return 0;
}
