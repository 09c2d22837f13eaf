"""Timers: alarm, setitimer/getitimer and the POSIX timer_* calls (kernel/posix_timers.py)."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.eventflags import (
    ITIMER_NAMES,
    ITIMER_REAL,
    SIGEV_NONE,
    SIGEV_SIGNAL,
    SIGEV_THREAD,
    SIGEV_THREAD_ID,
)
from ..abi.procflags import TIMER_ABSTIME
from ..abi.signals import NSIG, Sig
from ..kernel.errors import KernelError
from ..kernel.pid_namespace import find_task
from ..kernel.posix_timers import CLOCK_THREAD_CPUTIME_ID, KTimer, itimer, start
from .common import read_in, s32, write_out
from .sys_time import KNOWN_CLOCKS
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

NS = 10**9
#: the most timers a process may hold (RLIMIT_SIGPENDING bounds it on Linux)
MAX_TIMERS = 4096


def _split(ns: int, unit: int) -> tuple[int, int]:
    return ns // NS, ns % NS // unit


def read_timeval_pair(task: "Task", addr: int) -> tuple[int, int]:
    """A struct itimerval: (interval, value) in ns; EINVAL for a bad microsecond count."""
    isec, iusec, vsec, vusec = struct.unpack("<qqqq", read_in(task, addr, 32))
    for sec, usec in ((isec, iusec), (vsec, vusec)):
        if not 0 <= usec < 10**6 or sec < 0:
            raise KernelError(Errno.EINVAL)
    return isec * NS + iusec * 1000, vsec * NS + vusec * 1000


def read_itimerspec(task: "Task", addr: int) -> tuple[int, int]:
    """A struct itimerspec: (interval, value) in ns; EINVAL for a bad nanosecond count."""
    isec, insec, vsec, vnsec = struct.unpack("<qqqq", read_in(task, addr, 32))
    for sec, nsec in ((isec, insec), (vsec, vnsec)):
        if not 0 <= nsec < NS or sec < 0:
            raise KernelError(Errno.EINVAL)
    return isec * NS + insec, vsec * NS + vnsec


def write_itimerspec(task: "Task", addr: int, interval: int, value: int,
                     usec: bool = False) -> None:
    unit = 1000 if usec else 1
    write_out(task, addr, struct.pack("<qqqq", *_split(interval, unit), *_split(value, unit)))


# ---------------------------------------------------------------- itimers
def _itimer(task: "Task", which: int) -> KTimer:
    if which not in ITIMER_NAMES:
        raise KernelError(Errno.EINVAL)
    return itimer(task.kernel, task.tg, which)


@syscall("getitimer", "itimerwhich", "oitimerval")
def sys_getitimer(task: "Task", which: int, value: int) -> int:
    t = _itimer(task, s32(which))
    write_itimerspec(task, value, t.interval, t.remaining(), usec=True)
    return 0


@syscall("setitimer", "itimerwhich", "itimerval", "oitimerval")
def sys_setitimer(task: "Task", which: int, new: int, old: int) -> int:
    t = _itimer(task, s32(which))
    interval, value = read_timeval_pair(task, new) if new else (0, 0)
    if old:
        write_itimerspec(task, old, t.interval, t.remaining(), usec=True)
    start(t, value, interval, absolute=False)
    return 0


@syscall("alarm", "uint")
def sys_alarm(task: "Task", seconds: int) -> int:
    t = itimer(task.kernel, task.tg, ITIMER_REAL)
    left = t.remaining()
    start(t, seconds * NS, 0, absolute=False)
    if not left:
        return 0
    sec, rest = divmod(left, NS)  # rounded to the nearest second, never 0 while armed
    return max(sec + (rest >= NS // 2), 1)


# ---------------------------------------------------------------- POSIX timers
def _timer(task: "Task", timer_id: int) -> KTimer:
    t = task.tg.posix_timers.get(s32(timer_id))
    if t is None:
        raise KernelError(Errno.EINVAL)
    return t


@syscall("timer_create", "clockid", "sigevent", "otimerid")
def sys_timer_create(task: "Task", clock: int, sevp: int, created: int) -> int:
    clock = s32(clock)
    if clock not in KNOWN_CLOCKS:
        raise KernelError(Errno.EINVAL)
    tg = task.tg
    target = task if clock == CLOCK_THREAD_CPUTIME_ID else None
    tid = tg.next_timer_id
    if sevp:
        value, signo, notify, thread = struct.unpack("<Qiii", read_in(task, sevp, 20))
        if notify == SIGEV_THREAD_ID:
            t = find_task(task, thread)
            if t is None or t.tg is not tg:
                raise KernelError(Errno.EINVAL)
            target = t
        elif notify not in (SIGEV_SIGNAL, SIGEV_THREAD, SIGEV_NONE):
            raise KernelError(Errno.EINVAL)
        if notify != SIGEV_NONE and not 1 <= signo <= NSIG:
            raise KernelError(Errno.EINVAL)
    else:
        value, signo, notify = tid, Sig.SIGALRM, SIGEV_SIGNAL
    if len(tg.posix_timers) >= MAX_TIMERS:
        raise KernelError(Errno.EAGAIN)
    write_out(task, created, struct.pack("<i", tid))
    tg.next_timer_id = tid + 1 if tid < 0x7FFFFFFF else 0
    tg.posix_timers[tid] = KTimer(task.kernel, tg, clock, signo, notify, value, target, tid)
    return 0


@syscall("timer_settime", "int", "timerflags", "itimerspec", "oitimerspec")
def sys_timer_settime(task: "Task", timer_id: int, flags: int, new: int, old: int) -> int:
    t = _timer(task, timer_id)
    if not new:
        raise KernelError(Errno.EINVAL)
    interval, value = read_itimerspec(task, new)
    if old:
        write_itimerspec(task, old, t.interval, t.remaining())
    start(t, value, interval, absolute=bool(flags & TIMER_ABSTIME))
    return 0


@syscall("timer_gettime", "int", "oitimerspec")
def sys_timer_gettime(task: "Task", timer_id: int, cur: int) -> int:
    t = _timer(task, timer_id)
    write_itimerspec(task, cur, t.interval, t.remaining())
    return 0


@syscall("timer_getoverrun", "int")
def sys_timer_getoverrun(task: "Task", timer_id: int) -> int:
    return _timer(task, timer_id).last_overrun


@syscall("timer_delete", "int")
def sys_timer_delete(task: "Task", timer_id: int) -> int:
    t = _timer(task, timer_id)
    t.disarm()
    del task.tg.posix_timers[t.id]
    return 0
