"""gdb's ways of printing: values (/x /d /u /o /t /c /a /z), locations, registers, x/, code."""

from __future__ import annotations

import math
import struct
from typing import TYPE_CHECKING, Callable

from ..arch.x86_64 import GPRS, render_eflags
from ..dwarf.values import address_text
from .expr import CHAR, TEXT, UCHAR, CType, Value, wrap
from .registry import CommandError

if TYPE_CHECKING:
    from ..elf.symbols import Symbols

Describe = Callable[[int], str]  # address -> "main+4" or ""


def sym_suffix(addr: int, describe: Describe) -> str:
    """`` <main+4>`` or ``""``."""
    d = describe(addr)
    return f" <{d}>" if d else ""


def location(pc: int, syms: "Symbols | None") -> str:
    """``0x000000000040112a in main ()`` as gdb prints a frame without debug info."""
    hit = syms.containing(pc) if syms is not None else None
    name = hit[0].name if hit else "??"
    lib = syms.library_of(pc) if syms is not None else None
    return f"0x{pc:016x} in {name} ()" + (f" from {lib}" if lib else "")


def char_repr(c: int) -> str:
    c &= 0xFF
    esc = {0: "\\000", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r",
           27: "\\033", 39: "\\'", 92: "\\\\"}
    if c in esc:
        return esc[c]
    if 0x20 <= c < 0x7F:
        return chr(c)
    return f"\\{c:03o}"


def float_text(v: float, size: int) -> str:
    """A float as gdb prints it: %g with the type's round-trip digits."""
    if math.isnan(v):  # the sign and the mantissa's bits, of the type's own width
        bits = int.from_bytes(struct.pack("<f" if size == 4 else "<d", v), "little")
        mant = bits & ((1 << (23 if size == 4 else 52)) - 1)
        return f"{'-' if bits >> (8 * size - 1) else ''}nan({mant:#x})"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.9g}" if size == 4 else f"{v:.17g}"


def scalar(v: int, t: CType, fmt: str | None, describe: Describe) -> str:
    """One integer (or float) in a print/x format letter."""
    size = t.size
    if t.floating:
        if fmt in (None, "f"):
            return float_text(v, size)
        v = int.from_bytes(struct.pack("<f" if size == 4 else "<d", v), "little")
    unsigned = v & ((1 << (8 * size)) - 1)
    if fmt in (None, "d"):
        if fmt == "d":
            return str(wrap(v, CType("i", size, True)))
        if t in (CHAR, UCHAR) or t.name in ("char", "unsigned char"):
            return f"{v} '{char_repr(v)}'"
        return str(v)
    if fmt == "x":
        return hex(unsigned)
    if fmt == "z":
        return f"0x{unsigned:0{2 * size}x}"
    if fmt == "u":
        return str(unsigned)
    if fmt == "o":
        return "0" + format(unsigned, "o") if unsigned else "0"
    if fmt == "t":
        return format(unsigned, "b")
    if fmt == "c":  # as a char of the value's signedness (gdb: unsigned char for unsigned)
        c = wrap(v, CType("c", 1, t.signed))
        return f"{c} '{char_repr(c)}'"
    if fmt == "a":
        return hex(unsigned) + sym_suffix(unsigned, describe)
    raise CommandError(f"Undefined output format \"{fmt}\".")


CHAR_NAMES = ("char", "signed char", "unsigned char")


def value(val: Value, fmt: str | None, describe: Describe,
          read_str: Callable[[int], str | None] | None = None, addresses: bool = True) -> str:
    """The right-hand side of ``$1 = ...`` (`addresses`: `set print address`)."""
    t = val.t
    if t is TEXT and fmt is None:
        return f"{{{t.name}}} " + address_text(val.v, describe, addresses)
    if t.name == "<data variable, no debug info>":
        raise CommandError(f"'{val.symbol}' has unknown type; cast it to its declared type")
    if t.name == "i386_eflags" and fmt is None:
        return render_eflags(val.v)
    if t.name == "void" and not t.is_pointer:
        return "void"
    if t.is_pointer and fmt is None:
        assert t.pointee is not None
        if t.pointee.name in CHAR_NAMES and read_str is not None:
            # the string, after the symbol the address is in; the pointer's type
            # only when it points to something else than plain `char` (gdb)
            text = read_str(val.v)
            out = " ".join(p for p in (address_text(val.v, describe, addresses), text) if p)
            return out if t.pointee.name == "char" else f"({t.name}) {out}"
        name = "void (*)()" if t.pointee.name == "void ()" else t.name
        return f"({name}) " + address_text(val.v, describe, addresses)
    return scalar(val.v, t, fmt, describe)


def register_lines(regs: list[tuple[str, int]], describe: Describe) -> list[str]:
    """`info registers`: name, hex, natural value in gdb's columns."""
    out = []
    for name, v in regs:
        if name == "eflags":
            natural = render_eflags(v)
        elif name in ("rip",):
            natural = f"{v:#x}" + sym_suffix(v, describe)
        elif name in ("rsp", "rbp"):
            natural = f"{v:#x}"
        else:
            natural = str(wrap(v, CType("l", 8, True)) if name not in
                          ("cs", "ss", "ds", "es", "fs", "gs") else v)
        out.append(f"{name:<15}{v:<#19x} {natural}")
    return out


def all_registers(reg: Callable[[int], int]) -> list[tuple[str, int]]:
    return [(name, reg(rid)) for name, rid in GPRS]


UNITS = {"b": 1, "h": 2, "w": 4, "g": 8}


def parse_xfmt(spec: str, last: tuple[int, str, int]) -> tuple[int, str, int]:
    """``/4xg`` -> (count, format letter, unit size); defaults carry over as in gdb."""
    count, fmt, size = 1, last[1], last[2]
    digits = ""
    for ch in spec:
        if ch in "0123456789":
            digits += ch
        elif ch in UNITS:
            size = UNITS[ch]
        elif ch in "xduotacfsizs":
            fmt = ch
        else:
            raise CommandError(f'Invalid number "{spec}".' if ch == "-" else
                               f"Undefined output format \"{ch}\".")
    if digits:
        count = int(digits)
    if fmt in ("a",):
        size = 8
    if fmt == "c" and "b" not in spec:
        size = 1
    return count, fmt, size
