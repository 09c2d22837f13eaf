"""The unicorn side of an address space: its engine, the hooks that record traps, and
parking (dropping the engine of a process whose threads all sleep; ~2.9 MiB each).

Hooks only record what stopped the engine (a Trap) and stop it; the kernel acts on it.
An engine is built counted (with the budget's block hook, arch/budget.py) or free;
switching means a new engine over the same memory (`rebuild`), never dropping the
translations of a live one: unicorn 2.1.1 zeroes its whole code buffer on every flush,
1 GiB of host memory touched and seconds lost each time (docs/performance.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import unicorn
from unicorn import unicorn_const as U
from unicorn import x86_const as X

from ..arch import uc_compat
from ..arch.budget import BUDGET

if TYPE_CHECKING:
    from .address_space import AddressSpace
    from .vma import Vma


class EngineRef:
    """Whom an engine's hooks report to: a recycled engine (mm/fork.py) changes owner."""

    __slots__ = ("mm",)

    def __init__(self, mm: "AddressSpace") -> None:
        self.mm = mm


def new_engine(mm: "AddressSpace", counted: bool = True) -> unicorn.Uc:
    """A fresh engine whose hooks report to `mm` (through mm.ref): counted, or free and
    stoppable from another thread only at block starts (uc_compat)."""
    from .address_space import Trap
    uc = uc_compat.new_x86_64()
    # either way before anything is translated
    if counted or mm._code_hooks or not uc_compat.stop_only_at_block_starts(uc):
        BUDGET.count(uc)
    ref = mm.ref = EngineRef(mm)

    syscall_trap = Trap("syscall")

    def on_syscall(uc: unicorn.Uc, _ud: object) -> None:
        ref.mm.trap = syscall_trap
        uc.emu_stop()

    def on_bad_mem(uc: unicorn.Uc, access: int, addr: int, size: int, value: int,
                   _ud: object) -> bool:
        ref.mm.trap = Trap("fault", addr=addr, access=access, size=size, value=value)
        return False

    def on_intr(uc: unicorn.Uc, intno: int, _ud: object) -> None:
        if ref.mm.trap is None:  # a single step's debug trap after a syscall: the syscall
            ref.mm.trap = Trap("intr", intno=intno)
        uc.emu_stop()

    def on_invalid(uc: unicorn.Uc, _ud: object) -> bool:
        ref.mm.trap = Trap("invalid")
        return False

    uc.hook_add(U.UC_HOOK_INSN, on_syscall, None, 1, 0, X.UC_X86_INS_SYSCALL)
    uc.hook_add(U.UC_HOOK_MEM_UNMAPPED | U.UC_HOOK_MEM_PROT, on_bad_mem)
    uc.hook_add(U.UC_HOOK_INTR, on_intr)
    uc.hook_add(U.UC_HOOK_INSN_INVALID, on_invalid)
    return uc


def add_code_hook(mm: "AddressSpace", addr: int) -> None:
    """One ranged UC_HOOK_CODE on [addr, addr]: costs nothing until that address runs."""
    from .address_space import Trap
    if addr in mm._code_hooks and (mm._code_hooks[addr] is not None or mm.uc is None):
        return
    if mm.uc is None:
        mm._code_hooks[addr] = None  # installed when the engine comes back
        return
    if not BUDGET.counted(mm.uc):  # a free engine has no exit check after the hook
        mm._code_hooks[addr] = None
        rebuild(mm, counted=True)  # installs it
        return

    def on_code(uc: unicorn.Uc, address: int, size: int, _ud: object) -> None:
        if mm.skip_break == address:
            mm.skip_break = None
            return
        mm.trap = Trap("breakpoint", addr=address)
        uc.emu_stop()

    mm._code_hooks[addr] = mm.uc.hook_add(U.UC_HOOK_CODE, on_code, None, addr, addr)
    mm.uc.ctl_remove_cache(addr, addr + 1)  # code translated before would run past it


def remove_code_hook(mm: "AddressSpace", addr: int) -> None:
    h = mm._code_hooks.pop(addr, None)
    if mm.skip_break == addr:
        mm.skip_break = None  # no hook left to step over
    if h is not None and mm.uc is not None:
        mm.uc.hook_del(h)
        mm.uc.ctl_remove_cache(addr, addr + 1)  # code translated with the hook's call


def add_watch_hook(mm: "AddressSpace", begin: int, size: int, access: str) -> int:
    """Memory hooks slow every store (DESIGN.md section 3): only while a watchpoint is set."""
    from .address_space import Trap
    if mm.uc is None:
        unpark(mm)
    assert mm.uc is not None
    if not BUDGET.counted(mm.uc):
        rebuild(mm, counted=True)  # a free engine has no exit check after an access
    kinds = {"write": U.UC_HOOK_MEM_WRITE, "read": U.UC_HOOK_MEM_READ,
             "access": U.UC_HOOK_MEM_WRITE | U.UC_HOOK_MEM_READ}[access]

    def on_mem(uc: unicorn.Uc, acc: int, addr: int, sz: int, value: int, _ud: object) -> None:
        if mm.trap is None and not mm.watch_muted:
            # the engine stops only after the store (kernel/ptrace.py finish_watched):
            # keep what it overwrites
            old = bytes(uc.mem_read(addr, sz)) if acc == U.UC_MEM_WRITE else None
            mm.trap = Trap("watch", addr=addr, access=acc, size=sz, value=value, old=old)
            uc.emu_stop()

    mm.watch_hooks += 1
    handle = mm.uc.hook_add(kinds, on_mem, None, begin, begin + size - 1)
    # soft-TLB entries filled before the hook take the fast path past it: a watchpoint
    # set after the code ran (at a breakpoint in a loop) would never trigger
    uc_compat.flush_tlb(mm.uc)
    return handle


def park(mm: "AddressSpace") -> None:
    """Close the engine, keeping the areas and their memory; registers go to the task."""
    if mm.uc is None or mm.watch_hooks:
        return
    task = mm.loaded
    if task is not None:
        task.save_context()  # type: ignore[attr-defined]
        mm.loaded = None
    for addr in mm._code_hooks:
        mm._code_hooks[addr] = None
    uc_compat.dispose(mm.uc)
    mm.uc = None
    mm.parked = True


def map_vma(uc: unicorn.Uc, v: "Vma") -> None:
    """The one place guest memory is handed to unicorn: the host buffer must be live and
    cover the whole area, or the guest would reach memory forkdbg does not own."""
    b = v.backing
    if not b.addr or v.boff < 0 or v.boff + v.size > b.size or v.size <= 0:
        raise RuntimeError(f"refusing to map {v.start:#x}-{v.end:#x}: host buffer of "
                           f"{b.size} bytes at offset {v.boff} does not cover it")
    uc.mem_map_ptr(v.start, v.size, v.prot & 7, b.addr + v.boff)


def unpark(mm: "AddressSpace", counted: bool = True) -> None:
    """A new engine with every area and breakpoint of the space."""
    if not mm.parked:
        return
    uc = new_engine(mm, counted)
    for v in mm.vmas:
        map_vma(uc, v)
    install(mm, uc, mm.ref)  # type: ignore[arg-type]


def rebuild(mm: "AddressSpace", counted: bool) -> bool:
    """Move `mm` to a new engine that is counted or not, with the same areas, registers
    and breakpoints (its translations start over); False if it cannot move now (a
    watchpoint's memory hooks stay with their engine; breakpoints need a counted one)."""
    if mm.uc is None or mm.watch_hooks or (not counted and mm._code_hooks):
        return False
    task = mm.loaded
    park(mm)
    unpark(mm, counted)
    if task is not None:
        mm.uc.context_restore(task.ctx)  # type: ignore[attr-defined, union-attr]
        mm.loaded = task
    return True


def install(mm: "AddressSpace", uc: unicorn.Uc, ref: EngineRef) -> None:
    """Make `uc` (already mapping mm's areas) mm's engine, with the breakpoints set on
    mm while it had none."""
    ref.mm = mm
    mm.uc, mm.ref, mm.parked = uc, ref, False
    if mm._code_hooks and not BUDGET.counted(uc):
        rebuild(mm, counted=True)  # breakpoints need a counted engine; that one gets them
        return
    for addr in list(mm._code_hooks):
        mm._code_hooks.pop(addr)
        add_code_hook(mm, addr)
