"""Calling a function of the program from an expression (`print f(x)`, `call f(x)`), as
gdb does: its return type from DWARF, or from a cast around a call of a function without
debug information (`(long) ftell(out)`); each argument converted to its parameter's type
when the function has a prototype (else promoted as C promotes: float to double), passed
by the System V convention (arch/sysv_call.py): integers, pointers, floats, doubles,
structs and unions by value; string literals copied into the program's memory."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..arch.sysv_call import Argument
from ..dwarf.types import ATE_FLOAT, ATE_SIGNED, Type
from .arith import program_type
from .expr_types import TEXT, VOID, CType, Value, decode
from .registry import CommandError
from .x87 import LongDouble

if TYPE_CHECKING:
    from .expr import Env

DOUBLE_T = Type("base", "double", 8, encoding=ATE_FLOAT)
INT_T = Type("base", "int", 4, encoding=ATE_SIGNED)
POINTER_T = Type("pointer", None, 8, Type("void", "void", 1))


def is_function(v: Value) -> bool:
    """A value the call operator applies to: a function, with debug information or not."""
    return v.t is TEXT or (v.t.dwarf is not None and v.t.dwarf.strip().kind == "func")


class InMemory(Argument):
    """An argument whose bytes are put in the program's memory and passed by address (a
    string literal, as gdb passes them)."""


def _argument(env: "Env", a: Value, param: Type | None) -> Argument:
    """`a` as the argument of a parameter of type `param` (None: no prototype)."""
    if a.t.name == "<data variable, no debug info>":
        raise CommandError(f"'{a.symbol}' has unknown type; cast it to its declared type")
    d = a.t.dwarf.strip() if a.t.dwarf is not None else None
    if d is not None and d.kind == "array" and a.lval is None and a.raw is not None:
        return InMemory(POINTER_T, a.raw)
    if a.t is TEXT or (d is not None and d.kind in ("array", "func")):
        if a.lval is None and a.t is not TEXT:
            raise CommandError("Attempt to take address of value not located in memory.")
        addr = a.v if a.t is TEXT else a.lval
        return Argument(POINTER_T, (addr or 0).to_bytes(8, "little"))  # C's decay
    if param is not None and param.strip().kind in ("struct", "union") and \
            (d is None or d.kind not in ("struct", "union")):
        raise CommandError("Invalid cast.")
    if d is not None and (d.kind in ("struct", "union") or d.is_complex()):
        size = d.byte_size  # by value, its bytes (a complex number: a pair of floats)
        data = (a.raw if a.lval is None else env.read(a.lval, size)) or b""
        data = data[:size].ljust(size, b"\0")
        if d.is_complex() and param is not None and param.strip().is_complex() and \
                param.strip().byte_size != size:  # each half converted, as C converts
            return Argument(param, _complex(data, size // 2, param.strip().byte_size // 2))
        return Argument(a.t.dwarf, data)
    target = param.strip() if param is not None else None
    if target is None or target.kind in ("void", "struct", "union"):
        # no prototype: C's default promotions (float to double, narrow ints to int)
        target = program_type(a.t) if a.t.floating and a.t.size > 8 else \
            DOUBLE_T if a.t.floating else INT_T if a.t.size < 4 else program_type(a.t)
    if target.kind == "base" and target.encoding == ATE_FLOAT:
        if target.size > 8:  # a long double: its 10 bytes, in memory (class X87)
            return Argument(target, LongDouble.of(a.v).data.ljust(target.byte_size, b"\0"))
        return Argument(target, struct.pack("<f" if target.size == 4 else "<d", float(a.v)))
    size = max(target.byte_size, 1)
    n = int(a.v) if not a.t.floating else int(float(a.v))
    return Argument(target, (n & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))


def _complex(data: bytes, half: int, to: int) -> bytes:
    """A complex number's bytes with halves of `half` bytes as halves of `to` bytes."""
    def part(b: bytes) -> bytes:
        v = LongDouble(b[:10]) if half > 8 else struct.unpack("<f" if half == 4 else "<d", b)[0]
        if to > 8:
            return LongDouble.of(v).data.ljust(to, b"\0")
        return struct.pack("<f" if to == 4 else "<d", float(v))
    return part(data[:half]) + part(data[half:2 * half])


def return_type(env: "Env", fn: Value, cast: CType | None) -> CType | None:
    """The type of a call's value (None: void): the function's DWARF return type, or
    `cast` for a function without debug information (gdb's rule)."""
    if fn.t is TEXT:
        if cast is None:
            raise CommandError(f"'{fn.symbol or hex(fn.v)}' has unknown return type; cast "
                               "the call to its declared return type")
        return cast
    rt = fn.t.dwarf.strip().target
    if rt is None or rt.strip().kind == "void":
        return None
    assert env.typed is not None
    return env.typed(rt)


def call_result(env: "Env", fn: Value, args: list[Value], cast: CType | None) -> Value:
    """Call `fn` in the program with `args`; its value."""
    name = fn.symbol or f"{fn.v:#x}"
    ret = return_type(env, fn, cast)
    ft = fn.t.dwarf.strip() if fn.t.dwarf is not None else None
    params = ft.params if ft is not None and ft.prototyped else []
    if len(args) < len(params):
        raise CommandError("Too few arguments in function call.")
    if env.infcall is None:
        raise CommandError("You can't do that without a process to debug.")
    conv = [_argument(env, a, params[i] if i < len(params) else None)
            for i, a in enumerate(args)]
    rtype = None if ret is None else ret.dwarf if ret.dwarf is not None else program_type(ret)
    raw = env.infcall(fn.v, conv, rtype, name)
    if ret is None or raw is None:
        return Value(0, VOID)
    if ret.aggregate:
        return Value(0, ret, raw=raw)
    return Value(decode(raw, ret), ret, raw=raw)

