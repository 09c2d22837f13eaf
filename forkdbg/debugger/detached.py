"""Processes the debugger let go (detach-on-fork, a detached inferior) run on.

Under gdb a detached process is an ordinary process of the host: it goes on running
after the followed inferior exits, and after gdb itself exits.  forkdbg is their kernel,
so it keeps running them: once no inferior is live, the machine runs until every
detached process has ended (Ctrl-C or --timeout end the wait), quietly, their output
going where it always went.  Checkpoints are snapshots and never run: they go first.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from ..interrupts import Interrupts
from ..kernel.exit import do_exit

if TYPE_CHECKING:
    from .inferiors import Inferior
    from .session import Session

#: stop reasons that end the wait for detached processes
ENDS = ("interrupt", "terminate", "timeout", "vtime-limit", "deadlock")
#: stops to let pass before giving up (each is a request no detached process can answer)
MAX_STOPS = 10_000


def run_detached(s: "Session", final: bool = False) -> str | None:
    """Run the detached processes to their end when no inferior is live; the reason the
    wait ended early, if it did (a signal to forkdbg, its timeout, a deadlock).  At the
    end of the session (`final`) the checkpoints go first; before it they stay held."""
    k = s.kernel
    if k is None or any(inf.live for inf in s.inferiors.values()):
        return None
    s.events.quiet = True
    try:
        if final:
            for tg in list(s.checkpoints.values()):
                for t in list(tg.threads):
                    if t.alive:
                        do_exit(k, t, 0, 9)
            s.checkpoints.clear()
        kept = {id(tg) for tg in s.checkpoints.values()}
        if not any(t.alive and id(t.tg) not in kept for t in k.tasks.values()):
            return None
        timeout = None
        if s.machine.timeout_s is not None:
            timeout = max(s.run_deadline - time.monotonic(), 0.001)
        with Interrupts(k, timeout):
            for _ in range(MAX_STOPS):
                for t in list(k.held):  # a stop meant for an inferior that is gone
                    if id(t.tg) not in kept:
                        k.thaw(t)
                stop = k.run()
                if stop is None or stop.reason == "held":
                    return None
                if stop.reason in ENDS:
                    return stop.reason
            return "deadlock"
    finally:
        s.events.quiet = False


def run_detached_slice(s: "Session", budget: float = 0.05) -> bool:
    """While the prompt waits for a command, let the detached processes run for up to
    `budget` seconds (the inferiors held meanwhile), as they would on a host under gdb;
    whether they may have more to do (False once they are all blocked or gone, until the
    next command changes something)."""
    k = s.kernel
    if k is None or s.detached_idle:
        return False
    kept = {id(tg) for tg in s.checkpoints.values()}
    debugged = {id(inf.tg) for inf in s.inferiors.values() if inf.live and inf.tg}
    for parent, child, _follow in s.events.pending_follow:  # a fork not yet followed:
        debugged |= {id(parent.tg), id(child.tg)}  # both sides wait for the next resume
    if not any(t.alive and not t.frozen and id(t.tg) not in kept | debugged
               for t in k.tasks.values()):
        s.detached_idle = True
        return False
    held = [t for t in k.tasks.values() if t.alive and not t.frozen and id(t.tg) in debugged]
    for t in held:
        k.freeze(t)
    s.events.quiet = True
    timer = threading.Timer(budget, k.interrupt, args=("slice",))
    timer.start()
    try:
        stop = k.run()
    finally:
        timer.cancel()
        timer.join()
        if k.interrupted and k.interrupt_reason == "slice":
            k.interrupted = False  # the slice ended as the run did: no stale interrupt
        for t in held:
            if t.alive:
                k.thaw(t)
        s.events.quiet = False
        s.stop, s.stop_log = None, []
    if stop is None or stop.reason != "slice":
        s.detached_idle = True  # all blocked (or gone): nothing to do until a command
    return not s.detached_idle


def kill_live_inferiors(s: "Session") -> None:
    """What gdb kills when it quits: the inferiors it is debugging and the children of
    forks it has not yet followed (detached processes are not its to kill)."""
    for inf in s.inferiors.values():
        if inf.live:
            kill_inferior(s, inf)


def kill_inferior(s: "Session", inf: "Inferior") -> int | None:
    """Kill one inferior's process, and the child of a fork it made that is not yet
    followed (gdb's PR 19494: that child must not live on); its pid."""
    k = s.kernel
    if k is None or inf.tg is None:
        return None
    tg, pid = inf.tg, inf.pid
    s.events.quiet = True
    try:
        groups = [tg]
        keep = []
        for parent, child, follow in s.events.pending_follow:
            if parent.tg is tg:
                groups.append(child.tg)
            else:
                keep.append((parent, child, follow))
        s.events.pending_follow = keep
        for g in groups:
            for t in list(g.threads):
                if t.alive:
                    do_exit(k, t, 0, 9)
    finally:
        s.events.quiet = False
    inf.tg = None
    return pid
