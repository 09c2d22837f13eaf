"""Running the program: run, start, starti, continue, stepi, nexti, step, next, finish,
until/advance, kill, signal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...arch.disasm import disassemble_one
from ...arch.x86_64 import RIP, RSP
from .. import gdbsignals
from ..breakpoints import Breakpoint
from ..detached import kill_inferior
from ..escapes import shell_words
from ..gdbtext import breakpoint_set
from ..inferiors import thread_target_id
from ..linespec import locate
from ..registry import CommandError, command
from ..stepping import caller, finish_value, run_to, run_to_any, step_lines, step_once
from .inferiors import after_kill, kill_inferiors
from .info import info

if TYPE_CHECKING:
    from ..session import Session


def _confirm_restart(s: "Session") -> None:
    if s.running:
        if not s.confirm(
                "The program being debugged has been started already.\n"
                "Start it from the beginning? (y or n) "):
            raise CommandError("Program not restarted.")
        s.kill()


def _start(s: "Session", arg: str) -> None:
    _confirm_restart(s)
    if arg:
        s.args = shell_words(arg)
    s.new_kernel()
    if s.from_tty:
        s.say(f"Starting program: {' '.join([s.inferior.exe] + s.args)}")


@command("run", "r", category="running")
def cmd_run(s: "Session", arg: str) -> None:
    """Start the program under forkdbg (arguments replace the previous ones)."""
    _start(s, arg)
    s.resume()


@command("start", category="running")
def cmd_start(s: "Session", arg: str) -> None:
    """Run the program and stop at the beginning of main."""
    syms = s.symbols()
    if syms is None or syms.address("main") is None:
        raise CommandError("No symbol table loaded.  Use the \"file\" command.")
    addr, sal = locate(s, "main")
    bp = s.add_point(Breakpoint(0, spec="main", temporary=True, inferiors={1},
                                sals={addr: sal} if sal is not None else {}))
    s.say(breakpoint_set("Temporary breakpoint", bp.num, addr, sal, s.source.addresses))
    _start(s, arg)
    s.resume()


@command("starti", category="running")
def cmd_starti(s: "Session", arg: str) -> None:
    """Run the program and stop at its first instruction."""
    _start(s, arg)
    s.say("\nProgram stopped.")
    s.say(s.where(s.task()))


@command("continue", "c", "cont", "fg", category="running", repeat=True)
def cmd_continue(s: "Session", arg: str) -> None:
    """Continue the program (N: ignore the current breakpoint N-1 more times)."""
    s.require_running()
    if arg.strip():
        n = s.eval_int(arg)
        bp = s.last_hit
        if bp is None:
            s.say("Not stopped at any breakpoint; argument ignored.")
        else:
            bp.ignore = max(n - 1, 0)
            if s.from_tty:
                s.say(f"Will ignore next {n - 1} crossings of breakpoint {bp.num}.  Continuing.")
    s.pass_or_discard_signal()
    if s.from_tty and not arg.strip():
        s.say("Continuing.")
    s.resume()


@command("stepi", "si", category="running", repeat=True)
def cmd_stepi(s: "Session", arg: str) -> None:
    """Execute N machine instructions (default 1)."""
    s.require_running()
    n = s.eval_int(arg) if arg else 1
    s.pass_or_discard_signal()
    _origin(s)

    def steps() -> object:
        for _ in range(n):
            stop = step_once(s)
            if stop is not None or not s.running:
                return stop
        return None
    s.resume(steps)


@command("nexti", "ni", category="running", repeat=True)
def cmd_nexti(s: "Session", arg: str) -> None:
    """Execute N instructions, stepping over calls (and over system calls)."""
    s.require_running()
    n = s.eval_int(arg) if arg else 1
    s.pass_or_discard_signal()
    _origin(s)

    def steps() -> object:
        for _ in range(n):
            t = s.task()
            pc = t.pc
            insn = disassemble_one(t.mm.readable_prefix(pc, 16), pc)
            if insn is not None and insn.is_call:
                stop = run_to(s, pc + insn.size, t, t.reg(RSP))
            else:
                stop = step_once(s)
            if stop is not None and getattr(stop, "reason", "") != "internal":
                return stop
        return None
    s.resume(steps)


@command("finish", "fin", category="running")
def cmd_finish(s: "Session", arg: str) -> None:
    """Run until the current function returns (and print the value it returns)."""
    if arg.strip():
        raise CommandError('The "finish" command does not take any arguments.')
    t = s.task()
    level = s.frame_level  # gdb finishes the selected frame (after `up`, an outer one)
    frames = s.source.frames(t, level + 2)
    back = caller(s, t) if level == 0 else \
        ((frames[level + 1].pc, frames[level].cfa) if len(frames) > level + 1
         and frames[level].cfa is not None else None)
    if back is None or len(frames) < level + 2:
        raise CommandError("\"finish\" not meaningful in the outermost frame.")
    if s.from_tty:
        frame = frames[level]
        s.say(f"Run till exit from #{level:<2} "
              f"{s.source.frame_text(frame, t) or s.where(t)}")
    fn_pc = frames[level].lookup

    def finish() -> object:
        stop = run_to(s, back[0], t, back[1])
        if stop is None and s.stop_task is not None:
            value = finish_value(s, fn_pc, s.stop_task)
            if value is not None:
                s.after_stop.append(value)
        return stop
    s.resume(finish)


def _origin(s: "Session") -> None:
    """Where a step begins: its frame and function decide how its stop is printed."""
    t = s.task()
    fn = s.source.function_at(t.pc, t)
    sc = s.source.scope_at(t.pc, t)
    s.step_origin = (t.tid, s.source.frame_id(t), fn.low + sc.bias) if fn is not None and sc \
        else None


def _out_of_function(s: "Session") -> object:
    t = s.task()
    syms = s.symbols(t)
    hit = syms.containing(t.pc) if syms else None
    name = hit[0].name if hit else "??"
    back = caller(s, t)
    s.say(f"Single stepping until exit from function {name},\n"
          "which has no line number information.")
    if back is None:
        return s.kernel.run() if s.kernel is not None else None
    stop = run_to(s, back[0], t, back[1])
    t = s.stop_task or t
    if stop is None and t.alive:  # back in code with lines: on to a line's start
        sl = s.source.line_at(t.pc, t)
        if sl is not None and sl.pc != t.pc:
            stop = step_lines(s, over=True)
            s.step_origin = None
    return stop


def _step_command(s: "Session", arg: str, over: bool, until: bool = False) -> None:
    s.require_running()
    n = s.eval_int(arg) if arg.strip() else 1
    s.pass_or_discard_signal()

    def steps() -> object:
        for _ in range(max(n, 1)):
            t = s.task()
            if s.source.line_at(t.pc, t) is None:
                stop = _out_of_function(s)
            else:
                stop = step_lines(s, over, until)
            if stop is not None or not s.running or s.stop_kind != "step":
                return stop
        return None
    s.resume(steps)


@command("step", "s", category="running", repeat=True)
def cmd_step(s: "Session", arg: str) -> None:
    """Step N source lines (default 1), into functions that have line information;
    without line information, run until the function returns."""
    _step_command(s, arg, over=False)


@command("next", "n", category="running", repeat=True)
def cmd_next(s: "Session", arg: str) -> None:
    """Step N source lines (default 1) over calls; without line information, run until
    the function returns."""
    _step_command(s, arg, over=True)


@command("until", "u", category="running")
def cmd_until(s: "Session", arg: str) -> None:
    """Continue until a location; without one, step a line but never back to an earlier
    line of the function (out of a loop)."""
    if not arg:
        if s.running and s.source.line_at(s.task().pc) is not None:
            _step_command(s, "", over=True, until=True)
        else:
            cmd_nexti(s, "")
        return
    _advance(s, arg, anywhere=False)


@command("advance", category="running")
def cmd_advance(s: "Session", arg: str) -> None:
    """Continue until a location is reached, in any frame (a function the current line
    calls too), or until the current frame returns."""
    if not arg:
        raise CommandError("Argument required (a location).")
    _advance(s, arg, anywhere=True)


def _advance(s: "Session", arg: str, anywhere: bool) -> None:
    """gdb's until_break_command: the location, reached in this frame or an outer one
    (`until`) or in any frame (`advance`), or the return to the caller, whichever comes
    first."""
    t = s.task()
    addr, _sal = locate(s, arg)
    targets: list[tuple[int, int | None]] = [(addr, None if anywhere else t.reg(RSP))]
    back = caller(s, t)  # the real caller, main's too (whatever backtrace past-main says)
    if back is not None:
        targets.append(back)
    s.resume(lambda: run_to_any(s, targets, t))


@command("kill", "k", category="running")
def cmd_kill(s: "Session", arg: str) -> None:
    """Kill the program being debugged."""
    first = arg.split()[0] if arg.split() else ""
    if len(first) >= 3 and "inferiors".startswith(first):  # `kill inferior 6` too, as gdb
        kill_inferiors(s, arg.strip()[len(first):].strip())
        return
    s.require_running()
    if not s.confirm("Kill the program being debugged? (y or n) "):
        raise CommandError("Not confirmed.")
    pid = kill_inferior(s, s.inferior)  # the current inferior only, as gdb
    s.say(f"[Inferior {s.current_inferior} (process {pid}) killed]")
    after_kill(s)


@command("signal", category="running")
def cmd_signal(s: "Session", arg: str) -> None:
    """Continue, giving the program a signal (0: none)."""
    t = s.task()
    if not arg.strip():
        raise CommandError("Argument required (signal number).")
    g = gdbsignals.parse_arg(arg.strip(), s.eval_int)
    sig = gdbsignals.linux_number(g) if g is not None else 0
    k = s.kernel
    assert k is not None
    k.signals.discard_reported(t)
    if g is not None:
        s.say(f"Continuing with signal {g.name}.")
        k.signals.send_to_task(t, sig)
    else:
        s.say("Continuing with no signal.")
    s.resume()


@info("program")
def info_program(s: "Session", arg: str) -> None:
    """Where the program stopped, and why (gdb's words)."""
    if not s.running:
        s.say("The program being debugged is not being run.")
        return
    t = s.task()
    inf = s.inferior
    target = thread_target_id(t) if len(inf.live_tasks()) > 1 or inf.thread_db else \
        f"process {t.tg.tgid}"
    s.say(f"\tUsing the running image of child {target}.")
    s.say(f"Program stopped at {t.pc:#x}.")
    if s.stop_kind == "step":
        s.say("It stopped after being stepped.")
    elif s.last_hit is not None:
        if s.last_hit in s.points:
            s.say(f"It stopped at breakpoint {s.last_hit.num}.")
        else:
            s.say("It stopped at a breakpoint that has since been deleted.")
    elif s.stop_signal is not None:
        g = s.stop_signal
        s.say(f"It stopped at signal {g.name}, {g.description}.")
    if s.from_tty:
        s.say('Type "info stack" or "info registers" for more information.')


@command("jump", "j", category="running")
def cmd_jump(s: "Session", arg: str) -> None:
    """Continue at another address: jump *ADDR | SYMBOL."""
    s.require_running()
    if not arg.strip():
        raise CommandError('Argument required (starting linespec).')
    addr, _sal = locate(s, arg.strip())
    t = s.task()
    t.set_reg(RIP, addr)
    t.skip_break = None  # a breakpoint at the new address stops it, even where it stood
    if s.from_tty:
        s.say(f"Continuing at {addr:#x}.")
    s.pass_or_discard_signal()
    s.resume()
