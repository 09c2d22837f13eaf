"""Stack unwinding for backtraces and strace -k: .eh_frame CFI first, frame pointers after.

Static glibc and musl binaries carry .eh_frame, so most frames unwind exactly; code
without CFI (hand-written assembly) falls back to the rbp chain.
"""

from __future__ import annotations

import bisect
import io
from dataclasses import dataclass
from typing import Callable

RSP, RBP, RA = 7, 6, 16  # DWARF register numbers on x86-64


@dataclass(frozen=True)
class Frame:
    pc: int
    sp: int
    bp: int = 0  # rbp as the frame has it (restored from the callee's CFI or chain)


class Unwinder:
    """Unwinds one executable's code, loaded at `bias`."""

    def __init__(self, elf_bytes: bytes, bias: int = 0) -> None:
        self.bias = bias
        self._starts: list[int] = []
        self._fdes: list = []
        self._decoded: dict[int, list] = {}
        try:
            from elftools.dwarf.callframe import FDE
            from elftools.elf.elffile import ELFFile
            elf = ELFFile(io.BytesIO(elf_bytes))
            if elf.get_section_by_name(".eh_frame") is None:
                return
            dw = elf.get_dwarf_info(relocate_dwarf_sections=False)
            fdes = [e for e in dw.EH_CFI_entries() if isinstance(e, FDE)]
        except Exception:  # noqa: BLE001 - no usable CFI: frame pointers only
            return
        fdes.sort(key=lambda e: e["initial_location"])
        self._fdes = fdes
        self._starts = [e["initial_location"] + bias for e in fdes]

    def _rows(self, pc: int) -> list | None:
        i = bisect.bisect_right(self._starts, pc) - 1
        if i < 0:
            return None
        fde = self._fdes[i]
        if pc >= self._starts[i] + fde["address_range"]:
            return None
        rows = self._decoded.get(i)
        if rows is None:
            try:
                rows = fde.get_decoded().table
            except Exception:  # noqa: BLE001
                rows = []
            self._decoded[i] = rows
        return rows

    def covers(self, pc: int) -> bool:
        """Whether CFI describes the code at `pc`."""
        return bool(self._rows(pc))

    def saved_slots(self, pc: int, sp: int, bp: int) -> tuple[int, dict[int, int]] | None:
        """The innermost frame's CFA and where it saved registers (DWARF number ->
        address), from the CFI row at `pc`; None without CFI for it."""
        row = None
        for r in self._rows(pc) or []:
            if r["pc"] + self.bias <= pc:
                row = r
        if row is None or row["cfa"].expr is not None or row["cfa"].reg not in (RSP, RBP):
            return None
        cfa = (sp if row["cfa"].reg == RSP else bp) + row["cfa"].offset
        return cfa, {n: cfa + rule.arg for n, rule in row.items()
                     if isinstance(n, int) and rule.type == "OFFSET"}

    def frames(self, pc: int, sp: int, bp: int, read_u64: Callable[[int], int | None],
               limit: int = 64) -> list[Frame]:
        """The call chain from (pc, sp, bp), innermost first."""
        out = [Frame(pc, sp, bp)]
        while len(out) < limit:
            nxt = self.step(pc, sp, bp, read_u64, first=len(out) == 1)
            if nxt is None:
                break
            pc, sp, bp = nxt
            out.append(Frame(pc, sp, bp))
        return out

    def step(self, pc: int, sp: int, bp: int, read_u64: Callable[[int], int | None],
             first: bool = False) -> tuple[int, int, int] | None:
        """The caller's (pc, sp, bp) of the frame at (pc, sp, bp), from the CFI row for
        `pc` (for an outer frame, `pc - 1`: a return address may follow a call to a
        noreturn function), else from the rbp chain; None at the outermost frame."""
        lookup = pc if first else pc - 1
        rows = self._rows(lookup)
        if rows:
            row = None
            for r in rows:
                if r["pc"] + self.bias <= lookup:
                    row = r
                else:
                    break
            if row is None:
                return None
            rule = row["cfa"]
            if rule.expr is not None or rule.reg not in (RSP, RBP):
                return None
            cfa = (sp if rule.reg == RSP else bp) + rule.offset
            ra_rule = row.get(RA)
            if ra_rule is None or ra_rule.type != "OFFSET":
                return None  # undefined return address: the outermost frame
            ra = read_u64(cfa + ra_rule.arg)
            rbp_rule = row.get(RBP)
            if rbp_rule is not None and rbp_rule.type == "OFFSET":
                saved = read_u64(cfa + rbp_rule.arg)
                if saved is not None:
                    bp = saved
            sp = cfa
        else:
            fp = bp
            if not fp or fp < sp:
                return None
            ra = read_u64(fp + 8)
            saved = read_u64(fp)
            if saved is None:
                return None
            sp, bp = fp + 16, saved
        if not ra:
            return None
        return ra, sp, bp
