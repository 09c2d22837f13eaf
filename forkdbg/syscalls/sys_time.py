"""Time on the virtual clock: clock_gettime, gettimeofday, time, nanosleep, clock_nanosleep."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.procflags import CLOCKFD, REALTIME_CLOCKS, TIMER_ABSTIME, cpuclock_split
from ..kernel.cred import CAP_SYS_TIME
from ..kernel.errors import Block, KernelError
from ..kernel.pid_namespace import find_group, find_task
from .common import read_in, s32, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

KNOWN_CLOCKS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11)


def clock_ns(task: "Task", clock: int) -> int:
    c = task.kernel.clock
    if clock in REALTIME_CLOCKS:
        return c.realtime
    if clock == 2:  # CLOCK_PROCESS_CPUTIME_ID: the virtual CPU time of every thread
        return task.tg.utime_ns
    if clock == 3:  # CLOCK_THREAD_CPUTIME_ID
        return task.cpu_ns
    if clock in KNOWN_CLOCKS:
        return c.now
    if clock < 0:
        return _cpu_clock(task, clock)
    raise KernelError(Errno.EINVAL)


def _cpu_clock(task: "Task", clock: int) -> int:
    """A CPU clock by pid (clock_getcpuclockid, pthread_getcpuclockid): a thread's time,
    or a whole process's; a clock file descriptor is not supported (EINVAL)."""
    pid, thread, which = cpuclock_split(clock)
    if which == CLOCKFD:
        raise KernelError(Errno.EINVAL)
    if thread:
        t = task if pid == 0 else find_task(task, pid)
        if t is None or t.tg is not task.tg:
            raise KernelError(Errno.EINVAL)
        return t.cpu_ns
    tg = task.tg if pid == 0 else find_group(task, pid)
    if tg is None:
        raise KernelError(Errno.EINVAL)
    return tg.utime_ns


@syscall("clock_gettime", "clockid", "otimespec")
def sys_clock_gettime(task: "Task", clock: int, tp: int) -> int:
    ns = clock_ns(task, s32(clock))
    write_out(task, tp, struct.pack("<qq", ns // 10**9, ns % 10**9))
    return 0


@syscall("clock_getres", "clockid", "otimespec")
def sys_clock_getres(task: "Task", clock: int, tp: int) -> int:
    clock_ns(task, s32(clock))
    if tp:
        write_out(task, tp, struct.pack("<qq", 0, 1))
    return 0


def _set_realtime(task: "Task", ns: int) -> None:
    """Step the guest's wall clock (the host's is never touched): CAP_SYS_TIME."""
    if not task.cred.capable(CAP_SYS_TIME):
        raise KernelError(Errno.EPERM)
    c = task.kernel.clock
    c.realtime_offset = ns - c.mono_ns


@syscall("clock_settime", "clockid", "timespec")
def sys_clock_settime(task: "Task", clock: int, tp: int) -> int:
    clock = s32(clock)
    ns = _read_timespec(task, tp)
    if clock == 0:
        _set_realtime(task, ns)
        return 0
    clock_ns(task, clock)  # EINVAL for a clock that does not exist
    # CPU clocks cannot be set; the others only move with the machine
    raise KernelError(Errno.EPERM if clock in (2, 3) or clock < 0 else Errno.EINVAL)


@syscall("settimeofday", "timeval", "timezone")
def sys_settimeofday(task: "Task", tv: int, tz: int) -> int:
    if tz:
        read_in(task, tz, 8)  # the timezone is accepted and ignored, as Linux warns
    if not tv:
        return 0
    sec, usec = struct.unpack("<qq", read_in(task, tv, 16))
    if sec < 0 or not 0 <= usec < 10**6:
        raise KernelError(Errno.EINVAL)
    _set_realtime(task, sec * 10**9 + usec * 1000)
    return 0


@syscall("gettimeofday", "otimeval", "otimezone")
def sys_gettimeofday(task: "Task", tv: int, tz: int) -> int:
    ns = task.kernel.clock.realtime
    if tv:
        write_out(task, tv, struct.pack("<qq", ns // 10**9, ns % 10**9 // 1000))
    if tz:
        write_out(task, tz, struct.pack("<ii", 0, 0))
    return 0


@syscall("time", "ptr")
def sys_time(task: "Task", tloc: int) -> int:
    sec = task.kernel.clock.realtime // 10**9
    if tloc:
        write_out(task, tloc, struct.pack("<q", sec))
    return sec


def _read_timespec(task: "Task", addr: int) -> int:
    sec, nsec = struct.unpack("<qq", read_in(task, addr, 16))
    if sec < 0 or not 0 <= nsec < 10**9:
        raise KernelError(Errno.EINVAL)
    return sec * 10**9 + nsec


def _sleep(task: "Task", clock: int, flags: int, req: int, rem: int) -> int:
    k = task.kernel
    if task.wake_reason == "timeout":
        return 0
    ns = _read_timespec(task, req)
    if flags & TIMER_ABSTIME:
        deadline = ns - (k.clock.realtime_offset if clock in REALTIME_CLOCKS else 0)
    else:
        deadline = k.clock.now + ns
    if deadline <= k.clock.now:
        return 0
    # a relative sleep resumes through restart_syscall; an absolute one is simply re-run
    restart = Errno.ERESTARTNOHAND if flags & TIMER_ABSTIME else Errno.ERESTART_RESTARTBLOCK

    def retry() -> int:
        if k.clock.now >= deadline:
            return 0
        raise Block([], deadline=deadline, restart=restart, retry=retry)
    del rem  # Linux 6.1 leaves it as it was when a handler interrupts the sleep
    raise Block([], deadline=deadline, restart=restart, retry=retry)


@syscall("nanosleep", "timespec", "otimespec")
def sys_nanosleep(task: "Task", req: int, rem: int) -> int:
    return _sleep(task, 1, 0, req, rem)


@syscall("clock_nanosleep", "clockid", "int", "timespec", "otimespec")
def sys_clock_nanosleep(task: "Task", clock: int, flags: int, req: int, rem: int) -> int:
    clock = s32(clock)
    if clock not in KNOWN_CLOCKS or clock == 3:
        raise KernelError(Errno.EINVAL)
    return _sleep(task, clock, flags, req, rem)


@syscall("times", "ptr")
def sys_times(task: "Task", buf: int) -> int:
    ticks = task.tg.utime_ns // 10**7
    if buf:
        write_out(task, buf, struct.pack("<qqqq", ticks, 0, task.tg.children_utime_ns // 10**7, 0))
    return task.kernel.clock.now // 10**7


@syscall("getrusage", "int", "rusage")
def sys_getrusage(task: "Task", who: int, usage: int) -> int:
    who = s32(who)
    if who not in (0, -1, 1):
        raise KernelError(Errno.EINVAL)
    ns = {-1: task.tg.children_utime_ns, 0: task.tg.utime_ns, 1: task.cpu_ns}[who]
    us = ns // 1000
    write_out(task, usage, struct.pack("<qqqq", us // 10**6, us % 10**6, 0, 0) + bytes(112))
    return 0


