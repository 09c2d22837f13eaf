"""The System V x86-64 calling convention, for calling a program's function from the
debugger: each argument's classes by eightbyte (INTEGER, SSE, or MEMORY), the registers
and stack bytes that pass them, and where the value comes back.

The rules (psABI §3.2.3): an aggregate over 16 bytes, or with a misaligned field or a
long double, is passed in memory; otherwise each eightbyte is INTEGER if any field in it
is, else SSE. An argument whose eightbytes do not all fit in the registers left goes on
the stack whole. A MEMORY return value is written where a hidden first argument points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..dwarf.types import ATE_FLOAT, Type
from .x86_64 import FP_IDS, FPSW, RAX, RDX, XMM_IDS

INTEGER, SSE = "INTEGER", "SSE"
ARG_REGS = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")  # the INTEGER class's, in order
INT_REGS = len(ARG_REGS)
SSE_REGS = 8  # xmm0-xmm7


@dataclass
class Argument:
    """One argument: its type and its bytes in the program's representation."""

    type: Type
    data: bytes


@dataclass
class Plan:
    """Where the arguments go."""

    ints: list[int] = field(default_factory=list)  # rdi, rsi, ... in order
    sses: list[int] = field(default_factory=list)  # xmm0, xmm1, ... (low 64 bits)
    stack: bytes = b""  # from the first stack argument up (rsp + 8 at the callee's entry)


def classify(t: Type) -> list[str] | None:
    """The classes of `t`'s eightbytes, or None when it is passed in memory."""
    s = t.strip()
    size = s.byte_size
    if size == 0 or size > 16:
        return None
    classes: list[str | None] = [None] * ((size + 7) // 8)
    for off, n, cls in _leaves(s, 0):
        if cls is None or (n and off % min(n, 8)):
            return None  # a long double, or a misaligned field
        for i in range(off // 8, (off + max(n, 1) - 1) // 8 + 1):
            if i < len(classes):
                classes[i] = INTEGER if INTEGER in (cls, classes[i]) else SSE
    return [c or SSE for c in classes]


def _leaves(t: Type, base: int) -> list[tuple[int, int, str | None]]:
    """(offset, size, class) of every scalar inside `t` (None: X87, passed in memory)."""
    s = t.strip()
    if s.kind in ("struct", "union"):
        out: list[tuple[int, int, str | None]] = []
        for m in s.members:
            if m.bit_size:
                out.append((base + m.offset, 0, INTEGER))
            else:
                out.extend(_leaves(m.type, base + m.offset))
        return out
    if s.kind == "array":
        elem = s.target
        assert elem is not None
        n = elem.byte_size
        return [leaf for i in range(s.count or 0) for leaf in _leaves(elem, base + i * n)]
    if s.kind == "base" and s.encoding == ATE_FLOAT:
        return [(base, s.size, SSE if s.size <= 8 else None)]
    if s.is_complex():  # two floats of half its size (a long double pair: COMPLEX_X87)
        half = s.size // 2
        return [(base + i, half, SSE if half <= 8 else None) for i in (0, half)]
    return [(base, max(s.byte_size, 1), INTEGER)]


def is_x87(t: Type) -> bool:
    """A long double: class X87, passed in memory and returned in st(0)."""
    s = t.strip()
    return s.kind == "base" and s.encoding == ATE_FLOAT and s.byte_size > 8


def stack_alignment(t: Type) -> int:
    """How an argument passed in memory is aligned on the stack (16 for a long double)."""
    return 16 if is_x87(t) else 8


def plan_call(args: list[Argument], hidden_return: int | None = None) -> Plan:
    """The registers and stack bytes for `args`; `hidden_return` is the address a MEMORY
    return value goes to (passed first, in rdi)."""
    p = Plan()
    if hidden_return is not None:
        p.ints.append(hidden_return)
    stack = bytearray()
    for a in args:
        cls = classify(a.type)
        data = a.data.ljust(8 * ((len(a.data) + 7) // 8), b"\0")
        if cls is not None and len(p.ints) + cls.count(INTEGER) <= INT_REGS and \
                len(p.sses) + cls.count(SSE) <= SSE_REGS:
            for i, c in enumerate(cls):
                word = int.from_bytes(data[8 * i:8 * i + 8], "little")
                (p.ints if c == INTEGER else p.sses).append(word)
        else:
            stack += bytes(-len(stack) % stack_alignment(a.type))
            stack += data
    p.stack = bytes(stack)
    return p


def returned_in_memory(t: Type) -> bool:
    """Whether a value of type `t` comes back through a hidden pointer (a long double
    does not: it comes back in st(0))."""
    return not is_x87(t) and classify(t) is None


def returned(t: Type, reg: Callable[[int], Any], read: Callable[[int, int], bytes]) -> bytes:
    """The bytes of the value of type `t` a function has just returned, from its
    registers (`reg`, by unicorn id): st(0) for a long double, through the hidden pointer
    rax holds for a MEMORY value, else from rax/rdx and xmm0/xmm1."""
    if is_x87(t):
        return st0(reg).ljust(t.strip().byte_size, b"\0")
    if returned_in_memory(t):
        return read(reg(RAX), t.byte_size)
    return return_bytes(t, reg(RAX), reg(RDX), reg(XMM_IDS[0]), reg(XMM_IDS[1]))


def st0(reg: Callable[[int], Any]) -> bytes:
    """The 10 bytes of the x87 stack's top register."""
    top = (reg(FPSW) >> 11) & 7
    mant, exp = reg(FP_IDS[top])
    return (mant & (1 << 64) - 1).to_bytes(8, "little") + (exp & 0xFFFF).to_bytes(2, "little")


def return_bytes(t: Type, rax: int, rdx: int, xmm0: int, xmm1: int) -> bytes:
    """The bytes of a value of type `t` returned in registers."""
    cls = classify(t)
    assert cls is not None
    ints, sses = [rax, rdx], [xmm0, xmm1]
    out = b""
    for c in cls:
        word = (ints if c == INTEGER else sses).pop(0)
        out += (word & (1 << 64) - 1).to_bytes(8, "little")
    return out[:t.strip().byte_size]
