"""gdb's `return [EXPR]`: pop the selected frame and those inside it, so that its
caller goes on as if the function had returned (with EXPR's value, converted to the
function's return type, where the System V convention returns it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...arch.sysv_call import INTEGER, classify, is_x87
from ...arch.x86_64 import DWARF_REGS, REG_IDS, RIP, RSP, XMM_IDS
from ...kernel.objfiles import unwind
from ..arith import value_bytes
from ..expr_types import Value, wrap
from ..registry import CommandError, command

if TYPE_CHECKING:
    from ...dwarf.types import Type
    from ..session import Session


@command("return", category="stack")
def cmd_return(s: "Session", arg: str) -> None:
    """Make the selected stack frame return to its caller: return [EXPR]."""
    s.require_running("No selected frame.")
    t = s.task()
    level = s.frame_level
    frames = s.source.frames(t, level + 2)
    frame = frames[min(level, len(frames) - 1)]
    if frame.inline is not None:
        raise CommandError("Can not force return from an inlined function.")
    fn = frame.function
    ret: "Type | None" = fn.return_type if fn is not None else None
    data = None
    floating = False
    if arg.strip():
        value = s.evaluate(arg)
        if ret is None and value.t.dwarf is None and not value.symbol and not _casted(arg):
            raise CommandError("Return value type not available for selected stack "
                               "frame.\nPlease use an explicit cast of the value to return.")
        if value.optimized:
            raise CommandError("value has been optimized out")
        if ret is not None and is_x87(ret):  # st(0) is not written: say so, not ignore it
            raise CommandError("Returning a long double value is not supported.")
        if ret is not None and ret.strip().kind != "void":
            ct = s.source.ctype(ret)
            data = value_bytes(value if ct.aggregate else Value(wrap(value.v, ct), ct))
        elif ret is None:
            data = value_bytes(value)
            floating = value.t.floating
    if s.from_tty:
        what = f"{fn.name} return now? " if fn is not None else \
            "selected stack frame return now? "
        lost = "" if data is None or ret is None or classify(ret) is not None else \
            ("The location at which to store the function's return value is unknown.\n"
             "If you continue, the return value that you specified will be ignored.\n")
        if not s.confirm(f"{lost}Make {what}(y or n) "):
            raise CommandError("Not confirmed")
    # the caller as the unwinder has it (past main too): the physical frame after the
    # physical frames up to the selected one
    physical = sum(1 for f in frames[:level] if f.inline is None)
    assert s.kernel is not None
    chain = unwind(s.kernel, t, physical + 2, registers=True)
    if physical + 1 >= len(chain) or (level + 1 < len(frames) and frames[level + 1].dummy):
        raise CommandError("Can not force return from the outermost frame.")
    caller = chain[physical + 1]
    known = dict(caller.saved)
    known[6] = caller.bp
    for n, name in enumerate(DWARF_REGS[:16]):  # the caller's registers, as unwound
        if n in known and n != 7:
            t.set_reg(REG_IDS[name], known[n])
    t.set_reg(RSP, caller.sp)
    t.set_reg(RIP, caller.pc)
    if data is not None:
        _place(t, ret, data, floating)
    t.skip_break = None
    s.frame_level = 0
    if s.from_tty:
        for line in s.source.frame_lines(t):
            s.say(line)


def _casted(text: str) -> bool:
    """Whether EXPR starts with a cast (gdb takes its type for a frame without one)."""
    return text.lstrip().startswith("(")


def _place(t, ret: "Type | None", data: bytes, floating: bool) -> None:  # type: ignore[no-untyped-def]
    """Put a returned value where the caller looks for it: rax/rdx and xmm0/xmm1 by the
    classes of its eightbytes (a cast value in a frame without a type: xmm0 for a
    floating one, else rax); one returned in memory is ignored, as gdb ignores it."""
    if ret is None:
        word = int.from_bytes(data[:8].ljust(8, b"\0"), "little")
        t.set_reg(XMM_IDS[0] if floating else REG_IDS["rax"], word)
        return
    classes = classify(ret)
    if classes is None:
        return
    ints, sses = [REG_IDS["rax"], REG_IDS["rdx"]], list(XMM_IDS[:2])
    for i, c in enumerate(classes):
        word = int.from_bytes(data[8 * i:8 * i + 8].ljust(8, b"\0"), "little")
        t.set_reg((ints if c == INTEGER else sses).pop(0), word)
