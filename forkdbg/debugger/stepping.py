"""The stepping engine under stepi, nexti, step, next, until and finish: one instruction,
to an address in a frame, and by source lines as gdb's infrun steps (a range per line,
calls stepped over or into, a line entered mid-way stepped to its end)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..arch.disasm import disassemble_one
from ..arch.sysv_call import returned, returned_in_memory
from ..arch.x86_64 import RAX, RSP
from ..dwarf.values import TypedValue
from ..kernel.kernel import Stop
from ..kernel.objfiles import image_at, object_map, unwind
from ..kernel.ptrace import step_instruction
from .expr import Value
from .expr_types import decode
from .breakpoints import skip_prologue
from .linespec import post_prologue
from .stops import StepEvent

if TYPE_CHECKING:
    from ..kernel.task import Task
    from .session import Session


def step_once(s: "Session") -> Stop | None:
    """One instruction of the current thread (ending in the fork child the debugger
    follows, when the instruction forked)."""
    k = s.kernel
    assert k is not None
    t = s.task()
    stop = step_instruction(k, t)
    child = k.tasks.get(s.current_tid) if s.current_tid is not None else None
    if stop is None and child is not None and s.events.followed_from.get(child.tid) is t:
        t = child  # the step forked and the child is followed: it finishes there, as gdb's
        stop = step_instruction(k, t)
    if stop is None and s.stop_task is None and t.alive:
        s.stop = StepEvent(t)
    if stop is None and t.alive and s.events.breakpoint_hit(t, t.pc):
        stop, k.stop_request = k.stop_request, None  # a step onto a breakpoint hits it
        t.skip_break = t.pc  # as after any breakpoint stop: resuming steps over it
    return stop


def run_to(s: "Session", addr: int, task: "Task", sp_at_least: int | None) -> Stop | None:
    """Continue until `task` reaches `addr` (with rsp >= sp_at_least, i.e. in this frame)."""
    return run_to_any(s, [(addr, sp_at_least)], task)


def run_to_any(s: "Session", targets: list[tuple[int, int | None]], task: "Task"
               ) -> Stop | None:
    """Continue until `task` reaches one of the addresses, each with its lowest rsp (in
    that frame or an outer one; None: anywhere)."""
    k = s.kernel
    assert k is not None
    addrs: dict[int, int | None] = {}
    for addr, sp_at_least in targets:
        old = addrs.get(addr, sp_at_least)
        addrs[addr] = None if old is None or sp_at_least is None else min(old, sp_at_least)

    def checker(sp_at_least: int | None) -> Callable[["Task"], bool]:
        def check(t: "Task") -> bool:
            # the task itself, or the fork child it became when the debugger followed it
            mine = t is task or s.events.followed_from.get(t.tid) is task
            return mine and (sp_at_least is None or t.reg(RSP) >= sp_at_least)
        return check
    for addr, sp_at_least in addrs.items():
        s.internal_stops[addr] = checker(sp_at_least)
        k.watchers.hook(task.mm, addr, s.watcher)
    try:
        stop = k.run()
    finally:
        for addr in addrs:
            s.internal_stops.pop(addr, None)
            if not task.mm.released and not s.watcher_wants(task, addr):
                k.watchers.unhook(task.mm, addr, s.watcher)
    if stop is not None and stop.reason == "internal":
        s.stop, s.stop_log = StepEvent(getattr(stop, "task", None) or task), []
        return None
    return stop


def caller(s: "Session", task: "Task") -> tuple[int, int] | None:
    """(return address, caller's rsp) of the current frame."""
    k = s.kernel
    assert k is not None
    frames = unwind(k, task, limit=2)
    if len(frames) < 2:
        return None
    return frames[1].pc, frames[1].sp


def _current(s: "Session", t: "Task") -> "Task":
    """The thread a step goes on in: the followed fork child once the step forked."""
    nt = s.stop_task
    return nt if nt is not None and nt.alive else t


def step_lines(s: "Session", over: bool, until: bool = False) -> Stop | None:
    """One source line: `next` (over calls), `step` (into functions with line
    information), `until` (like next, but never back to an earlier address of the
    function).  Sets the stop's task; returns a Stop that ended it early."""
    view = s.source
    t = s.task()
    sl = view.line_at(t.pc, t)
    fn = view.function_at(t.pc, t)
    sc = view.scope_at(t.pc, t)
    bias = sc.bias if sc is not None else 0
    s.step_origin = (t.tid, view.frame_id(t), fn.low + bias if fn is not None else 0)
    if sl is None:
        return None
    lo, hi = sl.pc, sl.end
    if until and fn is not None:
        lo = fn.low + bias
    cur = (sl.file.fullname, sl.line)
    k = s.kernel
    assert k is not None
    while True:
        if k.interrupted:  # Ctrl-C, a signal to forkdbg or its timeout: a line that
            k.interrupted = False  # never ends (`for (;;);`) is left as gdb leaves it
            return Stop(k.interrupt_reason, t)
        pc = t.pc
        insn = disassemble_one(t.mm.readable_prefix(pc, 16), pc)
        if insn is not None and insn.is_call:
            ret, sp = pc + insn.size, t.reg(RSP)
            stop = step_once(s)
            if stop is not None:
                return stop
            t = _current(s, t)
            if not over:
                into, stop = _step_into(s, t)
                if into:
                    return stop
            if t.pc != ret:
                stop = run_to(s, ret, t, sp)
                if stop is not None:
                    return stop
                t = _current(s, t)
        else:
            stop = step_once(s)
            if stop is not None:
                return stop
            t = _current(s, t)
        if not t.alive:
            return None
        pc = t.pc
        if lo <= pc < hi:
            continue
        nl = view.line_at(pc, t)
        if nl is None:
            return None  # out into code without line information: stop there
        if pc == nl.pc and (nl.file.fullname, nl.line) != cur:
            if nl.is_stmt:
                return None  # the start of another line
            if s.step_origin is not None and view.frame_id(t) == s.step_origin[1]:
                continue  # a row that is no statement, in the same frame: on (gdb)
        lo, hi, cur = nl.pc, nl.end, (nl.file.fullname, nl.line)  # mid-line: on to its end


def _step_into(s: "Session", t: "Task") -> tuple[bool, Stop | None]:
    """`step` went into a call: stop past the callee's prologue if it has line
    information ((True, a Stop that came first)), else let the caller step over it.  A
    call through the PLT is followed to the function it reaches (gdb's
    find_solib_trampoline_target), through the loader's lazy binding if need be."""
    view = s.source
    target = plt_target(s, t)
    if target is not None:
        if view.line_at(target, t) is None:
            return False, None  # a function without lines: stepped over, never into
            # the loader's lazy-binding code on the way to it
        stop = run_to(s, target, t, None)
        if stop is not None:
            return True, stop
        t = _current(s, t)
    elif _in_plt(s, t):  # an entry bound when the object was loaded (IRELATIVE): on
        for _ in range(8):  # through its jump
            stop = step_once(s)
            if stop is not None:
                return True, stop
            t = _current(s, t)
            if not _in_plt(s, t):
                break
        if _in_loader(s, t):  # lazy binding (an IFUNC's entry): on to what it binds
            bound, stop = _past_lazy_binding(s, t)
            if stop is not None:
                return True, stop
            t = _current(s, t)
            if bound is None or view.line_at(bound, t) is None:
                return False, None
            stop = run_to(s, bound, t, None)
            if stop is not None:
                return True, stop
            t = _current(s, t)
    sc = view.scope_at(t.pc, t)
    fn = sc.function_at(t.pc) if sc is not None else None
    if sc is None or view.line_at(t.pc, t) is None:
        return False, None
    if fn is not None:
        target = post_prologue(sc, fn, s.code_reader())
    else:  # lines but no function in the debug information (assembly): gdb's rule
        target = _asm_entry(s, t)
    stop = run_to(s, target, t, None) if target != t.pc else None
    s.step_origin = None
    return True, stop


def _in_plt(s: "Session", t: "Task") -> bool:
    """Whether `t` is in a PLT of the object it runs in (gdb's in_plt_section)."""
    k = s.kernel
    assert k is not None
    img = image_at(k, t, t.pc)
    if img is None:
        return False
    for name in (".plt", ".plt.sec"):
        r = img.section_range(name)
        if r is not None and r[0] + img.bias <= t.pc < r[1] + img.bias:
            return True
    return False


def _in_loader(s: "Session", t: "Task") -> bool:
    """Whether `t` runs in the dynamic loader (gdb's in_solib_dynsym_resolve_code)."""
    assert s.kernel is not None
    omap = object_map(s.kernel, t.mm)
    o = omap.at(t.pc)
    return bool(omap.interp_base) and o is not None and o.start == omap.interp_base


def _past_lazy_binding(s: "Session", t: "Task") -> tuple[int | None, Stop | None]:
    """Run `t`, in glibc's lazy-binding trampoline, until `_dl_fixup` has returned the
    function the PLT entry binds to (gdb's glibc_skip_solib_resolver): (that address,
    None), (None, a Stop that came first), or (None, None) when the loader's debug
    information does not name `_dl_fixup`."""
    assert s.kernel is not None
    img = image_at(s.kernel, t, t.pc)
    info = img.debug if img is not None else None
    sym = info.symbols.lookup("_dl_fixup") if info is not None and img is not None else None
    if sym is None or img is None:
        return None, None
    stop = run_to(s, sym.addr + img.bias, t, None)
    if stop is not None:
        return None, stop
    t = _current(s, t)
    sp = t.reg(RSP)
    ret = int.from_bytes(t.mm.readable_prefix(sp, 8).ljust(8, b"\0"), "little")
    stop = run_to(s, ret, t, sp + 8)
    if stop is not None:
        return None, stop
    return _current(s, t).reg(RAX), None


def _asm_entry(s: "Session", t: "Task") -> int:
    """Where `step` stops in code that has lines but no function in the debug
    information: past a frame-pointer prologue, on to the end of its line if that ends
    within the ELF symbol's function (gdb's handle_step_into_function)."""
    start = t.pc
    pc = skip_prologue(start, t.mm.readable_prefix(start, 8))
    syms = s.symbols(t)
    hit = syms.containing(start) if syms is not None else None
    end = hit[0].addr + hit[0].size if hit is not None and hit[0].size else start + 1
    sl = s.source.line_at(start, t)
    if sl is not None and sl.pc != start and sl.end < end:
        pc = max(pc, sl.end)
    return pc


def plt_target(s: "Session", t: "Task") -> int | None:
    """Where the PLT entry `t` stands at leads: its GOT slot once the loader bound it,
    else the function of its name in the process's objects (not an IFUNC's resolver);
    None when `t` is not at a PLT entry or the target is unknown."""
    syms = s.symbols(t)
    hit = syms.containing(t.pc) if syms is not None else None
    if syms is None or hit is None or hit[0].kind != "plt" or not hit[0].name.endswith("@plt"):
        return None
    name = hit[0].name[:-4]
    k = s.kernel
    assert k is not None
    here = image_at(k, t, t.pc)
    got = here.symbols.lookup(name + "@got.plt") if here is not None else None
    if got is not None:
        slot = int.from_bytes(t.mm.readable_prefix(got.addr, 8).ljust(8, b"\0"), "little")
        if slot and image_at(k, t, slot) is not here:
            return slot  # bound (BIND_NOW, or an earlier call)
    sym = syms.lookup(name)
    if sym is None or sym.kind != "func" or sym.ifunc:
        return None
    return sym.addr


def finish_value(s: "Session", fn_pc: int, task: "Task") -> str | None:
    """``Value returned is $N = V`` for the function that held `fn_pc`, by its DWARF
    return type, from where the System V convention left it (rax/rdx, xmm0/xmm1, or
    the memory rax points to, st(0) for a long double); None for void or no debug
    information."""
    fn = s.source.function_at(fn_pc, task)
    if fn is None or fn.return_type is None or fn.return_type.strip().kind == "void":
        return None
    rt = fn.return_type
    size = max(rt.byte_size, 1)
    in_memory = returned_in_memory(rt)
    data = returned(rt, task.reg, task.mm.readable_prefix)
    tv = TypedValue(rt, data, task.reg(RAX) if in_memory else None)
    text = s.source.printer().value(tv) if s.settings["print finish"] == "on" \
        else "<not displayed>"
    num = len(s.history) + 1
    ct = s.source.ctype(rt)
    s.history.append(Value(0 if ct.aggregate else decode(data[:size], ct), ct,
                           raw=bytes(data[:size])))
    return f"Value returned is ${num} = {text}"
