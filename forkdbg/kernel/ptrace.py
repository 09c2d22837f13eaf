"""What a debugger needs from the kernel beyond events: stepping one task by instructions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import unicorn

from ..abi.errno import Errno
from ..arch.budget import BUDGET, UNLIMITED
from ..arch.disasm import disassemble_one
from ..arch.uc_compat import read64, write64
from ..arch.x86_64 import EFLAGS, RAX, RIP, RSP
from ..mm.address_space import Fault as MemFault
from . import rseq
from .cpu import END_OF_TIME

TF = 1 << 8  # EFLAGS' trap flag

if TYPE_CHECKING:
    from ..mm.address_space import AddressSpace, Trap
    from .events import SyscallEnter
    from .kernel import Kernel, Stop
    from .task import Task


def step_instruction(kernel: "Kernel", task: "Task") -> "Stop | None":
    """Execute one instruction of `task`.

    A syscall instruction is handled as the kernel always does; if it sleeps, the other
    tasks run until it returns.  Returns a Stop if something else asked to stop first.
    """
    kernel.stop_request = None
    if task.resume is not None or task.sleep is not None:
        held = task.held_call
        kernel._run_task(task)  # finish a stopped or sleeping syscall first
        if kernel.stop_request is not None or not task.alive or task.sleep is not None:
            return _wait_until_runnable(kernel, task)
        if held:  # stopped at a fork or exec event: this step is the call's return
            return None
    if _deliver_signals(kernel, task):
        return kernel.stop_request
    mm = task.mm
    if mm.loaded is not task:
        kernel.engines.switch_to(task)
    if kernel.on_cpu is not task and not rseq.switch_to(kernel, task):
        return None  # a broken rseq registration: SIGSEGV is pending
    uc = mm.uc
    pc = uc.reg_read(RIP)
    mm.skip_break = pc
    kernel.running = uc
    task.last_call = None
    err = single_step(mm, pc)
    kernel.running = None
    mm.skip_break = None
    trap = mm.trap
    if trap is None:
        if err is not None:
            from .fault import handle_halt
            handle_halt(kernel, task, err)
    elif trap.kind == "syscall":
        kernel.syscall(task)
        if task.sleep is not None or task.resume is not None:
            return _wait_until_runnable(kernel, task)
    elif trap.kind == "breakpoint":
        task.skip_break = trap.addr  # landed on one: continuing must not stop here again
    elif trap.kind == "watch":  # the step's instruction touched a watched location
        finish_watched(kernel, task, trap, pc)
    else:
        from .fault import handle_trap
        handle_trap(kernel, task, trap, BUDGET.block)
    return kernel.stop_request


def single_step(mm: "AddressSpace", pc: int) -> unicorn.UcError | None:
    """Run the one instruction at `pc` on `mm`'s engine, as PTRACE_SINGLESTEP does: with
    the trap flag set the engine translates single-instruction blocks (a separate cache
    entry, so nothing is retranslated) and raises a debug trap after it.  That trap is
    the step's own; any other (a syscall, a fault) is left in mm.trap.  The flag never
    shows: not in the registers afterwards, nor in what a stepped pushf stored."""
    uc = mm.uc
    flags = read64(uc, EFLAGS)
    write64(uc, EFLAGS, flags | TF)
    mm.trap = None
    BUDGET.arm(UNLIMITED)
    err = None
    try:
        uc.emu_start(pc, END_OF_TIME)
    except unicorn.UcError as e:
        err = e
    if mm.uc is not uc:
        return err  # the step ended the address space (exit, exec)
    write64(uc, EFLAGS, read64(uc, EFLAGS) & ~TF | flags & TF)
    trap = mm.trap
    if trap is not None and trap.kind == "intr" and trap.intno == 1 and not flags & TF:
        mm.trap = None
    insn = disassemble_one(mm.readable_prefix(pc, 16), pc)
    if insn is not None and insn.mnemonic in ("pushfq", "pushf") and not flags & TF:
        sp = read64(uc, RSP)
        try:
            mm.write_u64(sp, mm.read_u64(sp) & ~TF)
        except MemFault:
            pass
    return err


def _deliver_signals(kernel: "Kernel", task: "Task") -> bool:
    """Deliver what is pending to `task`. True if that ends the step: a debugger stop for
    the signal, the task stopped or died, or a handler's frame was set up (the step lands
    on the handler's first instruction, as PTRACE_SINGLESTEP does)."""
    if not (task.reported_signal or task.pending.bits or task.tg.shared_pending.bits) \
            or not kernel.signals.deliverable(task):
        return False
    pc = task.pc
    if not kernel.signals.deliver(task) or kernel.stop_request is not None:
        return True
    return task.pc != pc


def _wait_until_runnable(kernel: "Kernel", task: "Task") -> "Stop | None":
    """Run the machine until `task` is back in user mode (its syscall returned)."""
    from .events import SyscallExit

    def done(e: SyscallExit) -> None:
        if e.task is task:
            kernel.request_stop("step-done", task)

    kernel.bus.subscribe(SyscallExit, done)
    try:
        while True:
            if not task.alive or (task.sleep is None and task.resume is None):
                return None
            stop = kernel.run()
            if stop is None:
                return None
            if stop.reason != "step-done":
                return stop
            kernel.stop_request = None
    finally:
        kernel.bus.unsubscribe(SyscallExit, done)


def finish_watched(kernel: "Kernel", task: "Task", trap: "Trap", block: int | None) -> None:
    """A watch hook stopped the engine after the access, as a data fault stops it: the
    registers as they were before the accessing instruction, but rip stale (the start of
    `block`, whose earlier instructions ran) and a store already done.  Find the
    instruction (arch/faultpc.py, as for a fault), put back the bytes the store
    overwrote, run that instruction once, whole (hooks muted), then report the access,
    so old and new values can be compared and nothing runs twice (an `add` to memory,
    the `i++` before it)."""
    from .events import MemoryWatch
    from .fault import locate_fault
    mm = task.mm
    uc = mm.uc
    assert uc is not None  # the engine that just stopped
    uc.reg_write(RIP, locate_fault(task, trap, block)[0])
    if trap.old is not None:
        uc.mem_write(trap.addr, trap.old)
    mm.watch_muted = True
    pc = uc.reg_read(RIP)
    mm.skip_break = pc
    try:
        single_step(mm, pc)
    finally:
        mm.watch_muted = False
        mm.skip_break = None
    if mm.trap is not None and mm.trap.kind != "watch":
        from .fault import handle_trap
        handle_trap(kernel, task, mm.trap, BUDGET.block)
        return
    acc = "write" if trap.access == unicorn.UC_MEM_WRITE else "read"
    kernel.bus.emit(MemoryWatch(task, trap.addr, acc, trap.size))


def hold_call(kernel: "Kernel", task: "Task", enter: "SyscallEnter", ret: int) -> None:
    """A front-end stopped at an event inside the call (ptrace's PTRACE_EVENT_FORK, _VFORK,
    _EXEC stops): the call returns when the task resumes, and until then rax reads -ENOSYS,
    as Linux's syscall entry leaves it."""
    task.event_stop = False
    task.held_call = True
    task.set_reg(RAX, -int(Errno.ENOSYS))

    def returns() -> None:
        task.held_call = False
        kernel.finish(task, enter, ret)
    task.resume = returns
