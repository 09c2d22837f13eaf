/* futexv: futex_waitv: woken by another thread on the second of two futexes (the
   result is its index), EAGAIN when a value changed, an absolute timeout, bad flags. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#define FUTEX_WAKE_PRIVATE 129 /* <linux/futex.h>; musl has no kernel headers */
struct fw { uint64_t val, uaddr; uint32_t flags, reserved; };
static uint32_t a = 0, b = 0;
static long waitv(struct fw *w, int n, struct timespec *ts) { return syscall(449, w, n, 0, ts, CLOCK_MONOTONIC); }
static void *waker(void *x) { usleep(20000); b = 1; syscall(SYS_futex, &b, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0); return 0; }
int main(void) {
  struct fw w[2] = {{0, (uintptr_t)&a, 2 | 128, 0}, {0, (uintptr_t)&b, 2 | 128, 0}};
  pthread_t t; pthread_create(&t, 0, waker, 0);
  long r = waitv(w, 2, NULL); printf("woken index: %ld\n", r);
  pthread_join(t, 0);
  errno = 0; r = waitv(w, 2, NULL); int e = errno; printf("value changed: %ld %s\n", r, strerror(e));
  struct timespec now; clock_gettime(CLOCK_MONOTONIC, &now); now.tv_nsec += 5000000; if (now.tv_nsec >= 1000000000) { now.tv_sec++; now.tv_nsec -= 1000000000; }
  w[1].val = 1; errno = 0; r = waitv(w, 2, &now); e = errno; printf("timeout: %ld %s\n", r, strerror(e));
  w[0].flags = 0; errno = 0; r = waitv(w, 2, NULL); e = errno; printf("bad flags: %ld %s\n", r, strerror(e));
  return 0; }
