"""Running a task's user code: its engine, its work budget, and what stopped it.

A task runs until a hook traps (syscall, fault, breakpoint), or until its budget of
translated blocks runs out (arch/budget.py): the rest of its time slice while another
task waits for the CPU, and no further than the next timer on the virtual clock.  Both
stops are exact, so preemption lands at the same points on every run.

Counting costs a call per block; an engine whose task has run alone with no timer
armed for SOLO_BLOCKS blocks runs free (uncounted) until it next has to be stopped on
time.  Free time is not charged to the virtual clock.  Ctrl-C stops either kind exactly:
a counted engine through its budget, a free one with emu_stop, which lands only at a
block start there (uc_compat.stop_only_at_block_starts).  An engine with breakpoints or
watchpoints stays counted: their hooks stop the engine through the exit checks a free
engine lacks (mm/engine.py moves it before adding one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import unicorn

from ..arch.budget import BUDGET, UNLIMITED
from ..arch.uc_compat import emu_start, read64, write64
from ..arch.x86_64 import RIP
from ..mm.engine import rebuild
from . import rseq
from .clock import BLOCK_NS
from .oom import CHECK_BLOCKS
from .posix_timers import cpu_budget

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task

END_OF_TIME = 0xFFFFFFFFFFFFFFFF
#: blocks a lone task runs counted before its engine is let run free (~0.1-0.3 s)
SOLO_BLOCKS = 1 << 26


def budget_for(kernel: "Kernel", task: "Task") -> int:
    """Blocks `task` may enter before the kernel must look again (UNLIMITED: no reason
    to stop it)."""
    sched = kernel.sched
    cpu_timers = task.tg.cpu_timers
    if not sched.runq and not sched._timers and kernel.config.vtime_limit_ns >= 1 << 63 \
            and not cpu_timers:
        return UNLIMITED
    blocks = UNLIMITED
    if cpu_timers:
        blocks = max(cpu_budget(task.tg, task), 1) // BLOCK_NS
    if sched.runq and sched.slice_ns > 0:
        blocks = max(task.slice_left, 0) // BLOCK_NS
    if sched._timers:
        nd = sched.next_deadline()
        if nd is not None:
            blocks = min(blocks, max(nd[0] - kernel.clock.now, 0) // BLOCK_NS)
    limit = kernel.config.vtime_limit_ns
    if limit < 1 << 63:
        blocks = min(blocks, max(limit - kernel.clock.now, 0) // BLOCK_NS)
    return blocks


def run_user(kernel: "Kernel", task: "Task") -> None:
    """Run `task` on its engine until something stops it, and handle what did."""
    mm = task.mm
    if mm.loaded is not task:
        kernel.engines.switch_to(task)
    if kernel.on_cpu is not task and not rseq.switch_to(kernel, task):
        return
    budget = BUDGET
    blocks = budget_for(kernel, task)
    watch = kernel.memory.overcommitted  # resident memory must be looked at now and then
    if watch:
        blocks = min(blocks, CHECK_BLOCKS)
    solo = blocks == UNLIMITED
    keep = bool(mm._code_hooks or mm.watch_hooks)
    if (not solo or keep) and not budget.counted(mm.uc):
        rebuild(mm, counted=True)  # it has to stop on time now
    uc = mm.uc
    pc = read64(uc, RIP)
    counted = budget.counted(uc)
    budget.arm(SOLO_BLOCKS if solo and counted and not keep else blocks)
    if task.skip_break is not None:
        mm.skip_break = task.skip_break if task.skip_break == pc else None
        task.skip_break = None
    elif mm.skip_break is not None:
        mm.skip_break = None
    mm.trap = None
    err = None
    kernel.running = uc
    task.last_call = None  # user code runs: no longer at a call's return ($orig_rax -1)
    try:
        emu_start(uc, pc, END_OF_TIME)
    except unicorn.UcError as e:
        err = e
    kernel.running = None
    if counted:
        kernel.charge(task, budget.spent() * BLOCK_NS)
    trap = mm.trap
    if trap is None:
        if counted and err is None and budget.ran_out:  # stopped before a block
            write64(uc, RIP, budget.block)
            if watch:
                kernel.memory.check()
            if kernel.interrupted:
                pass
            elif solo:
                rebuild(mm, counted=False)  # alone all along: stop paying for the count
            elif kernel.sched.should_preempt(task):
                kernel.sched.preempt()
        elif err is not None or not kernel.interrupted:
            from .fault import handle_halt
            handle_halt(kernel, task, err)
    elif trap.kind == "syscall":
        kernel.syscall(task)
        sched = kernel.sched
        if sched.boosted is not None:
            sched.apply_boost()
        elif sched.should_preempt(task):
            sched.preempt()
    elif trap.kind == "breakpoint":
        kernel._breakpoint(task, trap.addr)
    elif trap.kind == "watch":
        from .ptrace import finish_watched
        finish_watched(kernel, task, trap, budget.block if counted else None)
    else:
        from .fault import handle_trap
        handle_trap(kernel, task, trap, budget.block if counted else None)


def interrupt_engine(kernel: "Kernel") -> None:
    """Stop the running engine, exactly, for Kernel.interrupt (from another thread)."""
    uc = kernel.running
    if uc is None:
        return
    if BUDGET.counted(uc):
        BUDGET.cut(lambda: kernel.running is not None)
        return
    try:
        uc.emu_stop()  # a free engine stops only at a block start
    except unicorn.UcError:
        pass
