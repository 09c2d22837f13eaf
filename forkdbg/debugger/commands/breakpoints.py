"""Breakpoints, watchpoints and catchpoints: break, tbreak, delete, disable, enable,
condition, commands, watch, rwatch, awatch, catch."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .. import gdbsignals
from ..breakpoints import Breakpoint, Catchpoint, Point, Watchpoint, locations
from ..gdbtext import breakpoint_set
from ..inferiors import parse_thread_id
from ..linespec import explicit, line_variable, locate, locate_all, relative_line
from ..ranges import NOT_INTEGER, decimal, report_missing, spans
from ..registry import CommandError, command
from ..syscalltable import SyscallTable
from ..watchpoints import scope_of

if TYPE_CHECKING:
    from ..session import Session


def _split_cond(arg: str) -> tuple[str, str | None]:
    parts = arg.split(" if ", 1)
    if arg.startswith("if "):
        return "", arg[3:]
    return parts[0].strip(), parts[1].strip() if len(parts) > 1 else None


def _thread(s: "Session", spec: str) -> tuple[str, tuple[int, int] | None]:
    """`LOCATION thread ID`: the location, and the (inferior, thread number) it stops."""
    m = re.fullmatch(r"(.*?)\s*\bthread\s+(\S+)(.*)", spec)
    if m is None:
        return spec, None
    ident, rest = m.group(2), m.group(3).strip()
    inf, num = parse_thread_id(ident, s.inferiors, s.inferior)
    if not any(inf.threads.get(t.tid) == num for t in inf.live_tasks()):
        raise CommandError(f"Unknown thread {ident}.")
    if rest:
        raise CommandError(f'malformed linespec error: unexpected string, "{rest}"')
    return m.group(1), (inf.num, num)


def _break(s: "Session", arg: str, temporary: bool) -> None:
    spec, cond = _split_cond(arg)
    spec, thread = _thread(s, spec)
    spec = explicit(spec)
    if not spec:
        if not s.running:
            raise CommandError("No default breakpoint address now.")
        spec = f"*{s.task().pc:#x}"
    try:
        # kept as FILE:LINE: `+1` and `$l` mean what they mean now, not at a later re-set
        spec = relative_line(s, line_variable(s, spec))
        found = locate_all(s, spec)
    except CommandError as e:
        if spec.startswith("*") or not str(e).startswith(("Function ", "No source file",
                                                          "No line ", "Undefined conv")):
            raise
        _pending(s, spec, cond, temporary, e)
        return
    addr, sal = found[0]
    if cond:
        s.evaluate(cond) if s.running else None
    if sal is not None and decimal(spec):  # gdb keeps the file a bare LINE was in
        spec = f"{sal.file.name}:{spec}"
    # gdb's breakpoints are global: a location in every inferior's program where the spec
    # resolves (an address only in the current one)
    here = s.current_inferior
    inferiors = {here} if spec.startswith("*") else set(s.inferiors) | {here}
    if s.from_tty:
        _other_breakpoints(s, here, addr)
    bp = Breakpoint(0, spec=spec, temporary=temporary, condition=cond, inferiors=inferiors,
                    thread=thread)
    s.add_point(bp)
    bp.set_locations(here, found)
    for n in sorted(inferiors - {here}):
        s.resolve_for(bp, s.inferiors[n])
    label = "Temporary breakpoint" if temporary else "Breakpoint"
    locs = locations(s, bp)
    if len(locs) > 1:
        first = min(a for _n, a in locs)
        s.say(f"{label} {bp.num} at {first:#x}: {spec}. ({len(locs)} locations)")
    else:
        s.say(breakpoint_set(label, bp.num, addr, sal, s.source.addresses))
    s.insert_points()


def _other_breakpoints(s: "Session", inf: int, addr: int) -> None:
    """gdb's note, for a person at the terminal, that breakpoints already stop there."""
    others = [p for p in s.points if isinstance(p, Breakpoint) and addr in p.addrs.get(inf, ())]
    if not others:
        return
    names = [f"{p.num}{'' if p.enabled else ' (disabled)'}" for p in others]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    s.say(f"Note: breakpoint{'s' if len(names) > 1 else ''} {listed} also set at pc "
          f"{addr:#x}.")


def _pending(s: "Session", spec: str, cond: str | None, temporary: bool,
             e: CommandError) -> None:
    """A location no loaded object defines: with `set breakpoint pending on` (or a yes to
    gdb's question under `auto`) a breakpoint that takes its place when a shared library
    defining it is loaded."""
    mode = s.settings["breakpoint pending"]
    if mode == "off":
        raise e
    s.error(str(e))
    if mode == "auto" and not s.nquery(
            "Make breakpoint pending on future shared library load? (y or [n]) "):
        return
    bp = s.add_point(Breakpoint(0, spec=spec, temporary=temporary, condition=cond,
                                inferiors={s.current_inferior}))
    s.say(f"{'Temporary breakpoint' if temporary else 'Breakpoint'} {bp.num} ({spec}) pending.")
    s.insert_points()


@command("break", "b", "br", "brea", category="breakpoints")
def cmd_break(s: "Session", arg: str) -> None:
    """Set a breakpoint: break *ADDR | SYMBOL | SYMBOL+OFF [if COND]."""
    _break(s, arg, False)


@command("tbreak", category="breakpoints")
def cmd_tbreak(s: "Session", arg: str) -> None:
    """Set a temporary breakpoint (deleted when hit)."""
    _break(s, arg, True)


@command("clear", category="breakpoints")
def cmd_clear(s: "Session", arg: str) -> None:
    """Delete the breakpoints at a location (without one: at the current pc)."""
    if arg.strip():
        addr, _sal = locate(s, arg)
        missing = f"No breakpoint at {arg.strip()}."
    else:
        if not s.running:
            raise CommandError("No source file specified.")
        addr, missing = s.task().pc, "No breakpoint at this line."
    found = [p for p in s.points if isinstance(p, Breakpoint)
             and addr in p.addrs.get(s.current_inferior, ())]
    if not found:
        raise CommandError(missing)
    if s.from_tty:
        nums = " ".join(str(p.num) for p in found)
        s.say(f"Deleted breakpoint{'s' if len(found) > 1 else ''} {nums} ")
    for p in found:
        s.points.remove(p)
        s.remove_point_hooks(p)


@command("delete", "d", category="breakpoints")
def cmd_delete(s: "Session", arg: str) -> None:
    """Delete breakpoints (all of them without arguments)."""
    if arg.startswith("display"):
        from .data import cmd_undisplay
        cmd_undisplay(s, arg[len("display"):].strip())
        return
    if arg.startswith("checkpoint"):
        from .checkpoint import delete_checkpoint
        delete_checkpoint(s, arg[len("checkpoint"):].strip())
        return
    if arg.startswith("breakpoints"):
        arg = arg[len("breakpoints"):].strip()
    targets = s.points[:] if not arg else _existing(s, arg)
    if not arg and s.points and s.from_tty and not s.confirm("Delete all breakpoints? (y or n) "):
        return
    for p in targets:
        s.points.remove(p)
        if isinstance(p, Breakpoint):
            s.remove_point_hooks(p)
        elif isinstance(p, Watchpoint):
            s.remove_watch(p)


def _existing(s: "Session", arg: str) -> list[Point]:
    """The points named in `arg`; gdb only mentions the numbers that do not exist."""
    by_num = {p.num: p for p in s.points}

    def bad(word: str) -> None:
        s.say(NOT_INTEGER)
        raise CommandError(f"Bad breakpoint number '{word}'")
    found = report_missing(spans(arg, s.convenience_int, bad), by_num.__contains__,
                           max(by_num, default=0), s.say, "breakpoint")
    return [by_num[n] for n in found]


def _enable(s: "Session", arg: str, on: bool) -> None:
    words = arg.split(None, 1)
    if words and len(words[0]) >= 4 and "display".startswith(words[0]):
        from .data import enable_displays
        enable_displays(s, words[1] if len(words) > 1 else "", on)
        return
    once = False
    if arg.startswith("once"):
        once, arg = True, arg[4:].strip()
    words = arg.split()
    for w in [w for w in words if "." in w]:  # N.M and N.M-K: locations of breakpoint N
        _enable_locations(s, w, on)
    arg = " ".join(w for w in words if "." not in w)
    if not arg and len(words) != len(arg.split()):
        return
    targets = s.points[:] if not arg else _existing(s, arg)
    for p in targets:
        p.enabled = on
        p.temporary = p.temporary or once
        if isinstance(p, Breakpoint):
            if on:
                s.insert_points()
            else:
                s.remove_point_hooks(p)
        elif isinstance(p, Watchpoint):
            s.insert_watch(p) if on else s.remove_watch(p)


def _enable_locations(s: "Session", word: str, on: bool) -> None:
    """`disable 1.2`, `enable 1.1-3`: locations of one breakpoint, by their numbers in
    `info breakpoints` (gdb's errors for a number that names none)."""
    num, _, part = word.partition(".")
    if not decimal(num):
        raise CommandError(f"Bad breakpoint number at or near: '{word}'")
    bp = next((p for p in s.points if p.num == int(num)), None)
    if not isinstance(bp, Breakpoint):
        s.say(f"No breakpoint number {num}.")  # gdb says so and goes on, as for N
        return
    if not part:
        raise CommandError(f"Bad breakpoint number at or near: '{word}'")
    lo_text, dash, hi_text = part.partition("-")
    for text in (lo_text, hi_text) if dash else (lo_text,):
        if not decimal(text):
            raise CommandError(f"Bad breakpoint location number '{text}'")
    lo, hi = int(lo_text), int(hi_text) if dash else int(lo_text)
    if hi < lo:
        raise CommandError(f"Inverted breakpoint location range at '{part}'")
    locs = locations(s, bp)
    for i in range(lo, hi + 1):
        if not 1 <= i <= len(locs):
            raise CommandError(f"Bad breakpoint location number '{i}'")
        inf, addr = locs[i - 1]
        if on:
            bp.off.discard((inf, addr))
            s.insert_points()
        else:
            bp.off.add((inf, addr))
            s.remove_location_hook(bp, s.inferiors[inf], addr)


@command("disable", "disa", category="breakpoints")
def cmd_disable(s: "Session", arg: str) -> None:
    """Disable breakpoints (all without arguments)."""
    _enable(s, arg.replace("breakpoints", "").strip(), False)


@command("enable", "en", category="breakpoints")
def cmd_enable(s: "Session", arg: str) -> None:
    """Enable breakpoints (all without arguments); `enable once N` deletes N once hit."""
    _enable(s, arg.replace("breakpoints", "").strip(), True)


@command("condition", category="breakpoints")
def cmd_condition(s: "Session", arg: str) -> None:
    """condition N [EXPR]: stop at N only when EXPR is true (no EXPR: always)."""
    num, _, expr = arg.partition(" ")
    if not decimal(num):
        raise CommandError("Argument required (breakpoint number).")
    p = s.find_point(int(num))
    p.condition = expr.strip() or None
    if not p.condition:
        s.say(f"Breakpoint {p.num} now unconditional.")


@command("ignore", category="breakpoints")
def cmd_ignore(s: "Session", arg: str) -> None:
    """ignore N COUNT: let breakpoint N be crossed COUNT times without stopping."""
    words = arg.split()
    if len(words) != 2 or not decimal(words[0]):
        raise CommandError("Argument required (a breakpoint number).")
    p = s.find_point(int(words[0]))
    p.ignore = max(s.eval_int(words[1]), 0)
    if not s.from_tty:
        return
    if p.ignore == 0:
        s.say(f"Will stop next time breakpoint {p.num} is reached.")
    else:
        s.say(f"Will ignore next {p.ignore} crossing{'s' if p.ignore != 1 else ''} of "
              f"breakpoint {p.num}.")


@command("commands", category="breakpoints")
def cmd_commands(s: "Session", arg: str) -> None:
    """commands [N...]: the commands to run when N is hit, one per line, ending with `end`."""
    if arg:
        targets = _existing(s, arg)
        if not targets:  # gdb reads no block then: its lines run as commands
            return
    elif s.points:
        targets = [s.points[-1]]
    else:
        raise CommandError("No breakpoints specified.")
    nums = " ".join(str(p.num) for p in targets)
    lines = s.read_block(f"Type commands for breakpoint(s) {nums}, one per line.\n"
                         "End with a line saying just \"end\".")
    for p in targets:
        p.commands = list(lines)


@command("end", category="breakpoints")
def cmd_end(s: "Session", arg: str) -> None:
    """Ends a block of `commands`; alone, an error."""
    raise CommandError("This command cannot be used at the top level.")


def _watch(s: "Session", arg: str, access: str) -> None:
    if not arg:
        raise CommandError("Argument required (expression to compute).")
    v = s.evaluate(arg)
    if v.lval is None:
        raise CommandError("Cannot watch constant value `%s'." % arg)
    size = v.t.size
    wp = s.add_point(Watchpoint(0, expr=arg, addr=v.lval, size=size, access=access,
                                old=v.v & ((1 << (8 * size)) - 1),
                                inferiors={s.current_inferior}, scope=scope_of(s, arg)))
    s.say(f"{wp.label} {wp.num}: {arg}")  # type: ignore[attr-defined]
    s.insert_watch(wp)  # type: ignore[arg-type]
    s.insert_points()  # the return address where a local's watchpoint ends


@command("watch", category="breakpoints")
def cmd_watch(s: "Session", arg: str) -> None:
    """Stop when the value of an lvalue changes (watch *(int *)ADDR, watch {long}ADDR)."""
    s.require_running()
    _watch(s, arg, "write")


@command("rwatch", category="breakpoints")
def cmd_rwatch(s: "Session", arg: str) -> None:
    """Stop when memory is read."""
    s.require_running()
    _watch(s, arg, "read")


@command("awatch", category="breakpoints")
def cmd_awatch(s: "Session", arg: str) -> None:
    """Stop when memory is read or written."""
    s.require_running()
    _watch(s, arg, "access")


#: `help catch EVENT`: gdb's first lines (what its tests match)
CATCH_HELP = {
    "syscall": "Catch system calls by their names, groups and/or numbers.\n"
               "Usage: catch syscall [NAME|NUMBER|group:GROUP|g:GROUP]...  Without arguments\n"
               "every system call is caught.",
    "fork": "Catch calls to fork.",
    "vfork": "Catch calls to vfork.",
    "exec": "Catch calls to exec.",
    "signal": "Catch signals by their names and/or numbers.\n"
              "Usage: catch signal [[NAME|NUMBER] [NAME|NUMBER]...|all]\n"
              "Without arguments every signal but SIGTRAP and SIGINT is caught; all: those too.",
}


def _syscalls(words: list[str], table: SyscallTable) -> list[int] | None:
    """The system call numbers `catch syscall` names, in the order given (a group's by
    number), each once; None for any."""
    if not words:
        return None
    out: dict[int, None] = {}
    for w in words:
        if w.startswith("group:") or w.startswith("g:"):
            g = w.split(":", 1)[1]
            nums = table.groups.get(g)
            if nums is None:
                raise CommandError(f"Unknown syscall group '{g}'.")
            out.update(dict.fromkeys(nums))
        elif decimal(w):
            out[int(w)] = None
        elif w.startswith("-") and decimal(w[1:]):
            raise CommandError(f"Unknown syscall number '{w}'.")
        elif table.number(w) is not None:
            out[table.number(w)] = None  # type: ignore[index]
        else:
            raise CommandError(f"Unknown syscall name '{w}'.")
    return list(out)


def _catch_signals(words: list[str]) -> tuple[list[int] | None, bool]:
    """`catch signal` arguments: gdb names or its numbers 1-15, or `all` alone."""
    if "all" in words:
        if len(words) > 1:
            raise CommandError("'all' cannot be caught with other signals")
        return None, True
    if not words:
        return None, False
    out: list[int] = []
    for w in words:
        try:
            n = int(w, 0)
        except ValueError:
            g = gdbsignals.from_name(w)
            if g is None:
                raise CommandError(f"Unknown signal name '{w}'.") from None
        else:
            g = gdbsignals.from_command(n)
        out.append(g.num)
    return out, False


@command("catch", category="breakpoints", subcommands=("fork", "vfork", "exec", "syscall",
                                                       "signal"))
def cmd_catch(s: "Session", arg: str) -> None:
    """Set a catchpoint: catch fork | vfork | exec | syscall [NAME|NUMBER|group:G ...] | signal [SIG...]."""
    _catch(s, arg, False)


@command("tcatch", category="breakpoints", subcommands=("fork", "vfork", "exec", "syscall",
                                                        "signal"))
def cmd_tcatch(s: "Session", arg: str) -> None:
    """Set a temporary catchpoint (deleted when it stops the program)."""
    _catch(s, arg, True)


def _catch(s: "Session", arg: str, temporary: bool) -> None:
    words = arg.split()
    if not words:
        raise CommandError('List of catch subcommands:\n\ncatch exec -- Catch calls to exec.\n'
                           'catch fork -- Catch calls to fork.\ncatch signal -- Catch signals '
                           'by their names and/or numbers.\ncatch syscall -- Catch system '
                           'calls by their names, groups and/or numbers.\ncatch vfork -- Catch '
                           'calls to vfork.')
    event, rest = words[0], words[1:]
    cp = Catchpoint(0, event=event, inferiors={s.current_inferior}, temporary=temporary)
    if event == "syscall":
        table = s.syscall_table()
        cp.syscalls, cp.syscall_names = _syscalls(rest, table), table.names
    elif event == "signal":
        cp.signals, cp.all_signals = _catch_signals(rest)
    elif event not in ("fork", "vfork", "exec"):
        raise CommandError(f'Undefined catch command: "{event}".  Try "help catch".')
    s.add_point(cp)
    s.say(f"Catchpoint {cp.num} ({cp.describe()})")



