"""The C types of each system call's arguments, as Linux's SYSCALL_DEFINE declares them.

Registers are 64 bits; an argument the kernel declares `int` or `unsigned int` sees only
the low 32 (garbage in the upper half is ignored), a `umode_t` only the low 16.  One
letter per argument: i int, u unsigned int, h umode_t, l anything 64 bits wide (long,
size_t, a pointer).  Calls not listed take 64-bit arguments only.
"""

from __future__ import annotations

from functools import lru_cache

PROTOS: dict[str, str] = {
    "flock": "uu", "inotify_init": "", "inotify_init1": "i", "inotify_add_watch": "ilu",
    "inotify_rm_watch": "ii", "futex_waitv": "luuli", "semget": "iii", "semop": "ilu", "semtimedop": "ilul", "semctl": "iiil", "memfd_create": "lu", "shmget": "ili", "shmat": "ili", "shmdt": "l",
    "shmctl": "iil", "bind": "ili", "listen": "ii", "connect": "ili", "accept": "ill",
    "accept4": "illi", "fallocate": "iill", "fadvise64": "illi", "readahead": "ill",
    "copy_file_range": "ilillu", "getxattr": "llll", "lgetxattr": "llll",
    "fgetxattr": "illl", "listxattr": "lll", "llistxattr": "lll", "flistxattr": "ill",
    "setxattr": "lllli", "lsetxattr": "lllli", "fsetxattr": "illli", "removexattr": "ll",
    "lremovexattr": "ll", "fremovexattr": "il", "unshare": "l", "setns": "ii",
    "personality": "u", "sync": "", "syncfs": "i", "kcmp": "iiill", "sched_get_priority_max": "i",
    "sched_get_priority_min": "i", "sched_getscheduler": "i", "sched_getparam": "il",
    "sched_setscheduler": "iil", "sched_setparam": "il", "sched_rr_get_interval": "il",
    "mlock2": "llu", "mlockall": "i", "munlockall": "", "mincore": "lll", "membarrier": "iuu",
    "clock_settime": "il", "settimeofday": "ll", "socket": "iii", "socketpair": "iiil",
    "shutdown": "ii", "getsockname": "ill", "getpeername": "ill", "sendto": "illuli",
    "recvfrom": "illull", "sendmsg": "ilu", "recvmsg": "ilu", "getsockopt": "iiill",
    "setsockopt": "iiili", "alarm": "u", "getitimer": "il", "setitimer": "ill",
    "timer_create": "ill", "timer_settime": "iill", "timer_gettime": "il", "timer_getoverrun": "i",
    "timer_delete": "i", "rt_sigtimedwait": "llll", "rt_sigqueueinfo": "iil",
    "rt_tgsigqueueinfo": "iiil", "eventfd": "u", "eventfd2": "ui", "timerfd_create": "ii",
    "timerfd_settime": "iill", "timerfd_gettime": "il", "signalfd": "ill", "signalfd4": "illi",
    "epoll_create": "i", "epoll_create1": "i", "epoll_ctl": "iiil", "epoll_wait": "ilii",
    "epoll_pwait": "iliill", "epoll_pwait2": "ililll",
    "read": "ull", "write": "ull", "open": "lih", "close": "u", "stat": "ll", "fstat": "ul",
    "lstat": "ll", "poll": "lui", "lseek": "ulu", "mmap": "llllll", "mprotect": "lll",
    "munmap": "ll", "brk": "l", "rt_sigaction": "illl", "rt_sigprocmask": "illl",
    "rt_sigreturn": "", "ioctl": "uul", "pread64": "ulll", "pwrite64": "ulll",
    "readv": "lll", "writev": "lll", "access": "li", "pipe": "l", "select": "illll",
    "sched_yield": "", "mremap": "lllll", "msync": "lli", "madvise": "lli", "dup": "u",
    "dup2": "uu", "pause": "", "nanosleep": "ll", "getpid": "", "sendfile": "iill",
    "clone": "lllll", "fork": "", "vfork": "", "execve": "lll", "exit": "i", "wait4": "ilil",
    "kill": "ii", "uname": "l", "fcntl": "uul", "fsync": "u", "fdatasync": "u",
    "ftruncate": "ul", "getcwd": "ll", "chdir": "l", "fchdir": "u", "rename": "ll",
    "mkdir": "lh", "rmdir": "l", "creat": "lh", "link": "ll", "unlink": "l", "symlink": "ll",
    "readlink": "lli", "chmod": "lh", "fchmod": "uh", "umask": "i", "gettimeofday": "ll",
    "getrlimit": "ul", "getrusage": "il", "sysinfo": "l", "times": "l", "getuid": "",
    "getgid": "", "setuid": "u", "setgid": "u", "geteuid": "", "getegid": "",
    "setpgid": "ii", "getppid": "", "getpgrp": "", "setsid": "", "setreuid": "uu",
    "setregid": "uu", "getgroups": "il", "setgroups": "il", "setresuid": "uuu",
    "getresuid": "lll", "setresgid": "uuu", "getresgid": "lll", "getpgid": "i",
    "setfsuid": "u", "setfsgid": "u", "getsid": "i", "capget": "ll", "capset": "ll",
    "rt_sigpending": "ll", "rt_sigsuspend": "ll", "sigaltstack": "ll", "statfs": "ll",
    "getpriority": "ii", "setpriority": "iii", "prctl": "illll", "arch_prctl": "il",
    "setrlimit": "ul", "sethostname": "li", "gettid": "", "tkill": "ii", "time": "l",
    "futex": "liullu", "sched_setaffinity": "iul", "sched_getaffinity": "iul",
    "getdents64": "ulu", "set_tid_address": "l", "clock_gettime": "il",
    "clock_getres": "il", "clock_nanosleep": "iill", "exit_group": "i", "tgkill": "iii",
    "waitid": "iilil", "openat": "ilih", "mkdirat": "ilh", "newfstatat": "illi",
    "unlinkat": "ili", "renameat": "ilil", "linkat": "ilili", "symlinkat": "lil",
    "readlinkat": "illi", "fchmodat": "ilh", "faccessat": "ili", "pselect6": "illlll",
    "ppoll": "lulll", "set_robust_list": "ll", "get_robust_list": "ill",
    "utimensat": "illi", "dup3": "uui", "pipe2": "li", "prlimit64": "iull",
    "renameat2": "ililu", "getrandom": "llu", "execveat": "illli", "statx": "iluul",
    "rseq": "luiu", "pidfd_send_signal": "iilu", "pidfd_open": "iu", "clone3": "ll",
    "close_range": "uuu", "pidfd_getfd": "iiu", "faccessat2": "ilii", "getcpu": "lll",
    "mlock": "ll", "munlock": "ll", "chown": "luu", "lchown": "luu", "fchown": "uuu",
    "fchownat": "iluui", "mknod": "lhu", "mknodat": "ilhu", "truncate": "ll", "fstatfs": "ul",
}

_MASKS = {"i": 0xFFFFFFFF, "u": 0xFFFFFFFF, "h": 0xFFFF}


@lru_cache(maxsize=None)
def narrower(name: str) -> tuple[tuple[int, str], ...]:
    """(argument index, type letter) of the arguments of `name` narrower than 64 bits."""
    return tuple((i, c) for i, c in enumerate(PROTOS.get(name, "")) if c in _MASKS)


def narrow_args(name: str, args: tuple[int, ...]) -> tuple[int, ...]:
    """`args` as the kernel reads them: the upper bits of `name`'s int, unsigned int and
    umode_t arguments gone (the kernel's handlers and strace's decoders both cast so)."""
    which = narrower(name)
    if not which:
        return args
    out = list(args)
    for i, kind in which:
        if i < len(out):
            out[i] = narrow(out[i], kind)
    return tuple(out)


def narrow(value: int, kind: str) -> int:
    """A register as the kernel sees an argument of C type `kind` (i, u or h), still as an
    unsigned 64-bit register value: int is sign-extended from bit 31, the others are
    zero-extended, so `-1` stays 0xffffffffffffffff and garbage above is gone."""
    value &= _MASKS[kind]
    if kind == "i" and value >= 1 << 31:
        value |= 0xFFFFFFFF00000000
    return value
