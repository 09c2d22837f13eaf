"""The process family: ids, fork/vfork/clone/clone3, execve/execveat, exit, wait4/waitid."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.clone import (
    CLONE3_VALID,
    CLONE_ARGS_SIZE,
    CLONE_ARGS_SIZE_VER0,
    CLONE_CLEAR_SIGHAND,
    CLONE_DETACHED,
    CLONE_NEWPID,
    CLONE_PARENT,
    CLONE_SIGHAND,
    CLONE_THREAD,
    CLONE_VFORK,
    CLONE_VM,
    CSIGNAL,
)
from ..abi.errno import Errno
from ..abi.fileflags import AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, O_NONBLOCK
from ..abi.procflags import (
    __WALL,
    __WCLONE,
    __WNOTHREAD,
    P_ALL,
    P_PGID,
    P_PID,
    P_PIDFD,
    WCONTINUED,
    WEXITED,
    WNOHANG,
    WNOWAIT,
    WSTOPPED,
)
from ..abi.signals import Sig
from ..kernel.cred import CAP_SYS_ADMIN
from ..kernel.errors import KernelError, NoReturn
from ..kernel.exec import do_execve
from ..kernel.exit import do_exit, do_group_exit
from ..kernel.fork import CloneArgs, kernel_clone
from ..kernel.pid_namespace import PID_MAX, find_group, find_pgid, release, vnr
from ..kernel.pidfd import pidfd_of
from ..kernel.sigframe import pack_siginfo
from ..kernel.wait import do_wait
from .common import read_in, read_path, read_str_array, s32, start_of, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task


# Pids cross the system call boundary in the caller's pid namespace: `vnr` numbers a
# machine pid for the caller, `find_group` and `find_pgid` look its numbers up
# (kernel/pid_namespace.py).

@syscall("getpid")
def sys_getpid(task: "Task") -> int:
    return vnr(task, task.tg.tgid)


@syscall("gettid")
def sys_gettid(task: "Task") -> int:
    return vnr(task, task.tid)


@syscall("getppid")
def sys_getppid(task: "Task") -> int:
    p = task.tg.parent
    return vnr(task, p.tgid) if p is not None else 0  # 0 for a namespace's init


def _tg_of(task: "Task", pid: int):  # type: ignore[no-untyped-def]
    """The process `pid` names for getpgid, getsid and setpgid (0: the caller's; 1: the
    virtual init; a negative pid or a thread id names none)."""
    pid = s32(pid)
    if pid == 0:
        return task.tg
    tg = find_group(task, pid) if pid > 0 else None
    if tg is None:
        raise KernelError(Errno.ESRCH)
    return tg


@syscall("getpgid", "pid")
def sys_getpgid(task: "Task", pid: int) -> int:
    return vnr(task, _tg_of(task, pid).pgid)


@syscall("getpgrp")
def sys_getpgrp(task: "Task") -> int:
    return vnr(task, task.tg.pgid)


@syscall("getsid", "pid")
def sys_getsid(task: "Task", pid: int) -> int:
    return vnr(task, _tg_of(task, pid).sid)


@syscall("setpgid", "pid", "pgid")
def sys_setpgid(task: "Task", pid: int, pgid: int) -> int:
    """kernel/sys.c's rules: the caller or a child of it that has not exec'd, in the
    caller's session, not a session leader, into a group of that session."""
    pgid = s32(pgid)
    if pgid < 0:
        raise KernelError(Errno.EINVAL)
    tg = _tg_of(task, pid)
    if tg is task.kernel.init:
        raise KernelError(Errno.ESRCH)
    me = task.tg
    if tg is not me:
        if tg.real_parent is not me:
            raise KernelError(Errno.ESRCH)
        if tg.sid != me.sid:
            raise KernelError(Errno.EPERM)
        if tg.execed:
            raise KernelError(Errno.EACCES)
    if tg.sid == tg.tgid:
        raise KernelError(Errno.EPERM)
    if pgid:
        found = find_pgid(task, pgid)
        if found is None:
            raise KernelError(Errno.EPERM)
        pgid = found
    pgid = pgid or tg.tgid
    if pgid != tg.tgid and not any(g.pgid == pgid and g.sid == me.sid  # a zombie counts
                                   for g in task.kernel.groups.values()):
        raise KernelError(Errno.EPERM)  # no such group in this session
    old, tg.pgid = tg.pgid, pgid
    release(task.kernel, old)
    return 0


@syscall("setsid")
def sys_setsid(task: "Task") -> int:
    tg = task.tg
    if any(g.pgid == tg.tgid for g in task.kernel.groups.values() if g is not tg) or tg.pgid == tg.tgid:
        raise KernelError(Errno.EPERM)
    old = (tg.sid, tg.pgid)
    tg.sid = tg.pgid = tg.tgid
    for pid in old:
        release(task.kernel, pid)
    return vnr(task, tg.tgid)


# ---------------------------------------------------------------- fork family
@syscall("fork")
def sys_fork(task: "Task") -> int:
    return kernel_clone(task.kernel, task, CloneArgs(0, Sig.SIGCHLD, via="fork"))


@syscall("vfork")
def sys_vfork(task: "Task") -> int:
    return kernel_clone(task.kernel, task, CloneArgs(CLONE_VFORK | CLONE_VM, Sig.SIGCHLD,
                                                     via="vfork"))


@syscall("clone", "cflags", "ptr", "ptr", "ptr", "ptr")
def sys_clone(task: "Task", flags: int, stack: int, parent_tid: int, child_tid: int, tls: int) -> int:
    flags &= 0xFFFFFFFF
    return kernel_clone(task.kernel, task, CloneArgs(flags & ~CSIGNAL, flags & CSIGNAL, stack, 0,
                                                     parent_tid, child_tid, tls, via="clone",
                                                     pidfd=parent_tid))


@syscall("clone3", "clone_args", "size")
def sys_clone3(task: "Task", uargs: int, size: int) -> int:
    """copy_clone_args_from_user and clone3_args_valid, in their order."""
    if size > 4096:
        raise KernelError(Errno.E2BIG)
    if size < CLONE_ARGS_SIZE_VER0:
        raise KernelError(Errno.EINVAL)
    off = CLONE_ARGS_SIZE
    while off < size:  # a newer struct: what this kernel does not know must be 0, and the
        addr = uargs + off  # first non-zero byte is found before any unmapped page
        n = min(size - off, 4096 - addr % 4096)
        if any(read_in(task, addr, n)):
            raise KernelError(Errno.E2BIG)
        off += n
    raw = read_in(task, uargs, min(size, CLONE_ARGS_SIZE)).ljust(CLONE_ARGS_SIZE, b"\0")
    (flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
     set_tid, set_tid_size, _cgroup) = struct.unpack_from("<11Q", raw)
    if set_tid_size > 32 or (not set_tid and set_tid_size) or (set_tid and not set_tid_size):
        raise KernelError(Errno.EINVAL)
    if exit_signal & ~CSIGNAL or exit_signal > 64:
        raise KernelError(Errno.EINVAL)
    if flags & ~CLONE3_VALID or flags & CLONE_DETACHED:
        raise KernelError(Errno.EINVAL)
    if flags & CLONE_SIGHAND and flags & CLONE_CLEAR_SIGHAND:
        raise KernelError(Errno.EINVAL)
    if flags & (CLONE_THREAD | CLONE_PARENT) and exit_signal:
        raise KernelError(Errno.EINVAL)
    if bool(stack) != bool(stack_size):
        raise KernelError(Errno.EINVAL)
    wanted: list[int] = []
    if set_tid_size:  # a number for each namespace level, innermost first
        wanted = list(struct.unpack(f"<{set_tid_size}i",
                                    read_in(task, set_tid, 4 * set_tid_size)))
        if any(w <= 0 or w >= PID_MAX for w in wanted):
            raise KernelError(Errno.EINVAL)
        machine = wanted[-1]
        depth = (task.pid_ns_for_children.level + 1 if not flags & CLONE_NEWPID
                 else task.pid_ns_for_children.level + 2)
        if set_tid_size == depth and (machine in task.kernel.tasks
                                      or machine in task.kernel.groups or machine == 1):
            raise KernelError(Errno.EEXIST)
        if not task.cred.ns_capable(CAP_SYS_ADMIN):
            raise KernelError(Errno.EPERM)
    return kernel_clone(task.kernel, task, CloneArgs(flags, exit_signal, stack, stack_size,
                                                     parent_tid, child_tid, tls, via="clone3",
                                                     pidfd=pidfd, set_tid=wanted))


# ---------------------------------------------------------------------- exec
@syscall("execve", "path", "argv", "envp")
def sys_execve(task: "Task", path: int, argv: int, envp: int) -> int:
    p = read_path(task, path)
    return do_execve(task.kernel, task, p, read_str_array(task, argv), read_str_array(task, envp))


@syscall("execveat", "dirfd", "path", "argv", "envp", "atflags")
def sys_execveat(task: "Task", dirfd: int, path: int, argv: int, envp: int, flags: int) -> int:
    if flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW):
        raise KernelError(Errno.EINVAL)
    p = read_path(task, path) if path else ""
    start = None
    if p == "":
        if not flags & AT_EMPTY_PATH:
            raise KernelError(Errno.ENOENT)
        task.files.get(s32(dirfd))
        p = f"/proc/self/fd/{s32(dirfd)}"  # the file itself, through its magic link
    elif not p.startswith("/"):
        start = start_of(task, dirfd)
    return do_execve(task.kernel, task, p, read_str_array(task, argv), read_str_array(task, envp),
                     follow=not flags & AT_SYMLINK_NOFOLLOW, start=start)


# ---------------------------------------------------------------------- exit
@syscall("exit", "int")
def sys_exit(task: "Task", code: int) -> int:
    do_exit(task.kernel, task, code & 0xFF)
    raise NoReturn()


@syscall("exit_group", "int")
def sys_exit_group(task: "Task", code: int) -> int:
    do_group_exit(task.kernel, task, code & 0xFF)
    raise NoReturn()


# ---------------------------------------------------------------------- wait
def _rusage(task: "Task", addr: int, utime_ns: int) -> None:
    if addr:
        us = utime_ns // 1000
        data = struct.pack("<qqqq", us // 10**6, us % 10**6, 0, 0) + bytes(144 - 32)
        write_out(task, addr, data)


@syscall("wait4", "int", "wstatus", "wopts", "rusage")
def sys_wait4(task: "Task", pid: int, wstatus: int, options: int, rusage: int) -> int:
    if options & ~(WNOHANG | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL):
        raise KernelError(Errno.EINVAL)
    pid = s32(pid)
    if pid == -(1 << 31):
        raise KernelError(Errno.ESRCH)  # -INT_MIN is not defined
    if pid == -1:
        who, ident = "all", 0
    elif pid == 0:
        who, ident = "pgid", task.tg.pgid
    elif pid < -1:
        who, ident = "pgid", _machine_pid(task, -pid)
    else:
        who, ident = "pid", _machine_pid(task, pid)
    res = do_wait(task.kernel, task, who, ident, options | WEXITED)
    if res is None:
        return 0
    if wstatus:
        write_out(task, wstatus, struct.pack("<i", res.status))
    _rusage(task, rusage, res.utime_ns)
    return res.pid


def _machine_pid(task: "Task", nr: int) -> int:
    """The machine pid of the caller's `nr` (0, which names no child, if none)."""
    got = find_pgid(task, nr)
    return got if got is not None else 0


@syscall("waitid", "idtype", "int", "siginfo", "wopts", "rusage")
def sys_waitid(task: "Task", idtype: int, ident: int, infop: int, options: int, rusage: int) -> int:
    if options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE
                   | __WALL) or not options & (WEXITED | WSTOPPED | WCONTINUED):
        raise KernelError(Errno.EINVAL)
    ident = s32(ident)
    nonblock = False
    if idtype == P_ALL:
        who, n = "all", 0
    elif idtype == P_PID:
        if ident <= 0:
            raise KernelError(Errno.EINVAL)
        who, n = "pid", _machine_pid(task, ident)
    elif idtype == P_PGID:
        if ident < 0:
            raise KernelError(Errno.EINVAL)
        who, n = "pgid", _machine_pid(task, ident) if ident else task.tg.pgid
    elif idtype == P_PIDFD:
        if ident < 0:
            raise KernelError(Errno.EINVAL)
        pf = pidfd_of(task, ident)
        who, n = "pid", pf.tg.tgid
        nonblock = bool(pf.flags & O_NONBLOCK) and not options & WNOHANG
    else:
        raise KernelError(Errno.EINVAL)
    res = do_wait(task.kernel, task, who, n, options | (WNOHANG if nonblock else 0))
    if res is None and nonblock:
        raise KernelError(Errno.EAGAIN)  # a nonblocking pidfd whose child still runs
    if infop:
        if res is None:
            write_out(task, infop, bytes(128))
        else:
            write_out(task, infop, pack_siginfo({
                "signo": Sig.SIGCHLD, "code": res.si_code, "pid": res.pid,
                "uid": res.child.uid,
                "status": res.si_status,
                "utime": res.utime_ns // 10**7, "stime": 0}))
    _rusage(task, rusage, res.utime_ns if res else 0)
    return 0
