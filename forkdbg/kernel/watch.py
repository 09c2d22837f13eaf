"""Code watchers: front-ends that want to stop at addresses (breakpoints, call tracing).

Each address space keeps which watchers hook which addresses; one unicorn ranged hook
per address serves them all.  New address spaces (fork, exec) ask every watcher which
addresses to hook there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Protocol

if TYPE_CHECKING:
    from ..mm.address_space import AddressSpace
    from .task import Task


class CodeWatcher(Protocol):
    def addresses(self, task: "Task") -> Iterable[int]:
        """Addresses to hook in `task`'s (new) address space."""

    def on_hit(self, task: "Task", addr: int) -> None:
        """`task` is about to execute the instruction at `addr`."""


class Watchers:
    """All watchers of one kernel."""

    def __init__(self) -> None:
        self.watchers: list[CodeWatcher] = []

    def add(self, w: CodeWatcher, tasks: Iterable["Task"] = ()) -> None:
        self.watchers.append(w)
        seen: set[int] = set()
        for t in tasks:
            if id(t.mm) not in seen and not t.mm.released:
                seen.add(id(t.mm))
                for a in w.addresses(t):
                    self.hook(t.mm, a, w)

    def remove(self, w: CodeWatcher, mms: Iterable["AddressSpace"]) -> None:
        if w in self.watchers:
            self.watchers.remove(w)
        for mm in mms:
            for a in [a for a, ws in mm.watch.items() if w in ws]:
                self.unhook(mm, a, w)

    def install(self, task: "Task") -> None:
        """A new address space for `task`: every watcher's addresses there."""
        for w in self.watchers:
            for a in w.addresses(task):
                self.hook(task.mm, a, w)

    def hook(self, mm: "AddressSpace", addr: int, w: CodeWatcher) -> None:
        ws = mm.watch.setdefault(addr, [])
        if w not in ws:
            ws.append(w)
        mm.add_code_hook(addr)

    def unhook(self, mm: "AddressSpace", addr: int, w: CodeWatcher) -> None:
        ws = mm.watch.get(addr)
        if ws and w in ws:
            ws.remove(w)
        if not ws:
            mm.watch.pop(addr, None)
            mm.remove_code_hook(addr)

    def hooked(self, mm: "AddressSpace", addr: int, w: CodeWatcher) -> bool:
        return w in mm.watch.get(addr, ())

    def dispatch(self, task: "Task", addr: int) -> None:
        for w in list(task.mm.watch.get(addr, ())):
            w.on_hit(task, addr)
