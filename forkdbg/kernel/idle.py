"""What the kernel does when no task is runnable: time jumps to the next timer, the host's
input is waited for, or the run ends held, stopped or deadlocked."""

from __future__ import annotations

import select
from typing import TYPE_CHECKING

from ..abi.sysnums import syscall_name
from .events import Note
from .task import TaskState

if TYPE_CHECKING:
    from .kernel import Kernel


def idle(kernel: "Kernel") -> bool:
    """True if something may run now; False with a stop requested (held, stopped, deadlock)."""
    nd = kernel.sched.next_deadline()
    if nd is not None:
        kernel.clock.advance_to(nd[0])
        kernel._fire_timers()
        return True
    sleepers = [t for t in kernel.tasks.values() if t.sleep is not None]
    host = {fd: t for t in sleepers for fd in t.sleep.host_fds}  # type: ignore[union-attr]
    if host:
        try:
            ready, _w, _x = select.select(list(host), [], [])
        except InterruptedError:
            return True
        for fd in ready:
            kernel.wake(host[fd], "event")
        return True
    if kernel.held:
        kernel.request_stop("held")
        return False
    if kernel.tasks:
        if any(t.state is not TaskState.STOPPED for t in kernel.tasks.values()):
            kernel.bus.emit(Note(None, "deadlock",
                                 "deadlock: every task is asleep and nothing can wake it ("
                                 + ", ".join(f"{t.tid} in {syscall_name(t.sleep.call.nr)}"
                                             for t in sleepers if t.sleep) + ")"))
            kernel.request_stop("deadlock")
        else:
            kernel.request_stop("stopped")
    return False
