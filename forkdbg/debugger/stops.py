"""The debugger core's typed events, as gdb's Python API has them (`gdb.events`).

The core (events.py, forks.py, stepping.py, detached.py) says what happened only through
these objects; a front-end renders them.  Two families:

- **stop events** end a resume: a breakpoint or watchpoint hit, a catchpoint (fork,
  vfork, exec, syscall, signal), a signal, a finished step, an exit, or a resume that
  could not happen.  `Session.stop` is the one that stopped the program; `Session.
  stop_log` lists every stop event of the resume in order (an inferior's exit before a
  breakpoint hit elsewhere, say).
- **notifications** happen while the program runs and stop nothing: a new thread or
  inferior, a fork followed or detached, an exec, a signal passed on.  They go to each
  observer of `Session.observers` as they happen.

Each stop event's `kind` is a short stable name for front-ends and scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from ..kernel.task import Task
    from .breakpoints import Breakpoint, Catchpoint, Watchpoint
    from .dummy import DummyFrame
    from .gdbsignals import GdbSignal


@dataclass(frozen=True)
class ThreadRef:
    """The thread an event names, when the program has more than one: gdb's number
    (``2`` or ``1.2`` with several inferiors) and the thread's name."""

    number: str
    name: str


# ------------------------------------------------------------------ stops
@dataclass
class StopEvent:
    """The program stopped in `task` (gdb.StopEvent); an interrupt while no thread ran
    has none."""

    task: "Task | None"
    thread: ThreadRef | None = None

    kind: ClassVar[str] = "stop"


@dataclass
class BreakpointEvent(StopEvent):
    """A breakpoint was hit; `location` is its number as gdb says it (``2`` or ``2.1``)."""

    point: "Breakpoint | None" = None
    location: str = ""

    kind: ClassVar[str] = "breakpoint"


@dataclass
class WatchpointEvent(StopEvent):
    """A watchpoint triggered: the value changed (`old` to `new`), or was read."""

    point: "Watchpoint | None" = None
    old: int = 0
    new: int = 0
    changed: bool = True

    kind: ClassVar[str] = "watchpoint"


@dataclass
class WatchpointScopeEvent(StopEvent):
    """The frame a watchpoint's expression lived in returned: the watchpoint is gone."""

    point: "Watchpoint | None" = None

    kind: ClassVar[str] = "watchpoint-scope"


@dataclass
class CatchpointEvent(StopEvent):
    """A catchpoint caught something (the subclasses say what)."""

    point: "Catchpoint | None" = None

    kind: ClassVar[str] = "catch"


@dataclass
class ForkCaught(CatchpointEvent):
    """`catch fork` / `catch vfork`: the parent stopped inside the call."""

    child_pid: int = 0
    vfork: bool = False


@dataclass
class ExecCaught(CatchpointEvent):
    """`catch exec`: the task stopped inside execve, the new program loaded."""

    path: str = ""


@dataclass
class SyscallCaught(CatchpointEvent):
    """`catch syscall`: a call entered, or returned (`returning`)."""

    nr: int = 0
    returning: bool = False
    name: str | None = None  # None: the syscall table has no name for it (or none loaded)

    @property
    def kind(self) -> str:  # type: ignore[override]
        return "syscall-return" if self.returning else "syscall-entry"


@dataclass
class SignalCaught(CatchpointEvent):
    """`catch signal`: a signal about to be delivered."""

    sig: int = 0

    kind: ClassVar[str] = "catch-signal"


@dataclass
class SignalEvent(StopEvent):
    """A signal whose `handle` policy stops the program (gdb.SignalEvent)."""

    signal: "GdbSignal | None" = None

    kind: ClassVar[str] = "signal"


@dataclass
class InterruptEvent(StopEvent):
    """Ctrl-C (or `interrupt`) stopped the program."""

    kind: ClassVar[str] = "interrupt"


@dataclass
class StepEvent(StopEvent):
    """A step (stepi, next, finish, until...) ended where it meant to."""

    kind: ClassVar[str] = "step"


@dataclass
class InternalEvent(StopEvent):
    """An internal breakpoint of a step (a return address, an until target) was reached."""

    kind: ClassVar[str] = "internal"


@dataclass
class DummyReturnEvent(StopEvent):
    """A function an expression called, abandoned when it stopped, returned to its dummy
    frame: the thread has its registers from before the call again (gdb says nothing)."""

    frame: "DummyFrame | None" = None

    kind: ClassVar[str] = "dummy-return"


@dataclass
class ExitedEvent(StopEvent):
    """An inferior's process ended (gdb.ExitedEvent): with `code`, or killed by `signal`."""

    inferior: int = 0
    pid: int = 0
    code: int = 0
    signal: "GdbSignal | None" = None

    kind: ClassVar[str] = "exited"


@dataclass
class NotResumedEvent(StopEvent):
    """The resume did not happen: the user switched threads after a caught fork."""

    kind: ClassVar[str] = "not-resumed"


@dataclass
class VforkRefusedEvent(StopEvent):
    """The resume would run a vfork parent while its held child waits: refused."""

    kind: ClassVar[str] = "refused"


@dataclass
class CheckpointSwitchEvent(StopEvent):
    """The program's process exited and its last checkpoint took its place."""

    target: str = ""

    kind: ClassVar[str] = "switched"


# ---------------------------------------------------------- notifications
@dataclass
class Notification:
    """Something the front-end may tell the user while the program runs."""


@dataclass
class NewThreadEvent(Notification):
    """A thread was created in an inferior (gdb.NewThreadEvent)."""

    label: str


@dataclass
class ThreadExitedEvent(Notification):
    """A thread (not the last of its process) ended."""

    label: str


@dataclass
class ForkDetached(Notification):
    """One side of a fork was let go: `side` is ``child`` or ``parent``."""

    what: str  # fork, vfork
    side: str
    pid: int


@dataclass
class ForkAttached(Notification):
    """The debugger follows a fork's child: `parent` names the forking process or thread."""

    parent: str
    what: str
    child_pid: int


@dataclass
class NewInferiorEvent(Notification):
    """A new inferior (gdb.NewInferiorEvent): a kept fork child (with its `pid`), or the
    process of an exec under follow-exec-mode new."""

    num: int
    pid: int | None = None


@dataclass
class InferiorDetached(Notification):
    """The debugger let an inferior's process go."""

    num: int
    pid: int


@dataclass
class VforkParentDetached(Notification):
    """A vfork child exec'd or exited (`why`): its parent, kept until then, is let go."""

    pid: int
    why: str


@dataclass
class ThreadDbLoaded(Notification):
    """The program's libc supports threads: gdb would load this libthread_db."""

    path: str


@dataclass
class ExecEvent(Notification):
    """A process of an inferior runs a new program."""

    pid: int
    path: str


@dataclass
class SignalPassed(Notification):
    """A signal the `handle` policy prints but does not stop at."""

    signal: "GdbSignal"
    thread: ThreadRef | None


@dataclass
class ConditionError(Notification):
    """A breakpoint's condition could not be evaluated (the breakpoint stops)."""

    message: str
