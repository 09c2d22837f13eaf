"""C's arithmetic for gdb expressions: integer promotion, the usual conversions,
shifts with gdb's warnings, truncating division, and each binary operator; and C string
literals as values."""

from __future__ import annotations

import math
import struct
from typing import Callable

from ..dwarf.types import ATE_FLOAT, ATE_SIGNED, ATE_SIGNED_CHAR, ATE_UNSIGNED, Type
from .escapes import escape_at
from .expr_types import (DOUBLE, FLOAT, INT, LONG, LONG_DOUBLE, TEXT, TEXTP, UINT, ULONG, VOID,
                         CType, Value, wrap)
from .registry import CommandError
from .x87 import LongDouble, compute


def promote(t: CType) -> CType:
    """C's integer promotion: anything narrower than int computes as int."""
    return INT if t.size < 4 and not t.is_pointer else t


def common_type(a: CType, b: CType) -> CType:
    """C's usual arithmetic conversions (pointers and code compute as long), giving one
    of gdb's builtin types by size: int or long, signed or not (an enum or a typedef of
    either side does not survive the operation)."""
    a, b = promote(a), promote(b)
    a = LONG if a.is_pointer or a.code else a
    b = LONG if b.is_pointer or b.code else b
    if a.size != b.size:
        t = a if a.size > b.size else b
    else:
        t = a if not a.signed else b
    if t.size <= 4:
        return INT if t.signed else UINT
    return LONG if t.signed else ULONG


def decay(v: Value) -> Value:
    """A function of the program in arithmetic: a pointer to it (C's decay)."""
    d = v.t.dwarf
    if d is None or v.t.is_pointer or d.strip().kind != "func":
        return v
    pt = Type("pointer", None, 8, d)
    addr = v.lval if v.lval is not None else v.v
    return Value(addr, CType(str(pt), 8, False, v.t, dwarf=pt))


def shift(op: str, a: Value, b: Value, warn: Callable[[str], None]) -> Value:
    """<< and >>: the left operand's promoted type; gdb's warnings and 0 for bad counts."""
    t = promote(a.t)
    t = LONG if t.is_pointer or t.code else t
    side = "left" if op == "<<" else "right"
    if b.v < 0:
        warn(f"{side} shift count is negative")
        return Value(0, t)
    if b.v >= 8 * t.size:
        warn(f"{side} shift count >= width of type")
        return Value(0, t)
    x = wrap(a.v, t)
    return Value(wrap(x << b.v if op == "<<" else x >> b.v, t), t)


def c_div(x: int, y: int) -> int:
    """C's division: the quotient truncated toward zero, exactly."""
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


def apply(op: str, a: Value, b: Value, skip: bool = False,
          warn: Callable[[str], None] = lambda _m: None) -> Value:
    """One binary operator; with `skip` the result is only typed, never an error."""
    a, b = decay(a), decay(b)
    x, y = a.v, b.v
    if op in ("&&", "||"):
        r = (bool(x) and bool(y)) if op == "&&" else (bool(x) or bool(y))
        return Value(int(r), INT)
    if a.t.floating or b.t.floating:
        return _floating(op, a, b)
    if op in ("/", "%") and y == 0:
        if skip:
            return Value(0, common_type(a.t, b.t))
        raise CommandError("Division by zero")
    if op in ("<<", ">>"):
        return shift(op, a, b, warn if not skip else (lambda _m: None))
    if op in ("+", "-") and a.t is TEXT and not b.t.is_pointer:  # a function decays
        a = Value(x, TEXTP)
    elif op == "+" and b.t is TEXT and not a.t.is_pointer:
        a, b, x, y = Value(y, TEXTP), a, y, x
    if a.t.is_pointer and op in ("+", "-") and not b.t.is_pointer:
        step = a.t.pointee.size if a.t.pointee and a.t.pointee is not VOID else 1
        return Value(x + y * step if op == "+" else x - y * step, a.t)
    t = common_type(a.t, b.t)
    if a.t.is_pointer or b.t.is_pointer:  # addresses compare unsigned
        x, y = x & (1 << 64) - 1, y & (1 << 64) - 1
    else:
        x, y = wrap(x, t), wrap(y, t)
    if op in ("==", "!=", "<", ">", "<=", ">="):
        r = {"==": x == y, "!=": x != y, "<": x < y, ">": x > y, "<=": x <= y,
             ">=": x >= y}[op]
        return Value(int(r), INT)
    if op in ("/", "%"):
        q = c_div(x, y)
        n = q if op == "/" else x - q * y
    else:
        n = {"+": x + y, "-": x - y, "*": x * y, "&": x & y, "|": x | y, "^": x ^ y}[op]
    return Value(wrap(n, t), t)


def _floating(op: str, a: Value, b: Value) -> Value:
    """A binary operator with a float or double operand: C's usual conversions (double
    unless both are float), IEEE division (by zero too)."""
    if a.t.is_pointer or b.t.is_pointer or op in ("%", "&", "|", "^", "<<", ">>"):
        raise CommandError("Integer-only operation on floating point number.")
    if any(v.t.floating and v.t.size > 8 for v in (a, b)):  # x87's, exactly
        r = compute(op, LongDouble.of(a.v), LongDouble.of(b.v))
        return Value(int(r), INT) if isinstance(r, bool) else Value(r, LONG_DOUBLE)
    # C's conversions: double if either side is one, else float (integers convert)
    t = DOUBLE if any(v.t.floating and v.t.size == 8 for v in (a, b)) else FLOAT
    x, y = float(a.v), float(b.v)
    if op in ("==", "!=", "<", ">", "<=", ">="):
        r = {"==": x == y, "!=": x != y, "<": x < y, ">": x > y, "<=": x <= y,
             ">=": x >= y}[op]
        return Value(int(r), INT)
    if op == "/" and y == 0:
        n = math.copysign(math.inf, x) * math.copysign(1, y) if x else DEFAULT_NAN
    else:
        n = {"+": x + y, "-": x - y, "*": x * y, "/": x / y if y else 0.0}[op]
    return Value(wrap(n, t), t)


STRING_CHAR = Type("base", "char", 1, encoding=6)
#: the NaN an x86 invalid operation gives (0.0/0): sign bit set, the quiet bit alone
DEFAULT_NAN = struct.unpack("<d", (0xFFF8 << 48).to_bytes(8, "little"))[0]


def string_value(text: str) -> Value:
    """A C string as gdb holds it: a char array with its NUL."""
    raw = text.encode("utf-8", "surrogateescape") + b"\0"
    t = Type("array", None, 0, STRING_CHAR, count=len(raw))
    return Value(0, CType(f"char [{len(raw)}]", len(raw), dwarf=t), raw=raw)


def program_type(t: CType) -> Type:
    """A value's type as a program type: its own, or a base type built for a constant."""
    if t.dwarf is not None:
        return t.dwarf  # type: ignore[no-any-return]
    enc = ATE_FLOAT if t.floating else ATE_SIGNED_CHAR if t.name == "char" else \
        ATE_SIGNED if t.signed else ATE_UNSIGNED
    return Type("base", t.name, t.size, encoding=enc)


def value_bytes(v: Value) -> bytes:
    """The bytes of a value in the program's representation."""
    if v.raw is not None and v.t.aggregate:
        return v.raw
    if v.t.floating and v.t.size > 8:
        return LongDouble.of(v.v).data.ljust(v.t.size, b"\0")
    if v.t.floating:
        return struct.pack("<f" if v.t.size == 4 else "<d", float(v.v))
    return (int(v.v) & ((1 << (8 * v.t.size)) - 1)).to_bytes(v.t.size, "little")


def array_value(elems: list[Value]) -> Value:
    """`{A, B, ...}`: an array of the elements' type, held by gdb (not in memory)."""
    size = elems[0].t.size
    if any(e.t.size != size for e in elems):
        raise CommandError("array elements must all be the same size")
    raw = b"".join(value_bytes(e) for e in elems)
    t = Type("array", None, 0, program_type(elems[0].t), count=len(elems))
    return Value(0, CType(str(t), len(raw), dwarf=t), raw=raw)


def char_constant_string(body: str) -> str:
    """The characters of a string literal's body, escapes decoded as C decodes them."""
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\":
            code, i = escape_at(body, i, c_lang=True)
            out.append(chr((code if code is not None else 0) & 0xFF))
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


