"""gdb's words for the core's typed events (stops.py): the gdb command line's renderer.

`stop_headline` gives a stop event's headline (before its location), `GdbPrinter` prints
notifications as they happen, under gdb's settings (`print inferior-events`, `print
thread-events`).  Nothing in the core formats these lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import gdbsignals
from .stops import (
    WatchpointScopeEvent,
    BreakpointEvent,
    CatchpointEvent,
    CheckpointSwitchEvent,
    ConditionError,
    ExecCaught,
    ExecEvent,
    ExitedEvent,
    ForkAttached,
    ForkCaught,
    ForkDetached,
    InferiorDetached,
    InterruptEvent,
    NewInferiorEvent,
    NewThreadEvent,
    Notification,
    SignalCaught,
    SignalEvent,
    SignalPassed,
    StopEvent,
    SyscallCaught,
    ThreadDbLoaded,
    ThreadExitedEvent,
    ThreadRef,
    VforkParentDetached,
    WatchpointEvent,
)

if TYPE_CHECKING:
    from .linespec import Sal
    from .session import Session


VFORK_REFUSED = ("Can not resume the parent process over vfork in the foreground while\n"
                 "holding the child stopped.  Try \"set detach-on-fork\" or "
                 "\"set schedule-multiple\".")

NOT_RESUMING = "warning: Not resuming: switched threads before following fork child."


def hit_by(thread: ThreadRef | None) -> str:
    """``Thread 2.1 "busybox" hit `` when gdb says which thread stopped."""
    return f'Thread {thread.number} "{thread.name}" hit ' if thread is not None else ""


def _catch_what(e: CatchpointEvent) -> str:
    if isinstance(e, ForkCaught):
        return f"{'vforked' if e.vfork else 'forked'} process {e.child_pid}"
    if isinstance(e, ExecCaught):
        return f"exec'd {e.path}"
    if isinstance(e, SyscallCaught):
        return (f"{'returned from' if e.returning else 'call to'} syscall "
                f"{e.name or e.nr}")
    if isinstance(e, SignalCaught):
        return f"signal {gdbsignals.name_of(e.sig)}"
    return ""


def stop_headline(e: StopEvent) -> str:
    """What gdb says first about a stop ("" when it says only where): a breakpoint's or
    catchpoint's ends with ", " and is followed by the frame."""
    if isinstance(e, BreakpointEvent):
        assert e.point is not None
        label = "Temporary breakpoint" if e.point.temporary else "Breakpoint"
        return f"\n{hit_by(e.thread)}{label} {e.location}, "
    if isinstance(e, CatchpointEvent):
        assert e.point is not None
        return f"\n{hit_by(e.thread)}{e.point.label} {e.point.num} ({_catch_what(e)}), "
    if isinstance(e, WatchpointEvent):
        p = e.point
        assert p is not None
        head = f"\n{hit_by(e.thread)}{p.label} {p.num}: {p.expr}\n\n"
        if e.changed:
            return head + f"Old value = {e.old}\nNew value = {e.new}"
        return head + f"Value = {e.new}"
    if isinstance(e, WatchpointScopeEvent):
        assert e.point is not None
        return (f"\nWatchpoint {e.point.num} deleted because the program has left the "
                "block in\nwhich its expression is valid.")
    if isinstance(e, SignalEvent):
        assert e.signal is not None
        return f"\n{_who(e.thread)} received signal {e.signal.name}, {e.signal.description}."
    if isinstance(e, InterruptEvent):
        return "\nProgram received signal SIGINT, Interrupt."
    if isinstance(e, ExitedEvent):
        if e.signal is not None:
            return (f"\nProgram terminated with signal {e.signal.name}, "
                    f"{e.signal.description}.\nThe program no longer exists.")
        if e.code == 0:
            return f"[Inferior {e.inferior} (process {e.pid}) exited normally]"
        return f"[Inferior {e.inferior} (process {e.pid}) exited with code 0{e.code:o}]"
    if isinstance(e, CheckpointSwitchEvent):
        return f"[Switching to {e.target}]"
    return ""


def _who(thread: ThreadRef | None) -> str:
    return f'Thread {thread.number} "{thread.name}"' if thread is not None else "Program"


class GdbPrinter:
    """Prints the core's notifications as gdb does (an observer of the session)."""

    def __init__(self, s: "Session") -> None:
        self.s = s

    def __call__(self, e: Notification) -> None:
        s = self.s
        inferior_events = s.settings["print inferior-events"] == "on"
        thread_events = s.settings["print thread-events"] == "on"
        if isinstance(e, NewThreadEvent) and thread_events:
            s.say(f"[New {e.label}]")
        elif isinstance(e, ThreadExitedEvent) and thread_events:
            s.say(f"[{e.label} exited]")
        elif isinstance(e, ForkDetached) and inferior_events:
            s.say(f"[Detaching after {e.what} from {e.side} process {e.pid}]")
        elif isinstance(e, ForkAttached) and inferior_events:
            s.say(f"[Attaching after {e.parent} {e.what} to child process {e.child_pid}]")
        elif isinstance(e, NewInferiorEvent):
            if e.pid is None:  # an exec's new inferior: gdb says it whatever the setting
                s.say(f"[New inferior {e.num}]")
            elif inferior_events:
                s.say(f"[New inferior {e.num} (process {e.pid})]")
        elif isinstance(e, InferiorDetached) and inferior_events:
            s.say(f"[Inferior {e.num} (process {e.pid}) detached]")
        elif isinstance(e, VforkParentDetached) and inferior_events:
            s.say(f"[Detaching vfork parent process {e.pid} after child {e.why}]")
        elif isinstance(e, ThreadDbLoaded):
            s.say("[Thread debugging using libthread_db enabled]")
            s.say(f'Using host libthread_db library "{e.path}".')
        elif isinstance(e, ExecEvent):
            s.say(f"process {e.pid} is executing new program: {e.path}")
        elif isinstance(e, SignalPassed):
            s.say(f"\n{_who(e.thread)} received signal {e.signal.name}, "
                  f"{e.signal.description}.")
        elif isinstance(e, ConditionError):
            s.say(f"Error in testing condition for breakpoint: {e.message}")


def breakpoint_set(label: str, num: int, addr: int, sal: "Sal | None", addresses: bool) -> str:
    """``Breakpoint 2 at 0x401136: file fk.c, line 7.``; with `set print address off`
    ``Breakpoint 2: file fk.c, line 7.``"""
    if sal is None:
        return f"{label} {num} at {addr:#x}"
    at = f" at {addr:#x}" if addresses else ""
    return f"{label} {num}{at}: file {sal.file.name}, line {sal.line}."
