"""The strace-compatible printer: subscribes to kernel events and writes strace 6.1's lines.

A call's arguments known at entry are written at entry and its line is left open;
when it returns the line is finished.  If another task prints first, the open line
ends with ``<unfinished ...>`` and the return is written as ``<... NAME resumed>``.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, replace
from typing import IO, Callable, Generator

from ..abi.errno import RESTART_ERRNOS
from ..abi.signals import signal_name
from ..abi.sysnums import NR, syscall_name
from ..kernel.events import (
    Exec,
    SignalDelivered,
    SyscallBlocked,
    SyscallEnter,
    SyscallExit,
    TaskCreated,
    TaskExited,
)
from ..kernel.kernel import Kernel
from ..kernel.task import Task
from ..kernel.thread_group import ThreadGroup
from .ctx import Call
from .decoders import DECODERS, _strarray
from .describe import Style, chex, errno_suffix, quote
from .dumpio import dump_lines
from .kinds import fd_text, generic
from .kinds_events import RETFMT
from .kinds_signal import PID_RESULTS, pid_seen_by, pid_text, siginfo_text
from .options import TraceOptions
from .pathtrace import PathFilter
from .sink import Sink
from .stack import stack_lines
from .summary import Summary
from .threadends import ThreadEnds

#: calls whose result is a new descriptor (strace's RVAL_FD): -y shows its path
#: -k takes these calls' frames at entry: the image they ran in is gone by their exit
STACK_AT_ENTRY = frozenset({NR.execve, NR.execveat, NR.exit, NR.exit_group})
FD_RETURNING = {"open", "openat", "openat2", "creat", "dup", "dup2", "dup3", "fcntl",
                "pidfd_open", "pidfd_getfd", "socket", "accept", "accept4", "eventfd",
                "eventfd2", "epoll_create", "epoll_create1", "memfd_create", "timerfd_create",
                "signalfd", "signalfd4", "inotify_init", "inotify_init1", "fanotify_init",
                "perf_event_open", "userfaultfd", "open_by_handle_at", "io_uring_setup"}


@dataclass
class Pending:
    """A call whose line was started."""

    call: Call
    gen: Generator[None, None, None] | None
    entry: SyscallEnter
    shown: bool
    split: bool = False
    stream: str = ""
    counted: bool = True  # -c counts what trace= and -P select (not what status= hides)
    entry_text: str = ""  # the arguments written when the line was started
    stack: list[str] | None = None  # -k: frames taken at entry (the calls that end the image)


class Streams:
    """Where lines go: stderr, one file, or one file per pid (-ff), each a Sink."""

    def __init__(self, opts: TraceOptions, err: IO[str]) -> None:
        self.opts = opts
        self.err = Sink("standard error", err)
        self._files: dict[str, Sink] = {}
        if opts.output and not opts.per_pid:  # a bad -o ends the run before it starts
            mode = "a" if opts.append else "w"
            self._files[""] = Sink(opts.output, open(opts.output, mode, buffering=1),  # noqa: SIM115
                                   self.err)

    def key(self, tid: int) -> str:
        return str(tid) if self.opts.per_pid and self.opts.output else ""

    def file(self, key: str) -> Sink:
        f = self._files.get(key)
        if f is None:
            if not key:
                return self.err
            f = self._files[key] = Sink.open(f"{self.opts.output}.{key}", self.err,
                                             self.opts.append)
        return f

    def release(self, key: str) -> None:
        """A -ff file whose task is gone: closed, so thousands of pids never hold
        thousands of descriptors at once."""
        f = self._files.pop(key, None) if key else None
        if f is not None:
            f.close()

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self.err.flush()


class StracePrinter:
    """Renders one kernel's events as strace does."""

    def __init__(self, kernel: Kernel, opts: TraceOptions, err: IO[str] = sys.stderr) -> None:
        self.k = kernel
        self.o = opts
        self.streams = Streams(opts, err)
        self.err = self.streams.err
        self.root_tid = kernel.first.tgid if kernel.first else 0
        self.nprocs = 1
        self.pending: dict[int, Pending] = {}
        self.exit_stacks: dict[int, list[str]] = {}  # -k frames of an exit_group, by tid
        self.open: dict[str, tuple[int, int]] = {}  # stream -> (tid, column)
        self.executing: int | None = None
        self.deferred: list[Callable[[], None]] = []
        self.inject_counts: dict[tuple[int, int], int] = {}
        self.summary = Summary()
        self.last_ts: int | None = None
        self._decoders: dict[int, Callable] = {}
        self.show_lines = opts.summary != 1 and not opts.json
        self.last_nr: dict[int, int] = {}  # -n: each task's latest syscall number
        self.paths = PathFilter(opts.paths) if opts.paths else None
        self.dumps = bool(opts.dump_read or opts.dump_write)  # -e read=, -e write=
        self.indent: Callable[[Task], int] | None = None  # --calls: nesting depth
        self.detached: set[ThreadGroup] = set()  # -b execve: processes no longer followed
        #: told each call's (task, name, arguments, result, start) as it ends (--timeline)
        self.call_done: Callable[[Task, str, str, str, int, int], None] | None = None
        self.before_line: Callable[[Task], None] | None = None  # --calls: open "{" lines
        kernel.signals.trace_ignored = True
        bus = kernel.bus
        bus.subscribe(SyscallEnter, self.on_enter)
        bus.subscribe(SyscallExit, self.on_exit)
        bus.subscribe(SyscallBlocked, self.on_blocked)
        bus.subscribe(TaskCreated, self.on_created)
        bus.subscribe(TaskExited, self.on_exited)
        bus.subscribe(SignalDelivered, self.on_signal)
        self.threads = ThreadEnds(self)
        bus.subscribe(Exec, self.threads.on_exec)
        self._first_exec()

    def _first_exec(self) -> None:
        """strace's first line: the execve that started the program (it happened before us)."""
        first = self.k.first
        if first is None or first.leader is None or first.launcher:
            return  # a launcher's execve is a real call, traced as it happens
        task = first.leader
        self.last_nr[task.tid] = NR.execve
        if self.paths is not None:
            self.paths.resolve(task)
        if (self.o.syscalls is not None and NR.execve not in self.o.syscalls) or (
                self.paths is not None and first.exec_path not in self.paths.paths):
            return
        self.summary.add("execve", 0, False)
        if not self.show_lines or (self.o.statuses is not None
                                   and "successful" not in self.o.statuses):
            return
        argv_ptr, envp_ptr, _n = task.mm.start_args
        c = Call(task, NR.execve, "execve", (0, argv_ptr, envp_ptr), self._style(NR.execve),
                 self.o.fdpaths)
        c.put(quote(os.fsencode(first.exec_path), self.o.style, limit=4096))
        c.put(_strarray(c, argv_ptr, False))
        c.put(_strarray(c, envp_ptr, True))
        text = self._leader(task.tid) + "execve(" + c.take() + ")"
        self._out(self.streams.key(task.tid), task.tid, self._pad(text, len(text)) + "= 0", True)
        if self.o.stack:  # strace attached after the exec: the new image's first frame
            self._stack(task)

    # ------------------------------------------------------------ helpers
    def traced(self, task: Task) -> bool:
        return (self.o.follow or task.tid == self.root_tid) and task.tg not in self.detached

    def _decoder(self, nr: int) -> Callable:
        d = self._decoders.get(nr)
        if d is None:
            name = syscall_name(nr)
            d = DECODERS.get(name)
            if d is None:
                sd = self.k.table.get(nr)
                d = generic(sd.args if sd is not None else ("hex",) * 6)
            self._decoders[nr] = d
        return d

    def _style(self, nr: int) -> Style:
        """-v for everything, or -e abbrev=SET: the calls left out print structures whole."""
        style = self.o.style
        full = self.o.verbose_calls
        if full is not None and (nr in full) != style.verbose:
            style = replace(style, verbose=not style.verbose)
        return style

    def call_line(self, task: Task, text: str, depth: int) -> None:
        """A --calls line at nesting `depth`."""
        if not self.show_lines or not self.traced(task):
            return
        self._out(self.streams.key(task.tid), task.tid,
                  self._leader(task.tid, indent=False) + "  " * depth + text, True)

    def _leader(self, tid: int, pc: int | None = None, indent: bool = True) -> str:
        o = self.o
        s = ""
        if not (o.per_pid and o.output):
            if o.output and o.follow:
                s = f"{tid:<5d} "
            elif self.nprocs > 1:
                s = f"[pid {tid:5d}] "
        if o.timestamps or o.relative:
            s += self._stamp()
        if o.numbers:  # -n: the call, or for signal and exit lines the task's last one
            s += f"[{self.last_nr.get(tid, 0):4d}] "
        if o.ip:
            s += f"[{pc:016x}] " if pc is not None else "[????????????????] "
        if indent and self.indent is not None:
            task = self.k.tasks.get(tid)
            if task is not None:
                s += "  " * self.indent(task)
        return s

    def _stamp(self) -> str:
        clock = self.k.clock
        if self.o.relative:
            now = clock.now
            d = 0 if self.last_ts is None else now - self.last_ts
            self.last_ts = now
            return f"{d // 10**9:6d}.{d % 10**9 // 1000:06d} "
        rt = clock.realtime
        sec, us = rt // 10**9, rt % 10**9 // 1000
        if self.o.timestamps >= 3:
            return f"{sec}.{us:06d} "
        hms = time.strftime("%H:%M:%S", time.gmtime(sec))
        return f"{hms}.{us:06d} " if self.o.timestamps == 2 else f"{hms} "

    def _out(self, key: str, tid: int, text: str, newline: bool, continues: bool = False) -> None:
        """Write text for `tid`; close another task's open line first."""
        f = self.streams.file(key)
        cur = self.open.get(key)
        if cur is not None and (cur[0] != tid or not continues):
            p = self.pending.get(cur[0])
            f.write(" <unfinished ...>\n")
            if p is not None:
                p.split = True
            self.open.pop(key, None)
            cur = None
        f.write(text + ("\n" if newline else ""))
        if newline:
            self.open.pop(key, None)
        else:
            col = (cur[1] if cur is not None else 0) + len(text)
            self.open[key] = (tid, col)

    def _line(self, task: Task, text: str) -> None:
        """A whole line of its own (signals, +++ lines, stack frames)."""
        key = self.streams.key(task.tid)
        self._out(key, task.tid, self._leader(task.tid) + text, True)

    def _ret_text(self, c: Call, ret: int | None, restarted: bool) -> str:
        if ret is None:
            return "?"
        if -4095 <= ret < 0 or restarted:
            err = -ret
            if restarted or err in RESTART_ERRNOS:
                return f"? {errno_suffix(err)}"
            return f"-1 {errno_suffix(err)}"
        fmt = c.retfmt
        if fmt == "dec":
            fmt = RETFMT.get(c.name, fmt)
        if callable(fmt):
            text = fmt(ret)
        elif fmt == "hex":
            text = chex(ret)
        else:
            text = str(ret)
        if self.o.fdpaths and c.name in FD_RETURNING and ret >= 0 and (
                c.name != "fcntl" or c.args[1] in (0, 1030)):
            text = fd_text(c, ret)
        elif c.style.pidns and c.name in PID_RESULTS and ret > 0:
            text = pid_text(c, ret)
        return text

    # -------------------------------------------------------------- events
    def on_enter(self, e: SyscallEnter) -> None:
        task = e.task
        if not self.traced(task):
            return
        lo, hi = task.mm.vdso
        if lo <= e.pc < hi and not self.o.vdso_calls:
            return  # a vDSO function's call: a real vDSO makes none, strace shows none
        if task.tg.launcher and e.nr != NR.execve:
            return  # strace's hide_log: before the program runs, only its execve shows
        o = self.o
        chosen = o.syscalls is None or e.nr in o.syscalls
        if chosen:  # strace tampers only with the calls -e trace= selects
            self._inject(e)
        self.executing = task.tid
        if o.numbers:
            self.last_nr[task.tid] = e.nr
        selected = chosen and (
            self.paths is None or self.paths.matches(task, self.k.table.get(e.nr), e.args))
        shown = self.show_lines and selected
        style = o.style if o.verbose_calls is None else self._style(e.nr)  # -e abbrev= only
        c = Call(task, e.nr, syscall_name(e.nr), e.args, style, o.fdpaths)
        gen = (_raw if e.nr in o.raw else self._decoder(e.nr))(c)
        try:
            next(gen)
        except StopIteration:
            gen = None
        p = Pending(c, gen, e, shown, stream=self.streams.key(task.tid), counted=selected)
        if shown and o.stack and e.nr in STACK_AT_ENTRY:  # strace's STACKTRACE_CAPTURE_ON_ENTER
            p.stack = stack_lines(self.k, task)
        self.pending[task.tid] = p
        if shown and self.before_line is not None:
            self.before_line(task)
        if o.detach_on_execve and e.nr == NR.execve:  # strace's -b execve
            del self.pending[task.tid]
            self.detached.add(task.tg)
            if shown:
                text = self._leader(task.tid, e.pc + 2) + c.name + "(" + c.take()
                self._out(p.stream, task.tid, text + " <detached ...>", True)
            return
        if shown and self.o.statuses is None:
            p.entry_text = c.take()
            text = self._leader(task.tid, e.pc + 2) + c.name + "(" + p.entry_text
            self._out(p.stream, task.tid, text, False)

    def _inject(self, e: SyscallEnter) -> None:
        apply_inject(self.o, self.inject_counts, e)

    def on_blocked(self, e: SyscallBlocked) -> None:
        if self.executing == e.task.tid:
            self.executing = None
            self._flush_deferred()

    def on_exit(self, e: SyscallExit) -> None:
        task = e.task
        p = self.pending.pop(task.tid, None)
        if p is None:
            return
        c = p.call
        c.ret = e.ret
        if p.gen is not None and e.ret is None and not c.parts:
            c.parts.append(" <unfinished ...>")  # killed inside: what it returns is never seen
        elif p.gen is not None:
            try:
                next(p.gen)
            except StopIteration:
                pass
        rest = c.take()
        ret_text = self._ret_text(c, e.ret, e.restarted)
        if self.call_done is not None:  # --timeline takes the text rather than decode twice
            self.call_done(task, c.name, p.entry_text + rest, ret_text, e.enter.time_ns,
                           e.time_ns)
        if p.counted and e.ret is not None and not e.restarted:
            self.summary.add(c.name, e.time_ns - e.enter.time_ns, c.failed)
        if p.shown and self._status_ok(e):
            ret = ret_text + c.retnote
            if e.enter.injected:
                ret += " (INJECTED)"
            if self.o.durations:
                d = e.time_ns - e.enter.time_ns
                ret += f" <{d // 10**9}.{d % 10**9 // 1000:06d}>"
            self._finish(task, p, rest, ret)
            if self.dumps:
                for ln in dump_lines(self.o, c):
                    self._out(p.stream, task.tid, ln, True)
            if self.o.stack:
                if e.enter.nr == NR.exit_group and e.ret is None:
                    self.exit_stacks[task.tid] = p.stack or []  # shown after its +++ line
                else:
                    self._stack(task, p.stack)
        if self.executing == task.tid:
            self.executing = None
        self._flush_deferred()

    def _status_ok(self, e: SyscallExit) -> bool:
        st = self.o.statuses
        if st is None:
            return True
        if e.ret is None:
            return "unfinished" in st
        failed = -4095 <= e.ret < 0
        return ("failed" in st) if failed else ("successful" in st)

    def _finish(self, task: Task, p: Pending, rest: str, ret: str) -> None:
        key = p.stream
        cur = self.open.get(key)
        if self.o.statuses is not None:  # nothing was written at entry: `rest` is everything
            body = self._leader(task.tid, p.entry.pc + 2) + p.call.name + "(" + rest + ")"
            self._out(key, task.tid, self._pad(body, len(body)) + "= " + ret, True)
            return
        if cur is not None and cur[0] == task.tid and not p.split:
            text = rest + ")"
            col = cur[1] + len(text)
            self._out(key, task.tid, self._pad(text, col) + "= " + ret, True, continues=True)
        else:
            head = self._leader(task.tid) + f"<... {p.call.name} resumed>" + rest + ")"
            self._out(key, task.tid, self._pad(head, len(head)) + "= " + ret, True)

    def _pad(self, text: str, col: int) -> str:
        if col < self.o.column:
            return text + " " * (self.o.column - col)
        return text + " "

    def _stack(self, task: Task, lines: list[str] | None = None) -> None:
        for line in stack_lines(self.k, task) if lines is None else lines:
            self._out(self.streams.key(task.tid), task.tid, line, True)

    def _defer_or_run(self, fn: Callable[[], None]) -> None:
        if self.executing is not None:
            self.deferred.append(fn)
        else:
            fn()

    def _flush_deferred(self) -> None:
        while self.deferred and self.executing is None:
            self.deferred.pop(0)()

    def on_created(self, e: TaskCreated) -> None:
        if e.parent.tg in self.detached:
            self.detached.add(e.child.tg)  # a detached process's children are not seen
        if not self.traced(e.parent):
            return
        if not self.o.follow:  # what ptrace would hand strace anyway
            self.threads.created_unfollowed(e)
            return
        self.nprocs += 1
        if "attach" not in self.o.quiet and not self.o.json and self.o.summary != 1:
            tid = e.child.tid
            self._defer_or_run(lambda: self._note(tid, f"Process {tid} attached"))

    def _note(self, tid: int, text: str) -> None:
        """A message of forkdbg's own, on stderr like strace's (on its own line)."""
        if self.o.output:
            self.err.write(f"{self.o.progname}: {text}\n")
            self.err.flush()
        else:
            self._out("", tid, f"{self.o.progname}: {text}", True)

    def on_signal(self, e: SignalDelivered) -> None:
        task = e.task
        if not self.traced(task) or not self.show_lines:
            return
        if self.o.signals is not None and e.sig not in self.o.signals:
            return
        style = self.o.style
        text = (f"--- {signal_name(e.sig)} "
                f"{siginfo_text(e.info, lambda p: pid_seen_by(e.task, style, p))} ---")
        frames = stack_lines(self.k, task) if self.o.stack else []  # where it interrupted

        def show() -> None:
            self._line(task, text)
            self._stack(task, frames)
        self._defer_or_run(show)

    def on_exited(self, e: TaskExited) -> None:
        if not self.traced(e.task):
            self.threads.unfollowed_exit(e)
            return
        if self.threads.exited(e):
            return
        self._exit_line(e)
        held = self.threads.after_group_exit(e)
        if held is not None:
            self._exit_line(held)

    def _exit_line(self, e: TaskExited) -> None:
        task = e.task

        def show() -> None:
            if self.show_lines and "exit" not in self.o.quiet:
                if e.sig:
                    core = " (core dumped)" if e.core else ""
                    self._line(task, f"+++ killed by {signal_name(e.sig)}{core} +++")
                else:
                    self._line(task, f"+++ exited with {e.code} +++")
                self._stack(task, self.exit_stacks.pop(task.tid, []))
            self.nprocs = max(1, self.nprocs - 1)
            self.streams.release(self.streams.key(task.tid))
        self._defer_or_run(show)

    def close(self) -> None:
        """End of the run: open lines stay unfinished; the summary (-c/-C)."""
        for key, (_tid, _col) in list(self.open.items()):
            self.streams.file(key).write(" <unfinished ...>\n")
        self.open.clear()
        if self.o.summary:
            f = self.streams.file("") if not self.o.per_pid else self.err
            f.write(self.summary.render(self.o.sort_by))
        self.streams.close()


def apply_inject(o: TraceOptions, counts: dict[tuple[int, int], int], e: SyscallEnter) -> None:
    """-e inject: count the call per task and, when its turn comes, fake the result.
    The last -e inject/fault naming a call is the one for it, as in strace (an earlier
    `fault=all` does not apply to a call a later `fault=exit:when=2+` names)."""
    for i in range(len(o.inject) - 1, -1, -1):
        inj = o.inject[i]
        if e.nr in inj.nrs:
            key = (i, e.task.tid)
            n = counts.get(key, 0) + 1
            counts[key] = n
            if inj.fires(n):
                e.inject = inj.value
            return


def _raw(c: Call) -> Generator[None, None, None]:
    """-e raw=: every argument the call takes as a hex number, the result too."""
    sd = c.task.kernel.table.get(c.nr)
    for v in c.raw_args[:sd.nargs if sd is not None else 6]:
        c.put(chex(v))
    c.retfmt = "hex"
    return
    yield


__all__ = ["StracePrinter"]
