"""Watchpoints at work: which ones a memory access triggers (gdb's order), and the scope
of one on a local variable, which ends when the frame it was set in returns (gdb's
`Watchpoint 2 deleted because the program has left the block in which its expression is
valid.`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..arch.x86_64 import RSP
from .breakpoints import Watchpoint
from .lexer import tokenize
from .registry import CommandError
from .stops import WatchpointEvent, WatchpointScopeEvent

if TYPE_CHECKING:
    from ..kernel.events import MemoryWatch
    from ..kernel.task import Task
    from .inferiors import Inferior
    from .session import Session


def watch_hit(s: "Session", e: "MemoryWatch", inf: "Inferior") -> WatchpointEvent | None:
    """The watchpoint an access reports (a value that changed reports its write
    watchpoint first; read and access watchpoints report accesses that left the value
    as it was); every watchpoint over the bytes learns the new value."""
    hits = []
    for p in s.points:
        if not (isinstance(p, Watchpoint) and p.enabled and inf.num in p.inferiors):
            continue
        if not (p.addr < e.addr + e.size and e.addr < p.addr + p.size):
            continue
        data = e.task.mm.readable_prefix(p.addr, p.size)
        new = int.from_bytes(data, "little")
        changed = new != p.old
        event = WatchpointEvent(e.task, s.events.who(e.task), p, old=p.old, new=new,
                                changed=changed)
        if changed and p.access in ("write", "access"):
            hits.append((0, p, event))
        elif not changed and p.access in ("read", "access") and e.access == "read":
            hits.append((1, p, event))
        elif changed:
            p.old = new
    if not hits:
        return None
    hits.sort(key=lambda h: (h[0], h[1].num))
    _rank, p, event = hits[0]
    for _r, q, ev in hits:
        q.old = ev.new
    p.hits += 1
    return event


def scope_of(s: "Session", expr: str) -> tuple[int, int, int] | None:
    """Where a watchpoint on `expr` stops being valid: (inferior, the selected frame's
    return address, its CFA) when the expression names a local or parameter of that
    frame; None for globals, registers and addresses."""
    if not s.running:
        return None
    try:
        names = [text for kind, text in tokenize(expr)[0] if kind == "name"]
    except CommandError:
        return None
    for name in names:
        hit = s.source.lookup(name.partition(".")[0])
        frame = hit[1] if hit is not None else None
        if frame is None or frame.function is None or frame.caller is None \
                or frame.cfa is None:
            continue
        return s.current_inferior, frame.caller.pc, frame.cfa
    return None


def left_scope(s: "Session", task: "Task", inf: "Inferior", addr: int) -> Watchpoint | None:
    """The watchpoint whose frame `task` just returned from at `addr` (its stack pointer
    past the frame's CFA), deleted; None if none.  Its hooks go once the engine has
    stopped (forget_hooks): this runs inside the code hook at `addr`."""
    for p in s.points:
        if isinstance(p, Watchpoint) and p.scope is not None and \
                p.scope[:2] == (inf.num, addr) and task.reg(RSP) >= p.scope[2]:
            s.points.remove(p)
            return p
    return None


def forget_hooks(s: "Session", events: list[object]) -> None:
    """After a stop: the memory hooks and return-address hooks of the watchpoints that
    went out of scope in it."""
    for e in events:
        if isinstance(e, WatchpointScopeEvent) and e.point is not None:
            wp = e.point
            s.remove_watch(wp)
            inf = s.inferiors.get(wp.scope[0]) if wp.scope is not None else None
            if inf is None or not inf.live or wp.scope is None:
                continue
            for t in inf.live_tasks()[:1]:
                s.unhook_if_unwanted(t, inf, wp.scope[1])
