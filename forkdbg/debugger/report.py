"""The report at the end of each resume: headline, thread switch, location, displays, commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import annotate
from .breakpoints import Breakpoint
from .detached import run_detached
from .format import location
from .gdbtext import stop_headline
from .inferiors import thread_target_id
from .stops import InterruptEvent
from .watchpoints import forget_hooks

if TYPE_CHECKING:
    from ..kernel.kernel import Stop
    from ..kernel.task import Task
    from .session import Session


#: stops that end the session: forkdbg was told to end (a signal, --timeout,
#: --vtime-limit); the status it exits with, and what it says
ENDINGS = {"terminate": (143, "terminated"), "timeout": (124, "timed out"),
           "vtime-limit": (124, "the virtual time limit was reached")}


#: stops gdb reports without a frame: an exit, none, a refused or no resume, the
#: return to a dummy frame (silent)
QUIET = ("exited", "", "refused", "switched", "dummy-return")


def report_stop(s: "Session", stop: "Stop | None") -> None:
    if stop is not None and stop.reason in ENDINGS:
        status, why = ENDINGS[stop.reason]
        s.err.write(f"forkdbg: {why}: killing the program and leaving\n")
        s.err.flush()
        s.kill()
        raise SystemExit(status)
    task = s.stop_task
    if stop is not None and stop.reason == "interrupt" and task is None:
        task = stop.task
        s.stop = InterruptEvent(task)
        s.stop_log.append(s.stop)
    if stop is not None and stop.reason == "deadlock":
        s.say("forkdbg: deadlock: every process is asleep and nothing can wake it.")
    if stop is not None and stop.reason == "held" and not s.stop_log:
        held = sorted({i.num for i in s.inferiors.values() for t in i.live_tasks() if t.frozen})
        s.say("forkdbg: the resumed processes are all waiting, and inferior"
              f"{'s' if len(held) > 1 else ''} {', '.join(map(str, held))} "
              f"{'are' if len(held) > 1 else 'is'} held: switch with `inferior N`, or "
              "`set schedule-multiple on` to run them together.")
        task = s.task()
        s.say(s.where(task))
    if s.kernel is not None and not s.kernel.tasks:
        s.last_pid = s.kernel.last_pid
        s.kernel = None  # every process is gone
    forget_hooks(s, s.stop_log)  # watchpoints gone out of scope: the engine has stopped
    notes = [h for h in map(stop_headline, s.stop_log) if h]
    s.stop_log = []
    if task is not None and task.alive:
        inf = s.inferior_of(task)
        if inf is not None and (task.tid != s.last_stop_tid or inf.num != s.current_inferior) \
                and s.last_stop_tid is not None:
            target = thread_target_id(task) if len(inf.live_tasks()) > 1 or inf.thread_db \
                else f"process {task.tg.tgid}"
            s.say(f"[Switching to {target}]")
        if inf is not None:
            s.current_inferior = inf.num
            s.current_tid = task.tid
            s.last_stop_tid = task.tid
    for n in notes[:-1]:
        s.say(n)
    head = notes[-1] if notes else ""
    kind = s.stop_kind
    silent = s.hit_point is not None and s.hit_point.commands[:1] == ["silent"]
    if task is not None and task.alive and kind not in QUIET and silent:
        where, src = stop_location(s, task, kind)  # gdb's `silent`: nothing said
    elif task is not None and task.alive and kind not in QUIET:
        where, src = stop_location(s, task, kind)
        if kind in ("breakpoint", "catch", "syscall-entry", "syscall-return", "catch-signal"):
            s.say(head + where)
        elif head:
            s.say(head)
            if where:
                s.say(where)
        elif where:
            s.say(where)
        if src is not None:
            s.say(src)
        run_displays(s)
        for line in s.after_stop:
            s.say(line)
    if task is not None and task.alive and kind not in QUIET:
        s.after_stop = []
        hit = s.hit_point
        s.hit_point = None
        s.last_hit = hit
        if hit is not None:
            if hit.temporary:
                s.points.remove(hit)
                if isinstance(hit, Breakpoint):
                    s.remove_point_hooks(hit)
            s.pending_actions = list(hit.commands)  # run once the report is out
    elif head:
        s.say(head)
    if kind == "exited":
        run_detached(s)  # nothing left to debug: the processes let go run on


def stop_location(s: "Session", task: "Task", kind: str) -> tuple[str, str | None]:
    """(the frame line, the source line) a stop prints.  With line information: gdb's
    SRC_AND_LOC (``main (argc=1, ...) at fk.c:20`` then the line), or only the line
    (after the pc when mid-line) when a step ends in the frame and function it began
    in; without: ``0x... in fork ()``."""
    origin, s.step_origin = s.step_origin, None
    view = s.source
    if s.kernel is None or view.line_at(task.pc, task) is None:
        return location(task.pc, s.symbols(task)), None  # no line information: no unwinding
    frame = view.frames(task, 1)[0]
    text = view.frame_text(frame, task) if frame is not None else None
    sl = frame.line if frame is not None else None
    if text is None or sl is None or frame is None:
        return location(task.pc, s.symbols(task)), None
    view.shown(sl.file, sl.line)
    line_only = kind == "step" and origin is not None and origin == (
        task.tid, view.frame_id(task), _function_low(frame))  # gdb's SRC_LINE
    # an annotation stands for the line (and the address); "middle" only for SRC_LINE
    ann = annotate.source_line(s, sl.file, sl.line, task.pc,
                               line_only and (sl.pc != task.pc or not sl.is_stmt))
    if ann is not None:
        return ("" if line_only else text), ann
    if s.tui.active:  # the source window shows the line (gdb's TUI prints none)
        return ("" if line_only else text), None
    src = view.source_line(sl.file, sl.line)
    if line_only:
        mid = (sl.pc != task.pc or not sl.is_stmt) and view.addresses
        return "", (f"0x{task.pc:016x}\t" if mid else "") + src
    return text, src


def _function_low(frame: Any) -> int:
    """Where the frame's function starts (0 without one): a step's origin records it."""
    fn = frame.function
    return fn.low + (frame.scope.bias if frame.scope else 0) if fn is not None else 0


def run_displays(s: "Session") -> None:
    for num, expr, fmt in s.displays:
        if num in s.disabled_displays:
            continue
        try:
            s.show_display(num, expr, fmt)
        except Exception as e:  # noqa: BLE001 - a display that fails says so, like gdb
            s.say(f"{num}: {expr} = <error: {e}>")
