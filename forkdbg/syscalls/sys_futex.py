"""futex and the thread-exit hooks glibc and musl register: set_tid_address, robust lists, rseq."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.procflags import ROBUST_LIST_HEAD_SIZE
from ..kernel import rseq
from ..kernel.errors import KernelError
from ..kernel.pid_namespace import find_task, vnr
from .common import read_in, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task


@syscall("futex", "ptr", "futexop", "uint", "timespec", "ptr", "uint", support="partial",
         notes="no PI futexes")
def sys_futex(task: "Task", uaddr: int, op: int, val: int, timeout: int, uaddr2: int,
              val3: int) -> int:
    return task.kernel.futexes.do_futex(task, uaddr, op, val, timeout, uaddr2, val3)


@syscall("set_tid_address", "ptr")
def sys_set_tid_address(task: "Task", tidptr: int) -> int:
    task.clear_child_tid = tidptr
    return vnr(task, task.tid)


@syscall("set_robust_list", "ptr", "size",
         notes="walked at exit and exec: a dead owner's robust locks return EOWNERDEAD")
def sys_set_robust_list(task: "Task", head: int, length: int) -> int:
    if length != ROBUST_LIST_HEAD_SIZE:
        raise KernelError(Errno.EINVAL)
    task.robust_list = (head, length)
    return 0


@syscall("get_robust_list", "int", "ptr", "ptr")
def sys_get_robust_list(task: "Task", pid: int, head_ptr: int, len_ptr: int) -> int:
    t = task if pid == 0 else find_task(task, pid)
    if t is None:
        raise KernelError(Errno.ESRCH)
    write_out(task, head_ptr, struct.pack("<Q", t.robust_list[0]))
    write_out(task, len_ptr, struct.pack("<Q", t.robust_list[1]))
    return 0


@syscall("rseq", "ptr", "uint", "hex", "hex",
         notes="one CPU (cpu_id 0); critical sections abort on a context switch or a signal")
def sys_rseq(task: "Task", addr: int, length: int, flags: int, sig: int) -> int:
    return rseq.sys_rseq(task, addr, length, flags, sig)


FUTEX_WAITV_MAX = 128
FUTEX_32, FUTEX_PRIVATE_FLAG = 2, 128


@syscall("futex_waitv", "ptr", "uint", "hex", "timespec", "clockid")
def sys_futex_waitv(task: "Task", waiters: int, n: int, flags: int, timeout: int,
                    clock: int) -> int:
    """Wait on up to 128 futexes at once; the result is the index of the one woken."""
    if flags or not 0 < n <= FUTEX_WAITV_MAX:
        raise KernelError(Errno.EINVAL)
    deadline = None
    if timeout:
        clock &= 0xFFFFFFFF
        if clock not in (0, 1):  # CLOCK_REALTIME, CLOCK_MONOTONIC
            raise KernelError(Errno.EINVAL)
        sec, nsec = struct.unpack("<qq", read_in(task, timeout, 16))
        if sec < 0 or not 0 <= nsec < 10**9:
            raise KernelError(Errno.EINVAL)
        deadline = sec * 10**9 + nsec  # absolute on that clock
        if clock == 0:
            deadline -= task.kernel.clock.realtime_offset
    raw = read_in(task, waiters, 24 * n)
    entries = []
    for i in range(n):
        val, addr, fl, reserved = struct.unpack_from("<QQII", raw, 24 * i)
        if reserved or fl & ~(FUTEX_32 | FUTEX_PRIVATE_FLAG) or not fl & FUTEX_32:
            raise KernelError(Errno.EINVAL)
        if addr & 3 or val >> 32:
            raise KernelError(Errno.EINVAL)
        entries.append((addr, val, bool(fl & FUTEX_PRIVATE_FLAG)))
    return task.kernel.futexes.waitv(task, entries, deadline)
