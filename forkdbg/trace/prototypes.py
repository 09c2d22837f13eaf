"""`--calls` with DWARF: a traced function that the program's debug information
describes shows its parameters by name and type, and its typed value
(`work(n=10) = 45`), as ltrace shows calls from prototypes.

At a function's first instruction its arguments are where the System V convention puts
them (arch/sysv_call.py): integer registers, xmm registers, then the stack above the
return address; the value comes back in rax/rdx or xmm0/xmm1."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..arch.sysv_call import (ARG_REGS, INT_REGS, INTEGER, SSE, SSE_REGS, classify, returned,
                              returned_in_memory, stack_alignment)
from ..arch.x86_64 import REG_IDS, RSP, XMM_IDS
from ..dwarf.info import Function
from ..dwarf.types import Type
from ..dwarf.values import Printer, TypedValue

if TYPE_CHECKING:
    from ..kernel.objfiles import Objfile
    from ..kernel.task import Task


def prototype(o: "Objfile", addr: int) -> Function | None:
    """The function of `o`'s debug information that starts at `addr`, if any."""
    info = o.image.debug
    if info is None:
        return None
    fn = info.function_at(addr - o.bias)
    if fn is None or fn.low != addr - o.bias:
        return None
    return info.parse(fn)


def _printer(task: "Task", describe: Callable[[int], str]) -> Printer:
    return Printer(lambda a, n: task.mm.readable_prefix(a, n), describe)


def arguments(task: "Task", fn: Function, describe: Callable[[int], str]) -> str:
    """``n=10, name=0x4a2004 "x"``: each parameter read where the convention passed it."""
    ints = [task.reg(REG_IDS[r]) for r in ARG_REGS]
    sses = [task.reg(x) for x in XMM_IDS[:SSE_REGS]]
    ret = fn.return_type
    hidden = ret is not None and ret.strip().kind != "void" and returned_in_memory(ret)
    used_int, used_sse = int(hidden), 0  # a value returned in memory: its address first
    stack = task.reg(RSP) + 8  # the first stack argument, above the return address
    out = []
    p = _printer(task, describe)
    for v in fn.params:
        size = max(v.type.byte_size, 1)
        cls = classify(v.type)
        if cls is not None and used_int + cls.count(INTEGER) <= INT_REGS and \
                used_sse + cls.count(SSE) <= SSE_REGS:
            data = b""
            for c in cls:
                if c == INTEGER:
                    word, used_int = ints[used_int], used_int + 1
                else:
                    word, used_sse = sses[used_sse], used_sse + 1
                data += (word & (1 << 64) - 1).to_bytes(8, "little")
        else:
            stack += -stack % stack_alignment(v.type)  # a long double sits 16-aligned
            data = task.mm.readable_prefix(stack, size)
            stack += (size + 7) & ~7
        value = p.value(TypedValue(v.type, data[:size]), top=False)
        out.append(f"{v.name}={value}")
    return ", ".join(out)


def result(task: "Task", ret: Type | None, describe: Callable[[int], str]) -> str:
    """The value a function left for its caller, printed by its type."""
    if ret is None or ret.strip().kind == "void":
        return "void"
    data = returned(ret, task.reg, task.mm.readable_prefix)
    return _printer(task, describe).value(TypedValue(ret, data), top=False)
