"""Signals: rt_sigaction, rt_sigprocmask, rt_sigreturn, sigaltstack, kill/tgkill/tkill, waiting."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.procflags import MINSIGSTKSZ, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, SS_DISABLE, SS_ONSTACK
from ..abi.signals import NSIG, SI_TKILL, SI_USER, Sig
from ..arch.x86_64 import RSP
from ..kernel.cred import CAP_KILL
from ..kernel.errors import Block, KernelError
from ..kernel.pid_namespace import find_group, find_task, visible, vnr
from ..kernel.sigframe import rt_sigreturn
from ..kernel.signal import UNBLOCKABLE, SigAction
from .common import read_in, s32, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task
    from ..kernel.thread_group import ThreadGroup

SIGSET_SIZE = 8


@syscall("rt_sigaction", "sig", "sigaction", "osigaction", "size")
def sys_rt_sigaction(task: "Task", sig: int, act: int, oact: int, size: int) -> int:
    sig = s32(sig)
    if size != SIGSET_SIZE or not 1 <= sig <= NSIG:
        raise KernelError(Errno.EINVAL)
    if act and sig in (Sig.SIGKILL, Sig.SIGSTOP):
        raise KernelError(Errno.EINVAL)
    cur = task.sighand.actions[sig]
    new = None
    if act:
        handler, flags, restorer, mask = struct.unpack("<QQQQ", read_in(task, act, 32))
        new = SigAction(handler, flags & 0xFFFFFFFF, restorer, mask & ~UNBLOCKABLE)
    if oact:
        write_out(task, oact, struct.pack("<QQQQ", cur.handler, cur.flags, cur.restorer, cur.mask))
    if new is not None:
        task.sighand.actions[sig] = new
        if task.sighand.ignored(sig):  # setting SIG_IGN discards what is pending
            for t in task.tg.threads:
                t.pending.discard(sig)
            task.tg.shared_pending.discard(sig)
    return 0


@syscall("rt_sigprocmask", "how", "sigset:3", "osigset:3", "size")
def sys_rt_sigprocmask(task: "Task", how: int, nset: int, oset: int, size: int) -> int:
    if size != SIGSET_SIZE:
        raise KernelError(Errno.EINVAL)
    old = task.blocked
    if nset:
        mask = struct.unpack("<Q", read_in(task, nset, 8))[0] & ~UNBLOCKABLE
        if how == SIG_BLOCK:
            task.blocked |= mask
        elif how == SIG_UNBLOCK:
            task.blocked &= ~mask
        elif how == SIG_SETMASK:
            task.blocked = mask
        else:
            raise KernelError(Errno.EINVAL)
    if oset:
        write_out(task, oset, struct.pack("<Q", old))
    return 0


@syscall("rt_sigpending", "osigset:1", "size")
def sys_rt_sigpending(task: "Task", oset: int, size: int) -> int:
    if size > SIGSET_SIZE:
        raise KernelError(Errno.EINVAL)
    bits = (task.pending.bits | task.tg.shared_pending.bits) & task.blocked
    write_out(task, oset, struct.pack("<Q", bits)[:size])
    return 0


@syscall("rt_sigreturn")
def sys_rt_sigreturn(task: "Task") -> int:
    return rt_sigreturn(task)


@syscall("sigaltstack", "stack_t", "ostack_t")
def sys_sigaltstack(task: "Task", ss: int, oss: int) -> int:
    a = task.altstack
    on = a.sp < task.reg(RSP) <= a.sp + a.size and not a.flags & SS_DISABLE
    if oss:
        flags = SS_ONSTACK if on else (a.flags & SS_DISABLE)
        write_out(task, oss, struct.pack("<QiiQ", a.sp, flags, 0, a.size))
    if ss:
        sp, flags, _pad, size = struct.unpack("<QiiQ", read_in(task, ss, 24))
        if on:
            raise KernelError(Errno.EPERM)
        if flags & ~(SS_DISABLE | (1 << 31)):
            raise KernelError(Errno.EINVAL)
        if flags & SS_DISABLE:
            a.sp, a.flags, a.size = 0, SS_DISABLE, 0
        else:
            if size < MINSIGSTKSZ:
                raise KernelError(Errno.ENOMEM)
            a.sp, a.flags, a.size = sp, 0, size
    return 0


def _check_sig(sig: int) -> int:
    sig = s32(sig)
    if not 0 <= sig <= NSIG:
        raise KernelError(Errno.EINVAL)
    return sig


def may_kill(task: "Task", target: "ThreadGroup", sig: int) -> bool:
    """check_kill_permission: the uids match, CAP_KILL, or SIGCONT within the session."""
    if target is task.kernel.init:
        return task.cred.capable(CAP_KILL) or task.cred.euid == 0
    who = target.leader or (target.threads[0] if target.threads else None)
    if who is None or target is task.tg:
        return True
    return task.cred.may_signal(who.cred) or (sig == Sig.SIGCONT and target.sid == task.tg.sid)


@syscall("kill", "killpid", "sig")
def sys_kill(task: "Task", pid: int, sig: int) -> int:
    sig = _check_sig(sig)
    pid = s32(pid)
    k = task.kernel
    if pid > 0:
        g = find_group(task, pid)
        if g is None:
            raise KernelError(Errno.ESRCH)
        if not may_kill(task, g, sig):
            raise KernelError(Errno.EPERM)
        if g is not k.init:
            k.signals.send_to_group(g, sig, code=SI_USER, sender=task)
        return 0  # a zombie exists until it is reaped: kill(2) succeeds, the signal is lost
    if pid == -(1 << 31):
        raise KernelError(Errno.ESRCH)
    ns = task.tg.pid_ns
    if pid == -1:  # every process the caller can see but itself and its namespace's init
        targets = [g for g in list(k.groups.values()) if g is not task.tg and g.live_threads
                   and visible(task, g) and g is not ns.reaper]
    else:
        pgid = task.tg.pgid if pid == 0 else ns.find(-pid)
        targets = [g for g in list(k.groups.values()) if g.pgid == pgid and g.live_threads
                   and visible(task, g)]
    if not targets:
        raise KernelError(Errno.ESRCH)
    sent = False
    for g in targets:
        if may_kill(task, g, sig):
            k.signals.send_to_group(g, sig, code=SI_USER, sender=task)
            sent = True
    if not sent:
        raise KernelError(Errno.EPERM)
    return 0


def _thread(task: "Task", tgid: int | None, tid: int):  # type: ignore[no-untyped-def]
    tid = s32(tid)
    if tid <= 0 or (tgid is not None and tgid <= 0):
        raise KernelError(Errno.EINVAL)
    t = find_task(task, tid)
    if t is None or (tgid is not None and vnr(task, t.tg.tgid) != tgid):
        raise KernelError(Errno.ESRCH)
    return t


@syscall("tgkill", "pid", "pid", "sig")
def sys_tgkill(task: "Task", tgid: int, tid: int, sig: int) -> int:
    sig = _check_sig(sig)
    t = _thread(task, s32(tgid), tid)
    if not may_kill(task, t.tg, sig):
        raise KernelError(Errno.EPERM)
    task.kernel.signals.send_to_task(t, sig, code=SI_TKILL, sender=task)
    return 0


@syscall("tkill", "pid", "sig")
def sys_tkill(task: "Task", tid: int, sig: int) -> int:
    sig = _check_sig(sig)
    t = _thread(task, None, tid)
    if not may_kill(task, t.tg, sig):
        raise KernelError(Errno.EPERM)
    task.kernel.signals.send_to_task(t, sig, code=SI_TKILL, sender=task)
    return 0


@syscall("rt_sigsuspend", "sigset:1", "size")
def sys_rt_sigsuspend(task: "Task", mask: int, size: int) -> int:
    if size != SIGSET_SIZE:
        raise KernelError(Errno.EINVAL)
    new = struct.unpack("<Q", read_in(task, mask, 8))[0] & ~UNBLOCKABLE
    if task.saved_sigmask is None:
        task.saved_sigmask = task.blocked
    task.blocked = new
    raise Block([], restart=Errno.ERESTARTNOHAND)


@syscall("pause")
def sys_pause(task: "Task") -> int:
    raise Block([], restart=Errno.ERESTARTNOHAND)
