"""`forkdbg trace --json`: one JSON object per event (JSON Lines).

Schema (keys are stable; every object has "event", "pid", "tid" and "time_ns", the
virtual monotonic clock in nanoseconds):

- syscall: "name", "nr", "args" (six raw register values), "decoded" (the arguments as
  strace prints them), "ret" (null if the call did not return), "errno" (name or null),
  "duration_ns", "injected", "restarted"
- task_created: "child_tid", "child_pid", "flags" (number), "flag_names", "exit_signal"
  (name or null), "via" (fork, vfork, clone, clone3), "thread"
- exec: "path", "argv"
- signal: "signal", "signo", "info" (siginfo fields), "handled"
- exit: "code" (null when killed), "signal" (null unless killed), "core", "process_exit"
- call (with --calls): "text", "depth"
- tree (the last, at the end of the run): "tree", the process tree (trace/tree.py): for
  each process "pid", "thread", "how", "flags", "execs" ("path", "argv"), "status",
  "start_ns", "end_ns" and its "children"
"""

from __future__ import annotations

import json
import sys
from typing import IO, Callable

from ..abi.clone import CLONE_FLAGS, CLONE_THREAD
from ..abi.errno import errno_name
from ..abi.signals import signal_name
from ..kernel.events import (
    Exec,
    SignalDelivered,
    SyscallEnter,
    SyscallExit,
    TaskCreated,
    TaskExited,
)
from ..kernel.kernel import Kernel
from ..kernel.task import Task
from .calltext import CallText
from .options import TraceOptions
from .sink import Sink
from .tree import ProcessTree


class JsonPrinter:
    """Writes each kernel event as one JSON object per line."""

    def __init__(self, kernel: Kernel, o: TraceOptions, err: IO[str] = sys.stderr,
                 tree: ProcessTree | None = None) -> None:
        self.k = kernel
        self.o = o
        self.tree = tree
        stderr = Sink("standard error", err)
        # the file is opened here so a bad -o ends the run before it starts
        self.f = Sink(o.output, open(o.output, "w", buffering=1), stderr) if o.output \
            else stderr  # noqa: SIM115
        self.root_tid = kernel.first.tgid if kernel.first else 0
        self.pending: dict[int, tuple[CallText, SyscallEnter]] = {}
        self.indent: Callable[[Task], int] | None = None
        self.before_line: Callable[[Task], None] | None = None
        self.inject_counts: dict[tuple[int, int], int] = {}
        kernel.signals.trace_ignored = True
        for etype, fn in ((SyscallEnter, self.on_enter), (SyscallExit, self.on_exit),
                          (TaskCreated, self.on_created), (Exec, self.on_exec),
                          (SignalDelivered, self.on_signal), (TaskExited, self.on_exited)):
            kernel.bus.subscribe(etype, fn)

    def traced(self, task: Task) -> bool:
        return self.o.follow or task.tid == self.root_tid

    def _emit(self, task: Task, event: str, time_ns: int | None = None, **fields: object) -> None:
        obj: dict[str, object] = {"event": event, "pid": task.tg.tgid, "tid": task.tid,
                                  "time_ns": self.k.clock.now if time_ns is None else time_ns}
        obj.update(fields)
        self.f.write(json.dumps(obj, sort_keys=False) + "\n")

    def on_enter(self, e: SyscallEnter) -> None:
        if not self.traced(e.task):
            return
        from .strace import apply_inject
        apply_inject(self.o, self.inject_counts, e)
        if self.o.syscalls is not None and e.nr not in self.o.syscalls:
            return
        self.pending[e.task.tid] = (CallText(self.k, e.task, e.nr, e.args, self.o.style,
                                             self.o.fdpaths), e)

    def on_exit(self, e: SyscallExit) -> None:
        got = self.pending.pop(e.task.tid, None)
        if got is None:
            return
        ct, enter = got
        decoded = ct.finish(e.ret)
        failed = e.ret is not None and -4095 <= e.ret < 0
        self._emit(e.task, "syscall", time_ns=enter.time_ns, name=ct.call.name, nr=e.nr,
                   args=list(e.args), decoded=decoded, ret=e.ret,
                   errno=errno_name(-e.ret) if failed else None,
                   duration_ns=e.time_ns - enter.time_ns, injected=enter.injected,
                   restarted=e.restarted)

    def on_created(self, e: TaskCreated) -> None:
        if not self.traced(e.parent):
            return
        names, _rest = CLONE_FLAGS.split(e.flags)
        self._emit(e.parent, "task_created", child_tid=e.child.tid, child_pid=e.child.tg.tgid,
                   flags=e.flags, flag_names=names,
                   exit_signal=signal_name(e.exit_signal) if e.exit_signal else None,
                   via=e.via, thread=bool(e.flags & CLONE_THREAD))

    def on_exec(self, e: Exec) -> None:
        if self.traced(e.task):
            self._emit(e.task, "exec", path=e.path,
                       argv=[a.decode(errors="surrogateescape") for a in e.argv])

    def on_signal(self, e: SignalDelivered) -> None:
        if not self.traced(e.task):
            return
        if self.o.signals is not None and e.sig not in self.o.signals:
            return
        self._emit(e.task, "signal", signal=signal_name(e.sig), signo=e.sig,
                   info=dict(e.info), handled=e.handled)

    def on_exited(self, e: TaskExited) -> None:
        if self.traced(e.task):
            self._emit(e.task, "exit", code=None if e.sig else e.code,
                       signal=signal_name(e.sig) if e.sig else None, core=e.core,
                       process_exit=e.group_exit)

    def call_line(self, task: Task, text: str, depth: int) -> None:
        if self.traced(task):
            self._emit(task, "call", text=text, depth=depth)

    def close(self) -> None:
        first = self.k.first
        if self.tree is not None and first is not None:
            self.f.write(json.dumps({"event": "tree", "pid": first.tgid, "tid": first.tgid,
                                     "time_ns": self.k.clock.now,
                                     "tree": self.tree.as_dict()}) + "\n")
        if self.o.output:
            self.f.close()
        else:
            self.f.flush()
