"""Putting breakpoints and watchpoints into the inferiors' address spaces (a part of the
debugging session: Session inherits it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .breakpoints import Breakpoint, DebugWatcher, Point, Watchpoint
from .inferiors import Inferior
from .linespec import locate_all
from .registry import CommandError

if TYPE_CHECKING:
    from ..elf.symbols import SymbolTable
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task


class PointHooks:
    """The hooks behind the session's points: one code hook per address an enabled
    breakpoint resolves to in an inferior, one memory hook per watchpoint and space."""

    kernel: "Kernel | None"
    inferiors: dict[int, Inferior]
    points: list[Point]
    internal_stops: dict[int, Callable[["Task"], bool]]
    watcher: DebugWatcher

    if TYPE_CHECKING:  # the Session's own, and its ProgramFile's
        def _file_symbols(self) -> "SymbolTable | None": ...
        def eval_int(self, text: str) -> int: ...
        def code_reader(self, inf: "Inferior | None" = None) -> Callable[[int, int], bytes]: ...

    def resolve_for(self, bp: Breakpoint, inf: Inferior) -> list[int]:
        """`bp`'s locations in `inf` found again (gdb's breakpoint_re_set): their
        addresses, none when the spec names nothing there now (they are kept)."""
        try:
            found = locate_all(self, bp.spec, inf)  # type: ignore[arg-type]
        except CommandError:
            return []
        bp.set_locations(inf.num, found)
        return bp.addrs[inf.num]

    def insert_points(self) -> None:
        """(Re)insert breakpoint hooks into every inferior's address space."""
        k = self.kernel
        if k is None:
            return
        for inf in self.inferiors.values():
            for t in inf.live_tasks()[:1]:
                for a in self.watcher.addresses(t):
                    k.watchers.hook(t.mm, a, self.watcher)

    def remove_point_hooks(self, bp: Breakpoint) -> None:
        k = self.kernel
        if k is None:
            return
        for inf in self.inferiors.values():
            for t in inf.live_tasks()[:1]:
                for addr in bp.addrs.get(inf.num, ()):
                    if not self._still_wanted(inf, addr, bp):
                        k.watchers.unhook(t.mm, addr, self.watcher)

    def remove_location_hook(self, bp: Breakpoint, inf: Inferior, addr: int) -> None:
        """`disable N.M`: the hook of one location goes unless another point wants it."""
        k = self.kernel
        for t in inf.live_tasks()[:1] if k is not None else []:
            if not self._still_wanted(inf, addr, bp):
                assert k is not None
                k.watchers.unhook(t.mm, addr, self.watcher)

    def unhook_if_unwanted(self, task: "Task", inf: Inferior, addr: int) -> None:
        """Take the hook at `addr` out of `task`'s address space unless a breakpoint or
        an internal stop of the inferior is there."""
        k = self.kernel
        if k is not None and not (addr in self.internal_stops or any(
                isinstance(p, Breakpoint) and p.enabled and inf.num in p.inferiors
                and p.at(inf.num, addr) for p in self.points) or self._scope_at(inf, addr)):
            k.watchers.unhook(task.mm, addr, self.watcher)

    def _scope_at(self, inf: Inferior, addr: int) -> bool:
        """Whether a watchpoint on a local goes out of scope at `addr` in `inf`."""
        return any(isinstance(p, Watchpoint) and p.scope is not None
                   and p.scope[:2] == (inf.num, addr) for p in self.points)

    def _still_wanted(self, inf: Inferior, addr: int, without: Breakpoint) -> bool:
        return addr in self.internal_stops or self._scope_at(inf, addr) or any(
            isinstance(p, Breakpoint) and p is not without and p.enabled
            and inf.num in p.inferiors and p.at(inf.num, addr) for p in self.points)

    def insert_watch(self, wp: Watchpoint) -> None:
        for inf in self.inferiors.values():
            if inf.num in wp.inferiors:
                for t in inf.live_tasks()[:1]:
                    if id(t.mm) not in wp.handles:
                        wp.handles[id(t.mm)] = t.mm.add_watch_hook(wp.addr, wp.size, wp.access)

    def remove_watch(self, wp: Watchpoint) -> None:
        for inf in self.inferiors.values():
            for t in inf.live_tasks()[:1]:
                h = wp.handles.pop(id(t.mm), None)
                if h is not None:
                    t.mm.remove_hook(h)

