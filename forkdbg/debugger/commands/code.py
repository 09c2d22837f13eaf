"""Code listings as gdb prints them (x/i, disassemble) and the backtrace."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Iterator

from ...arch.att import objdump
from ...arch.disasm import Insn, disassemble
from ..format import location, sym_suffix
from ..frames import MAIN_NAMES
from ..ranges import decimal
from ..registry import CommandError, command

if TYPE_CHECKING:
    from ..session import Session

HEX = re.compile(r"0x[0-9a-f]+")
COLORS = {"mnemonic": "\x1b[32m", "reg": "\x1b[36m", "imm": "\x1b[33m", "addr": "\x1b[34m",
          "off": "\x1b[0m"}


def insn_text(s: "Session", insn: Insn) -> str:
    """`mov    $0x0,%eax`, targets and rip-relative operands symbolized."""
    att = s.settings["disassembly-flavor"] == "att"
    if att:
        mnem, ops = objdump(insn.mnemonic, insn.op_str, insn.raw)
    else:
        mnem, ops = insn.mnemonic, insn.op_str
    text = f"{mnem:<6} {ops}".rstrip()
    if insn.target is not None and (insn.is_call or insn.is_jump):
        text += sym_suffix(insn.target, s.describe)
    for base, _i, _sc, disp, _sz in insn.mems:
        if base == "rip":
            tgt = insn.address + insn.size + disp
            text += f"        # {tgt:#x}{sym_suffix(tgt, s.describe)}"
            break
    if getattr(s, "color", False):
        text = colorize(text, att)
    return text


def colorize(text: str, att: bool) -> str:
    c = COLORS
    mnem, _, rest = text.partition(" ")
    rest = re.sub(r"(%\w+)" if att else r"\b(r[a-z0-9]+|e[a-z]{2}|[a-d][xlh]|[sd]il?|[bs]pl?)\b",
                  lambda m: c["reg"] + m.group(1) + c["off"], rest)
    rest = re.sub(r"(\$0x[0-9a-f]+|\$\d+)", lambda m: c["imm"] + m.group(1) + c["off"], rest)
    rest = re.sub(r"(<[^>]+>)", lambda m: c["addr"] + m.group(1) + c["off"], rest)
    return c["mnemonic"] + mnem + c["off"] + " " + rest


def disasm_lines(s: "Session", read: Callable[[int, int], bytes], addr: int, count: int,
                 mark_pc: int | None, limit_bytes: int | None = None) -> list[tuple[str, int]]:
    """x/i lines: `=> 0x401136 <main+4>:\tmov ...`; returns (line, next address)."""
    if limit_bytes is None:
        return list(iter_disasm(s, read, addr, count, mark_pc))
    code = read(addr, limit_bytes)
    if not code:
        raise CommandError(f"Cannot access memory at address {addr:#x}")
    att = s.settings["disassembly-flavor"] == "att"
    return [_line(s, insn, mark_pc) for insn in disassemble(code, addr, 0, att=att)]


def iter_disasm(s: "Session", read: Callable[[int, int], bytes], addr: int, count: int,
                mark_pc: int | None) -> Iterator[tuple[str, int]]:
    """The same lines one at a time, reading the code a page at a time: x/99999999i costs
    what it prints, not what it might."""
    att = s.settings["disassembly-flavor"] == "att"
    done = 0
    while done < count:
        code = read(addr, 4096)
        if not code:  # gdb has printed the address; its error ends the line
            mark = "=> " if addr == mark_pc else "   "
            s.out.write(f"{mark}{addr:#x}{sym_suffix(addr, s.describe)}:\t")
            s.out.flush()
            raise CommandError(f"Cannot access memory at address {addr:#x}")
        insns = disassemble(code, addr, min(count - done, 4096), att=att)
        if not insns:  # bytes that are no instruction: capstone stops there, so do we
            return
        for insn in insns:
            yield _line(s, insn, mark_pc)
        done += len(insns)
        addr = insns[-1].address + insns[-1].size


def _line(s: "Session", insn: Insn, mark_pc: int | None) -> tuple[str, int]:
    mark = "=> " if insn.address == mark_pc else "   "
    return (f"{mark}{insn.address:#x}{sym_suffix(insn.address, s.describe)}:\t"
            f"{insn_text(s, insn)}", insn.address + insn.size)


def disassemble_command(s: "Session", arg: str) -> None:
    read, here = s.memory()
    syms = s.symbols()
    att = s.settings["disassembly-flavor"] == "att"
    raw = False
    while arg.startswith("/"):
        mods, _, arg = arg.partition(" ")
        raw = raw or "r" in mods
    if "," in arg:
        a, b = arg.split(",", 1)
        start = s.eval_int(a)
        end = start + s.eval_int(b.strip()[1:]) if b.strip().startswith("+") else s.eval_int(b)
        name = None
    else:
        if not arg and here is None:
            raise CommandError("No frame selected.")
        pc = s.eval_int(arg) if arg else here
        hit = syms.containing(pc) if syms else None
        if hit is None or not hit[0].size:
            raise CommandError("No function contains specified address.")
        start, end, name = hit[0].addr, hit[0].addr + hit[0].size, hit[0].name
    code = read(start, end - start)
    s.say(f"Dump of assembler code for function {name}:" if name else
          f"Dump of assembler code from {start:#x} to {end:#x}:")
    for insn in disassemble(code, start, att=att):
        mark = "=> " if insn.address == here else "   "
        off = f"<+{insn.address - start}>" if name else sym_suffix(insn.address, s.describe).strip()
        rawb = "\t" + insn.raw.hex(" ") if raw else ""
        s.say(f"{mark}0x{insn.address:016x} {off}:{rawb}\t{insn_text(s, insn)}")
    s.say("End of assembler dump.")


@command("backtrace", "bt", "where", category="stack")
def cmd_backtrace(s: "Session", arg: str) -> None:
    """Print the call chain (from .eh_frame unwind data, else frame pointers)."""
    s.require_running("No stack.")
    t = s.task()
    limit = int(arg) if decimal(arg.strip().lstrip("-")) else 64
    syms = s.symbols(t)
    states = s.source.frames(t, abs(limit))
    for i, fs in enumerate(states):
        pc = fs.pc
        hit = syms.containing(fs.lookup) if syms else None
        name = fs.function.name if fs.function is not None else hit[0].name if hit else "??"
        where = s.source.frame_text(fs, t)
        if where is None:
            lib = syms.library_of(pc) if syms else None
            where = (f"0x{pc:016x} in {name} ()" + (f" from {lib}" if lib else "")) if i \
                else location(pc, syms)
        s.say(f"#{i:<2} {where}")
        if name in MAIN_NAMES and s.settings.get("backtrace past-main", "off") == "off":
            break  # gdb stops at main unless `set backtrace past-main on`
