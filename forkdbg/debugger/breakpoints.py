"""Breakpoints, watchpoints and catchpoints, and the code watcher that inserts them.

A breakpoint is a location (``*ADDR``, ``SYMBOL``, ``SYMBOL+OFF``) resolved in each
process it applies to: the inferior it was set in, and a fork child kept under
detach-on-fork off.  Each resolved address is one ranged unicorn hook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from . import dummy, gdbsignals
from .registry import CommandError

if TYPE_CHECKING:
    from ..elf.symbols import Symbols
    from ..kernel.task import Task
    from .linespec import Sal
    from .session import Session


@dataclass
class Point:
    """Anything with a number in `info breakpoints`."""

    num: int
    enabled: bool = True
    hits: int = 0
    condition: str | None = None
    commands: list[str] = field(default_factory=list)
    temporary: bool = False
    inferiors: set[int] = field(default_factory=set)
    ignore: int = 0  # crossings to let pass (continue N, ignore N COUNT)

    kind = "point"


@dataclass
class Breakpoint(Point):
    spec: str = ""
    #: inferior -> the addresses of its locations, ascending (an inlined function's
    #: copies, a static function of the name in several files, a line in two blocks)
    addrs: dict[int, list[int]] = field(default_factory=dict)
    sals: dict[int, "Sal"] = field(default_factory=dict)  # address -> its source line
    off: set[tuple[int, int]] = field(default_factory=set)  # (inferior, address) disabled
    thread: tuple[int, int] | None = None  # `break ... thread N`: (inferior, thread) only
    kind = "breakpoint"

    def at(self, inf: int, addr: int) -> bool:
        """Whether a location of this breakpoint in `inf` is at `addr` and enabled."""
        return addr in self.addrs.get(inf, ()) and (inf, addr) not in self.off

    def set_locations(self, inf: int, found: list[tuple[int, "Sal | None"]]) -> None:
        """`inf`'s locations, as the location spec resolves there now."""
        self.addrs[inf] = sorted({a for a, _ in found})
        for a, sal in found:
            if sal is not None:
                self.sals[a] = sal

    @property
    def sal(self) -> "Sal | None":
        """The first location's source line."""
        addr = next((a[0] for a in self.addrs.values() if a), None)
        return self.sals.get(addr) if addr is not None else None

    def what(self, describe, addr: int | None = None) -> str:  # type: ignore[no-untyped-def]
        """`in FUNCTION at FILE:LINE` (or `<SYMBOL+OFF>`) of the location at `addr` (the
        first one by default); the spec itself while pending."""
        if addr is None:
            addr = next((a[0] for a in self.addrs.values() if a), None)
        if addr is None:  # pending: the Address column says so
            return self.spec
        sal = self.sals.get(addr)
        if sal is not None:
            fn = f"in {sal.function} " if sal.function else ""
            return f"{fn}at {sal.file.name}:{sal.line}"
        d = describe(addr)
        return f"<{d}>" if d else ""


@dataclass
class Watchpoint(Point):
    expr: str = ""
    addr: int = 0
    size: int = 8
    access: str = "write"  # write, read, access
    old: int = 0
    handles: dict[int, int] = field(default_factory=dict)  # id(mm) -> hook handle
    #: a local's watchpoint ends with its frame: (inferior, return address, frame's CFA)
    scope: tuple[int, int, int] | None = None
    kind = "watchpoint"

    @property
    def label(self) -> str:
        return {"write": "Hardware watchpoint", "read": "Hardware read watchpoint",
                "access": "Hardware access (read/write) watchpoint"}[self.access]

    @property
    def type_name(self) -> str:
        return {"write": "hw watchpoint", "read": "read watchpoint",
                "access": "acc watchpoint"}[self.access]


@dataclass
class Catchpoint(Point):
    event: str = ""  # fork, vfork, exec, syscall, signal
    syscalls: list[int] | None = None  # in the order given; None: any
    syscall_names: dict[int, str] = field(default_factory=dict)  # the table it was set with
    signals: list[int] | None = None  # gdb signal numbers; None: standard (or all)
    all_signals: bool = False  # `catch signal all`: SIGTRAP and SIGINT too
    last: str = ""  # what it last caught: `process 1001`, `program "/bin/ls"`
    kind = "catchpoint"

    @property
    def label(self) -> str:
        return "Temporary catchpoint" if self.temporary else "Catchpoint"

    def describe(self) -> str:
        if self.event == "syscall":
            if self.syscalls is None:
                return "any syscall"
            names = self.syscall_names
            items = " ".join(f"'{names[n]}' [{n}]" if n in names else str(n)
                             for n in self.syscalls)
            return f"syscall{'s' if len(self.syscalls) > 1 else ''} {items}"
        if self.event == "signal":
            if self.signals is None:
                return "any signal" if self.all_signals else "standard signals"
            return ("signals " if len(self.signals) > 1 else "signal ") + self._signal_names()
        return self.event

    def what(self) -> str:
        """The What column of `info breakpoints`."""
        if self.event == "signal":
            if self.signals is None:
                return f'signal "<{self.describe()}>" '
            plural = "s" if len(self.signals) > 1 else ""
            return f'signal{plural} "{self._signal_names()}" '
        if self.event == "syscall":
            if self.syscalls is None:
                return 'syscall "<any syscall>" '
            names = ", ".join(self.syscall_names.get(n, str(n)) for n in self.syscalls)
            return f'syscall{"s" if len(self.syscalls) > 1 else ""} "{names}" '
        return f"{self.event}, {self.last} " if self.last else self.event

    def _signal_names(self) -> str:
        return " ".join(gdbsignals.SIGNALS[n - 1].name for n in self.signals or [])

    def catches(self, sig: int) -> bool:
        """Whether a Linux signal being delivered stops here (gdb's rule for no list:
        every signal but the debugger's own SIGTRAP and SIGINT)."""
        g = gdbsignals.of_linux(sig)
        if self.signals is not None:
            return g.num in self.signals
        return self.all_signals or g.name not in gdbsignals.INTERNAL


def location_inferiors(s: "Session", bp: Breakpoint) -> list[int]:
    """The inferiors where `bp` has locations, in order.  An inferior without a process
    keeps the location its program file gives, unless that is only a PLT entry: gdb
    drops trampolines when a real function of the name is found anywhere (a libc
    function, once a process has libc loaded).  Two processes in one address space (a
    vfork child before it execs) are one."""
    out = []
    spaces: set[int] = set()  # a vfork child shares its parent's space: one location
    for num in sorted(bp.inferiors):
        inf = s.inferiors.get(num)
        if inf is None or not bp.addrs.get(num):
            continue
        live = inf.live_tasks() if inf.live else []
        if live:
            if id(live[0].mm) in spaces:
                continue
            spaces.add(id(live[0].mm))
        if not inf.live and not bp.spec.startswith("*") and inf.exe == s.program and \
                not any(a in bp.sals for a in bp.addrs[num]):  # an ELF symbol's location
            syms = s.file_symbols()
            sym = syms.lookup(bp.spec.partition("+")[0].strip()) if syms is not None else None
            if sym is None or sym.kind == "plt":
                continue
        out.append(num)
    return out


def locations(s: "Session", bp: Breakpoint) -> list[tuple[int, int]]:
    """(inferior, address) of each of `bp`'s locations, numbered N.1, N.2 ... in this
    order when there are several: by address, as gdb keeps them, then by inferior."""
    return sorted(((n, a) for n in location_inferiors(s, bp) for a in bp.addrs[n]),
                  key=lambda loc: (loc[1], loc[0]))


def skip_prologue(addr: int, code: bytes) -> int:
    """gdb's amd64 prologue analysis without debug info: past `push %rbp; mov %rsp,%rbp`."""
    i = 4 if code[:4] == b"\xf3\x0f\x1e\xfa" else 0  # endbr64
    if code[i:i + 1] == b"\x55" and code[i + 1:i + 4] in (b"\x48\x89\xe5", b"\x48\x8b\xec"):
        return addr + i + 4
    return addr


def resolve(spec: str, syms: "Symbols | None", evaluate,  # type: ignore[no-untyped-def]
            read=None) -> int:  # type: ignore[no-untyped-def]
    """The address of a location: ``*EXPR``, ``SYMBOL`` (past its prologue, as gdb),
    ``SYMBOL+N``."""
    spec = spec.strip()
    if spec.startswith("*"):
        return evaluate(spec[1:]) & 0xFFFFFFFFFFFFFFFF
    name, plus, off = spec.partition("+")
    if syms is None:
        raise CommandError(f'Function "{spec}" not defined.')
    addr = syms.address(name.strip())
    if addr is None:
        raise CommandError(f'Function "{name.strip()}" not defined.')
    if plus:
        try:
            addr += int(off.strip(), 0)
        except ValueError:
            raise CommandError(f'malformed linespec error: unexpected string, "{off}"') from None
    elif read is not None:
        addr = skip_prologue(addr, read(addr, 8))
    return addr


class DebugWatcher:
    """The code watcher that puts the session's breakpoints into address spaces."""

    def __init__(self, session: "Session") -> None:
        self.s = session

    def addresses(self, task: "Task") -> Iterable[int]:
        """Where the session's breakpoints go in `task`'s address space, each location
        found again (gdb's breakpoint_re_set): asked after exec and whenever code is
        mapped, so `break fork` moves from fork@plt to libc's fork once libc is loaded,
        and a pending breakpoint takes its place."""
        inf = self.s.inferior_of(task)
        if inf is None:
            return []
        out = list(self.s.internal_stops.keys()) + dummy.return_addresses(self.s) + \
            [p.scope[1] for p in self.s.points if isinstance(p, Watchpoint)
             and p.scope is not None and p.scope[0] == inf.num]
        for bp in self.s.points:
            if isinstance(bp, Breakpoint) and bp.enabled and inf.num in bp.inferiors:
                old = list(bp.addrs.get(inf.num, ()))
                now = self.s.resolve_for(bp, inf) or old
                for gone in set(old) - set(now):
                    self.s.unhook_if_unwanted(task, inf, gone)
                out.extend(a for a in now if (inf.num, a) not in bp.off)
        return out

    def on_hit(self, task: "Task", addr: int) -> None:
        self.s.on_code(task, addr)
