"""Source-level commands: list, info line/source/locals/args, ptype, whatis, and the
selected frame (frame, up, down)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ...dwarf.types import Type
from .. import annotate
from ..expr_types import TEXT
from ..format import location, sym_suffix
from ..linespec import decode, explicit, locate
from ..registry import CommandError, command
from ..ptype import HEADER, Offsets, parse_flags, ptype_text
from ..typename import parse_type_name
from .info import info

if TYPE_CHECKING:
    from ...dwarf.lines import SourceFile
    from ..session import Session


# ------------------------------------------------------------------ list
@command("list", "l", category="files", repeat=True)
def cmd_list(s: "Session", arg: str) -> None:
    """List source lines: around the last stop or listing, `list N`, `list FUNCTION`,
    `list FILE:N`, `list N,M`, `list -` (the lines before)."""
    view = s.source
    arg = arg.strip()
    if arg not in ("", "+", "-"):
        s.repeat_as = "list"  # Enter goes on from there, as gdb's set_repeat_arguments
    LINES_TO_LIST = lines_to_list(s)  # noqa: N806 - gdb's name for `set listsize`
    if not view.scopes():
        raise CommandError('No symbol table is loaded.  Use the "file" command.')
    backwards_once = arg == "-" and not view.list_next and bool(view.list_center)
    if backwards_once:
        arg = ""  # the first `list -` after a stop lists around it, as `list` does
    if arg == "-":
        f = view.list_file or view.default_file()
        if f is None:
            raise CommandError("No default source file.")
        first = view.list_first or view.list_next
        if first <= 1:
            raise CommandError("Already at the start of " + f.name + ".")
        _print(s, f, max(first - LINES_TO_LIST, 1), first - 1)
        return
    if not arg or arg == "+":
        f = view.list_file or view.default_file()
        if f is None:
            raise CommandError("No default source file.")
        if view.list_file is None:  # gdb's default: around main, once
            view.list_file, view.list_center = f, max(main_line(s) - (LINES_TO_LIST - 1), 1)
        if view.list_next:
            first = view.list_next
        else:
            first = max(view.list_center - LINES_TO_LIST // 2, 1)
            if backwards_once and LINES_TO_LIST == 1 and first > 1:
                first -= 1  # one line at a time backwards: the line before at once (gdb)
        _print(s, f, first, first + LINES_TO_LIST - 1)
        return
    if "," in arg:
        a, _c, b = arg.partition(",")
        if a.strip():
            f, first = _place(s, a.strip())
            last = first + LINES_TO_LIST - 1
            if b.strip():
                f2, last = _place(s, b.strip())
                if f2.fullname != f.fullname:
                    raise CommandError("Specified first and last lines are in different "
                                       "files.")
        else:
            f, last = _place(s, b.strip())
            first = max(last - LINES_TO_LIST + 1, 1)
        _print(s, f, first, last)
        return
    f, line = _place(s, arg)
    first = max(line - LINES_TO_LIST // 2, 1)
    _print(s, f, first, first + LINES_TO_LIST - 1)


def lines_to_list(s: "Session") -> int:
    """`set listsize`: how many lines `list` shows (unlimited: all)."""
    n = int(s.settings["listsize"] or 10)
    return n if n > 0 else 1 << 30


def main_line(s: "Session") -> int:
    """The line of main's breakpoint (past its prologue)."""
    try:
        _addr, sal = locate(s, "main")
    except CommandError:
        return 1
    return sal.line if sal is not None else 1


def _place(s: "Session", spec: str) -> tuple["SourceFile", int]:
    """(file, line) a `list` argument names: LINE, FILE:LINE, FUNCTION (its first
    line), *ADDR."""
    view = s.source
    spec = explicit(spec)
    if spec.isdigit():
        f = view.list_file or view.default_file()
        if f is None:
            raise CommandError("No default source file.")
        return f, int(spec)
    if spec.startswith("*"):
        addr = s.eval_int(spec[1:])
        sl = view.line_at(addr)
        if sl is None:
            raise CommandError(f"No line number information available for address {addr:#x}")
        return sl.file, sl.line
    m = re.fullmatch(r"(.+):(\d+)", spec)
    if m is not None:  # a line of a file, with code or not (gdb's list mode)
        for sc in view.scopes():
            for f in sc.info.lines.files(lambda f: f.matches(m.group(1))):
                return f, int(m.group(2))
        raise CommandError(f"No source file named {m.group(1)}.")
    sals = decode(spec, view.scopes(), view.default_file(), s.code_reader(),
                  funfirstline=False)
    if not sals:
        raise CommandError(f'Function "{spec}" not defined.')
    if ":" in spec and spec.split(":")[1].isdigit():
        return sals[0].file, int(spec.split(":")[1])
    return sals[0].file, sals[0].line


def _print(s: "Session", f: "SourceFile", first: int, last: int) -> None:
    view = s.source
    lines = view.text(f)
    view.list_file = f
    view.list_first = first
    if lines is None:
        view.list_next = last + 1
        s.say(view.source_line(f, first))
        return
    view.list_next = min(last, len(lines)) + 1
    view.last_listed = first  # gdb's last_line_listed: where a search starts from
    if first > len(lines):
        view.list_next = first
        raise CommandError(f"Line number {first} out of range; {f.name} has {len(lines)} lines.")
    if s.tui.active:  # gdb's TUI scrolls the source window there instead of printing
        s.tui.show_source(f, first)
        return
    shown = view.styled_text(f, lines)
    for n in range(first, min(last, len(lines)) + 1):
        s.say(f"{n}\t{shown[n - 1]}")


# ------------------------------------------------------------ info line
@info("line")
def info_line(s: "Session", arg: str) -> None:
    """Where a source line's code starts and ends (or, without debug information, that
    there is none)."""
    view = s.source
    if not arg.strip():
        if not s.running or view.line_at(s.task().pc) is None:
            s.say("No line number information available.")
            return
        arg = f"*{s.task().pc:#x}"
    spec = arg.strip()
    if spec.startswith("*"):
        addr = s.eval_int(spec[1:])
        sl = view.line_at(addr)
        if sl is None:
            s.say(f"No line number information available for address {addr:#x}"
                  f"{sym_suffix(addr, s.describe)}")
            return
        lo, hi, line, f = sl.pc, sl.end, sl.line, sl.file
    else:
        sals = decode(spec, view.scopes(), view.default_file(), s.code_reader(),
                      funfirstline=False) if view.scopes() else None
        if not sals:
            addr, _sal = locate(s, spec, funfirstline=False)
            s.say(f"No line number information available for address {addr:#x}"
                  f"{sym_suffix(addr, s.describe)}")
            return
        sl = view.line_at(sals[0].addr)
        assert sl is not None
        lo, hi, f = sl.pc, sl.end, sl.file
        line = int(spec.rsplit(":", 1)[-1]) if spec.rsplit(":", 1)[-1].isdigit() else sl.line
        if line != sl.line:
            s.say(f'Line {line} of "{f.name}" is at address {lo:#x}'
                  f"{sym_suffix(lo, s.describe)} but contains no code.")
            _annotate_line(s, f, line, lo)
            s.set_next_address(lo)
            return
    s.say(f'Line {line} of "{f.name}" starts at address {lo:#x}{sym_suffix(lo, s.describe)}'
          f" and ends at {hi:#x}{sym_suffix(hi, s.describe)}.")
    _annotate_line(s, f, line, lo)
    s.set_next_address(lo)


def _annotate_line(s: "Session", f: "SourceFile", line: int, addr: int) -> None:
    ann = annotate.source_line(s, f, line, addr, False)
    if ann is not None:
        s.say(ann)


@info("source")
def info_source(s: "Session", arg: str) -> None:
    """The current source file: its name, directory, length and compiler."""
    view = s.source
    f = view.list_file
    if f is None:
        s.say("No current source file.")
        return
    unit = view.current_unit()
    if unit is None or (unit.name != f.name and not f.fullname.endswith("/" + unit.name)):
        unit = next((u for sc in view.scopes() for u in sc.info.searched()
                     if f.fullname.endswith("/" + u.name) or f.name == u.name), None)
    s.say(f"Current source file is {f.name}")
    if unit is not None:
        s.say(f"Compilation directory is {unit.comp_dir}")
    lines = view.text(f)
    if lines is not None:  # gdb has no full name for a file it could not find
        s.say(f"Located in {f.fullname}")
        s.say(f"Contains {len(lines)} lines.")
    s.say("Source language is c.")
    if unit is not None:
        s.say(f"Producer is {unit.producer}.")
        s.say(f"Compiled with DWARF {unit.version} debugging format.")
    s.say("Does not include preprocessor macro info.")


# --------------------------------------------------------- locals, args
@info("locals")
def info_locals(s: "Session", arg: str) -> None:
    """The local variables of the selected frame, innermost block first."""
    frame, task = _selected(s)
    fn = frame.function
    if fn is None or frame.scope is None:
        s.say("No symbol table info available.")
        return
    said = False
    for block in frame.blocks():
        for v in block.variables:
            s.say(f"{v.name} = {_value(s, v, frame, task)}")
            said = True
    if not said:
        s.say("No locals.")


@info("args")
def info_args(s: "Session", arg: str) -> None:
    """The arguments of the selected frame."""
    frame, task = _selected(s)
    fn = frame.function
    if fn is None:
        s.say("No symbol table info available.")
        return
    if not frame.params:
        s.say("No arguments.")
    for v in frame.params:  # an inline frame's: its inlined instance's parameters
        s.say(f"{v.name} = {_value(s, v, frame, task)}")


def _selected(s: "Session"):  # type: ignore[no-untyped-def]
    if not s.running:
        raise CommandError("No frame selected.")
    task = s.task()
    frames = s.source.frames(task, s.frame_level + 1)
    return frames[min(s.frame_level, len(frames) - 1)], task


def _value(s: "Session", v, frame, task) -> str:  # type: ignore[no-untyped-def]
    return s.source.printer().value(s.source.value_of(v, frame, task), top=False)


# ------------------------------------------------------- ptype, whatis
@command("ptype", category="data")
def cmd_ptype(s: "Session", arg: str) -> None:
    """The type of an expression or a type name, with struct members spelled out.
    ptype/o adds each member's offset and size, the holes between them and the total
    size; ptype/ox shows them in hexadecimal."""
    flags, arg = parse_flags(arg.strip())
    t = _type_of(s, arg)
    if t.kind == "base" and t.name == TEXT.name:  # a function known by its ELF symbol
        s.say("type = <unknown return type> ()")
        return
    offsets = Offsets("x" in flags) if "o" in flags else None
    text = ptype_text(t, expand=True, offsets=offsets)
    if text.startswith(HEADER):
        s.say(HEADER + "type = " + text[len(HEADER):])
    else:
        s.say("type = " + text)


@command("whatis", category="data")
def cmd_whatis(s: "Session", arg: str) -> None:
    """The type of an expression or a type name."""
    _flags, arg = parse_flags(arg.strip())
    t = _type_of(s, arg)
    if _type_named(s, arg.strip()) is not None and t.kind == "typedef" and t.target:
        t = t.target  # whatis TYPEDEF: what it names, one level down (gdb)
    s.say("type = " + ptype_text(t, expand=False))


def _type_of(s: "Session", arg: str) -> Type:
    arg = arg.strip()
    if not arg:
        raise CommandError("Argument required (one or more choice items).")
    m = re.fullmatch(r"(struct|union|enum)\s+(\w+)", arg)
    if m:
        t = s.source.find_type(m.group(2), m.group(1))
        if t is not None:
            return t
        raise CommandError(f'No {m.group(1)} type named {m.group(2)}.')
    named = _type_named(s, arg)
    if named is not None:
        return named
    v = s.evaluate(arg, typed_only=True)  # as gdb: the type, no function called
    if v.t.dwarf is not None:
        return v.t.dwarf  # type: ignore[no-any-return]
    return Type("base", v.t.name, v.t.size)


def _type_named(s: "Session", arg: str) -> Type | None:
    """The type the argument names as a C type name (gdb reads a word as a type when no
    variable of that name is in scope), or None for an expression."""
    def lookup(name: str, kind: str | None) -> Type | None:
        if kind is None and s.source.variable(name) is not None:
            return None
        return s.source.find_type(name, kind)
    return parse_type_name(arg, lookup)


# ------------------------------------------------------ selected frame
@command("frame", "f", category="stack")
def cmd_frame(s: "Session", arg: str) -> None:
    """Select and print a stack frame: frame [N]."""
    s.require_running("No registers." if arg.strip() else "No stack.")
    if arg.strip():
        _select(s, s.eval_int(arg))
    _print_frame(s)


@command("up", category="stack")
def cmd_up(s: "Session", arg: str) -> None:
    """Select and print the frame N (default 1) levels out."""
    s.require_running("No stack.")
    n = s.eval_int(arg) if arg.strip() else 1
    frames = s.source.frames(s.task(), s.frame_level + n + 1)
    if s.frame_level + n >= len(frames) or _past_main(s, frames, s.frame_level + n):
        if s.frame_level == len(frames) - 1 or _past_main(s, frames, s.frame_level + 1):
            raise CommandError("Initial frame selected; you cannot go up.")
        n = len(frames) - 1 - s.frame_level
    _select(s, s.frame_level + n)
    _print_frame(s)


@command("down", "do", category="stack")
def cmd_down(s: "Session", arg: str) -> None:
    """Select and print the frame N (default 1) levels in."""
    s.require_running("No stack.")
    n = s.eval_int(arg) if arg.strip() else 1
    if s.frame_level == 0:
        raise CommandError("Bottom (innermost) frame selected; you cannot go down.")
    _select(s, max(s.frame_level - n, 0))
    _print_frame(s)


def _past_main(s: "Session", frames, level: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether `level` is beyond main (gdb's backtrace past-main off)."""
    if s.settings.get("backtrace past-main", "off") != "off":
        return False
    for fs in frames[:level]:
        syms = s.symbols()
        hit = syms.containing(fs.lookup) if syms else None
        name = fs.function.name if fs.function else hit[0].name if hit else ""
        if name == "main":
            return True
    return False


def _select(s: "Session", level: int) -> None:
    if level < 0:
        raise CommandError("No frame at level " + str(level) + ".")
    frames = s.source.frames(s.task(), level + 1)
    if level >= len(frames):
        raise CommandError("No frame at level " + str(level) + ".")
    s.frame_level = level


def _print_frame(s: "Session") -> None:
    t = s.task()
    fs = s.source.frames(t, s.frame_level + 1)[s.frame_level]
    text = s.source.frame_text(fs, t)
    if text is None:
        syms = s.symbols(t)
        hit = syms.containing(fs.lookup) if syms is not None else None
        text = location(fs.pc, syms) if fs.level == 0 else \
            f"0x{fs.pc:016x} in {hit[0].name if hit else '??'} ()"
        s.say(f"#{fs.level:<2} {text}")
        return
    s.say(f"#{fs.level:<2} {text}")
    sl = fs.line
    line = s.source.frame_source(sl, fs.pc) if sl is not None else None
    if line is not None:
        s.say(line)


# ------------------------------------------------------ source directories
@command("directory", "dir", category="files")
def cmd_directory(s: "Session", arg: str) -> None:
    """Add directories to the front of the source path (without one: reset it, after
    asking); files named by the line table are looked for there too."""
    view = s.source
    if not arg.strip():
        if s.confirm("Reinitialize source path to empty? (y or n) "):
            view.source_path = []
    else:
        for d in reversed(arg.split(":") if ":" in arg else arg.split()):
            d = d.strip()
            if d in ("$cdir", "$cwd"):
                continue
            path = d if d.startswith("/") else str(Path(s.machine.cwd or ".") / d)
            if path in view.source_path:
                view.source_path.remove(path)
            view.source_path.insert(0, path)
        view.forget_texts()
    s.execute("show directories")
