"""Taking signals synchronously and queueing them with data: rt_sigtimedwait,
rt_sigqueueinfo and rt_tgsigqueueinfo."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.signals import NSIG, SI_TKILL
from ..kernel.errors import Block, KernelError
from ..kernel.pid_namespace import find_group, vnr
from ..kernel.sigframe import pack_siginfo, unpack_siginfo
from ..kernel.signal import UNBLOCKABLE
from .common import read_in, s32, write_out
from .sys_signal import SIGSET_SIZE, _check_sig, _thread, may_kill
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task


@syscall("rt_sigtimedwait", "sigset:3", "siginfo", "timespec", "size")
def sys_rt_sigtimedwait(task: "Task", uthese: int, uinfo: int, uts: int, size: int) -> int:
    if size != SIGSET_SIZE:
        raise KernelError(Errno.EINVAL)
    these = struct.unpack("<Q", read_in(task, uthese, 8))[0] & ~UNBLOCKABLE
    deadline = None
    if uts:
        sec, nsec = struct.unpack("<qq", read_in(task, uts, 16))
        if sec < 0 or not 0 <= nsec < 10**9:
            raise KernelError(Errno.EINVAL)
        deadline = task.kernel.clock.now + sec * 10**9 + nsec
    k = task.kernel

    def attempt() -> int:
        got = task.pending.take(these) or task.tg.shared_pending.take(these)
        if got is not None or (deadline is not None and k.clock.now >= deadline):
            task.real_blocked = 0
            if got is None:
                raise KernelError(Errno.EAGAIN)
            sig, info = got
            if uinfo:
                write_out(task, uinfo, pack_siginfo(info))
            return sig
        # the awaited signals wake this thread while it waits, and are queued even if
        # ignored (Linux's real_blocked); the mask comes back when the call ends (finish)
        if task.saved_sigmask is None:
            task.saved_sigmask = task.real_blocked = task.blocked
        task.blocked = task.saved_sigmask & ~these
        raise Block([], deadline=deadline, retry=attempt, restart=Errno.EINTR)
    return attempt()


def _queued_info(task: "Task", uinfo: int, same: bool) -> dict[str, int]:
    """The siginfo a process queues: si_code, si_pid, si_uid, si_errno and the value."""
    fields = unpack_siginfo(read_in(task, uinfo, 128))
    if not same and (fields["code"] >= 0 or fields["code"] == SI_TKILL):
        raise KernelError(Errno.EPERM)  # posing as the kernel or as kill()
    return fields


@syscall("rt_sigqueueinfo", "pid", "sig", "siginfo_in")
def sys_rt_sigqueueinfo(task: "Task", tgid: int, sig: int, uinfo: int) -> int:
    tgid, sig = s32(tgid), s32(sig)
    f = _queued_info(task, uinfo, tgid == vnr(task, task.tg.tgid))
    if not 0 <= sig <= NSIG:
        raise KernelError(Errno.EINVAL)
    g = find_group(task, tgid) if tgid > 0 else None
    if g is None:
        raise KernelError(Errno.ESRCH)
    if not may_kill(task, g, sig):
        raise KernelError(Errno.EPERM)
    task.kernel.signals.send_to_group(g, sig, code=f["code"], pid=f["pid"], uid=f["uid"],
                                      errno=f["errno"], value=f["value"])
    return 0


@syscall("rt_tgsigqueueinfo", "pid", "pid", "sig", "siginfo_in")
def sys_rt_tgsigqueueinfo(task: "Task", tgid: int, tid: int, sig: int, uinfo: int) -> int:
    tgid, tid = s32(tgid), s32(tid)
    f = _queued_info(task, uinfo, tgid == vnr(task, task.tg.tgid))
    sig = _check_sig(sig)
    t = _thread(task, tgid, tid)
    if not may_kill(task, t.tg, sig):
        raise KernelError(Errno.EPERM)
    task.kernel.signals.send_to_task(t, sig, code=f["code"], pid=f["pid"], uid=f["uid"],
                                     errno=f["errno"], value=f["value"])
    return 0
