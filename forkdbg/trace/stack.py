"""-k: the call stack after each system call, as strace's ` > PROG(SYMBOL+OFF) [ADDR]`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..arch.x86_64 import RBP, RIP, RSP

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task
    from ..mm.address_space import AddressSpace


def stack_lines(kernel: "Kernel", task: "Task") -> list[str]:
    """The frames of `task` from its registers, unwound with its program's tables."""
    if not task.alive:
        return []
    img = kernel.image_for(task.tg)
    if img is None:
        return []
    mm = task.mm
    frames = img.unwinder.frames(task.reg(RIP), task.reg(RSP), task.reg(RBP),
                                 lambda a: _u64(mm, a))
    base = min((v.start for v in mm.vmas if v.name == task.tg.exe), default=0)
    out = []
    for i, fr in enumerate(frames):
        # a return address may sit just past its caller (a call to a noreturn function)
        hit = img.symbols.containing(fr.pc if i == 0 else fr.pc - 1)
        if hit is not None and i:
            hit = (hit[0], hit[1] + 1)
        where = f"({hit[0].name}+{hit[1]:#x})" if hit else "()"
        out.append(f" > {task.tg.exe}{where} [{fr.pc - base:#x}]")
    return out


def _u64(mm: "AddressSpace", addr: int) -> int | None:
    b = mm.readable_prefix(addr, 8)
    return int.from_bytes(b, "little") if len(b) == 8 else None
