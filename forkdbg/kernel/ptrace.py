"""What a debugger needs from the kernel beyond events: stepping one task by instructions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import unicorn

from ..arch import uc_compat
from ..abi.errno import Errno
from ..arch.x86_64 import RAX, RIP
from . import rseq
from .kernel import END_OF_TIME

if TYPE_CHECKING:
    from ..mm.address_space import Trap
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
    mm.trap = None
    err = None
    kernel.running = uc
    task.last_call = None
    # unicorn counts instructions only in blocks translated while counting: retranslate
    uc_compat.flush_tb(uc)
    try:
        uc.emu_start(pc, END_OF_TIME, 0, 1)
    except unicorn.UcError as e:
        err = e
    kernel.running = None
    if mm.uc is not None:
        uc_compat.flush_tb(uc)  # and drop the counting blocks before running freely
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
    else:
        from .fault import handle_trap
        handle_trap(kernel, task, trap)
    return kernel.stop_request


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


def finish_watched(kernel: "Kernel", task: "Task", trap: "Trap") -> None:
    """A watch hook stops the engine before the access: finish that one instruction
    (hooks muted), then report it, so old and new values can be compared."""
    from .events import MemoryWatch
    mm = task.mm
    uc = mm.uc
    mm.watch_muted = True
    mm.skip_break = uc.reg_read(RIP)
    uc_compat.flush_tb(uc)
    mm.trap = None
    try:
        uc.emu_start(uc.reg_read(RIP), END_OF_TIME, 0, 1)
    except unicorn.UcError:
        pass
    finally:
        mm.watch_muted = False
        mm.skip_break = None
        uc_compat.flush_tb(uc)
    if mm.trap is not None and mm.trap.kind != "watch":
        from .fault import handle_trap
        handle_trap(kernel, task, mm.trap)
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
