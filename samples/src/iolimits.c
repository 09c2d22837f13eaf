/* iolimits: the checks Linux makes on read/write arguments before any byte moves, pipe
 * sizes, fsync, and O_TMPFILE; each line is the call's result and errno name. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *name(int e)
{
    static const struct { int e; const char *n; } names[] = {
        {EFAULT, "EFAULT"}, {EBADF, "EBADF"}, {EINVAL, "EINVAL"}, {EPERM, "EPERM"},
        {ENOTDIR, "ENOTDIR"}, {ENOENT, "ENOENT"}, {EISDIR, "EISDIR"}, {EBUSY, "EBUSY"},
        {ESPIPE, "ESPIPE"}, {EOPNOTSUPP, "EOPNOTSUPP"}, {EAGAIN, "EAGAIN"},
    };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].e == e)
            return names[i].n;
    return "E?";
}

#define SHOW(label, call) do { errno = 0; long r_ = (long)(call); \
    printf("%-40s %ld %s\n", label, r_, r_ < 0 ? name(errno) : ""); } while (0)

int main(void)
{
    char small[64] = {0};
    /* at a fixed place: whether buf + MAX_RW_COUNT passes the user limit (EFAULT at once)
       must not depend on where the host's ASLR puts an mmap */
    char *buf = mmap((void *)0x200000000UL, (1 << 20) + 4096, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    mprotect(buf + (1 << 20), 4096, PROT_NONE);
    int zero = open("/dev/zero", O_RDONLY), null = open("/dev/null", O_WRONLY);
    int urandom = open("/dev/urandom", O_RDONLY);

    /* access_ok comes before the sign of the count and before any byte */
    SHOW("read count -1", syscall(SYS_read, zero, small, -1L));
    SHOW("read write-only fd count -1", syscall(SYS_read, null, small, -1L));
    SHOW("read count 2^62", syscall(SYS_read, zero, small, 1L << 62));
    SHOW("write count -1", syscall(SYS_write, null, small, -1L));
    SHOW("pread count -1", syscall(SYS_pread64, zero, small, -1L, 0L));
    SHOW("pread offset -1, bad fd", syscall(SYS_pread64, 99, small, 1L, -1L));
    SHOW("read NULL, 0 bytes", syscall(SYS_read, zero, 0, 0L));
    SHOW("read into a kernel address", syscall(SYS_read, zero, (void *)0xffff800000000000UL, 1L));
    SHOW("read across the user limit", syscall(SYS_read, zero, (void *)0x7ffffffffffeUL, 2L));
    struct iovec v[2] = {{small, 8}, {(void *)0x7ffffffff000UL, 1UL << 40}};
    SHOW("readv, an iovec past the user limit", readv(zero, v, 2));
    static struct iovec none[40];  /* what a tracer shows of a bad count: 32 empty entries */
    SHOW("readv, iovcnt -1", syscall(SYS_readv, zero, none, -1));
    SHOW("urandom 2^40 into a PROT_NONE page", read(urandom, buf + (1 << 20), 1UL << 40));
    SHOW("urandom into a PROT_NONE page", read(urandom, buf + (1 << 20), 100));
    SHOW("zero 2 MiB into 1 MiB (short)", read(zero, buf, 2 << 20));

    /* pipe sizes */
    int p[2];
    pipe2(p, O_NONBLOCK);
    SHOW("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
    SHOW("F_SETPIPE_SZ 2^31", fcntl(p[0], F_SETPIPE_SZ, 1U << 31));
    SHOW("F_SETPIPE_SZ 0 (one page)", fcntl(p[0], F_SETPIPE_SZ, 0));
    SHOW("write 8192 into one page", write(p[1], buf, 8192));
    SHOW("F_SETPIPE_SZ 100000 (rounded up)", fcntl(p[0], F_SETPIPE_SZ, 100000));
    SHOW("write 8192 more", write(p[1], buf, 8192));
    SHOW("F_SETPIPE_SZ 4096 (holds 12288)", fcntl(p[0], F_SETPIPE_SZ, 4096));
    SHOW("fsync a pipe", fsync(p[0]));
    SHOW("fdatasync a pipe", fdatasync(p[1]));
    SHOW("fsync a bad fd", fsync(99));
    SHOW("pread a pipe", pread(p[0], small, 1, 0));

    /* O_TMPFILE: an unnamed file in a directory */
    int f = open("/tmp", O_TMPFILE | O_RDWR, 0600);
    SHOW("O_TMPFILE|O_RDWR", f >= 0);
    SHOW("write to it", write(f, "abc", 3));
    SHOW("pread it", pread(f, small, 10, 0));
    SHOW("fsync it", fsync(f));
    SHOW("fdatasync it", fdatasync(f));
    SHOW("write 2^40 from 1 MiB", write(f, buf, 1UL << 40));
    SHOW("O_TMPFILE|O_WRONLY", open("/tmp", O_TMPFILE | O_WRONLY, 0600) >= 0);
    SHOW("O_TMPFILE|O_RDONLY", open("/tmp", O_TMPFILE | O_RDONLY, 0600));
    SHOW("O_TMPFILE|O_CREAT", open("/tmp", O_TMPFILE | O_CREAT | O_RDWR, 0600));
    SHOW("__O_TMPFILE without O_DIRECTORY",
         syscall(SYS_openat, AT_FDCWD, "/tmp", (O_TMPFILE & ~O_DIRECTORY) | O_RDWR, 0600));
    SHOW("O_TMPFILE on a file", open("/etc/passwd", O_TMPFILE | O_RDWR, 0600));
    SHOW("O_TMPFILE on nothing", open("/nonexistent", O_TMPFILE | O_RDWR, 0600));
    SHOW("O_PATH drops O_TMPFILE", open("/tmp", O_PATH | O_TMPFILE | O_RDWR, 0600) >= 0);
    SHOW("O_PATH drops O_CREAT", open("/nonexistent", O_PATH | O_CREAT, 0600));

    /* a signal set of the wrong size: EINVAL, and a tracer shows only its address */
    unsigned long long set[2] = {0, 0};
    SHOW("rt_sigprocmask with a 16-byte set", syscall(SYS_rt_sigprocmask, SIG_BLOCK, set, 0, 16));
    SHOW("rt_sigsuspend with a 16-byte set", syscall(SYS_rt_sigsuspend, set, 16));

    /* every open flag beside O_DIRECTORY, for a tracer's spelling of each */
    int failed = 0;
    for (int bit = 0; bit < 32; bit++)
        failed += syscall(SYS_openat, AT_FDCWD, "/nonexistent", O_DIRECTORY | (1U << bit), 0) < 0;
    printf("%-40s %d\n", "open flags one by one, failed", failed);
    return 0;
}
