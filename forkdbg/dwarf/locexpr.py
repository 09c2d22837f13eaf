"""DWARF location expressions: where a variable lives in one frame."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from elftools.dwarf.dwarf_expr import DWARFExprParser


@dataclass
class Location:
    """Memory at `addr`, register `reg`, a computed `value`, bytes, pieces, or nothing
    (optimized out)."""

    kind: str  # memory register value bytes pieces optimized
    addr: int = 0
    reg: int = 0
    value: int = 0
    data: bytes = b""
    pieces: list[tuple["Location", int]] = field(default_factory=list)  # (where, size)


OPTIMIZED = Location("optimized")


@dataclass
class FrameContext:
    """What an expression may read: the frame's registers (DWARF numbers), its CFA,
    its function's frame base expression, memory, and the object's load bias."""

    reg: Callable[[int], int | None]
    cfa: int | None
    read_u64: Callable[[int], int | None]
    bias: int = 0
    frame_base: bytes | list[int] | None = None
    #: a register's value when the frame's function was entered (DW_OP_entry_value),
    #: None where the call site does not say
    entry_reg: Callable[[int], int | None] | None = None


class ExprError(Exception):
    pass


_BINARY = {
    "DW_OP_and": lambda a, b: a & b, "DW_OP_or": lambda a, b: a | b,
    "DW_OP_xor": lambda a, b: a ^ b, "DW_OP_plus": lambda a, b: a + b,
    "DW_OP_minus": lambda a, b: a - b, "DW_OP_mul": lambda a, b: a * b,
    "DW_OP_shl": lambda a, b: a << b, "DW_OP_shr": lambda a, b: a >> b,
    "DW_OP_eq": lambda a, b: int(a == b), "DW_OP_ne": lambda a, b: int(a != b),
    "DW_OP_lt": lambda a, b: int(a < b), "DW_OP_gt": lambda a, b: int(a > b),
    "DW_OP_le": lambda a, b: int(a <= b), "DW_OP_ge": lambda a, b: int(a >= b),
}
MASK = (1 << 64) - 1


def operations(expr: bytes | list[int], structs) -> list:  # type: ignore[no-untyped-def]
    """The operations of an expression (name, arguments, offset), as pyelftools reads them."""
    return DWARFExprParser(structs).parse_expr(list(expr))


def evaluate(expr: bytes | list[int], ctx: FrameContext, structs) -> Location:  # type: ignore[no-untyped-def]
    """The location `expr` describes in the frame `ctx`."""
    ops = DWARFExprParser(structs).parse_expr(list(expr))
    stack: list[int] = []
    pieces: list[tuple[Location, int]] = []
    loc: Location | None = None  # a register or value location before DW_OP_piece

    def reg(n: int) -> int:
        v = ctx.reg(n)
        if v is None:
            raise ExprError("register unavailable")
        return v
    for op in ops:
        name, args = op.op_name, op.args
        if name == "DW_OP_addr":
            stack.append(args[0] + ctx.bias)
        elif name.startswith("DW_OP_lit"):
            stack.append(int(name[9:]))
        elif name.startswith("DW_OP_const"):
            stack.append(args[0])
        elif name == "DW_OP_regx" or name.startswith("DW_OP_reg") and name[9:].isdigit():
            loc = Location("register", reg=args[0] if name == "DW_OP_regx" else int(name[9:]))
        elif name.startswith("DW_OP_breg") and name[10:].isdigit():
            stack.append((reg(int(name[10:])) + args[0]) & MASK)
        elif name == "DW_OP_bregx":
            stack.append((reg(args[0]) + args[1]) & MASK)
        elif name == "DW_OP_fbreg":
            base = frame_base(ctx, structs)
            stack.append((base + args[0]) & MASK)
        elif name == "DW_OP_call_frame_cfa":
            if ctx.cfa is None:
                raise ExprError("no CFA")
            stack.append(ctx.cfa)
        elif name == "DW_OP_plus_uconst":
            stack.append((stack.pop() + args[0]) & MASK)
        elif name == "DW_OP_deref":
            v = ctx.read_u64(stack.pop())
            if v is None:
                raise ExprError("unreadable")
            stack.append(v)
        elif name == "DW_OP_dup":
            stack.append(stack[-1])
        elif name == "DW_OP_drop":
            stack.pop()
        elif name == "DW_OP_swap":
            stack[-1], stack[-2] = stack[-2], stack[-1]
        elif name == "DW_OP_neg":
            stack.append(-stack.pop() & MASK)
        elif name == "DW_OP_not":
            stack.append(~stack.pop() & MASK)
        elif name in _BINARY:
            b, a = stack.pop(), stack.pop()
            stack.append(_BINARY[name](a, b) & MASK)
        elif name == "DW_OP_stack_value":
            loc = Location("value", value=stack.pop() if stack else 0)
        elif name == "DW_OP_implicit_value":
            loc = Location("bytes", data=bytes(args[1]) if len(args) > 1 else b"")
        elif name == "DW_OP_piece":
            piece = loc or (Location("memory", addr=stack.pop()) if stack else OPTIMIZED)
            pieces.append((piece, args[0]))
            loc = None
        elif name in ("DW_OP_GNU_entry_value", "DW_OP_entry_value"):
            v = _entry_value(args[0], ctx)
            if v is None:
                return OPTIMIZED  # a value the frame no longer has, nor its caller says
            stack.append(v)
        elif name in ("DW_OP_GNU_parameter_ref", "DW_OP_implicit_pointer",
                      "DW_OP_GNU_implicit_pointer"):
            return OPTIMIZED  # a value the frame no longer has
        elif name == "DW_OP_nop":
            pass
        else:
            raise ExprError(f"unsupported {name}")
    if pieces:
        return Location("pieces", pieces=pieces)
    if loc is not None:
        return loc
    if not stack:
        return OPTIMIZED
    return Location("memory", addr=stack[-1])


def _entry_value(sub: list, ctx: FrameContext) -> int | None:  # type: ignore[type-arg]
    """DW_OP_entry_value of one register (the only form gcc writes and gdb reads)."""
    if ctx.entry_reg is None or len(sub) != 1:
        return None
    op = sub[0]
    if op.op_name == "DW_OP_regx":
        return ctx.entry_reg(op.args[0])
    if op.op_name.startswith("DW_OP_reg"):
        return ctx.entry_reg(int(op.op_name[len("DW_OP_reg"):]))
    return None


def frame_base(ctx: FrameContext, structs) -> int:  # type: ignore[no-untyped-def]
    if ctx.frame_base is None:
        raise ExprError("no frame base")
    loc = evaluate(ctx.frame_base, FrameContext(ctx.reg, ctx.cfa, ctx.read_u64, ctx.bias),
                   structs)
    if loc.kind == "memory":
        return loc.addr
    if loc.kind == "register":
        v = ctx.reg(loc.reg)
        if v is None:
            raise ExprError("register unavailable")
        return v
    raise ExprError("no frame base")
