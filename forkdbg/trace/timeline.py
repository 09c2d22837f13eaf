"""`forkdbg trace --timeline FILE.json`: the run as Chrome's trace-event format, which
Perfetto's UI (ui.perfetto.dev, "Open trace file") and chrome://tracing open.

One track per thread, grouped by process, named by `comm` (a process renamed at exec
gets its new name, and an `exec` marker).  Every system call is a slice ("X"), with its
strace text and result as arguments; the part of it spent asleep (in wait4, a futex, a
pipe read...) is a "blocked in NAME" slice inside it.  Signals delivered, faults, execs
and exits are instant events; each fork, vfork, clone and clone3 is a flow arrow from the
parent's call to the new task's first slice, labelled with how it was made.  Times are
the virtual clock in microseconds since boot, so two runs give byte-identical files.
Every call is drawn, whatever `-e trace=` shows in the text trace.
"""

from __future__ import annotations

import json
import os
from json.encoder import encode_basestring as quote_json  # C-accelerated: a JSON string
from typing import IO, TYPE_CHECKING, Any

from ..abi.clone import CLONE_FLAGS
from ..abi.errno import errno_name
from ..abi.signals import signal_name
from ..kernel.clock import BOOT_MONOTONIC_NS
from ..kernel.events import (
    Exec,
    Fault,
    SignalDelivered,
    SyscallBlocked,
    SyscallEnter,
    SyscallExit,
    TaskCreated,
    TaskExited,
)
from .calltext import CallText
from .describe import Style

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task
    from .strace import StracePrinter


def _us(ns: int) -> str:
    """A virtual time as the format's microseconds since boot, to the nanosecond."""
    d = ns - BOOT_MONOTONIC_NS
    return f"{d // 1000}.{d % 1000:03d}"


def _dur(t0: int, t1: int) -> str:
    d = t1 - t0
    return f"{d // 1000}.{d % 1000:03d}"


class Timeline:
    """Collects a run's events and writes them as one trace-event JSON file."""

    def __init__(self, kernel: "Kernel", path: str, style: Style) -> None:
        self.k = kernel
        self.path = path
        self.style = style
        self.events = _Stream()  # each event written out as it happens
        self.pending: dict[int, CallText] = {}  # tid -> its call being decoded
        self.slept: dict[int, int] = {}  # tid -> when its current call went to sleep
        self.flows: dict[int, int] = {}  # a new task's tid -> the flow waiting for its slice
        self.names: dict[int, tuple[int, str]] = {}  # tid -> (its process, its name)
        self.process: dict[int, tuple[int, str]] = {}  # pid -> (sort order, name)
        self.next_flow = 1
        # the file is opened now, so that a bad path ends the run before it starts
        self.f = open(path, "w", buffering=1 << 20)  # noqa: SIM115 - closed by close()
        self.f.write('{"displayTimeUnit":"ns","otherData":{"producer":"forkdbg trace '
                     '--timeline","clock":"virtual, microseconds since boot"},'
                     '"traceEvents":[\n')
        self.events.f = self.f
        first = kernel.first
        if first is not None and first.leader is not None:
            self._name(first.leader)
        bus = kernel.bus
        for etype, fn in ((SyscallEnter, self.on_enter), (SyscallExit, self.on_exit),
                          (SyscallBlocked, self.on_blocked), (TaskCreated, self.on_created),
                          (Exec, self.on_exec), (SignalDelivered, self.on_signal),
                          (Fault, self.on_fault), (TaskExited, self.on_exited)):
            bus.subscribe(etype, fn)

    def _name(self, task: "Task") -> None:
        comm = (task.comm or task.tg.comm).decode(errors="replace")
        self.names[task.tid] = (task.tg.tgid, comm)
        if task.tg.tgid not in self.process or task.tid == task.tg.tgid:
            order = self.process.get(task.tg.tgid, (len(self.process), ""))[0]
            self.process[task.tg.tgid] = (order, (task.tg.comm or task.comm)
                                          .decode(errors="replace"))

    def _instant(self, task: "Task", name: str, cat: str, **args: Any) -> None:
        self.events.append(_event(name, cat, "i", _us(self.k.clock.now), task,
                                  f',"s":"t","args":{json.dumps(args, sort_keys=True)}'))

    # ---------------------------------------------------------------- events
    def take_text_from(self, printer: "StracePrinter") -> None:
        """Use the text the strace printer decodes anyway (decoding twice costs double)."""
        self.k.bus.unsubscribe(SyscallEnter, self.on_enter)
        self.k.bus.unsubscribe(SyscallExit, self.on_exit)
        self.k.bus.subscribe(SyscallEnter, self._first_slice)
        printer.call_done = self.call_done

    def _first_slice(self, e: SyscallEnter) -> None:
        flow = self.flows.pop(e.task.tid, None)
        if flow is not None:  # the arrow from the clone lands on this, the first slice
            self.events.append(_event("created", "process", "f", _us(e.time_ns), e.task,
                                      f',"bp":"e","id":{flow}'))

    def on_enter(self, e: SyscallEnter) -> None:
        self.pending[e.task.tid] = CallText(self.k, e.task, e.nr, e.args, self.style)
        self._first_slice(e)

    def on_blocked(self, e: SyscallBlocked) -> None:
        self.slept.setdefault(e.task.tid, self.k.clock.now)

    def on_exit(self, e: SyscallExit) -> None:
        ct = self.pending.pop(e.task.tid, None)
        if ct is None:
            return
        if e.ret is None:
            ret = "?"
        elif -4095 <= e.ret < 0:
            ret = f"-1 {errno_name(-e.ret) or -e.ret}"
        else:
            ret = str(e.ret)
        self.call_done(e.task, ct.call.name, ct.finish(e.ret), ret, e.enter.time_ns,
                       e.time_ns)

    def call_done(self, task: "Task", name: str, text: str, ret: str, t0: int,
                  t1: int) -> None:
        """A call ended: its slice, and the part of it spent asleep."""
        call = quote_json(f"{name}({text}) = {ret}")
        self.events.append(f'{{"name":"{name}","cat":"syscall","ph":"X","ts":{_us(t0)},'
                           f'"pid":{task.tg.tgid},"tid":{task.tid},"dur":{_dur(t0, t1)},'
                           f'"args":{{"call":{call}}}}}')
        slept = self.slept.pop(task.tid, None)
        if slept is not None:
            self.events.append(_event(f"blocked in {name}", "blocked", "X", _us(slept), task,
                                      f',"dur":{_dur(slept, t1)}'))

    def on_created(self, e: TaskCreated) -> None:
        self._name(e.child)
        names, _rest = CLONE_FLAGS.split(e.flags & ~0xFF)
        label = e.via + (f"({'|'.join(n.removeprefix('CLONE_') for n in names)})"
                         if names else "")
        flow = self.next_flow
        self.next_flow += 1
        self.flows[e.child.tid] = flow
        args = json.dumps({"how": label, "child": e.child.tid})
        self.events.append(_event("created", "process", "s", _us(self.k.clock.now), e.parent,
                                  f',"id":{flow},"args":{args}'))

    def on_exec(self, e: Exec) -> None:
        self._name(e.task)
        self._instant(e.task, f"exec {e.path}", "process",
                      argv=[a.decode(errors="replace") for a in e.argv])

    def on_signal(self, e: SignalDelivered) -> None:
        self._instant(e.task, signal_name(e.sig), "signal", handled=e.handled,
                      info={k: v for k, v in e.info.items()})

    def on_fault(self, e: Fault) -> None:
        self._instant(e.task, f"fault: {signal_name(e.sig)}", "signal", pc=hex(e.pc),
                      addr=hex(e.addr), detail=e.detail)

    def on_exited(self, e: TaskExited) -> None:
        how = (f"killed by {signal_name(e.sig)}" if e.sig else f"exited {e.code}")
        self._instant(e.task, how, "process", process_exit=e.group_exit)

    # ---------------------------------------------------------------- output
    def close(self) -> None:
        f = self.f
        f.write(self._meta())  # after the events (the format takes any order)
        f.write("\n]}\n")
        f.close()

    def snapshot(self, path: str) -> None:
        """Write what has happened so far to `path` as a whole file (the debugger's
        `info timeline FILE`); the run goes on adding to this one."""
        self.f.flush()
        with open(self.path) as src, open(path, "w") as out:
            out.write(src.read())
            out.write(self._meta())
            out.write("\n]}\n")

    def discard(self) -> None:
        """Close and remove the file (the debugger's, made for snapshots)."""
        if not self.f.closed:
            self.f.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def _meta(self) -> str:
        meta: list[str] = []
        for pid, (order, name) in sorted(self.process.items()):
            meta.append(json.dumps({"name": "process_name", "ph": "M", "pid": pid, "tid": pid,
                                    "args": {"name": f"{name} ({pid})"}}))
            meta.append(json.dumps({"name": "process_sort_index", "ph": "M", "pid": pid,
                                    "tid": pid, "args": {"sort_index": order}}))
        for tid, (pid, name) in sorted(self.names.items()):
            meta.append(json.dumps({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid,
                                    "args": {"name": f"{name} ({tid})"}}))
        return (",\n".join(meta) or
                '{"name":"process_name","ph":"M","pid":0,"tid":0,"args":{"name":"none"}}')


class _Stream:
    """The events, each followed by a comma as it is written (metadata comes last)."""

    f: IO[str]

    def append(self, event: str) -> None:
        self.f.write(event)
        self.f.write(",\n")


def _event(name: str, cat: str, ph: str, ts: str, task: "Task", rest: str) -> str:
    """One trace event as JSON text (built directly: a run makes hundreds of thousands)."""
    return (f'{{"name":{quote_json(name)},"cat":"{cat}","ph":"{ph}",'
            f'"ts":{ts},"pid":{task.tg.tgid},"tid":{task.tid}{rest}}}')
