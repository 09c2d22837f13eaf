"""-k: the call stack after each system call, as strace's ` > PROG(SYMBOL+OFF) [ADDR]`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..arch.x86_64 import RBP, RIP, RSP
from ..kernel.objfiles import object_map

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task
    from ..mm.address_space import AddressSpace


def stack_lines(kernel: "Kernel", task: "Task") -> list[str]:
    """The frames of `task` from its registers, each unwound with the tables of the
    object (program, interpreter, shared library) holding it, as strace's
    ` > FILE(SYMBOL+OFF) [FILE OFFSET]`."""
    if not task.alive:
        return []
    mm = task.mm
    objs = object_map(kernel, mm)
    if not len(objs):
        return []
    frames = objs.frames(task.reg(RIP), task.reg(RSP), task.reg(RBP), lambda a: _u64(mm, a))
    out = []
    for i, fr in enumerate(frames):
        # a return address may sit just past its caller (a call to a noreturn function)
        pc = fr.pc if i == 0 else fr.pc - 1
        hit = objs.nearest(pc)
        where = f"({hit[0].name}+{hit[1] + (1 if i else 0):#x})" if hit else "()"
        o = objs.at(pc)
        v = mm.find(fr.pc)
        off = fr.pc - v.start + v.file_off if v is not None else fr.pc
        out.append(f" > {o.path if o else '?'}{where} [{off:#x}]")
    return out


def _u64(mm: "AddressSpace", addr: int) -> int | None:
    b = mm.readable_prefix(addr, 8)
    return int.from_bytes(b, "little") if len(b) == 8 else None
