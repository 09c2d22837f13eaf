"""Running a function of the program for an expression (gdb's infcall): the current
thread's registers saved, the arguments in registers, a return address at the program's
entry point (gdb's AT_ENTRY_POINT dummy), the thread run alone until it returns there,
then its registers put back as they were.

If something else stops the call (a breakpoint inside it, a signal, an exit) the stop
is reported and the expression abandoned, in gdb's words; the thread stays where it
stopped, as in gdb.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..arch.x86_64 import RAX, REG_IDS, RSP
from ..interrupts import Interrupts
from ..kernel.objfiles import object_map
from .dummy import DummyFrame, push
from .registry import CommandError
from .stepping import run_to
from .stops import StepEvent

if TYPE_CHECKING:
    from .session import Session

#: the System V ABI's integer argument registers
ARG_REGS = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")
RED_ZONE = 128


def call_function(s: "Session", addr: int, args: list[int | bytes], name: str) -> int:
    """Call the function at `addr` in the current thread; its rax.  Bytes arguments
    (string literals) are copied below the stack and passed by address.  An indirect
    function (STT_GNU_IFUNC: glibc's strlen, memcpy...) is resolved first, by calling
    its resolver as the loader does, and the implementation it picks is called."""
    if not s.running:
        raise CommandError("You can't do that without a process to debug.")
    syms = s.symbols()
    sym = syms.lookup(name) if syms is not None else None
    if sym is not None and sym.ifunc and sym.addr == addr:
        addr = _call(s, addr, [], name)
    return _call(s, addr, args, name)


def _call(s: "Session", addr: int, args: list[int | bytes], name: str) -> int:
    k = s.kernel
    t = s.task()
    assert k is not None
    if t.resume is not None or t.sleep is not None or t.held_call:
        raise CommandError("forkdbg cannot call a function while the thread is inside a "
                           "system call; step out of it first.")
    entry = object_map(k, t.mm).entry
    if not entry:
        raise CommandError("Cannot find the program's entry point for the return address.")
    k.engines.switch_to(t)
    uc = t.mm.uc
    assert uc is not None
    saved = uc.context_save()
    saved_state = (t.skip_break, t.reported_signal, s.stop, s.stop_log, s.hit_point,
                   s.step_origin)
    sp = t.reg(RSP) - RED_ZONE
    values = []
    for a in args:
        if isinstance(a, bytes):
            sp = (sp - len(a)) & ~0xF
            t.mm.write(sp, a, force=True)
            values.append(sp)
        else:
            values.append(a)
    sp = (sp & ~0xF) - 8  # rsp + 8 is 16-aligned at the function's entry
    t.mm.write(sp, entry.to_bytes(8, "little"), force=True)
    t.set_reg(RSP, sp)
    for reg, value in zip(ARG_REGS, values):
        t.set_reg(REG_IDS[reg], value)
    t.set_reg(RAX, 0)  # no vector registers for a variadic callee
    t.pc = addr
    t.skip_break, t.reported_signal = None, 0
    s.stop, s.stop_log, s.hit_point = None, [], None
    others = [o for o in k.tasks.values() if o is not t and o.alive and not o.frozen]
    for o in others:
        k.freeze(o)  # the function runs alone
    try:
        with Interrupts(k):
            stop = run_to(s, entry, t, sp + 8)
    finally:
        for o in others:
            if o.alive:
                k.thaw(o)
    if stop is None and isinstance(s.stop, StepEvent) and t.alive and t.pc == entry:
        value = t.reg(RAX)
        k.engines.switch_to(t)
        uc = t.mm.uc
        assert uc is not None
        uc.context_restore(saved)
        t.skip_break, t.reported_signal, s.stop, s.stop_log, s.hit_point, \
            s.step_origin = saved_state
        return value
    if t.alive:  # the call stays as gdb's dummy frame until the function returns
        push(s, DummyFrame(t.tid, entry, sp, saved, name))
    s.events.report(stop)
    how = "exited" if not t.alive else "stopped"
    raise CommandError(f"The program being debugged {how} while in a function called from "
                       f"GDB.\nEvaluation of the expression containing the function\n"
                       f"({name}) will be abandoned." + (
                           "\nWhen the function is done executing, GDB will silently stop."
                           if t.alive else ""))
