"""The debugger core's typed events (stops.py), as a front-end other than the gdb CLI
sees them: stop events on `Session.stop`, notifications through `Session.observers`."""

from __future__ import annotations

import io

from helpers import sample

from forkdbg.debugger.session import Session
from forkdbg.debugger.stops import (
    BreakpointEvent,
    ExecCaught,
    ExecEvent,
    ExitedEvent,
    ForkAttached,
    ForkCaught,
    NewInferiorEvent,
    Notification,
    SignalEvent,
    StepEvent,
    SyscallCaught,
)


def _session(prog: str) -> tuple[Session, list[Notification], io.StringIO]:
    out = io.StringIO()
    s = Session(out=out, err=out, batch=True)
    seen: list[Notification] = []
    s.observers = [seen.append]  # a front-end of our own instead of gdb's printer
    s.set_program(prog)
    return s, seen, out


def test_fork_and_exec_as_typed_events() -> None:
    s, seen, out = _session(sample("glibc", "forkexec"))
    for line in ("set follow-fork-mode child", "set detach-on-fork off", "break main",
                 "catch fork", "catch exec", "run"):
        s.execute(line)
    stop = s.stop
    assert isinstance(stop, BreakpointEvent) and stop.point is not None
    assert (stop.point.num, stop.location, stop.kind) == (1, "1", "breakpoint")
    assert stop.task is not None and stop.task.tg.tgid == s.inferiors[1].pid

    s.execute("continue")
    fork = s.stop
    assert isinstance(fork, ForkCaught) and fork.point is not None
    assert fork.point.num == 2 and not fork.vfork and fork.child_pid > fork.task.tg.tgid
    assert seen == []  # the fork is followed when the program resumes

    s.execute("continue")
    attached = [e for e in seen if isinstance(e, ForkAttached)]
    assert attached == [ForkAttached(f"process {fork.task.tg.tgid}", "fork", fork.child_pid)]
    assert NewInferiorEvent(2, fork.child_pid) in seen
    execs = [e for e in seen if isinstance(e, ExecEvent)]
    assert [e.pid for e in execs] == [fork.child_pid]
    caught = s.stop
    assert isinstance(caught, ExecCaught) and caught.path == execs[0].path
    assert caught.thread is not None and caught.thread.number == "2.1"

    s.execute("continue")
    exited = s.stop
    assert isinstance(exited, ExitedEvent)
    assert (exited.inferior, exited.pid, exited.code, exited.signal) == (2, fork.child_pid,
                                                                         0, None)
    s.kill()
    text = out.getvalue()
    # the gdb printer was not there: notifications were not printed, stops still are
    assert "[New inferior" not in text and "executing new program" not in text
    assert "Catchpoint 3 (exec'd" in text


def test_signal_syscall_and_step_events() -> None:
    s, _seen, _out = _session(sample("glibc", "signals"))
    s.execute("catch syscall kill")
    s.execute("run")
    entry = s.stop
    assert isinstance(entry, SyscallCaught) and (entry.nr, entry.returning) == (62, False)
    assert entry.kind == "syscall-entry"
    s.execute("continue")
    ret = s.stop
    assert isinstance(ret, SyscallCaught) and ret.returning and ret.kind == "syscall-return"
    s.execute("delete")
    s.execute("continue")
    sig = s.stop
    assert isinstance(sig, SignalEvent) and sig.signal is not None
    assert (sig.signal.name, sig.thread) == ("SIGUSR1", None)
    s.execute("stepi")  # into the handler
    assert isinstance(s.stop, StepEvent) and s.stop.task is sig.task
    s.kill()
