"""Examining and changing data: print, x, display, undisplay, set, patch, disassemble."""

from __future__ import annotations

import re
import struct
from typing import TYPE_CHECKING, Callable, Iterator

from ...arch.assembler import AsmError, assemble
from ...arch.x86_64 import ADDRESS_MASK, REG_IDS
from .. import settings
from ..escapes import top_level
from ..expr import CType, Value, parse_type
from ..format import char_repr, parse_xfmt, scalar, sym_suffix
from ..ranges import report_missing, spans
from ..registry import CommandError, command
from ..settings import DEFAULT_SETTINGS
from .code import disasm_lines, iter_disasm
from .support import change_setting

if TYPE_CHECKING:
    from ..session import Session

FMT = re.compile(r"^/(\w+)\s*(.*)$", re.S)


def _fmt(arg: str) -> tuple[str | None, str]:
    m = FMT.match(arg)
    if m:
        return m.group(1), m.group(2)
    return None, arg


PRINT_FMT = re.compile(r"^/(-?\d*)([a-z]*)\s*(.*)$", re.S)


def print_format(s: "Session", arg: str, cmd: str) -> tuple[str | None, str]:
    """(format letter, expression) of `print/FMT EXPR` as gdb decodes it: a count or a
    size letter is an error, `i` is meaningless, the last letter wins, and `print` and
    `call` without a letter (`print/r`) keep the letter they last used."""
    m = PRINT_FMT.match(arg)
    if m is None:
        return None, arg
    count, letters, expr = m.groups()
    fmt = None
    for c in letters:
        if c in "bhwg":
            raise CommandError(f'Size letters are meaningless in "{cmd}" command.')
        if c != "r":  # r: raw, which C values are anyway
            fmt = c
    if count not in ("", "1"):
        raise CommandError(f'Item count other than 1 is meaningless in "{cmd}" command.')
    if fmt == "i":
        raise CommandError(f'Format letter "i" is meaningless in "{cmd}" command.')
    if cmd != "output":
        fmt = fmt or s.last_print_format
        s.last_print_format = fmt
    return fmt, expr


@command("print", "p", "inspect", category="data")
def cmd_print(s: "Session", arg: str) -> None:
    """Print the value of an expression: p[/x|d|u|o|t|c|a|z] EXPR ($rax, *(int *)ADDR, ...)."""
    _print(s, arg, False)


@command("call", category="data")
def cmd_call(s: "Session", arg: str) -> None:
    """Call a function of the program: call FUNC(ARGS) (its value printed unless void;
    a function without debug information needs a cast: call (long) ftell(f))."""
    _print(s, arg, True)


def _print(s: "Session", arg: str, call: bool) -> None:
    fmt, expr = print_format(s, arg, "call" if call else "print")
    if fmt == "s":
        fmt = None  # /s: strings, which C values print as anyway
    if fmt is not None and fmt not in "xduotacfz":
        v = s.evaluate(expr)  # gdb records the value before it finds the format wrong
        s.history.append(v)
        s.out.write(f"${len(s.history)} = ")
        raise CommandError(f'Undefined output format "{fmt}".')
    if not expr:
        if not s.history:
            raise CommandError("The history is empty.")
        v = s.history[-1]
    else:
        parts = _assignment(expr)
        if parts is not None:  # `p $x = 5`: assign as `set var`, then show the value
            cmd_set(s, f"var {parts[0]} = {parts[1]}")
            expr = parts[0]
        v = s.evaluate(expr)
    if call and v.t.name == "void" and not v.t.is_pointer:
        return  # gdb's call prints no void value
    text = s.source.render(v, fmt)
    s.history.append(v)
    s.say(f"${len(s.history)} = {text}")


def _assignment(expr: str) -> tuple[str, str] | None:
    """(left, right) of a C assignment at the top level of `expr` (not ==, <=, >=, !=)."""
    for i, c in top_level(expr):
        if c == "=":
            before = expr[i - 1] if i else ""
            after = expr[i + 1] if i + 1 < len(expr) else ""
            if before not in "=!<>" and after != "=":
                return expr[:i].strip(), expr[i + 1:].strip()
    return None


@command("output", category="data")
def cmd_output(s: "Session", arg: str) -> None:
    """Print an expression's value with no history entry and no newline."""
    fmt, expr = print_format(s, arg, "output")
    fmt = None if fmt == "s" else fmt
    s.out.write(s.source.render(s.evaluate(expr), fmt))
    s.out.flush()


@command("x", category="data")
def cmd_x(s: "Session", arg: str) -> None:
    """Examine memory: x/NFU ADDR (F: x d u o t c a s i z; U: b h w g)."""
    spec = ""
    if arg.startswith("/"):
        spec, _, arg = arg[1:].partition(" ")
    count, fmt, size = parse_xfmt(spec, s.last_x)
    if arg.strip():
        addr = s.eval_int(arg) & ADDRESS_MASK
    else:
        addr = s.last_x[0]
    read, pc = s.memory()
    try:
        for line in _examine(s, read, pc, addr, count, fmt, size):
            s.say(line)
    finally:
        s.last_x = (s.x_next, fmt, size)


def _examine(s: "Session", read: Callable[[int, int], bytes], pc: int | None, addr: int,
             count: int, fmt: str, size: int) -> Iterator[str]:
    """x's lines as they are made (a huge count costs only what is printed); the
    address after the last unit examined is left in s.x_next."""
    s.x_next = addr
    if fmt == "i":
        for line, nxt in iter_disasm(s, read, addr, count, mark_pc=pc):
            s.x_next = nxt
            yield line
        return
    if fmt == "s":
        for _ in range(count):
            data = read(addr, 4096)
            if not data:  # gdb reports it in place of the string, and stays there
                yield (f"{addr:#x}{sym_suffix(addr, s.describe)}:\t"
                       f"<error: Cannot access memory at address {addr:#x}>")
                continue
            raw = data.split(b"\0")[0]
            text = '"' + "".join(char_repr(c) if c != 34 else '\\"' for c in raw) + '"'
            yield f"{addr:#x}{sym_suffix(addr, s.describe)}:\t{text}"
            addr += len(raw) + 1
            s.x_next = addr
        return
    per_line = 2 if fmt == "a" else {1: 8, 2: 8, 4: 4, 8: 2}[size]
    items: list[str] = []
    start = addr
    for i in range(count):
        data = read(addr, size)
        if len(data) < size:  # gdb has printed the line so far; its error ends the line
            s.out.write(f"{start:#x}{sym_suffix(start, s.describe)}:\t"
                        + "".join(f"{t}\t" for t in items))
            s.out.flush()
            raise CommandError(f"Cannot access memory at address {addr:#x}")
        v = int.from_bytes(data, "little")
        f = "z" if fmt == "x" else fmt
        text = scalar(v, CType("i", size, fmt != "u"), f, s.describe)
        if fmt == "x":
            text = f"0x{v:0{2 * size}x}"
        items.append(text)
        addr += size
        s.x_next = addr
        if len(items) == per_line or i == count - 1:
            yield f"{start:#x}{sym_suffix(start, s.describe)}:\t" + "\t".join(items)
            items, start = [], addr


@command("display", category="data")
def cmd_display(s: "Session", arg: str) -> None:
    """Print an expression each time the program stops: display[/FMT] EXPR."""
    if not arg:
        from ..report import run_displays
        run_displays(s)
        return
    fmt, expr = _fmt(arg)
    fmt = _display_format(fmt or "")
    num = s.next_display
    s.next_display += 1
    s.displays.append((num, expr, fmt or ""))
    if s.running and s.from_tty:
        s.show_display(num, expr, fmt or "")


def _display_format(fmt: str) -> str:
    """gdb's canonical display format: a memory examination (a count, a size, or /s /i)
    as COUNT SIZE LETTER (`1bs`, `2wx`), else the print format letter."""
    count = "".join(c for c in fmt if c.isdigit())
    size = "".join(c for c in fmt if c in "bhwg")[-1:]
    letter = "".join(c for c in fmt if c.isalpha() and c not in "bhwg")[-1:]
    if not (count or size or letter in ("s", "i")):
        return fmt
    size = size or ("b" if letter in ("s", "i") else "g" if letter == "a" else "w")
    return f"x/{count or 1}{size}{letter or 'x'}"


def enable_displays(s: "Session", arg: str, on: bool) -> None:
    """`enable display [N...]`, `disable display [N...]`."""
    shown = {d[0] for d in s.displays}
    nums = shown if not arg.strip() else set(report_missing(
        spans(arg, s.convenience_int), shown.__contains__, max(shown, default=0), s.say,
        "display"))
    if on:
        s.disabled_displays -= nums
    else:
        s.disabled_displays |= nums


@command("undisplay", category="data")
def cmd_undisplay(s: "Session", arg: str) -> None:
    """Stop displaying expressions (all without arguments)."""
    if not arg:
        if s.displays and s.from_tty and \
                not s.confirm("Delete all auto-display expressions? (y or n) "):
            raise CommandError("Not confirmed.")
        s.displays.clear()
        return
    shown = {d[0] for d in s.displays}
    gone = set(report_missing(spans(arg, s.convenience_int), shown.__contains__,
                              max(shown, default=0), s.say, "display"))
    s.displays = [d for d in s.displays if d[0] not in gone]


@command("set", category="data", trailing=True, subcommands=(
    "var", "variable", "args", "environment",
    *dict.fromkeys(k.split()[0] for k in DEFAULT_SETTINGS)))
def cmd_set(s: "Session", arg: str) -> None:
    """Change a setting (set follow-fork-mode child) or memory and registers
    (set $rax = 5, set {long}0x4c6f10 = 7, set var *(int *)ADDR = 1)."""
    if arg.startswith(("var ", "variable ")):
        arg = arg.split(None, 1)[1]
    elif not arg or not arg.startswith(("$", "{", "*", "(")):
        if "=" in arg and not _names_setting(s, arg):
            pass  # gdb evaluates `set do_execve = 1` as an assignment to the program
        else:
            change_setting(s, arg)
            return
    lhs, eq, rhs = arg.partition("=")
    if not eq:
        change_setting(s, arg)
        return
    lhs, rhs = lhs.strip(), rhs.strip()
    if lhs.startswith("$") and lhs[1:] not in REG_IDS:  # a convenience variable: the value
        v = s.evaluate(rhs)                            # with its type, as gdb keeps it
        if v.t.name == "<data variable, no debug info>":
            raise CommandError(f"'{v.symbol}' has unknown type; cast it to its declared type")
        s.convenience[lhs[1:]] = Value(v.v, v.t, lval=v.lval, raw=v.raw)
        return
    rv = s.evaluate(rhs)
    value = rv.v
    if lhs.startswith("$"):
        s.task().set_reg(REG_IDS[lhs[1:]], int(value))
        return
    m = re.match(r"^\{([^}]*)\}\s*(.+)$", lhs)
    if m:
        ctype = parse_type(m.group(1))
        addr = s.eval_int(m.group(2))
    else:
        v = s.evaluate(lhs)
        if v.lval is None:
            raise CommandError("Left operand of assignment is not an lvalue.")
        ctype, addr = v.t, v.lval
    if ctype.floating:
        data = struct.pack("<f" if ctype.size == 4 else "<d", float(value))
    else:
        data = (int(value) & ((1 << (8 * ctype.size)) - 1)).to_bytes(ctype.size, "little")
    if not s.running:  # the file's bytes are not the program's memory
        raise CommandError(f"Cannot access memory at address {addr:#x}")
    try:
        s.task().mm.write(addr, data, force=True)
    except Exception:  # noqa: BLE001
        raise CommandError(f"Cannot access memory at address {addr:#x}") from None


def _names_setting(s: "Session", arg: str) -> bool:
    """Whether `set ARG` starts with the name of a setting (else it is an expression)."""
    words = re.sub(r"([\w-])([/~=])", r"\1 \2", arg).split()
    if words and words[0] in ("args", "environment", "env"):
        return True
    try:
        settings.resolve(words[:2], list(s.settings))
    except CommandError:
        return False
    return True


@command("patch", category="data")
def cmd_patch(s: "Session", arg: str) -> None:
    """patch ADDR "insn; insn": assemble with keystone and write over the code."""
    m = re.match(r'^(\S+)\s+"(.*)"\s*$', arg) or re.match(r"^(\S+)\s+'(.*)'\s*$", arg)
    if not m:
        raise CommandError('Usage: patch ADDR "instruction; instruction"')
    t = s.task()
    addr = s.eval_int(m.group(1))
    try:
        code = assemble(m.group(2), addr)
    except AsmError as e:
        raise CommandError(f"Cannot assemble \"{m.group(2)}\": {e}") from None
    old = t.mm.readable_prefix(addr, len(code))
    if len(old) < len(code):
        raise CommandError(f"Cannot access memory at address {addr:#x}")
    t.mm.write(addr, code, force=True)
    from ...arch import uc_compat
    uc_compat.remove_tb_cache(t.mm.engine(), addr, addr + len(code))
    s.say(f"Patched {len(code)} bytes at {addr:#x}{sym_suffix(addr, s.describe)}")
    s.say(f"  old: {old.hex(' ')}")
    s.say(f"  new: {code.hex(' ')}")
    for line, _ in disasm_lines(s, t.mm.readable_prefix, addr, len(code), mark_pc=None,
                                limit_bytes=len(code)):
        s.say(line)


@command("disassemble", "disas", category="data")
def cmd_disassemble(s: "Session", arg: str) -> None:
    """Disassemble a function (the current one without arguments), or START,END / START,+LEN."""
    from .code import disassemble_command
    disassemble_command(s, arg)
