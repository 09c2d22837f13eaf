"""Calling a function of the program from an expression (`print f(x)`, `call f(x)`), as
gdb does: its return type from DWARF, or from a cast around a call of a function without
debug information (`(long) ftell(out)`); integer and pointer arguments (the System V
ABI's INTEGER class, up to six) and string literals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .expr_types import TEXT, VOID, CType, Value, wrap
from .registry import CommandError

if TYPE_CHECKING:
    from .expr import Env

#: integer arguments in registers (rdi, rsi, rdx, rcx, r8, r9)
MAX_ARGS = 6


def is_function(v: Value) -> bool:
    """A value the call operator applies to: a function, with debug information or not."""
    return v.t is TEXT or (v.t.dwarf is not None and v.t.dwarf.strip().kind == "func")


def _argument(a: Value) -> int | bytes:
    """An argument's 64 bits, or the bytes of a string literal (put in the program's
    memory, as gdb does, and passed by address)."""
    if a.raw is not None and a.lval is None and a.t.dwarf is not None and \
            a.t.dwarf.strip().kind == "array":
        return a.raw
    if a.t.floating:
        raise CommandError("forkdbg passes integer and pointer arguments only.")
    if a.t.name == "<data variable, no debug info>":
        raise CommandError(f"'{a.symbol}' has unknown type; cast it to its declared type")
    if a.t.dwarf is not None and (a.t.dwarf.is_float() or not a.t.dwarf.is_scalar()) \
            and a.t.dwarf.strip().kind not in ("array", "func"):
        raise CommandError("forkdbg passes integer and pointer arguments only.")
    if a.t.dwarf is not None and a.t.dwarf.strip().kind in ("array", "func"):
        if a.lval is None:
            raise CommandError("forkdbg passes integer and pointer arguments only.")
        return a.lval  # an array or a function decays to its address
    return a.v & (1 << 64) - 1


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
    if rt.is_float() or not rt.is_scalar():
        raise CommandError("forkdbg returns integer and pointer values only.")
    assert env.typed is not None
    return env.typed(rt)


def call_result(env: "Env", fn: Value, args: list[Value], cast: CType | None) -> Value:
    """Call `fn` in the program with `args`; its value."""
    name = fn.symbol or f"{fn.v:#x}"
    ret = return_type(env, fn, cast)
    if len(args) > MAX_ARGS:
        raise CommandError(f"forkdbg passes at most {MAX_ARGS} arguments.")
    if env.infcall is None:
        raise CommandError("You can't do that without a process to debug.")
    raw = env.infcall(fn.v, [_argument(a) for a in args], name)
    if ret is None:
        return Value(0, VOID)
    return Value(wrap(raw, ret), ret)
