"""Values of program types printed as gdb prints them: scalars, pointers (strings for
char pointers, <symbol> for addresses), arrays with <repeats N times>, structs, unions,
enums, bitfields."""

from __future__ import annotations

import decimal
import struct
from dataclasses import dataclass
from typing import Callable

from .types import ATE_BOOLEAN, ATE_FLOAT, Type

REPEAT_THRESHOLD = 10  # gdb's `set print repeats`
PRINT_MAX = 200  # gdb's `set print elements`


Missing = tuple[tuple[int, int], ...]  # byte ranges [lo, hi) optimized out


def missing_within(missing: Missing, offset: int, size: int) -> Missing:
    """The optimized-out ranges of the `size` bytes at `offset`, from `offset`."""
    return tuple((max(lo, offset) - offset, min(hi, offset + size) - offset)
                 for lo, hi in missing if lo < offset + size and offset < hi)


@dataclass
class TypedValue:
    """A value of a program type: its bytes, and where it lives when in memory; some
    of it may be optimized out (a variable in pieces, one of them gone)."""

    type: Type
    data: bytes | None  # None: optimized out
    addr: int | None = None
    missing: Missing = ()  # the bytes of `data` that are optimized out (zeros there)

    def part(self, t: Type, offset: int, size: int, data: bytes | None = None
             ) -> "TypedValue":
        """The member or element of type `t` at `offset`: optimized out if any of its
        bytes is and it is no aggregate (gdb's value_bits_any_optimized_out)."""
        gone = missing_within(self.missing, offset, size)
        addr = self.addr + offset if self.addr is not None else None
        if gone and t.strip().kind not in ("struct", "union", "array"):
            return TypedValue(t, None, addr)
        assert self.data is not None
        raw = data if data is not None else self.data[offset:offset + size]
        return TypedValue(t, raw, addr, gone)

    def as_int(self) -> int:
        t = self.type.strip()
        if self.data is None:
            raise ValueError("optimized out")
        if t.kind == "array":
            return self.addr or 0
        n = int.from_bytes(self.data[:max(t.byte_size, 1)], "little")
        if self.type.is_signed() and t.byte_size and n >> (8 * t.byte_size - 1):
            n -= 1 << (8 * t.byte_size)
        return n


def address_text(addr: int, describe: Callable[[int], str], addresses: bool = True) -> str:
    """An address as gdb shows a pointer (print_address_demangle): ``0x401136 <main+4>``;
    with `set print address off` only ``<main+4>``, or nothing without a symbol."""
    d = describe(addr)
    if not addresses:
        return f"<{d}>" if d else ""
    return f"{addr:#x}" + (f" <{d}>" if d else "")


def _joined(*parts: str) -> str:
    return " ".join(p for p in parts if p)


@dataclass
class Printer:
    read: Callable[[int, int], bytes]  # memory (short at the end of what is readable)
    describe: Callable[[int], str]  # address -> "main+4" or ""
    pretty: bool = False
    addresses: bool = True  # `set print address`
    minsym: Callable[[int], str] | None = None  # /a's names: the ELF symbol's (gdb)

    def value(self, v: TypedValue, fmt: str | None = None, top: bool = True,
              indent: int = 0) -> str:
        t = v.type.strip()
        if v.data is None or (v.missing and t.kind not in ("struct", "union", "array")):
            return "<optimized out>"
        if t.kind in ("struct", "union"):
            return self._struct(t, v, fmt, indent)
        if t.kind == "array":
            return self._array(t, v, fmt, indent)
        if t.kind == "func":
            return _joined(f"{{{v.type}}}",
                           address_text(v.addr or 0, self.describe, self.addresses))
        if t.is_complex() and fmt is None:  # gdb's `1 + 2i`: each half as its float
            half = t.size // 2
            part = Type("base", "float", half, encoding=ATE_FLOAT)
            re_, im = (self.value(TypedValue(part, v.data[i:i + half]), None, False)
                       for i in (0, half))
            return f"{re_} + {im}i"
        n = v.as_int() if not t.is_complex() else int.from_bytes(v.data, "little")
        if fmt == "f" and t.kind == "base" and t.is_float():
            return _float(v.data, t.size)  # /f on a float: its value, as without /f
        if fmt is not None:
            return self._formatted(n, t, fmt)
        if t.kind in ("pointer", "reference"):
            return self._pointer(v.type, n, top)
        if t.kind == "enum":
            return _enum(t, n)
        if t.kind == "base":
            if t.encoding == ATE_BOOLEAN:
                return "true" if n == 1 else "false" if n == 0 else str(n)
            if t.is_float():
                return _float(v.data, t.size)
            if v.type.is_char():
                return f"{n} {_char_literal(n)}"
        return str(n)

    def _formatted(self, n: int, t: Type, fmt: str) -> str:
        size = t.byte_size or 8
        u = n & ((1 << (8 * size)) - 1)
        if fmt == "x":
            return hex(u)
        if fmt == "o":
            return "0" + format(u, "o") if u else "0"
        if fmt == "t":
            return format(u, "b")
        if fmt == "d":
            return str(u - (1 << 8 * size) if u >> (8 * size - 1) else u)
        if fmt == "u":
            return str(u)
        if fmt == "c":
            c = u & 0xFF
            c = c - 256 if c > 127 and t.is_signed() else c  # unsigned char if unsigned
            return f"{c} {_char_literal(c)}"
        if fmt == "z":
            return f"0x{u:0{2 * size}x}"
        if fmt == "a":
            d = (self.minsym or self.describe)(u)
            return hex(u) + (f" <{d}>" if d else "")
        if fmt == "f":  # an integer as /f: its decimal value, as gdb prints it
            return str(u - (1 << 8 * size) if t.is_signed() and u >> (8 * size - 1) else u)
        return str(n)

    def _pointer(self, pt: Type, n: int, top: bool) -> str:
        t = pt.strip()
        target = (t.target.strip() if t.target else None)
        u = n & (1 << 64) - 1
        if target is not None and target.kind == "func":
            text = address_text(u, self.describe, self.addresses)
            return f"({pt}) {text}" if top else text
        text = address_text(u, self.describe if u else (lambda _a: ""), self.addresses)
        if target is not None and t.target is not None and t.target.is_char():
            text = _joined(text, self.c_string(u) or "")
            if pt.kind == "pointer" and target.name == "char":
                return text  # plain `char *`: no type before it (gdb)
        return f"({pt}) {text}" if top else text

    def c_string(self, addr: int) -> str | None:
        """``"text"`` at `addr` (up to PRINT_MAX characters, then ``...``), or gdb's
        ``<error: Cannot access memory at address 0x...>``."""
        if addr == 0:
            return None
        data = self.read(addr, PRINT_MAX + 1)
        if not data:
            return f"<error: Cannot access memory at address {addr:#x}>"
        end = data.find(b"\0")
        if end < 0:
            return _quote(data[:PRINT_MAX]) + "..."
        return _quote(data[:end])

    def _struct(self, t: Type, v: TypedValue, fmt: str | None, indent: int) -> str:
        data = v.data or b""
        if not t.members:
            return "<incomplete type>" if t.declaration else "{<No data fields>}"
        parts = []
        for m in t.members:
            mdata = data[m.offset:m.offset + max(m.type.byte_size, 1)]
            if m.bit_size:
                raw = int.from_bytes(data[m.offset:m.offset + 8], "little")
                n = (raw >> m.bit_offset) & ((1 << m.bit_size) - 1)
                if m.type.is_signed() and n >> (m.bit_size - 1):
                    n -= 1 << m.bit_size
                mdata = (n & ((1 << 64) - 1)).to_bytes(8, "little")[:max(m.type.byte_size, 1)]
                size = (m.bit_offset + m.bit_size + 7) // 8
            else:
                size = max(m.type.byte_size, 1)
            sub = v.part(m.type, m.offset, size, mdata)
            text = self.value(sub, fmt, top=False, indent=indent + 2)
            parts.append(f"{m.name} = {text}" if m.name else text)
        if self.pretty:
            pad = " " * (indent + 2)
            return "{\n" + ",\n".join(pad + p for p in parts) + "\n" + " " * indent + "}"
        return "{" + ", ".join(parts) + "}"

    def _array(self, t: Type, v: TypedValue, fmt: str | None, indent: int) -> str:
        elem = t.target
        assert elem is not None
        data = v.data or b""
        n = t.count or 0
        size = elem.byte_size
        if elem.is_char() and fmt is None and not v.missing:
            return _char_array(data[:n])
        items: list[str] = []
        for i in range(min(n, PRINT_MAX)):
            sub = v.part(elem, i * size, size)
            items.append(self.value(sub, fmt, top=False, indent=indent))
        out = _repeats(items)
        return "{" + ", ".join(out) + ("..." if n > PRINT_MAX else "") + "}"


def _repeats(items: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(items):
        j = i
        while j < len(items) and items[j] == items[i]:
            j += 1
        if j - i >= REPEAT_THRESHOLD:
            out.append(f"{items[i]} <repeats {j - i} times>")
        else:
            out.extend(items[i:j])
        i = j
    return out


def _char_array(data: bytes) -> str:
    """A char array as gdb prints it: the string, one trailing NUL dropped, long runs of
    one character as ``'c' <repeats N times>`` segments."""
    if data.endswith(b"\0"):
        data = data[:-1]
    if not data:
        return '""'
    segs: list[str] = []
    run: list[int] = []
    i = 0
    while i < len(data):
        j = i
        while j < len(data) and data[j] == data[i]:
            j += 1
        if j - i > REPEAT_THRESHOLD - 1:
            if run:
                segs.append(_quote(bytes(run)))
                run = []
            segs.append(f"{_char_literal(data[i])} <repeats {j - i} times>")
        else:
            run.extend(data[i:j])
        i = j
    if run:
        segs.append(_quote(bytes(run)))
    return ", ".join(segs)


ESCAPES = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r",
           27: "\\033"}


def _quote(data: bytes) -> str:
    out = []
    for i, c in enumerate(data):
        if c in ESCAPES:
            out.append(ESCAPES[c])
        elif c == 0x22:
            out.append('\\"')
        elif c == 0x5C:
            out.append("\\\\")
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            nxt = data[i + 1] if i + 1 < len(data) else None
            esc = f"\\{c:03o}"
            out.append(esc if nxt is None or not (0x30 <= nxt <= 0x37) else f"\\{c:03o}")
    return '"' + "".join(out) + '"'


def _char_literal(c: int) -> str:
    c &= 0xFF
    if c in ESCAPES:
        return f"'{ESCAPES[c]}'"
    if c == 0x27:
        return "'\\''"
    if c == 0x5C:
        return "'\\\\'"
    if 0x20 <= c < 0x7F:
        return f"'{chr(c)}'"
    return f"'\\{c:03o}'"


def _enum(t: Type, n: int) -> str:
    for name, val in t.enumerators:
        if val == n:
            return name
    flags = [(name, val) for name, val in t.enumerators]
    if flags and all(v > 0 and v & (v - 1) == 0 for _, v in flags):
        rest, names = n, []
        for name, val in flags:
            if rest & val:
                names.append(name)
                rest &= ~val
        if names:
            return "(" + " | ".join(names) + (f" | unknown: {rest:#x}" if rest else "") + ")"
    return str(n)


def _x87(data: bytes) -> str:
    """An x87 80-bit long double (64-bit mantissa with its integer bit, 15-bit
    exponent, sign), with the 18 significant digits gdb prints."""
    mant = int.from_bytes(data[:8], "little")
    top = int.from_bytes(data[8:10], "little")
    sign, exp = "-" if top >> 15 else "", top & 0x7FFF
    if exp == 0x7FFF:  # gdb shows a NaN's whole significand, its integer bit too
        frac = mant & ((1 << 63) - 1)
        return f"{sign}inf" if not frac else f"{sign}nan({mant:#x})"
    if mant == 0:
        return f"{sign}0"
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        value = decimal.Decimal(mant) * decimal.Decimal(2) ** (max(exp, 1) - 16383 - 63)
        return sign + _c_g(value, LONG_DOUBLE_DIGITS)


LONG_DOUBLE_DIGITS = 21  # gdb's %g precision for an x87 long double


def _c_g(value: decimal.Decimal, digits: int) -> str:
    """C's %.{digits}g of a positive decimal: fixed or exponent form, no trailing
    zeros, a two-digit exponent at least."""
    mant, _e, exp_text = f"{value:.{digits - 1}e}".partition("e")
    exp = int(exp_text)
    if -4 <= exp < digits:
        text = f"{value:.{max(digits - 1 - exp, 0)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
    return f"{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _float(data: bytes, size: int) -> str:
    if size == 4:
        v = struct.unpack("<f", data[:4])[0]
        text = f"{v:.9g}"
    elif size == 8:
        v = struct.unpack("<d", data[:8])[0]
        text = f"{v:.17g}"
    elif size in (10, 12, 16) and len(data) >= 10:
        return _x87(data)
    else:
        return "<unsupported float>"
    if text in ("inf", "-inf"):
        return text
    if text == "nan":  # gdb shows the sign and the mantissa's bits
        bits = int.from_bytes(data[:size], "little")
        mant = bits & ((1 << (23 if size == 4 else 52)) - 1)
        return f"{'-' if bits >> (8 * size - 1) else ''}nan({mant:#x})"
    return text
