"""Event descriptors: eventfd, timerfd and signalfd (fs/eventfd.py, kernel/timerfd.py,
kernel/signalfd.py)."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.eventflags import (
    EFD_CLOEXEC,
    EFD_NONBLOCK,
    EFD_SEMAPHORE,
    SFD_CLOEXEC,
    SFD_NONBLOCK,
    TFD_CLOEXEC,
    TFD_NONBLOCK,
    TFD_TIMER_ABSTIME,
    TFD_TIMER_CANCEL_ON_SET,
)
from ..abi.fileflags import O_NONBLOCK
from ..fs.eventfd import EventFd
from ..kernel.errors import KernelError
from ..kernel.posix_timers import start
from ..kernel.signalfd import SignalFd
from ..kernel.timerfd import TimerFd
from .common import read_in, s32
from .sys_signal import SIGSET_SIZE
from .sys_timer import read_itimerspec, write_itimerspec
from .table import syscall

if TYPE_CHECKING:
    from ..fs.file import File
    from ..kernel.task import Task

#: the clocks a timerfd may count on: REALTIME, MONOTONIC, BOOTTIME and their alarm kinds
TIMERFD_CLOCKS = (0, 1, 7, 8, 9)


def _install(task: "Task", f: "File", cloexec: bool) -> int:
    return task.files.install(f, cloexec=cloexec)


@syscall("eventfd2", "uint", "efdflags")
def sys_eventfd2(task: "Task", count: int, flags: int) -> int:
    if flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC):
        raise KernelError(Errno.EINVAL)
    return _install(task, EventFd(count & 0xFFFFFFFF, flags), bool(flags & EFD_CLOEXEC))


@syscall("eventfd", "uint")
def sys_eventfd(task: "Task", count: int) -> int:
    return sys_eventfd2(task, count, 0)


# ---------------------------------------------------------------- timerfd
@syscall("timerfd_create", "clockid", "tfdflags")
def sys_timerfd_create(task: "Task", clock: int, flags: int) -> int:
    clock = s32(clock)
    if flags & ~(TFD_NONBLOCK | TFD_CLOEXEC) or clock not in TIMERFD_CLOCKS:
        raise KernelError(Errno.EINVAL)
    return _install(task, TimerFd(task, clock, flags & O_NONBLOCK), bool(flags & TFD_CLOEXEC))


def _timerfd(task: "Task", fd: int) -> TimerFd:
    f = task.files.get(s32(fd))
    if not isinstance(f, TimerFd):
        raise KernelError(Errno.EINVAL)
    return f


@syscall("timerfd_settime", "fd", "tfdflags", "itimerspec", "oitimerspec")
def sys_timerfd_settime(task: "Task", fd: int, flags: int, new: int, old: int) -> int:
    if flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET):
        raise KernelError(Errno.EINVAL)
    interval, value = read_itimerspec(task, new)
    f = _timerfd(task, fd)
    t = f.timer
    if old:
        write_itimerspec(task, old, t.interval, t.remaining())
    start(t, value, interval, absolute=bool(flags & TFD_TIMER_ABSTIME))
    return 0


@syscall("timerfd_gettime", "fd", "oitimerspec")
def sys_timerfd_gettime(task: "Task", fd: int, cur: int) -> int:
    t = _timerfd(task, fd).timer
    write_itimerspec(task, cur, t.interval, t.remaining())
    return 0


# ---------------------------------------------------------------- signalfd
@syscall("signalfd4", "fd", "sigset:2", "size", "sfdflags")
def sys_signalfd4(task: "Task", fd: int, mask: int, size: int, flags: int) -> int:
    if flags & ~(SFD_NONBLOCK | SFD_CLOEXEC) or size != SIGSET_SIZE:
        raise KernelError(Errno.EINVAL)
    bits = struct.unpack("<Q", read_in(task, mask, 8))[0]
    fd = s32(fd)
    if fd == -1:
        return _install(task, SignalFd(task, bits, flags & O_NONBLOCK), bool(flags & SFD_CLOEXEC))
    f = task.files.get(fd)
    if not isinstance(f, SignalFd):
        raise KernelError(Errno.EINVAL)
    f.set_mask(bits)
    return fd


@syscall("signalfd", "fd", "sigset:2", "size")
def sys_signalfd(task: "Task", fd: int, mask: int, size: int) -> int:
    return sys_signalfd4(task, fd, mask, size, 0)
