/* posixshm: POSIX shared memory and named semaphores, which live in /dev/shm: shm_open
   with O_EXCL, a child that opens and maps the same object by name and posts a named
   semaphore, the directory's listing and mode, getcwd and ".." inside it, shm_unlink
   and sem_unlink.  The names end in TAG (default "demo"): concurrent native runs must use
   different ones, as they share the host's /dev/shm. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHOW(label, call)                                                    \
    do {                                                                     \
        errno = 0;                                                           \
        long r_ = (long)(call);                                              \
        int e_ = errno;                                                      \
        printf("%s: %ld %s\n", label, r_, e_ ? strerror(e_) : "ok");       \
    } while (0)

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char obj[128], sem[128], missing[128];
    const char *tag = argc > 1 ? argv[1] : "demo";
    snprintf(obj, sizeof obj, "/forkdbg-obj-%s", tag);
    snprintf(sem, sizeof sem, "/forkdbg-sem-%s", tag);
    snprintf(missing, sizeof missing, "/forkdbg-missing-%s", tag);
    shm_unlink(obj);
    sem_unlink(sem);
    int fd = shm_open(obj, O_RDWR | O_CREAT | O_EXCL, 0600);
    printf("shm_open: %d\n", fd >= 0);
    SHOW("shm_open O_EXCL again", shm_open(obj, O_RDWR | O_CREAT | O_EXCL, 0600));
    SHOW("shm_open a missing name", shm_open(missing, O_RDWR, 0));
    SHOW("ftruncate", ftruncate(fd, 4096));
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    sem_t *s = sem_open(sem, O_CREAT, 0600, 0);
    printf("sem_open: %d\n", s != SEM_FAILED);
    pid_t c = fork();
    if (c == 0) {
        int fd2 = shm_open(obj, O_RDWR, 0);
        char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
        strcpy(q, "from the child");
        sem_t *s2 = sem_open(sem, 0);
        sem_post(s2);
        _exit(0);
    }
    waitpid(c, NULL, 0);  /* first, so that sem_wait finds the post made */
    sem_wait(s);
    printf("parent reads: %s\n", p);
    struct stat st;
    fstat(fd, &st);
    printf("size %ld mode %o\n", (long)st.st_size, st.st_mode & 0777);
    stat("/dev/shm", &st);
    printf("/dev/shm: dir %d, mode %o\n", S_ISDIR(st.st_mode), st.st_mode & 07777);
    DIR *d = opendir("/dev/shm");
    struct dirent *e;
    char *names[64];
    int n = 0;
    while ((e = readdir(d)) && n < 64)
        if (strstr(e->d_name, "forkdbg-") && strstr(e->d_name, tag))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    for (int i = 0; i < n; i++)
        printf("entry %s\n", names[i]);
    char cwd[256];
    chdir("/dev/shm");
    printf("cwd %s\n", getcwd(cwd, sizeof cwd));
    chdir("..");
    printf("cwd after ..: %s\n", getcwd(cwd, sizeof cwd));
    SHOW("stat /dev/shm/../null", stat("/dev/shm/../null", &st));
    SHOW("sem_unlink", sem_unlink(sem));
    SHOW("shm_unlink", shm_unlink(obj));
    SHOW("shm_unlink again", shm_unlink(obj));
    return 0;
}
