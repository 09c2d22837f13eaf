"""Stack unwinding for backtraces and strace -k: CFI first (.eh_frame, and .debug_frame
for code it does not cover: Go binaries have only the latter), frame pointers after.

Static glibc and musl binaries carry .eh_frame, so most frames unwind exactly; code
without CFI (hand-written assembly) falls back to the rbp chain.
"""

from __future__ import annotations

import bisect
import io
import struct
from dataclasses import dataclass
from typing import Any, Callable

from ..elf.leb128 import sleb, uleb
from ..elf.sections import find_section
from .x86_64 import UNWOUND_REGS

RSP, RBP, RA = 7, 6, 16  # DWARF register numbers on x86-64


def _debug_frame_entries(elf_bytes: bytes, covered: set[int]) -> list[tuple[int, int, Any]]:
    """(start, length, FDE) of each .debug_frame FDE whose code .eh_frame does not
    describe; [] without a readable .debug_frame."""
    sec = find_section(elf_bytes, ".debug_frame")
    if sec is None or not sec.size:
        return []
    from elftools.dwarf.callframe import FDE, CallFrameInfo
    from elftools.dwarf.structs import DWARFStructs
    from elftools.elf.elffile import ELFFile
    try:  # pyelftools inflates a compressed section (Go's are, SHF_COMPRESSED)
        found = ELFFile(io.BytesIO(elf_bytes)).get_section_by_name(".debug_frame")
        data = found.data() if found is not None else b""
        structs = DWARFStructs(little_endian=True, dwarf_format=32, address_size=8)
        entries = CallFrameInfo(io.BytesIO(data), len(data), 0, structs,
                                for_eh_frame=False).get_entries()
    except Exception:  # noqa: BLE001 - unreadable: frame pointers for that code
        return []
    return [(e.header["initial_location"], e.header["address_range"], e) for e in entries
            if isinstance(e, FDE) and e.header["initial_location"] not in covered]


@dataclass(frozen=True)
class Frame:
    pc: int
    sp: int
    bp: int = 0  # rbp as the frame has it (restored from the callee's CFI or chain)
    #: the general registers as the frame has them (DWARF number, value)
    saved: tuple[tuple[int, int], ...] = ()


def first_saved(reg: Callable[[int], int | None] | None) -> dict[int, int]:
    """The innermost frame's general registers, from its live registers."""
    if reg is None:
        return {}
    out = {}
    for n in UNWOUND_REGS:
        v = reg(n)
        if v is not None:
            out[n] = v
    return out


class Unwinder:
    """Unwinds one executable's code, loaded at `bias`."""

    def __init__(self, elf_bytes: bytes, bias: int = 0) -> None:
        self.bias = bias
        self._decoded: dict[int, list] = {}
        self._cfi: Any = None  # pyelftools' reader of .eh_frame, made when an FDE is decoded
        sec = find_section(elf_bytes, ".eh_frame")
        self._section = elf_bytes[sec.offset:sec.offset + sec.size] if sec else b""
        self._addr = sec.addr if sec else 0
        try:
            index = index_eh_frame(self._section, self._addr)
        except (IndexError, struct.error):  # a malformed table: frame pointers only
            index = []
        items: list[tuple[int, int, Any]] = [(s, r, o) for s, r, o in index]
        items += _debug_frame_entries(elf_bytes, {s for s, _r, _o in index})
        items.sort(key=lambda it: it[0])
        self._starts = [start + bias for start, _r, _o in items]
        self._ranges = [r for _s, r, _o in items]
        self._offsets = [o for _s, _r, o in items]  # .eh_frame offsets, or .debug_frame FDEs

    def _rows(self, pc: int) -> list | None:
        i = bisect.bisect_right(self._starts, pc) - 1
        if i < 0 or pc >= self._starts[i] + self._ranges[i]:
            return None
        rows = self._decoded.get(i)
        if rows is None:
            where = self._offsets[i]
            try:
                fde = self._fde(where) if isinstance(where, int) else where
                rows = fde.get_decoded().table
            except Exception:  # noqa: BLE001 - an FDE pyelftools cannot decode
                rows = []
            self._decoded[i] = rows
        return rows

    def _fde(self, offset: int):  # type: ignore[no-untyped-def]
        """The FDE at `offset` in .eh_frame, decoded by pyelftools (one at a time)."""
        if self._cfi is None:
            from elftools.dwarf.callframe import CallFrameInfo
            from elftools.dwarf.structs import DWARFStructs
            structs = DWARFStructs(little_endian=True, dwarf_format=32, address_size=8)
            self._cfi = CallFrameInfo(io.BytesIO(self._section), len(self._section),
                                      self._addr, structs, for_eh_frame=True)
        return self._cfi._parse_entry_at(offset)  # type: ignore[attr-defined]

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
               limit: int = 64, reg: Callable[[int], int | None] | None = None,
               registers: bool = False) -> list[Frame]:
        """The call chain from (pc, sp, bp), innermost first (`reg`: the innermost
        frame's registers by DWARF number, for a return address kept in one)."""
        saved = first_saved(reg) if registers else None
        out = [Frame(pc, sp, bp, tuple(saved.items()) if saved else ())]
        while len(out) < limit:
            nxt = self.step(pc, sp, bp, read_u64, first=len(out) == 1, reg=reg, saved=saved)
            if nxt is None:
                break
            pc, sp, bp = nxt
            out.append(Frame(pc, sp, bp, tuple(saved.items()) if saved else ()))
        return out

    def step(self, pc: int, sp: int, bp: int, read_u64: Callable[[int], int | None],
             first: bool = False, reg: Callable[[int], int | None] | None = None,
             saved: dict[int, int] | None = None) -> tuple[int, int, int] | None:
        """The caller's (pc, sp, bp) of the frame at (pc, sp, bp), from the CFI row for
        `pc` (for an outer frame, `pc - 1`: a return address may follow a call to a
        noreturn function), else from the rbp chain; None at the outermost frame.
        `saved` (the frame's general registers) becomes the caller's: those the CFI
        says were saved are read back, the others are as the callee has them."""
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
            if ra_rule is not None and ra_rule.type == "REGISTER" and first and \
                    reg is not None:
                ra = reg(ra_rule.arg)  # held in a register (vfork pops it into rdi)
            elif ra_rule is None or ra_rule.type != "OFFSET":
                return None  # undefined return address: the outermost frame
            else:
                ra = read_u64(cfa + ra_rule.arg)
            rbp_rule = row.get(RBP)
            if rbp_rule is not None and rbp_rule.type == "OFFSET":
                kept = read_u64(cfa + rbp_rule.arg)
                if kept is not None:
                    bp = kept
            if saved is not None:
                for n in UNWOUND_REGS:
                    r = row.get(n)
                    if r is not None and r.type == "OFFSET":
                        v = read_u64(cfa + r.arg)
                        if v is None:
                            saved.pop(n, None)
                        else:
                            saved[n] = v
            sp = cfa
        else:
            fp = bp
            if not fp or fp < sp:
                return None
            ra = read_u64(fp + 8)
            kept = read_u64(fp)
            if kept is None:
                return None
            sp, bp = fp + 16, kept
        if not ra:
            return None
        return ra, sp, bp


def _encoded(data: bytes, i: int, enc: int, field_addr: int) -> tuple[int, int]:
    """A DW_EH_PE-encoded pointer at `i`: (its value, the offset after it)."""
    fmt = enc & 0x0F
    if fmt == 0x01:
        v, j = uleb(data, i)
    elif fmt == 0x09:
        v, j = sleb(data, i)
    else:
        size, signed = {0x00: (8, False), 0x02: (2, False), 0x03: (4, False),
                        0x04: (8, False), 0x0A: (2, True), 0x0B: (4, True),
                        0x0C: (8, True)}[fmt]
        v, j = int.from_bytes(data[i:i + size], "little", signed=signed), i + size
    if enc & 0x70 == 0x10:  # pc-relative
        v += field_addr
    return v & 0xFFFFFFFFFFFFFFFF, j


def index_eh_frame(data: bytes, addr: int) -> list[tuple[int, int, int]]:
    """(pc_begin, pc_range, offset) of every FDE in an .eh_frame section at `addr`, in
    pc order: read with struct, each CIE's augmentation only as far as its FDE pointer
    encoding, so a 6,000-FDE table is indexed in milliseconds and decoded on demand."""
    out = []
    encodings: dict[int, int] = {}
    i = 0
    while i + 4 <= len(data):
        length, = struct.unpack_from("<I", data, i)
        if length == 0:
            break
        head = 4
        if length == 0xFFFFFFFF:
            length, = struct.unpack_from("<Q", data, i + 4)
            head = 12
        body = i + head
        cie_id, = struct.unpack_from("<I", data, body)
        if cie_id == 0:
            encodings[i] = _fde_encoding(data, body + 4)
        else:
            cie = body - cie_id
            enc = encodings.get(cie)
            if enc is None:
                enc = encodings[cie] = _fde_encoding(data, cie + 8)
            start, j = _encoded(data, body + 4, enc, addr + body + 4)
            size, _j = _encoded(data, j, enc & 0x0F, 0)
            if start:
                out.append((start, size, i))
        i = body + length
    out.sort()
    return out


def _fde_encoding(data: bytes, i: int) -> int:
    """The pointer encoding a CIE's augmentation gives its FDEs ('R'), absptr without."""
    version = data[i]
    end = data.index(b"\0", i + 1)
    aug = data[i + 1:end].decode("latin-1")
    j = end + 1
    if version == 4:
        j += 2  # address and segment sizes
    _v, j = uleb(data, j)  # code alignment
    _v, j = uleb(data, j)  # data alignment (its sign does not matter here)
    if version == 1:
        j += 1
    else:
        _v, j = uleb(data, j)  # return address register
    if not aug.startswith("z"):
        return 0
    _n, j = uleb(data, j)
    for ch in aug[1:]:
        if ch == "R":
            return data[j]
        if ch == "L":
            j += 1
        elif ch == "P":
            _v, j = _encoded(data, j + 1, data[j] & 0x0F, 0)
    return 0
