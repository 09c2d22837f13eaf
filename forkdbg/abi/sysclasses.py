"""strace's syscall classes (`-e trace=%process` ...), as strace 6.1 groups x86-64 calls."""

from __future__ import annotations

CLASSES: dict[str, frozenset[str]] = {
    "process": frozenset("""clone clone3 execve execveat exit exit_group fork vfork wait4 waitid
        kill tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo pidfd_open pidfd_send_signal
        """.split()),
    "file": frozenset("""open openat openat2 creat access faccessat faccessat2 stat lstat
        newfstatat statx chdir getcwd mkdir mkdirat rmdir unlink unlinkat rename renameat
        renameat2 link linkat symlink symlinkat readlink readlinkat chmod fchmodat chown lchown
        fchownat truncate utime utimes utimensat futimesat execve execveat statfs mknod mknodat
        chroot mount umount2 swapon swapoff acct pivot_root setxattr lsetxattr getxattr
        lgetxattr listxattr llistxattr removexattr lremovexattr inotify_add_watch uselib
        fanotify_mark name_to_handle_at quotactl""".split()),
    "desc": frozenset("""read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2
        open openat openat2 creat close close_range dup dup2 dup3 fcntl ioctl lseek fstat
        newfstatat statx fstatfs fsync fdatasync ftruncate fchdir fchmod fchmodat fchown
        fchownat getdents getdents64 mmap pipe pipe2 poll ppoll select pselect6 epoll_create
        epoll_create1 epoll_ctl epoll_wait epoll_pwait eventfd eventfd2 signalfd signalfd4
        timerfd_create timerfd_settime timerfd_gettime sendfile splice tee copy_file_range
        flock fadvise64 fallocate readahead sync_file_range faccessat faccessat2 mkdirat
        unlinkat renameat renameat2 linkat symlinkat readlinkat mknodat futimesat utimensat
        execveat inotify_init1 memfd_create fgetxattr fsetxattr flistxattr fremovexattr
        """.split()),
    "memory": frozenset("""brk mmap munmap mprotect mremap madvise msync mlock munlock mlockall
        munlockall mlock2 mincore remap_file_pages mbind set_mempolicy get_mempolicy
        migrate_pages move_pages pkey_mprotect pkey_alloc pkey_free process_madvise
        """.split()),
    "signal": frozenset("""rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigsuspend
        rt_sigtimedwait rt_sigqueueinfo rt_tgsigqueueinfo sigaltstack kill tkill tgkill pause
        signalfd signalfd4 pidfd_send_signal""".split()),
    "network": frozenset("""socket socketpair bind connect listen accept accept4 getsockname
        getpeername sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg shutdown setsockopt
        getsockopt sendfile""".split()),
    "ipc": frozenset("""shmget shmat shmctl shmdt semget semop semctl semtimedop msgget msgsnd
        msgrcv msgctl""".split()),
    "creds": frozenset("""getuid geteuid getgid getegid setuid setgid setreuid setregid
        setresuid setresgid getresuid getresgid setfsuid setfsgid getgroups setgroups capget
        capset prctl""".split()),
    "clock": frozenset("""clock_gettime clock_settime clock_getres clock_nanosleep clock_adjtime
        adjtimex settimeofday""".split()),
    "stat": frozenset("stat".split()),
    "lstat": frozenset("lstat".split()),
    "fstat": frozenset("fstat newfstatat".split()),
    "%stat": frozenset("stat lstat fstat newfstatat statx".split()),
    "statfs": frozenset("statfs".split()),
    "fstatfs": frozenset("fstatfs".split()),
    "%statfs": frozenset("statfs fstatfs".split()),
    "pure": frozenset("""getpid getppid gettid getuid geteuid getgid getegid getpgrp
        sched_yield""".split()),
}
