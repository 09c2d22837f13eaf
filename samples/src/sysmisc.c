/* sysmisc: the calls static programs make besides the process family: scheduling policy,
   personality, memory locking, mincore, membarrier, extended attributes, kcmp, sync,
   flock between processes, and /proc/sys values.  Output as on Linux 6.1. */
#define _GNU_SOURCE
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sys/stat.h>
#ifndef FALLOC_FL_KEEP_SIZE /* <linux/falloc.h>; musl has no kernel headers */
#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#include <stdlib.h>
/* <linux/membarrier.h>'s commands (musl has no kernel headers) */
#define MEMBARRIER_CMD_QUERY 0
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED 8
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED 16
#define SHOW(label, call) do { errno = 0; long r_ = (long)(call); int e_ = errno; printf("%s: %ld %s\n", label, r_, e_ ? strerror(e_) : "ok"); } while (0)
int main(void){
  SHOW("prio max FIFO", sched_get_priority_max(SCHED_FIFO));
  SHOW("prio min RR", sched_get_priority_min(SCHED_RR));
  SHOW("prio max OTHER", sched_get_priority_max(SCHED_OTHER));
  SHOW("prio max 42", sched_get_priority_max(42));
  SHOW("getscheduler", sched_getscheduler(0));
  struct sched_param sp = {0};
  SHOW("setscheduler BATCH", sched_setscheduler(0, SCHED_BATCH, &sp));
  SHOW("getscheduler", sched_getscheduler(0));
  sp.sched_priority = 5;
  SHOW("setscheduler OTHER prio 5", sched_setscheduler(0, SCHED_OTHER, &sp));
  SHOW("getparam", sched_getparam(0, &sp)); printf("prio %d\n", sp.sched_priority);
  SHOW("getscheduler bad pid", sched_getscheduler(999999));
  SHOW("personality query", personality(0xffffffff));
  SHOW("mlockall 0", mlockall(0));
  SHOW("mlockall current", mlockall(MCL_CURRENT));
  SHOW("munlockall", munlockall());
  unsigned char vec[2];
  SHOW("mincore", mincore((void*)((unsigned long)vec & ~4095UL), 4096, vec));
  SHOW("mincore unaligned", mincore((void*)1, 4096, vec));
  SHOW("membarrier query>0", syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0) > 0);
  SHOW("membarrier private unregistered", syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
  SHOW("membarrier register", syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0));
  SHOW("membarrier private", syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
  char b[64];
  SHOW("getxattr", getxattr("/proc/self/exe", "user.foo", b, sizeof b));
  SHOW("getxattr missing file", getxattr("/nonexistent", "user.foo", b, sizeof b));
  SHOW("listxattr /tmp", listxattr("/tmp", b, sizeof b));
  SHOW("kcmp self vm", syscall(SYS_kcmp, getpid(), getpid(), 1, 0, 0));
  SHOW("sync", (sync(), 0));
  SHOW("syncfs bad", syncfs(99));
  /* flock: locks belong to open file descriptions, a child waits for the parent's */
  int a = open("/proc/self/exe", O_RDONLY), b2 = open("/proc/self/exe", O_RDONLY);
  SHOW("flock a LOCK_EX", flock(a, LOCK_EX));
  SHOW("flock b LOCK_SH|LOCK_NB", flock(b2, LOCK_SH | LOCK_NB));
  SHOW("flock bad op", flock(b2, 3));
  fflush(stdout);
  pid_t p = fork();
  if (p == 0) {
    close(a);
    int c = open("/proc/self/exe", O_RDONLY);
    flock(c, LOCK_EX);
    printf("child: got the lock after the parent let go\n");
    fflush(stdout);
    _exit(0);
  }
  usleep(20000);
  printf("parent: unlocks\n");
  fflush(stdout);
  int r = flock(a, LOCK_UN);
  waitpid(p, NULL, 0);
  printf("flock a LOCK_UN: %d\n", r);
  /* fallocate on a file of the guest's own, and Linux's refusals */
  char tmpl[64];
  snprintf(tmpl, sizeof tmpl, "/tmp/forkdbg-sysmisc-%d", (int)getpid());
  int fa = open(tmpl, O_RDWR | O_CREAT | O_TRUNC, 0600);
  struct stat fst;
  SHOW("fallocate 8192", fallocate(fa, 0, 0, 8192));
  fstat(fa, &fst);
  printf("size after fallocate: %ld\n", (long)fst.st_size);
  SHOW("fallocate FALLOC_FL_KEEP_SIZE", fallocate(fa, FALLOC_FL_KEEP_SIZE, 8192, 4096));
  SHOW("punch hole without keep size", fallocate(fa, FALLOC_FL_PUNCH_HOLE, 0, 4096));
  SHOW("fallocate length 0", fallocate(fa, 0, 0, 0));
  int pp[2];
  pipe(pp);
  SHOW("fallocate on a pipe", fallocate(pp[1], 0, 0, 10));
  unlink(tmpl);
  /* /proc/sys: values and a write */
  const char *names[] = {"/proc/sys/kernel/ostype", "/proc/sys/vm/overcommit_memory",
                         "/proc/sys/fs/pipe-max-size"};
  for (int i = 0; i < 3; i++) {
    FILE *f = fopen(names[i], "r");
    char line[64] = "";
    if (f && fgets(line, sizeof line, f))
      printf("%s: %s", names[i], line);
    if (f) fclose(f);
  }
  return 0; }
