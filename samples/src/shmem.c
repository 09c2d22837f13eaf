/* shmem: memory shared for real: a memfd written with write() and seen through a
   MAP_SHARED mapping (and the reverse), in a fork child too, its seals; SysV shared
   memory between a parent and a child, IPC_STAT's attach count and IPC_RMID. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 1
#define F_SEAL_SHRINK 2
#define F_SEAL_GROW 4
#define F_SEAL_WRITE 8
#endif
#define MFD_CLOEXEC_ 1
#define MFD_ALLOW_SEALING_ 2

#define SHOW(label, call)                                                    \
    do {                                                                     \
        errno = 0;                                                           \
        long r_ = (long)(call);                                              \
        int e_ = errno;                                                      \
        printf("%s: %ld %s\n", label, r_, e_ ? strerror(e_) : "ok");       \
    } while (0)

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int fd = syscall(SYS_memfd_create, "demo", MFD_CLOEXEC_ | MFD_ALLOW_SEALING_);
    printf("memfd: %d\n", fd >= 0);
    SHOW("ftruncate 8192", ftruncate(fd, 8192));
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    pwrite(fd, "written by pwrite", 17, 100);
    printf("mapping sees pwrite: %.17s\n", m + 100);
    strcpy(m + 200, "stored in the mapping");
    char buf[32] = "";
    pread(fd, buf, 21, 200);
    printf("pread sees the store: %s\n", buf);
    pid_t p = fork();
    if (p == 0) {
        strcpy(m + 300, "from the child");
        _exit(0);
    }
    waitpid(p, NULL, 0);
    pread(fd, buf, 14, 300);
    printf("the child's store: %.14s\n", buf);
    struct stat st;
    fstat(fd, &st);
    printf("size %ld regular %d\n", (long)st.st_size, S_ISREG(st.st_mode));
    SHOW("get seals", fcntl(fd, F_GET_SEALS));
    SHOW("add F_SEAL_GROW|F_SEAL_SHRINK", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK));
    SHOW("grow when sealed", ftruncate(fd, 16384));
    SHOW("shrink when sealed", ftruncate(fd, 4096));
    SHOW("write past the end when sealed", pwrite(fd, "x", 1, 8192));
    SHOW("add F_SEAL_SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
    SHOW("add after F_SEAL_SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
    int plain = syscall(SYS_memfd_create, "plain", 0);
    SHOW("seals without MFD_ALLOW_SEALING", fcntl(plain, F_GET_SEALS));
    SHOW("seals on a pipe", fcntl(0, F_GET_SEALS));

    int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    printf("shmget: %d\n", id >= 0);
    char *s = shmat(id, NULL, 0);
    strcpy(s, "before fork");
    p = fork();
    if (p == 0) {
        printf("child reads: %s\n", s);
        strcpy(s, "child wrote this");
        shmdt(s);
        _exit(0);
    }
    waitpid(p, NULL, 0);
    printf("parent reads: %s\n", s);
    struct shmid_ds ds;
    shmctl(id, IPC_STAT, &ds);
    printf("size %zu nattch %lu mode %o\n", (size_t)ds.shm_segsz, (unsigned long)ds.shm_nattch,
           ds.shm_perm.mode & 0777);
    int key_id = shmget(0x1234abcd, 4096, IPC_CREAT | IPC_EXCL | 0600);
    SHOW("the same key again with IPC_EXCL", shmget(0x1234abcd, 4096, IPC_CREAT | IPC_EXCL | 0600));
    SHOW("the same key", shmget(0x1234abcd, 4096, 0) == key_id);
    SHOW("larger than the segment", shmget(0x1234abcd, 8192, 0));
    SHOW("a key nobody made", shmget(0x7777, 4096, 0));
    SHOW("IPC_RMID", shmctl(key_id, IPC_RMID, NULL));
    SHOW("after IPC_RMID", shmget(0x1234abcd, 4096, 0));
    SHOW("shmdt", shmdt(s));
    SHOW("shmdt again", shmdt(s));
    SHOW("IPC_RMID", shmctl(id, IPC_RMID, NULL));
    SHOW("stat after IPC_RMID", shmctl(id, IPC_STAT, &ds));
    return 0;
}
