"""Restartable sequences, as Linux 6.1's kernel/rseq.c: registration, the cpu number the
kernel publishes in the thread's struct rseq, and the abort of a critical section.

A thread registers a `struct rseq`; the kernel keeps its `cpu_id` fields current and,
when the thread comes back to user mode after it was switched out or before a signal
handler runs, looks at `rseq_cs`: if the interrupted instruction lies inside the critical
section it describes, the thread resumes at the section's abort handler instead. forkdbg
has one CPU, so `cpu_id` is always 0 and a context switch is "another task ran user code
since this one did". The debugger's single steps are not context switches.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.procflags import (
    RSEQ_CPU_ID_UNINITIALIZED,
    RSEQ_CS_DEPRECATED_FLAGS,
    RSEQ_EVENT_PREEMPT,
    RSEQ_EVENT_SIGNAL,
    RSEQ_FLAG_UNREGISTER,
    RSEQ_OFF_CPU_ID_START,
    RSEQ_OFF_CS,
    RSEQ_OFF_FLAGS,
    RSEQ_SIZE,
)
from ..abi.signals import SI_KERNEL, Sig
from ..arch.x86_64 import RIP
from ..mm.address_space import TASK_SIZE, Fault
from .errors import KernelError

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task

CPU = 0  # the one emulated CPU (and NUMA node)


@dataclass
class Rseq:
    """A thread's registration: where its struct rseq is, its abort signature, and the
    events (RSEQ_EVENT_*) since it last returned to user mode."""

    addr: int
    sig: int
    events: int = 0


class RseqError(Exception):
    """The registration or a critical-section descriptor is broken: the task gets SIGSEGV."""


def sys_rseq(task: "Task", addr: int, length: int, flags: int, sig: int) -> int:
    """rseq(2): register or (RSEQ_FLAG_UNREGISTER) unregister this thread's struct rseq."""
    length, flags, sig = length & 0xFFFFFFFF, flags & 0xFFFFFFFF, sig & 0xFFFFFFFF  # u32, int, u32
    cur = task.rseq
    if flags & RSEQ_FLAG_UNREGISTER:
        if flags & ~RSEQ_FLAG_UNREGISTER or cur is None or cur.addr != addr or length != RSEQ_SIZE:
            raise KernelError(Errno.EINVAL)
        if cur.sig != sig:
            raise KernelError(Errno.EPERM)
        _write_cpu(task, cur.addr, 0, RSEQ_CPU_ID_UNINITIALIZED)
        task.rseq = None
        return 0
    if flags:
        raise KernelError(Errno.EINVAL)
    if cur is not None:
        if cur.addr != addr or length != RSEQ_SIZE:
            raise KernelError(Errno.EINVAL)
        raise KernelError(Errno.EPERM if cur.sig != sig else Errno.EBUSY)
    if addr % RSEQ_SIZE or length != RSEQ_SIZE:
        raise KernelError(Errno.EINVAL)
    if addr + length > TASK_SIZE:
        raise KernelError(Errno.EFAULT)
    task.rseq = Rseq(addr, sig)
    notify_resume(task.kernel, task)  # the fields are current when the call returns
    return 0


def inherit(parent: "Task", child: "Task", shares_vm: bool) -> None:
    """A fork child keeps its parent's registration (same addresses, copied memory); a
    thread or a vfork child, which share the parent's memory, start unregistered."""
    p = parent.rseq
    child.rseq = None if shares_vm or p is None else Rseq(p.addr, p.sig, p.events)


def switch_to(kernel: "Kernel", task: "Task") -> bool:
    """`task` runs user code after another task did: the one switched out owes a check,
    and `task` does its own. False if that check killed the thread's way forward."""
    prev = kernel.on_cpu
    if prev is not None and prev.rseq is not None:
        prev.rseq.events |= RSEQ_EVENT_PREEMPT
    kernel.on_cpu = task
    if task.rseq is None:
        return True
    return notify_resume(kernel, task)


def signal_deliver(kernel: "Kernel", task: "Task", sig: int) -> None:
    """Before a handler's frame is built: an interrupted critical section resumes at its
    abort handler when the handler returns (rseq_signal_deliver)."""
    task.rseq.events |= RSEQ_EVENT_SIGNAL
    notify_resume(kernel, task, sig)


def notify_resume(kernel: "Kernel", task: "Task", sig: int = 0) -> bool:
    """__rseq_handle_notify_resume: fix the pc up, publish the cpu; SIGSEGV on error."""
    rs = task.rseq
    try:
        _ip_fixup(task, rs)
        _write_cpu(task, rs.addr, CPU, CPU)
    except (RseqError, Fault):
        from .fault import force_signal
        pc = task.reg(RIP)
        force_signal(kernel, task, Sig.SIGSEGV, SI_KERNEL, 0, pc, "exec",
                     "rseq: bad struct rseq or critical-section descriptor")
        return False
    return True


def _write_cpu(task: "Task", addr: int, start: int, cpu: int) -> None:
    task.mm.write(addr + RSEQ_OFF_CPU_ID_START, struct.pack("<II", start, cpu))


def _ip_fixup(task: "Task", rs: Rseq) -> None:
    """rseq_ip_fixup: inside the critical section after an event -> go to abort_ip."""
    mm = task.mm
    cs_ptr = mm.read_u64(rs.addr + RSEQ_OFF_CS)
    events, rs.events = rs.events, 0
    if not cs_ptr:
        return
    if cs_ptr >= TASK_SIZE:
        raise RseqError("rseq_cs")
    version, cs_flags, start, post_commit, abort = struct.unpack("<IIQQQ", mm.read(cs_ptr, 32))
    if (version or start >= TASK_SIZE or start + post_commit >= TASK_SIZE or abort >= TASK_SIZE
            or (abort - start) % (1 << 64) < post_commit):
        raise RseqError("descriptor")
    if mm.read_u32(abort - 4) != rs.sig:
        raise RseqError("signature")
    ip = task.reg(RIP)
    if (ip - start) % (1 << 64) >= post_commit:
        mm.write_u64(rs.addr + RSEQ_OFF_CS, 0)  # left the section: clear it lazily
        return
    if (mm.read_u32(rs.addr + RSEQ_OFF_FLAGS) | cs_flags) & RSEQ_CS_DEPRECATED_FLAGS:
        raise RseqError("flags")
    if not events:
        return
    mm.write_u64(rs.addr + RSEQ_OFF_CS, 0)
    task.set_reg(RIP, abort)
