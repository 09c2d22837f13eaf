"""CPU faults become signals: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP (force_sig_fault)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unicorn import unicorn_const as U

from ..abi.errno import Errno
from ..abi.procflags import SIG_IGN
from ..abi.signals import (
    FPE_INTDIV,
    ILL_ILLOPN,
    SEGV_ACCERR,
    SEGV_MAPERR,
    SI_KERNEL,
    Sig,
    signal_description,
)
from ..arch.disasm import disassemble
from ..arch.faultpc import GPRS, READ, WRITE, canonical, locate
from ..arch.x86_64 import RAX, REG_IDS
from ..mm.address_space import Fault as MemFault
from ..mm.address_space import Trap, access_name, is_unmapped_access
from ..mm.vma import PROT_READ, PROT_WRITE
from .events import Fault
from .signal import SigAction, sigbit

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task


_WRITES = (U.UC_MEM_WRITE_UNMAPPED, U.UC_MEM_WRITE_PROT, U.UC_MEM_WRITE)  # and a watched one


def locate_fault(task: "Task", trap: Trap, block: int | None) -> tuple[int, int]:
    """(pc, address) of a data fault: the faulting instruction of the block that started
    at `block`, and the full 64-bit address it touched (arch/faultpc.py).  Without the
    block (a free engine: kernel/cpu.py) unicorn's stale rip is the best guess."""
    if block is None:
        block = task.pc
    if trap.access in (U.UC_MEM_FETCH_UNMAPPED, U.UC_MEM_FETCH_PROT):
        addr = canonical(trap.addr)
        return addr, addr
    mm = task.mm
    size = 0
    if mm.uc is not None:
        try:
            size = mm.uc.ctl_request_cache(block).size
        except Exception:  # noqa: BLE001 - the block's length is a bound, not a need
            size = 0
    code = mm.readable_prefix(block, size or 4096)
    insns = disassemble(code, block, 0 if size else 512)
    body = []
    for insn in insns:
        body.append(insn)
        if insn.is_jump or insn.is_call or insn.is_ret or insn.is_syscall:
            break
    regs = {r: task.reg(REG_IDS[r]) for r in GPRS}

    def read(addr: int, n: int) -> bytes | None:
        data = mm.readable_prefix(addr, n)
        return data if len(data) == n else None

    def mapped(addr: int, n: int, access: int) -> bool:
        need = (PROT_WRITE if access & WRITE else 0) | (PROT_READ if access & READ else 0)
        try:
            mm.check(addr, n, need or PROT_READ)
        except MemFault:
            return False
        return True
    access = WRITE if trap.access in _WRITES else READ
    found = locate(body, trap.addr, access, regs, read, mapped)
    return (found.insn.address if found.insn else block), found.addr


def force_signal(kernel: "Kernel", task: "Task", sig: int, code: int, addr: int, pc: int,
                 access: str, detail: str) -> None:
    """Deliver a synchronous fault signal; blocked or ignored, it kills (Linux's force_sig)."""
    kernel.bus.emit(Fault(task, sig, pc, addr, access, detail))
    act = task.sighand.actions[sig]
    if task.blocked & sigbit(sig) or act.handler == SIG_IGN:
        task.blocked &= ~sigbit(sig)
        task.sighand.actions[sig] = SigAction()
    kernel.signals.send_to_task(task, sig, code=code, addr=addr)


def handle_trap(kernel: "Kernel", task: "Task", trap: Trap, block: int | None) -> None:
    """A fault, an interrupt or an invalid opcode stopped `task`'s engine inside the block
    that started at `block`."""
    if trap.kind == "fault":
        pc, addr = locate_fault(task, trap, block)
        task.pc = pc
        unmapped = is_unmapped_access(trap.access)
        acc = access_name(trap.access)
        detail = (f"{'invalid' if unmapped else 'forbidden'} {acc} of {addr:#x}")
        force_signal(kernel, task, Sig.SIGSEGV, SEGV_MAPERR if unmapped else SEGV_ACCERR,
                     addr, pc, acc, detail)
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
