"""printf "FORMAT", ARGS...: C's printf over gdb expressions, with gdb's errors."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..arith import char_constant_string
from ..escapes import top_level
from ..expr import Value
from ..format import float_text
from ..registry import CommandError, command

if TYPE_CHECKING:
    from ..session import Session

#: one conversion: flags, width, precision, length, letter
SPEC = re.compile(r"%([-+ #0]*)(\d*)(?:\.(\d*))?(hh|h|ll|l|L|q|j|z|Z|t)?([diouxXcsfFeEgGaAp%])")


def split_arguments(text: str) -> list[str]:
    """The comma-separated expressions after the format (commas inside brackets or
    quotes belong to their expression)."""
    cuts = [i for i, c in top_level(text) if c == ","]
    bounds = zip([-1] + cuts, cuts + [len(text)])
    out = [text[a + 1:b].strip() for a, b in bounds]
    return out[:-1] if not out[-1] else out  # nothing after the last comma: no argument


def _format_string(arg: str) -> tuple[str, str]:
    """(the format's characters, the rest of the line)."""
    text = arg.strip()
    if not text:
        raise CommandError("Argument required (format-control string and values to print).")
    if not text.startswith('"'):
        raise CommandError("Bad format string, missing '\"'.")
    i = 1
    while i < len(text) and text[i] != '"':
        i += 2 if text[i] == "\\" else 1
    if i >= len(text):
        raise CommandError("Bad format string, non-terminated '\"'.")
    for esc in re.finditer(r"\\(.)", text[1:i]):  # gdb's format escapes only
        if esc.group(1) not in "\\abfnrtv\"'01234567x":
            raise CommandError(f"Unrecognized escape character \\{esc.group(1)} in format "
                               "string.")
    rest = text[i + 1:].strip()
    if rest and not rest.startswith(","):
        raise CommandError("Invalid argument syntax")
    return char_constant_string(text[1:i]), rest[1:].strip()


def _string(s: "Session", v: Value) -> str:
    if v.raw is not None and v.lval is None:  # a string literal
        if not s.running:  # gdb would put the string in the program's memory
            raise CommandError("You can't do that without a process to debug." if s.program
                               else "evaluation of this expression requires the target "
                               "program to be active")
        return v.raw.split(b"\0")[0].decode("utf-8", "replace")
    addr = v.lval if v.t.dwarf is not None and v.t.dwarf.strip().kind == "array" else v.v
    if not addr:
        return "(null)"
    try:
        data = s.task().mm.read_cstr(addr, 1 << 16)
    except Exception:  # noqa: BLE001 - gdb's error for unreadable memory
        raise CommandError(f"Cannot access memory at address {addr:#x}") from None
    return data.decode("utf-8", "replace")


def _convert(s: "Session", m: re.Match[str], v: Value) -> str:
    flags, width, prec, length, conv = m.groups()
    spec = f"%{flags}{width}" + (f".{prec}" if prec is not None else "")
    if conv == "s":
        return (spec + "s") % _string(s, v)
    if conv == "p":  # glibc's %p: (nil) for a null pointer
        n = int(v.v) & (1 << 64) - 1
        return (f"%{flags}{width}s") % (hex(n) if n else "(nil)")
    if conv in "fFeEgGaA":
        x = float(v.v) if v.t.floating else 0.0
        if conv in "aA":
            return float_text(x, 8)
        return (spec + conv) % x
    n = int(v.v)
    bits = 64 if length in ("l", "ll", "q", "j", "z", "Z", "t", "L") else \
        8 if length == "hh" or conv == "c" else 16 if length == "h" else 32
    n &= (1 << bits) - 1
    if conv in "di" and n >> (bits - 1):
        n -= 1 << bits
    if conv == "c":
        return (f"%{flags}{width}c") % chr(n)
    return (spec + {"i": "d", "u": "d"}.get(conv, conv)) % n


@command("printf", category="support")
def cmd_printf(s: "Session", arg: str) -> None:
    """printf "FORMAT", ARG...: print values as C's printf does (%d %u %x %o %c %s %p
    %f %e %g, with flags, width, precision and l/ll/h/hh/z)."""
    fmt, rest = _format_string(arg)
    exprs = split_arguments(rest)
    specs = [m for m in SPEC.finditer(fmt) if m.group(5) != "%"]
    if len(specs) != len(exprs):
        raise CommandError("Wrong number of arguments for specified format-string")
    values = [s.evaluate(e) for e in exprs]
    out: list[str] = []
    pos, k = 0, 0
    try:
        for m in SPEC.finditer(fmt):
            out.append(fmt[pos:m.start()])
            pos = m.end()
            if m.group(5) == "%":
                out.append("%")
                continue
            out.append(_convert(s, m, values[k]))
            k += 1
        out.append(fmt[pos:])
    finally:  # what was formatted before an error is printed, as gdb prints it
        s.out.write("".join(out))
        s.out.flush()
