"""CPU faults become signals: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP (force_sig_fault)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unicorn import unicorn_const as U

from ..abi.errno import Errno
from ..abi.procflags import SIG_IGN
from ..abi.signals import (FPE_INTDIV, ILL_ILLOPN, SEGV_ACCERR, SEGV_MAPERR, SI_KERNEL, Sig,
                           signal_description)
from ..arch.x86_64 import RAX, REG_IDS
from ..mm.address_space import Trap, access_name, is_unmapped_access
from .events import Fault
from .signal import SigAction, sigbit

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task


def exact_pc(task: "Task", trap: Trap) -> int:
    """The pc of the instruction that made a data fault (unicorn reports its block's start)."""
    pc = task.pc
    if trap.access in (U.UC_MEM_FETCH_UNMAPPED, U.UC_MEM_FETCH_PROT):
        return trap.addr
    from ..arch.disasm import find_faulting
    code = task.mm.readable_prefix(pc, 512)
    insn = find_faulting(code, pc, trap.addr, lambda r: task.reg(REG_IDS[r])) if code else None
    return insn.address if insn else pc


def force_signal(kernel: "Kernel", task: "Task", sig: int, code: int, addr: int, pc: int,
                 access: str, detail: str) -> None:
    """Deliver a synchronous fault signal; blocked or ignored, it kills (Linux's force_sig)."""
    kernel.bus.emit(Fault(task, sig, pc, addr, access, detail))
    act = task.sighand.actions[sig]
    if task.blocked & sigbit(sig) or act.handler == SIG_IGN:
        task.blocked &= ~sigbit(sig)
        task.sighand.actions[sig] = SigAction()
    kernel.signals.send_to_task(task, sig, code=code, addr=addr)


def handle_trap(kernel: "Kernel", task: "Task", trap: Trap) -> None:
    """A fault, an interrupt or an invalid opcode stopped `task`'s engine."""
    if trap.kind == "fault":
        pc = exact_pc(task, trap)
        task.pc = pc
        unmapped = is_unmapped_access(trap.access)
        acc = access_name(trap.access)
        detail = (f"{'invalid' if unmapped else 'forbidden'} {acc} of {trap.addr:#x}")
        force_signal(kernel, task, Sig.SIGSEGV, SEGV_MAPERR if unmapped else SEGV_ACCERR,
                     trap.addr, pc, acc, detail)
    elif trap.kind == "invalid":
        pc = task.pc
        force_signal(kernel, task, Sig.SIGILL, ILL_ILLOPN, pc, pc, "exec", "invalid instruction")
    elif trap.kind == "intr":
        pc = task.pc
        n = trap.intno
        if n == 0:
            force_signal(kernel, task, Sig.SIGFPE, FPE_INTDIV, pc, pc, "exec", "divide error")
        elif n in (1, 3):
            force_signal(kernel, task, Sig.SIGTRAP, SI_KERNEL if n == 3 else 2, 0, pc, "exec",
                         "breakpoint trap" if n == 3 else "debug trap")
        elif n == 0x80:
            task.set_reg(RAX, -int(Errno.ENOSYS))  # no 32-bit syscalls here
        elif n == 6:
            force_signal(kernel, task, Sig.SIGILL, ILL_ILLOPN, pc, pc, "exec", "invalid opcode")
        elif n == 17:
            force_signal(kernel, task, Sig.SIGBUS, 1, pc, pc, "exec", "alignment check")
        else:
            force_signal(kernel, task, Sig.SIGSEGV, SI_KERNEL, 0, pc, "exec",
                         f"CPU exception {n}")


def handle_halt(kernel: "Kernel", task: "Task", err: Exception | None) -> None:
    """The engine stopped by itself: `hlt` (privileged: #GP, SIGSEGV) or an engine error."""
    pc = task.pc
    if err is None:
        pc = max(pc - 1, 0)  # rip is past the hlt
        task.pc = pc
        detail = "privileged instruction (hlt)"
    else:
        detail = f"emulator error: {err}"
    force_signal(kernel, task, Sig.SIGSEGV, SI_KERNEL, 0, pc, "exec", detail)


def describe_fault(sig: int) -> str:
    return signal_description(sig)
