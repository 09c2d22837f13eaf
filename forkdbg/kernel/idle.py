"""What the kernel does when no task is runnable: time jumps to the next timer, the host's
input is waited for, or the run ends held, stopped or deadlocked."""

from __future__ import annotations

import os
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
        limit = kernel.config.vtime_limit_ns
        kernel.clock.advance_to(min(nd[0], limit))
        if nd[0] <= limit:
            kernel._fire_timers()
        return True
    sleepers = [t for t in kernel.tasks.values() if t.sleep is not None]
    rhost: dict[int, list] = {}
    whost: dict[int, list] = {}
    for t in sleepers:
        assert t.sleep is not None
        for fd in t.sleep.host_fds:
            rhost.setdefault(fd, []).append(t)
        for fd in t.sleep.host_wfds:
            whost.setdefault(fd, []).append(t)
    if rhost or whost:
        wake = kernel.wakeup[0]
        try:
            ready, writable, _x = select.select(list(rhost) + [wake], list(whost), [])
        except InterruptedError:
            return True
        except (OSError, ValueError):  # a descriptor went bad: let every waiter look again
            ready, writable = list(rhost), list(whost)
        if wake in ready:
            ready.remove(wake)
            _drain(wake)
        for fd in ready:
            for t in rhost[fd]:
                kernel.wake(t, "event")
        for fd in writable:
            for t in whost[fd]:
                kernel.wake(t, "event")
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


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 64):
            pass
    except OSError:
        pass
