"""The values gdb expressions compute with: a C type (size, signedness, what a pointer
points to, the program's own DWARF type when there is one) and an integer or bytes."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Callable

from ..dwarf.types import ATE_FLOAT, Type
from .x87 import LongDouble


@dataclass(frozen=True)
class CType:
    name: str
    size: int
    signed: bool = True
    pointee: "CType | None" = None
    code: bool = False  # a function (no debug info)
    dwarf: Any = field(default=None, compare=False)  # the program's type, from DWARF
    floating: bool = False  # float or double: the value is a Python float

    @property
    def is_pointer(self) -> bool:
        return self.pointee is not None

    @property
    def aggregate(self) -> bool:
        """A struct, union, array or function of the program: no integer value."""
        return self.dwarf is not None and not self.dwarf.is_scalar()


CHAR = CType("char", 1)
UCHAR = CType("unsigned char", 1, False)
SHORT = CType("short", 2)
USHORT = CType("unsigned short", 2, False)
INT = CType("int", 4)
UINT = CType("unsigned int", 4, False)
LONG = CType("long", 8)
ULONG = CType("unsigned long", 8, False)
INT64 = CType("int64_t", 8)
VOID = CType("void", 1)
FLOAT = CType("float", 4, floating=True)
DOUBLE = CType("double", 8, floating=True)
#: x87's 80-bit long double in 16 bytes: the value is an x87.LongDouble
LONG_DOUBLE = CType("long double", 16, floating=True,
                    dwarf=Type("base", "long double", 16, encoding=ATE_FLOAT))
VOIDP = CType("void *", 8, False, VOID)
CODEP = CType("void (*)()", 8, False, CType("void ()", 1, code=True))
TEXT = CType("<text variable, no debug info>", 1, code=True)
TEXTP = CType("<text variable, no debug info> *", 8, False, TEXT)  # main+4, &main
DATA = CType("<data variable, no debug info>", 4)
BASE_TYPES = {
    "char": CHAR, "signed char": CHAR, "unsigned char": UCHAR, "short": SHORT,
    "unsigned short": USHORT, "int": INT, "unsigned int": UINT, "unsigned": UINT, "long": LONG,
    "unsigned long": ULONG, "long long": LONG, "unsigned long long": ULONG, "void": VOID,
    "int8_t": CHAR, "uint8_t": UCHAR, "int16_t": SHORT, "uint16_t": USHORT, "int32_t": INT,
    "uint32_t": UINT, "int64_t": INT64, "uint64_t": ULONG, "size_t": ULONG, "pid_t": INT,
    "float": FLOAT, "double": DOUBLE, "long double": LONG_DOUBLE,
}


@dataclass
class Value:
    v: Any  # int, or float for a floating type
    t: CType
    lval: int | None = None  # the address it was read from
    symbol: str | None = None
    raw: bytes | None = None  # a program value's bytes where it has no address
    optimized: bool = False  # <optimized out>
    #: an aggregate's bytes that are optimized out, [lo, hi) (a variable in pieces)
    missing: tuple[tuple[int, int], ...] = ()

    def as_int(self) -> int:
        return self.v


def decode(data: bytes, t: CType) -> Any:
    """The value the program's bytes hold as type `t`: a float for float and double."""
    if t.floating and t.size > 8:
        return LongDouble(bytes(data[:10]).ljust(10, b"\0"))
    if t.floating:
        return struct.unpack("<f" if t.size == 4 else "<d", data[:t.size].ljust(t.size, b"\0"))[0]
    return wrap(int.from_bytes(data, "little"), t)


def wrap(v: Any, t: CType) -> Any:
    """`v` as type `t` holds it: integers cut to its width (a float truncated toward zero
    first, as C converts), floats rounded to its precision."""
    if t.floating and t.size > 8:
        return LongDouble.of(v)
    if t.floating:
        return struct.unpack("<f", struct.pack("<f", float(v)))[0] if t.size == 4 \
            else float(v)
    if isinstance(v, (float, LongDouble)):
        v = int(v)
    bits = 8 * t.size
    v &= (1 << bits) - 1
    if t.signed and not t.is_pointer and v >> (bits - 1):
        v -= 1 << bits
    return v


class Env:
    """What expressions can see: registers, memory, symbols, convenience variables."""

    def __init__(self, reg: Callable[[str], int | None], read: Callable[[int, int], bytes],
                 symbol: Callable[[str], tuple[int, bool] | None],
                 history: list["Value"], convenience: dict[str, "Value"],
                 warn: Callable[[str], None] = lambda _m: None,
                 variable: Callable[[str], "Value | None"] | None = None,
                 typed: Callable[[Any], CType] | None = None,
                 type_named: Callable[[str], CType | None] | None = None,
                 call: Callable[[str, list["Value"]], "Value | None"] | None = None,
                 infcall: Callable[[int, list[Any], Any, str], bytes | None] | None = None,
                 entry: Callable[[str], "Value"] | None = None,
                 scoped: Callable[[str, str], "Value"] | None = None) -> None:
        self.entry = entry  # NAME@entry: a parameter's value when its function was entered
        self.scoped = scoped  # FUNCTION::NAME, 'FILE'::NAME
        self.call = call  # gdb's internal functions: $_gdb_setting("name") ...
        # a call of the program's function: (address, arguments, return type, name) ->
        # the returned value's bytes (None: void)
        self.infcall = infcall
        self.type_named = type_named  # the program's types by name (struct X, typedefs)
        self.variable = variable  # the program's variables in scope (from DWARF)
        self.typed = typed  # a DWARF type as a CType
        self.reg = reg
        self.read = read
        self.symbol = symbol  # name -> (address, is_function)
        self.history = history
        self.convenience = convenience
        self.warn = warn  # "left shift count is negative" and the like


def value_part(t: CType, raw: bytes, missing: tuple[tuple[int, int], ...]) -> Value:
    """A member or element of a value that has no address, with what of it is
    optimized out."""
    if missing and not t.aggregate:
        return Value(0, t, optimized=True)
    return Value(decode(raw, t) if not t.aggregate else 0, t, raw=raw, missing=missing)
