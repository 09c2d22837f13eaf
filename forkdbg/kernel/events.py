"""Events the kernel emits; front-ends (tracer, debugger) subscribe.  The core never prints.

Subscribers may ask the kernel to stop (``kernel.request_stop``) from inside a
handler; the kernel stops at the next clean point.  A SyscallEnter subscriber may
set ``inject`` to skip the call and return that value instead (strace's -e inject).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .task import Task


@dataclass(slots=True)
class SyscallEnter:
    task: "Task"
    nr: int
    args: tuple[int, ...]
    pc: int
    time_ns: int
    inject: int | None = None
    injected: bool = False
    state: dict[str, Any] = field(default_factory=dict)  # front-ends keep per-call notes here


@dataclass(slots=True)
class SyscallExit:
    task: "Task"
    nr: int
    args: tuple[int, ...]
    ret: int | None  # None: the call did not return (exit, successful exec of another image)
    enter: SyscallEnter
    time_ns: int
    restarted: bool = False


@dataclass(slots=True)
class SyscallBlocked:
    """The call sleeps (strace prints ``<unfinished ...>`` if another task prints first)."""

    task: "Task"
    enter: SyscallEnter


@dataclass(slots=True)
class TaskCreated:
    parent: "Task"
    child: "Task"
    flags: int
    exit_signal: int
    via: str  # 'fork', 'vfork', 'clone', 'clone3'


@dataclass(slots=True)
class Exec:
    task: "Task"
    path: str
    argv: list[bytes]
    old_tid: int  # a non-leader thread that execs takes over the leader's tid


@dataclass(slots=True)
class CodeMapped:
    """A process mapped code from a file (a loader bringing in a shared library): where
    the debugger's solib events and shared-library breakpoints come from."""

    task: "Task"
    start: int
    end: int
    path: str


@dataclass(slots=True)
class SignalDelivered:
    task: "Task"
    sig: int
    info: dict[str, int]
    handled: bool  # a guest handler runs (False: default action or ignored)


@dataclass(slots=True)
class SignalDelivering:
    """A signal is about to act on `task` (a debugger may stop here, as ptrace does)."""

    task: "Task"
    sig: int
    info: dict[str, int]


@dataclass(slots=True)
class TaskExited:
    task: "Task"
    code: int  # exit code, valid if sig == 0
    sig: int  # fatal signal, 0 for a normal exit
    core: bool
    group_exit: bool  # the whole thread group is gone (the process exited)
    superseded_by: int = 0  # a leader ended by another thread's execve: that thread's tid


@dataclass(slots=True)
class Fault:
    """A guest fault about to become a signal (SIGSEGV, SIGILL, SIGFPE, SIGBUS)."""

    task: "Task"
    sig: int
    pc: int
    addr: int
    access: str
    detail: str


@dataclass(slots=True)
class Breakpoint:
    task: "Task"
    addr: int


@dataclass(slots=True)
class MemoryWatch:
    """An instruction touched memory a watch hook covers (the access has completed)."""

    task: "Task"
    addr: int
    access: str  # 'read' or 'write'
    size: int


@dataclass(slots=True)
class Note:
    """Something the kernel wants a person to know once (an unsupported syscall, a deadlock)."""

    task: "Task | None"
    kind: str
    text: str


Handler = Callable[[Any], None]


class EventBus:
    """Subscribers by event type; emitting costs nothing when a type has none."""

    def __init__(self) -> None:
        self._subs: dict[type, list[Handler]] = {}

    def subscribe(self, etype: type, handler: Handler) -> None:
        self._subs.setdefault(etype, []).append(handler)

    def unsubscribe(self, etype: type, handler: Handler) -> None:
        lst = self._subs.get(etype, [])
        if handler in lst:
            lst.remove(handler)
        if not lst:
            self._subs.pop(etype, None)

    def wants(self, etype: type) -> bool:
        return etype in self._subs

    def emit(self, event: Any) -> None:
        for h in self._subs.get(type(event), ()):
            h(event)
