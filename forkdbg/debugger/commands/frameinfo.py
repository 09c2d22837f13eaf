"""`info frame [N]`: one frame as gdb describes it, from the unwinder and the debug
information: its CFA, pc and source line, return address, the frames on either side,
its arguments and where its registers were saved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...kernel.objfiles import unwind, unwinder_at
from ..format import sym_suffix
from ..ranges import decimal
from ..registry import CommandError
from .info import info

if TYPE_CHECKING:
    from ..frames import FrameState
    from ..session import Session

#: gdb's order of amd64's registers in "Saved registers:" (DWARF numbers)
SAVED_ORDER = [(0, "rax"), (3, "rbx"), (2, "rcx"), (1, "rdx"), (4, "rsi"), (5, "rdi"),
               (6, "rbp"), (7, "rsp")] + [(n, f"r{n}") for n in range(8, 16)] + [(16, "rip")]


@info("frame", "f")
def info_frame(s: "Session", arg: str) -> None:
    """The selected frame (`info frame N`: frame N): its CFA, pc and line, return address,
    the frames it calls and is called by, its arguments and its saved registers."""
    s.require_running("No stack.")
    words = arg.split()
    if words[:1] == ["level"]:
        words = words[1:]
    t = s.task()
    k = s.kernel
    assert k is not None
    if words and not decimal(words[0]):  # gdb's older form: the frame at an address
        at = s.eval_int(" ".join(words))
        found = [f.level for f in s.source.frames(t) if f.cfa == at]
        if not found:
            raise CommandError(f"No frame at address {' '.join(words)}.")
        words = [str(found[0])]
    level = int(words[0]) if words else s.frame_level
    heading = "Stack frame at" if words else None  # a frame named, not the selected one
    frames = s.source.frames(t, level + 2)
    if level >= len(frames):
        raise CommandError(f"No frame at level {level}.")
    fs = frames[level]
    chain = unwind(k, t, limit=level + 3)
    sp = fs.reg(7) if fs.reg(7) is not None else chain[min(level, len(chain) - 1)].sp
    bp = fs.reg(6) or 0
    uw = unwinder_at(k, t, fs.lookup)
    slots = uw.saved_slots(fs.lookup, sp, bp) if uw is not None and sp is not None else None
    head = heading or f"Stack level {level}, frame at"
    if slots is None:
        s.say(f"{head} {sp:#x}:")
        s.say(f" rip = {fs.pc:#x}{sym_suffix(fs.pc, s.describe)}; saved rip = unknown")
        return
    cfa, saved = slots
    name = _name(s, fs)
    # the return address is that of the physical frame (an inline frame shares one):
    # the unwinder's frame after the physical frames before this one
    physical = sum(1 for f in frames[:level] if f.inline is None)
    ra = f"{chain[physical + 1].pc:#x}" if physical + 1 < len(chain) else "<not saved>"
    sl = fs.line if fs.function is not None else None
    where = f" ({sl.file.name}:{sl.line})" if sl is not None else ""
    s.say(f"{head} {cfa:#x}:")
    s.say(f" rip = {fs.pc:#x} in {name}{where}; saved rip = {ra}")
    if fs.inline is not None:  # gdb's inline frame: no frame of its own in memory
        s.say(f" inlined into frame {level + 1}")
        s.say(" source language c.")
        s.say(" Arglist at unknown address.")
        s.say(" Locals at unknown address, Previous frame's sp in rsp")
        return
    around = []
    if level + 1 < len(frames) and frames[level + 1].cfa is not None:
        around.append(f"called by frame at {frames[level + 1].cfa:#x}")
    if level > 0 and frames[level - 1].cfa is not None:
        around.append(f"caller of frame at {frames[level - 1].cfa:#x}")
    if around:
        s.say(" " + ", ".join(around))
    args = ""
    if fs.function is not None:
        s.say(" source language c.")
        args = ", ".join(s.source.arg_text(p, fs, t) for p in fs.params)
    base = _frame_base(s, fs, sp or 0, bp)
    s.say(f" Arglist at {base:#x}, args: {args}")
    s.say(f" Locals at {base:#x}, Previous frame's sp is {cfa:#x}")
    s.say(" Saved registers:")
    s.say("  " + ", ".join(f"{nm} at {saved[n]:#x}" for n, nm in SAVED_ORDER if n in saved))


def _frame_base(s: "Session", fs: "FrameState", sp: int, bp: int) -> int:
    """gdb's amd64 frame base (what `Arglist at` shows): %rbp once the function's
    `push %rbp; mov %rsp,%rbp` has run, else the frame's %rsp less 8 (less nothing
    after the push alone), as amd64_analyze_prologue finds them."""
    if fs.function is not None:
        start = fs.function.low + (fs.scope.bias if fs.scope else 0)
    else:
        syms = s.symbols()
        hit = syms.containing(fs.lookup) if syms else None
        start = hit[0].addr if hit else fs.pc
    code = s.code_reader()(start, 8)
    if code[:4] == b"\xf3\x0f\x1e\xfa":  # endbr64
        start, code = start + 4, code[4:]
    if not code or code[0] != 0x55 or fs.pc <= start:  # no push %rbp, or not run yet
        return sp - 8
    if fs.pc > start + 1 and code[1:4] in (b"\x48\x89\xe5", b"\x48\x8b\xec"):
        return bp
    return sp


def _name(s: "Session", fs: "FrameState") -> str:
    """The frame's function as gdb names it (the ELF symbol without debug information)."""
    if fs.function is not None:
        return fs.name
    syms = s.symbols()
    hit = syms.containing(fs.lookup) if syms else None
    return hit[0].name if hit else "??"
