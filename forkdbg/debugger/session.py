"""Session: one debugging session — the program, its kernel, inferiors, threads, points.

The session runs the kernel until a stop (a breakpoint, a catchpoint, a signal, an
exit, Ctrl-C), then reports it as gdb does.  Output goes through `self.out`; the
kernel itself never prints.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import weakref
from typing import TYPE_CHECKING, Callable, TextIO

from ..abi.errno import errno_message
from ..interrupts import Interrupts
from ..kernel.errors import KernelError
from ..kernel.kernel import Kernel
from ..machine import MachineError, MachineOptions, build, check_program
from ..trace.describe import Style
from ..trace.timeline import Timeline
from .breakpoints import Breakpoint, DebugWatcher, Point, Watchpoint
from . import dummy
from .control import do_actions
from .dummy import DummyFrame
from .events import SOLIB_CHECK_CALLS, EventHandlers
from .expr import INT, VOIDP, Env, Value, evaluate
from .exprenv import expression_env
from .format import location
from .gdbtext import NOT_RESUMING, VFORK_REFUSED, GdbPrinter
from .hooks import PointHooks
from .inferiors import Inferior, thread_target_id
from .program import ProgramFile
from .questions import Questions
from .ranges import decimal
from .registry import CommandError, ErrorLine
from .settings import DEFAULT_SETTINGS
from .source import SourceView
from .stops import (DummyReturnEvent, ExitedEvent, Notification, NotResumedEvent, StopEvent,
                    VforkRefusedEvent)
from .syscalltable import SyscallTable, SyscallTables
from .tui.state import TuiState

if TYPE_CHECKING:
    from ..elf.symbols import Symbols
    from ..kernel.task import Task
    from ..kernel.thread_group import ThreadGroup
    from .gdbsignals import GdbSignal


class Session(PointHooks, ProgramFile, Questions):
    """State of one forkdbg debugging session."""

    def __init__(self, out: TextIO = sys.stdout, batch: bool = False,
                 err: TextIO = sys.stderr) -> None:
        self.out = out
        self.err = err
        self.batch = batch
        self.settings = dict(DEFAULT_SETTINGS)
        self.program: str | None = None
        self.args: list[str] = []
        self.env_changes: dict[str, str | None] = {}
        self.machine = MachineOptions()  # the machine each `run` builds
        self.kernel: Kernel | None = None
        self.timeline: Timeline | None = None  # the current run, for `info timeline`
        self.run_deadline = 0.0  # when --timeout ends the run (time.monotonic)
        self.inferiors: dict[int, Inferior] = {}
        self.current_inferior = 1
        self.current_tid: int | None = None
        self.points: list[Point] = []
        self.next_point = 1
        self.internal_stops: dict[int, Callable[["Task"], bool]] = {}
        self.dummy_frames: list[DummyFrame] = []  # calls from expressions left unfinished
        self.checkpoints: dict[int, "ThreadGroup"] = {}  # checkpoint N -> its process; 0: main
        self.checkpoint_offsets: dict[int, dict[int, int]] = {}  # id(process) -> fd -> offset
        self.connection = 0  # gdb's number for the target connection (info inferiors)
        self.last_pid = 0  # the last run's highest pid
        self.history: list[Value] = []
        self.convenience: dict[str, Value] = {}
        self.displays: list[tuple[int, str, str]] = []
        self.disabled_displays: set[int] = set()  # `disable display N`
        self.next_display = 1
        self.last_x: tuple[int, str, int] = (0, "x", 4)
        self.last_print_format: str | None = None  # print/FMT's letter, kept by print/r
        self.x_next = 0  # the address after the last unit `x` examined
        self.exit_code: int | None = None
        self.last_clone: dict[str, object] | None = None
        self.ask_fork: Callable[[], str] | None = None  # REPL: follow-fork-mode ask
        self.ask: Callable[[str], bool] | None = None  # REPL: y/n questions
        self.line_source: Callable[[], str | None] | None = None  # where `commands` reads
        self.source_depth = 0  # command files being read, one inside another
        self.watcher = DebugWatcher(self)
        self.hit_point: Point | None = None
        self.last_hit: Point | None = None  # the breakpoint of the last stop (continue N)
        self.stop_signal: "GdbSignal | None" = None  # the signal the last stop was at
        self.last_command = ""
        self.last_stop_tid: int | None = None  # "[Switching to ...]" when a stop moves
        self.from_tty = not batch  # gdb's from_tty: some messages only for a person
        self.stop: StopEvent | None = None  # what stopped the program last
        self.stop_log: list[StopEvent] = []  # the stop events of the last resume, in order
        self.observers: list[Callable[[Notification], None]] = [GdbPrinter(self)]
        self.events = EventHandlers(self)
        self.syscall_tables = SyscallTables()
        self.source = SourceView(self)
        self.step_origin: tuple[int, object, int] | None = None  # (thread, frame, function)
        self.after_stop: list[str] = []  # said after the stop's report (finish's value)
        self.frame_level = 0  # the selected frame (frame, up, down); 0 after each stop
        self.detached_idle = False  # the detached processes cannot move until a command
        self.pending_actions: list[str] = []  # the commands of the breakpoint last hit
        self.in_actions = False
        self.resumes = 0  # counts resumes: a breakpoint command that resumes ends its list
        self.repeat_as: str | None = None  # set by a command: what an empty line repeats
        self.tui = TuiState()  # the TUI's layout and focus (a terminal front-end draws it)

    # ------------------------------------------------------------- output
    def say(self, text: str = "") -> None:
        if isinstance(text, ErrorLine):
            self.error(text)
            return
        self.out.write(text + "\n")
        self.out.flush()

    def notify(self, event: Notification) -> None:
        """Tell each observer (the gdb printer first) what the core saw happen."""
        for observer in self.observers:
            observer(event)

    @property
    def stop_task(self) -> "Task | None":
        """The thread the last stop left current (none after an exit)."""
        stop = self.stop
        return stop.task if stop is not None and not isinstance(stop, ExitedEvent) else None

    @property
    def stop_kind(self) -> str:
        return self.stop.kind if self.stop is not None else ""

    def error(self, text: str) -> None:
        """An error message: on stderr, as gdb writes them."""
        self.out.flush()
        self.err.write(text + "\n")
        self.err.flush()

    # ------------------------------------------------------------ program
    def set_program(self, path: str, args: list[str] | None = None) -> None:
        self.program = path
        if args is not None:
            self.args = args
        self.inferiors.setdefault(1, Inferior(1, path)).exe = path

    @property
    def running(self) -> bool:
        return self.kernel is not None and any(i.live for i in self.inferiors.values())

    def require_running(self, message: str = "The program is not being run.") -> None:
        if not self.running:
            raise CommandError(message)

    def inferior_of(self, task: "Task") -> Inferior | None:
        for inf in self.inferiors.values():
            if inf.tg is task.tg and not inf.detached:
                return inf
        return None

    @property
    def color(self) -> bool:
        """Whether output is styled (`set style enabled`: on at a terminal): coloured
        disassembly, source lines and frame lines."""
        return self.settings["style enabled"] == "on"

    @property
    def inferior(self) -> Inferior:
        return self.inferiors[self.current_inferior]

    def task(self) -> "Task":
        """The current thread (an error if there is no process)."""
        self.require_running()
        k = self.kernel
        assert k is not None
        t = k.tasks.get(self.current_tid) if self.current_tid is not None else None
        if t is None or not t.alive or self.inferior_of(t) is None:
            live = self.inferior.live_tasks()
            if not live:
                raise CommandError("The program is not being run.")
            t = live[0]
            self.current_tid = t.tid
        return t

    def symbols(self, task: "Task | None" = None) -> "Symbols | None":
        if self.kernel is None:
            return self._file_symbols()
        try:
            t = task or self.task()
        except CommandError:
            return self._file_symbols()
        return self.kernel.symbols_for(t.tg)

    def has_debug_info(self) -> bool:
        """Whether the current process's objects (or the program file) carry DWARF."""
        return bool(self.source.scopes())

    def describe(self, addr: int) -> str:
        """``name+off`` for `addr` as gdb's build_address_symbolic: the function the
        debug information puts there, unless an ELF symbol starts closer."""
        syms = self.symbols()
        hit = syms.containing(addr) if syms is not None else None
        sc = self.source.scope_at(addr)
        fn = sc.function_at(addr) if sc is not None else None
        if fn is not None and sc is not None and fn.low + sc.bias <= addr and (
                hit is None or hit[0].addr <= fn.low + sc.bias):  # (a cold part: by symbol)
            off = addr - (fn.low + sc.bias)
            return f"{fn.name}+{off}" if off else fn.name
        return syms.describe(addr) if syms is not None else ""

    def where(self, task: "Task") -> str:
        return location(task.pc, self.symbols(task))

    # --------------------------------------------------------- expressions
    def env(self) -> Env:
        """What expressions see now: registers, memory, symbols, variables, calls."""
        return expression_env(self)

    def evaluate(self, text: str, typed_only: bool = False) -> Value:
        return evaluate(text, self.env(), typed_only)

    def eval_int(self, text: str) -> int:
        v = self.evaluate(text)
        if v.t.name == "<data variable, no debug info>":
            assert v.lval is not None
            return v.lval
        return v.v

    def syscall_table(self) -> SyscallTable:
        """The syscall names of the data directory and architecture in force (gdb's
        warning, once, when they cannot be read)."""
        return self.syscall_tables.table(self.settings["data-directory"],
                                         self.settings["architecture"],
                                         lambda m: self.error("warning: " + m))

    # ------------------------------------------------------------- points
    def set_next_address(self, addr: int) -> None:
        """gdb's set_next_address: `$_` and the default address of `x` (info line and
        info breakpoints set them)."""
        self.convenience["_"] = Value(addr, VOIDP)
        self.x_next = addr

    def add_point(self, p: Point) -> Point:
        p.num = self.next_point
        self.next_point += 1
        self.points.append(p)
        self.convenience["bpnum"] = Value(p.num, INT)  # gdb's $bpnum: the last one set
        return p

    def convenience_int(self, name: str) -> int | None:
        """$NAME's value if it is an integer (for number lists): a convenience variable,
        or the value history (`$`, `$$`, `$N`, `$$N`; gdb's errors past its end)."""
        if name in ("", "$") or decimal(name) or (name[:1] == "$" and decimal(name[1:])):
            v = self.evaluate("$" + name)
        else:
            v = self.convenience.get(name)  # type: ignore[assignment]
        if v is None or v.t.is_pointer or v.t.name == "void" or not isinstance(v.v, int) \
                or v.t.aggregate:
            return None
        return v.v

    def find_point(self, num: int) -> Point:
        for p in self.points:
            if p.num == num:
                return p
        raise CommandError(f"No breakpoint number {num}.")

    # ------------------------------------------------------------ running
    def new_kernel(self) -> Kernel:
        if not self.program:
            raise CommandError("No executable file specified.\nUse the \"file\" or "
                               "\"exec-file\" command.")
        if self.kernel is not None:
            self.kill()  # what the last run left: checkpoints, detached processes
        exe = self.inferior.exe if self.current_inferior in self.inferiors else ""
        if exe and exe != self.program:  # it exec'd (follow-exec-mode same): gdb runs that
            self.program = exe
        try:
            # as on a host, a new run's processes get pids the last run did not use
            k = build(self.machine, self.last_pid + 1 if self.last_pid else None)
            env = self.machine.environment()
            check_program(k, self.program)
        except MachineError as e:
            raise CommandError(str(e)) from None
        cfg = k.config
        for name, val in self.env_changes.items():
            env = [e for e in env if not e.startswith(name.encode() + b"=")]
            if val is not None:
                env.append(f"{name}={val}".encode())
        # gdb starts the program by its absolute, symlink-free name: that is its argv[0]
        argv0 = os.path.realpath(self.program) if cfg.root == "/" else self.program
        argv = [os.fsencode(argv0)] + [os.fsencode(a) for a in self.args]
        try:
            task = k.spawn(self.program, argv, env)
        except KernelError as e:
            raise CommandError(f"{self.program}: {errno_message(e.errno)}.") from None
        k.watchers.add(self.watcher)
        self.events.attach(k)
        self.kernel = k
        self.connection += 1  # gdb opens its native target afresh for each new run
        self._start_timeline(k)
        self.run_deadline = time.monotonic() + (self.machine.timeout_s or 0)
        inf = self.inferiors.setdefault(1, Inferior(1, self.program))
        for other in list(self.inferiors):
            if other != 1:
                del self.inferiors[other]
        inf.tg, inf.detached, inf.threads, inf.next_thread = task.tg, False, {}, 1
        inf.exe = task.tg.exe
        inf.thread_db, inf.solib_check = None, SOLIB_CHECK_CALLS  # libthread_db's lines
        inf.add_thread(task.tid)
        self.current_inferior = 1
        self.current_tid = task.tid
        self.last_stop_tid = task.tid
        self.exit_code = None
        for p in self.points:
            p.inferiors = {1} if not p.inferiors or p.inferiors == {1} else p.inferiors | {1}
            if isinstance(p, Breakpoint):
                p.addrs.clear()
        self.insert_points()
        for p in self.points:
            if isinstance(p, Watchpoint):
                p.handles.clear()
                self.insert_watch(p)
        return k

    def _start_timeline(self, k: Kernel) -> None:
        """Record this run for `info timeline FILE` (the last run's record goes)."""
        if self.timeline is not None:
            self.timeline.discard()
        fd, path = tempfile.mkstemp(prefix="forkdbg-timeline-", suffix=".json")
        os.close(fd)
        self.timeline = Timeline(k, path, Style())
        weakref.finalize(self, self.timeline.discard)

    def kill(self) -> None:
        k = self.kernel
        if k is None:
            return
        self.last_pid = k.last_pid
        from ..kernel.exit import do_exit
        self.events.pending_follow = []
        self.checkpoints.clear()
        self.checkpoint_offsets.clear()
        self.events.quiet = True
        try:
            for g in list(k.groups.values()):
                for t in list(g.threads):
                    if t.alive:
                        do_exit(k, t, 0, 9)
        finally:
            self.events.quiet = False
        for inf in self.inferiors.values():
            inf.tg = None
        self.kernel = None

    def resume(self, step: Callable[[], object] | None = None) -> None:
        """Continue (or take one step) until the next stop, then report it as gdb does."""
        stop = self.proceed(step)
        if isinstance(self.stop, NotResumedEvent):
            self.error(NOT_RESUMING)
        self.events.report(stop)
        if isinstance(self.stop, VforkRefusedEvent):  # gdb says why, and goes on
            self.error(VFORK_REFUSED)

    def proceed(self, step: Callable[[], object] | None = None) -> object:
        """The core of every resume (gdb's proceed): follow a fork a catchpoint stopped at,
        apply the scheduling holds, run the kernel (or `step`, one of stepping.py's
        engines) until something stops it.  Sets `stop` and `stop_log`, prints nothing;
        returns the kernel's Stop that ended the run early (an interrupt, a deadlock)."""
        k = self.kernel
        assert k is not None
        self.stop, self.stop_log = None, []
        self.stop_signal = None
        self.after_stop = []
        self.frame_level = 0
        self.resumes += 1
        switched = self.events.switched_from_fork_event()
        self.events.run_pending_follow()  # gdb follows a caught fork first, then records
        if switched:  # gdb follows the fork, then stays stopped
            self.stop = NotResumedEvent(self.task())
            return None
        self.last_stop_tid = self.current_tid  # "[Switching to ...]" if another thread stops
        self.apply_holds()
        timeout = None
        if self.machine.timeout_s is not None:
            timeout = max(self.run_deadline - time.monotonic(), 0.001)
        with Interrupts(k, timeout):
            result = step() if step is not None else k.run()
        if isinstance(self.stop, DummyReturnEvent) and self.stop.task is not None and \
                self.stop.frame is not None:
            dummy.pop(self, self.stop.task, self.stop.frame)
        return result

    def apply_holds(self) -> None:
        """gdb: `continue` resumes the current inferior only, unless schedule-multiple is on;
        detached processes always run."""
        k = self.kernel
        if k is None:
            return
        multiple = self.settings["schedule-multiple"] == "on"
        for inf in self.inferiors.values():
            for t in inf.live_tasks():
                if multiple or inf.num == self.current_inferior:
                    k.thaw(t)
                else:
                    k.freeze(t)
        attached = {id(i.tg) for i in self.inferiors.values() if i.live}
        attached |= {id(tg) for tg in self.checkpoints.values()}  # snapshots never run
        for t in list(k.held):
            if id(t.tg) not in attached:
                k.thaw(t)

    def thread_label(self, task: "Task") -> str:
        return thread_target_id(task)

    def pass_or_discard_signal(self) -> None:
        """Resuming after a stop for a signal gdb does not pass (SIGINT, SIGTRAP): drop it."""
        k = self.kernel
        if k is None:
            return
        for t in k.tasks.values():
            if t.reported_signal and not self.events.signal_policy(t.reported_signal)[2]:
                k.signals.discard_reported(t)

    def watcher_wants(self, task: "Task", addr: int) -> bool:
        return addr in self.watcher.addresses(task)

    def on_code(self, task: "Task", addr: int) -> None:
        self.events.on_code(task, addr)

    # ---------------------------------------------------------- commands
    def execute(self, line: str, from_tty: bool = False) -> None:
        """Run one command line (CommandError for a failing command)."""
        self.detached_idle = False  # a command may have unblocked them
        from . import commands  # noqa: F401 - registers every command
        from .registry import lookup
        text = line.strip()
        if not text or text.startswith("#"):
            return
        i = 0
        while i < len(text) and (text[i].isalnum() or text[i] in "-_"):
            i += 1
        word, arg = text[:i], text[i:].strip()
        if not word:
            raise CommandError(f'Undefined command: "{text.split()[0]}".  Try "help".')
        cmd = lookup(word)
        if cmd.trailing:
            arg = line.lstrip()[i:].lstrip().rstrip("\r\n")
        self.command_epoch += 1
        self.repeat_as = None
        try:
            cmd.fn(self, arg)
        except (CommandError, KeyboardInterrupt, SystemExit, EOFError):
            raise
        except RecursionError:
            raise CommandError(f"{cmd.name}: nested too deeply.") from None
        except Exception as e:  # noqa: BLE001 - a forkdbg bug fails the command, not the session
            if os.environ.get("FORKDBG_TRACEBACK"):
                raise
            raise CommandError(f"Internal error in \"{cmd.name}\": {type(e).__name__}: {e} "
                               "(please report this)") from None
        # gdb's set_repeat_arguments: what an empty line runs next (`list 10` -> `list`)
        self.last_command = self.repeat_as if self.repeat_as is not None else \
            text if cmd.repeat else ""
        do_actions(self)

    def show_display(self, num: int, expr: str, fmt: str) -> None:
        if fmt.startswith("x/"):  # COUNT SIZE LETTER (see display)
            unit = fmt[2:]
            count, size, letter = unit[:-2], unit[-2], unit[-1]
            shown = ("" if count == "1" else count) + letter + \
                ("" if letter in "is" else size)
            # gdb: the examined memory on the same line for one unit, except /i
            one_line = count == "1" and letter != "i"
            self.out.write(f"{num}: x/{shown} {expr}" + ("  " if one_line else "\n"))
            self.execute(f"x/{unit} {expr}")
            return
        v = self.evaluate(expr)
        label = f" /{fmt} " if fmt else " "
        self.say(f"{num}:{label}{expr} = {self.source.render(v, fmt or None)}")

    def read_str(self, addr: int, limit: int = 200) -> str | None:
        from .format import char_repr
        try:
            t = self.task()
        except CommandError:
            return None
        data = t.mm.readable_prefix(addr, limit + 1)
        if not data:
            return None
        s = data.split(b"\0")[0]
        text = '"' + "".join(char_repr(c) if c != 34 else '\\"' for c in s[:limit]) + '"'
        return text + ("..." if len(s) > limit else "")
