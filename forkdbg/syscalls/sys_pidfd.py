"""pidfd_open, pidfd_send_signal, pidfd_getfd (Linux 6.1's rules)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.procflags import PIDFD_NONBLOCK
from ..abi.signals import SI_TKILL, SI_USER
from ..kernel import pidfd
from ..kernel.errors import KernelError
from ..kernel.pid_namespace import find_group, find_task
from ..kernel.sigframe import unpack_siginfo
from ..kernel.thread_group import GroupState
from .common import read_in, s32
from .sys_signal import _check_sig, may_kill
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task


@syscall("pidfd_open", "pid", "pidfdflags")
def sys_pidfd_open(task: "Task", pid: int, flags: int) -> int:
    pid, flags = s32(pid), flags & 0xFFFFFFFF
    if flags & ~PIDFD_NONBLOCK or pid <= 0:
        raise KernelError(Errno.EINVAL)
    tg = find_group(task, pid)
    if tg is None or tg is task.kernel.init:
        t = find_task(task, pid)
        raise KernelError(Errno.EINVAL if t is not None else Errno.ESRCH)  # a thread's tid
    return pidfd.install(task, tg, flags)


@syscall("pidfd_send_signal", "fd", "sig", "siginfo_in", "hex")
def sys_pidfd_send_signal(task: "Task", fd: int, sig: int, info: int, flags: int) -> int:
    if flags & 0xFFFFFFFF:
        raise KernelError(Errno.EINVAL)
    tg = pidfd.process_of(task, s32(fd))
    sig = _check_sig(sig)
    if not may_kill(task, tg, sig):
        raise KernelError(Errno.EPERM)
    code, extra = SI_USER, {}
    if info:
        fields = unpack_siginfo(read_in(task, info, 128))
        if fields["signo"] != sig:
            raise KernelError(Errno.EINVAL)
        code = fields["code"]
        if tg is not task.tg and (code >= 0 or code == SI_TKILL):
            raise KernelError(Errno.EPERM)
        extra = {"pid": fields["pid"], "uid": fields["uid"]}
    if tg.state is GroupState.REAPED:
        raise KernelError(Errno.ESRCH)
    task.kernel.signals.send_to_group(tg, sig, code=code, sender=None if info else task,
                                      **extra)
    return 0


@syscall("pidfd_getfd", "fd", "targetfd:0", "hex")
def sys_pidfd_getfd(task: "Task", fd: int, targetfd: int, flags: int) -> int:
    if flags & 0xFFFFFFFF:
        raise KernelError(Errno.EINVAL)
    tg = pidfd.pidfd_of(task, s32(fd)).tg
    if tg.state is GroupState.REAPED:
        raise KernelError(Errno.ESRCH)
    live = tg.live_threads
    if not live:
        raise KernelError(Errno.EBADF)  # a zombie has no descriptors left
    f = live[0].files.get(s32(targetfd))
    return task.files.install(f, cloexec=True)
