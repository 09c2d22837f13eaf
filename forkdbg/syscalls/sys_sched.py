"""Scheduling policy: sched_{get,set}{scheduler,param}, the priority ranges and
sched_rr_get_interval.

forkdbg's scheduler is one round-robin queue on one CPU (kernel/sched.py); a task's
policy and real-time priority are kept and reported as Linux would, with Linux's
checks, but do not change the order tasks run in.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..kernel.cred import CAP_SYS_NICE
from ..kernel.errors import KernelError
from ..kernel.pid_namespace import find_task
from .common import read_in, s32, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE = 0, 1, 2, 3, 5, 6
SCHED_RESET_ON_FORK = 0x40000000
REALTIME = (SCHED_FIFO, SCHED_RR)
POLICIES = (SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE)
RR_TIMESLICE_NS = 100_000_000


def _target(task: "Task", pid: int) -> "Task":
    pid = s32(pid)
    if pid < 0:
        raise KernelError(Errno.EINVAL)
    t = task if pid == 0 else find_task(task, pid)
    if t is None or not t.alive:
        raise KernelError(Errno.ESRCH)
    return t


@syscall("sched_get_priority_max", "schedpolicy")
def sys_sched_get_priority_max(task: "Task", policy: int) -> int:
    policy = s32(policy)
    if policy not in POLICIES + (SCHED_DEADLINE,):
        raise KernelError(Errno.EINVAL)
    return 99 if policy in REALTIME else 0


@syscall("sched_get_priority_min", "schedpolicy")
def sys_sched_get_priority_min(task: "Task", policy: int) -> int:
    policy = s32(policy)
    if policy not in POLICIES + (SCHED_DEADLINE,):
        raise KernelError(Errno.EINVAL)
    return 1 if policy in REALTIME else 0


@syscall("sched_getscheduler", "int")
def sys_sched_getscheduler(task: "Task", pid: int) -> int:
    t = _target(task, pid)
    return t.sched_policy | (SCHED_RESET_ON_FORK if t.sched_reset_on_fork else 0)


@syscall("sched_getparam", "int", "ptr")
def sys_sched_getparam(task: "Task", pid: int, param: int) -> int:
    if not param:
        raise KernelError(Errno.EINVAL)
    t = _target(task, pid)
    write_out(task, param, struct.pack("<i", t.rt_priority))
    return 0


def _set(task: "Task", pid: int, policy: int, param: int) -> int:
    if not param or s32(pid) < 0:
        raise KernelError(Errno.EINVAL)
    prio = s32(struct.unpack("<I", read_in(task, param, 4))[0])
    t = _target(task, pid)
    reset = False
    if policy < 0:
        policy = t.sched_policy
    else:
        reset = bool(policy & SCHED_RESET_ON_FORK)
        policy &= ~SCHED_RESET_ON_FORK
    if policy not in POLICIES:
        raise KernelError(Errno.EINVAL)
    lo, hi = (1, 99) if policy in REALTIME else (0, 0)
    if not lo <= prio <= hi:
        raise KernelError(Errno.EINVAL)
    if policy in REALTIME and not task.cred.capable(CAP_SYS_NICE):
        raise KernelError(Errno.EPERM)
    if t.tg is not task.tg and not task.cred.may_signal(t.cred) \
            and not task.cred.capable(CAP_SYS_NICE):
        raise KernelError(Errno.EPERM)
    t.sched_policy, t.rt_priority, t.sched_reset_on_fork = policy, prio, reset
    return 0


@syscall("sched_setscheduler", "int", "schedpolicy", "ptr")
def sys_sched_setscheduler(task: "Task", pid: int, policy: int, param: int) -> int:
    policy = s32(policy)
    if policy < 0:
        raise KernelError(Errno.EINVAL)
    return _set(task, pid, policy, param)


@syscall("sched_setparam", "int", "ptr")
def sys_sched_setparam(task: "Task", pid: int, param: int) -> int:
    return _set(task, pid, -1, param)


@syscall("sched_rr_get_interval", "int", "otimespec")
def sys_sched_rr_get_interval(task: "Task", pid: int, interval: int) -> int:
    t = _target(task, pid)
    ns = {SCHED_FIFO: 0, SCHED_RR: RR_TIMESLICE_NS}.get(t.sched_policy,
                                                        task.kernel.sched.slice_ns)
    write_out(task, interval, struct.pack("<qq", ns // 10**9, ns % 10**9))
    return 0
