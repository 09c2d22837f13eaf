/* sem: SysV semaphores: a set shared by a parent and its child, semop that waits until
   the other process posts, IPC_NOWAIT, semtimedop's timeout, SETVAL/GETALL/GETNCNT,
   SEM_UNDO reverted when the child exits, and IPC_RMID. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHOW(label, call)                                                    \
    do {                                                                     \
        errno = 0;                                                           \
        long r_ = (long)(call);                                              \
        int e_ = errno;                                                      \
        printf("%s: %ld %s\n", label, r_, e_ ? strerror(e_) : "ok");       \
    } while (0)

union semun { int val; struct semid_ds *buf; unsigned short *array; };

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    printf("semget: %d\n", id >= 0);
    struct sembuf down = {0, -1, 0}, up = {0, 1, 0};
    struct sembuf nowait = {0, -1, IPC_NOWAIT};
    SHOW("down with IPC_NOWAIT at 0", semop(id, &nowait, 1));
    struct timespec ten = {0, 10000000};
    SHOW("semtimedop times out", syscall(SYS_semtimedop, id, &down, 1, &ten));
    pid_t p = fork();
    if (p == 0) {
        usleep(20000);
        struct sembuf undo = {1, 5, SEM_UNDO};
        semop(id, &undo, 1);
        printf("child: sem 1 = %d\n", semctl(id, 1, GETVAL));
        printf("child posts\n");
        semop(id, &up, 1);  /* last: the parent prints once this lands */
        _exit(0);
    }
    SHOW("parent waits for the post", semop(id, &down, 1));
    waitpid(p, NULL, 0);
    printf("after the child exited, SEM_UNDO reverted: sem 1 = %d\n", semctl(id, 1, GETVAL));
    union semun arg = {.val = 3};
    SHOW("SETVAL 3", semctl(id, 0, SETVAL, arg));
    unsigned short all[2];
    arg.array = all;
    SHOW("GETALL", semctl(id, 0, GETALL, arg));
    printf("values %u %u\n", all[0], all[1]);
    struct sembuf two[2] = {{0, -2, 0}, {1, 1, 0}};
    SHOW("two operations at once", semop(id, two, 2));
    printf("values %d %d\n", semctl(id, 0, GETVAL), semctl(id, 1, GETVAL));
    struct sembuf bad = {5, 1, 0};
    SHOW("semaphore out of range", semop(id, &bad, 1));
    arg.val = 40000;
    SHOW("SETVAL past SEMVMX", semctl(id, 0, SETVAL, arg));
    struct semid_ds ds;
    arg.buf = &ds;
    semctl(id, 0, IPC_STAT, arg);
    printf("nsems %lu mode %o\n", (unsigned long)ds.sem_nsems, ds.sem_perm.mode & 0777);
    SHOW("IPC_RMID", semctl(id, 0, IPC_RMID));
    SHOW("semop after IPC_RMID", semop(id, &up, 1));
    return 0;
}
