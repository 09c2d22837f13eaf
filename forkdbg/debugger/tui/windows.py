"""The TUI windows' contents, built from the session: the source window around the
selected frame's line, the assembly window around its pc, the registers and the status
line, each with gdb's marks (`B+>`: a breakpoint that was hit, enabled, the current
line).  Plain data, no terminal: app.py draws it and the tests read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...arch.x86_64 import GPRS
from ...arch.disasm import Insn, disassemble
from ..breakpoints import Breakpoint
from ..commands.code import insn_text
from ..commands.source import main_line
from ..format import register_lines, sym_suffix
from ..registry import CommandError

if TYPE_CHECKING:
    from ...dwarf.lines import SourceFile
    from ..frames import FrameState
    from ..session import Session

NO_SOURCE = "[ No Source Available ]"
NO_ASSEMBLY = "[ No Assembly Available ]"
NO_REGISTERS = "[ Register Values Unavailable ]"
ASM_BEFORE = 64  # bytes of code disassembled before the pc, so the window can scroll up


@dataclass
class Pane:
    """One window's lines, the line to keep in view and the window's title."""

    title: str = ""
    lines: list[str] = field(default_factory=list)
    focus: int = 0  # index of the line to center (the current line)
    top: int | None = None  # index of the first line to show (`list`), else centered
    empty: str = ""  # what the window says when it has no lines


def _point_marks(s: "Session") -> tuple[dict[tuple[str, int], str], dict[int, str]]:
    """gdb's two-letter marks by (file, line) and by address: b/B (B once hit), t/T for
    temporary ones, then + (enabled) or - (disabled)."""
    by_line: dict[tuple[str, int], str] = {}
    by_addr: dict[int, str] = {}
    for p in s.points:
        if not isinstance(p, Breakpoint):
            continue
        letter = "t" if p.temporary else "b"
        for addr in p.addrs.get(s.current_inferior, ()):
            on = p.enabled and (s.current_inferior, addr) not in p.off
            mark = (letter.upper() if p.hits else letter) + ("+" if on else "-")
            by_addr.setdefault(addr, mark)
            sal = p.sals.get(addr)
            if sal is not None:
                by_line.setdefault((sal.file.fullname, sal.line), mark)
    return by_line, by_addr


def _selected(s: "Session") -> "FrameState | None":
    """The selected frame (the innermost after a stop), None without a process."""
    if not s.running:
        return None
    try:
        frames = s.source.frames(s.task(), s.frame_level + 1)
    except CommandError:
        return None
    return frames[s.frame_level] if s.frame_level < len(frames) else None


def _line_of(frame: "FrameState | None") -> "tuple[SourceFile, int] | None":
    sl = frame.line if frame is not None else None
    return (sl.file, sl.line) if sl is not None else None


def source_pane(s: "Session") -> Pane:
    """The source window: the file last shown (by a stop, `frame` or `list`), else
    main's; `>` on the selected frame's line."""
    view = s.source
    current = _line_of(_selected(s))
    f = view.list_file
    center = view.list_center
    top = None
    if s.tui.source_at is not None:
        f, first = s.tui.source_at
        center, top = first, first - 1
    if f is None:
        f = view.default_file()
        center = main_line(s) if f is not None else 0
    if f is None:
        return Pane(empty=NO_SOURCE)
    text = view.text(f)
    if text is None:
        return Pane(title=f.name, empty=NO_SOURCE)
    by_line, _ = _point_marks(s)
    width = max(6, len(str(len(text))) + 1)
    lines = []
    for n, src in enumerate(text, 1):
        mark = by_line.get((f.fullname, n), "  ")
        here = current is not None and current[0].fullname == f.fullname and current[1] == n
        lines.append(f"{mark}{'>' if here else ' '}{n:>{width}}  {src.expandtabs()}")
    return Pane(title=f.name, lines=lines, focus=max(center, 1) - 1, top=top)


def asm_pane(s: "Session", count: int = 200) -> Pane:
    """The assembly window: instructions from the start of the selected pc's function
    (main's before `run`), `>` on the pc, addresses padded so instructions align."""
    read, _pc = s.memory()
    frame = _selected(s)
    pc = frame.pc if frame is not None else None
    syms = s.symbols()
    start = pc
    if start is None:
        sym = syms.lookup("main") if syms is not None else None
        start = sym.addr if sym is not None else None
    if start is None:
        return Pane(empty=NO_ASSEMBLY)
    # decode from a known boundary: the function's start when the pc is near one
    hit = syms.containing(start) if syms is not None else None
    begin = hit[0].addr if hit is not None and start - hit[0].addr <= ASM_BEFORE * 64 \
        else start
    att = s.settings["disassembly-flavor"] == "att"
    insns: list[Insn] = []
    while len(insns) < count:
        code = read(begin, 4096)
        got = disassemble(code, begin, count - len(insns), att=att) if code else []
        if not got:
            break
        insns.extend(got)
        begin = got[-1].address + got[-1].size
    if not insns:
        return Pane(empty=NO_ASSEMBLY)
    _, by_addr = _point_marks(s)
    heads = [f"{i.address:#x}{sym_suffix(i.address, s.describe)}" for i in insns]
    width = max(len(h) for h in heads) + 1
    lines: list[str] = []
    focus = 0
    for insn, head in zip(insns, heads):
        if insn.address == start:
            focus = len(lines)
        mark = by_addr.get(insn.address, "  ") + (">" if insn.address == pc else " ")
        lines.append(f"{mark} {head:<{width}} {insn_text(s, insn)}")
    return Pane(lines=lines, focus=focus)


def regs_pane(s: "Session") -> Pane:
    """The register window: the general registers, as `info registers` shows them."""
    if not s.running:
        return Pane(empty=NO_REGISTERS)
    try:
        t = s.task()
    except CommandError:
        return Pane(empty=NO_REGISTERS)
    regs = register_lines([(name, t.reg(rid)) for name, rid in GPRS], s.describe)
    width = max(len(r) for r in regs) + 2
    per_row = max(1, (s.tui.size[1] - 2) // width)  # gdb's columns, as many as fit
    lines = ["".join(f"{r:<{width}}" for r in regs[i:i + per_row]).rstrip()
             for i in range(0, len(regs), per_row)]
    return Pane(title="Register group: general", lines=lines)


def status_line(s: "Session") -> tuple[str, str]:
    """(left, right) of gdb's status line: the target and function; the line and pc."""
    frame = _selected(s)
    if frame is None:
        return "exec No process In:", "L??   PC: ?? "
    pc = frame.pc
    target = f"process {s.task().tg.tgid}"
    fn = s.source.function_at(pc)
    name = fn.name if fn is not None else ""
    if not name:
        syms = s.symbols()
        hit = syms.containing(pc) if syms is not None else None
        name = hit[0].name if hit is not None else "??"
    cur = _line_of(frame)
    line = f"L{cur[1]}" if cur is not None else "L??"
    return f"{target} In: {name}", f"{line:<5} PC: {pc:#x} "
