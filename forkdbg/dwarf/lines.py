"""Line tables as gdb reads them: sorted (address, file, line) rows, with gdb's rules for
the line at a pc and the addresses of a line.  Each compilation unit's line program is
decoded when a question first needs it (the unit holding a pc, the units naming a
file), so a large program or libc's separate debug file costs only what is asked."""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from ..elf.leb128 import sleb, uleb


@dataclass(frozen=True)
class SourceFile:
    """A file the line table names: as the compiler named it, and its full path."""

    name: str  # what gdb displays ("fk.c", "/usr/include/stdio.h")
    fullname: str

    def matches(self, spec: str) -> bool:
        """gdb's rule for FILE in FILE:LINE: the whole name, or a tail of it that starts
        at a directory boundary."""
        if spec in (self.name, self.fullname):
            return True
        return self.fullname.endswith("/" + spec.lstrip("/"))


class Row(NamedTuple):
    """One row of the line table (a tuple: a large program has a hundred thousand)."""

    addr: int
    file: SourceFile | None  # None: the end of a sequence
    line: int
    is_stmt: bool
    prologue_end: bool = False


@dataclass(frozen=True)
class SourceLine:
    """gdb's symtab_and_line: the line holding a pc and the range of its row."""

    file: SourceFile
    line: int
    pc: int  # where the row starts
    end: int  # where the next row starts
    is_stmt: bool = True  # a statement row: gdb shows the pc of a stop at any other


class SortedRows:
    """Rows sorted by address (ends of sequences first at an address, as gdb sorts
    them): one unit's, or several units' merged."""

    def __init__(self, rows: list[Row]) -> None:
        rows.sort(key=lambda r: (r.addr, r.file is not None))
        self.rows = rows
        self.addrs = [r.addr for r in rows]
        self._by_file: dict[SourceFile, list[Row]] | None = None  # built when first asked

    def covers(self, pc: int) -> bool:
        """Whether `pc` lies within one of the table's sequences."""
        i = bisect.bisect_right(self.addrs, pc)
        return i > 0 and self.rows[i - 1].file is not None

    def find_pc(self, pc: int) -> SourceLine | None:
        """The line `pc` is in (gdb's find_pc_line): the last row at or before it,
        preferring a statement row at the same address; it ends where the next row
        with a greater address starts."""
        i = bisect.bisect_right(self.addrs, pc)
        if i == 0:
            return None
        best = i - 1
        row = self.rows[best]
        if not row.is_stmt:
            j = best
            while j > 0 and self.rows[j - 1].addr == row.addr and self.rows[j - 1].file \
                    and not self.rows[j].is_stmt:
                j -= 1
            if self.rows[j].is_stmt:
                row = self.rows[j]
        if row.file is None or row.line == 0:
            return None
        end = self.addrs[i] if i < len(self.addrs) else row.addr + 1
        return SourceLine(row.file, row.line, row.addr, end, row.is_stmt)

    def by_file(self) -> dict[SourceFile, list[Row]]:
        """Each file's rows, in address order (one pass over the table, once)."""
        if self._by_file is None:
            by: dict[SourceFile, list[Row]] = {}
            for r in self.rows:
                if r.file is not None:
                    by.setdefault(r.file, []).append(r)
            self._by_file = by
        return self._by_file

    def rows_between(self, lo: int, hi: int) -> list[Row]:
        i = bisect.bisect_left(self.addrs, lo)
        j = bisect.bisect_left(self.addrs, hi)
        return self.rows[i:j]


class UnitLines:
    """One compilation unit's line program: its header and file table when first asked,
    its rows likewise.  `cover` is where its code lies (.debug_aranges or the unit's
    ranges; None when unknown: then only decoding tells)."""

    def __init__(self, program: Callable[[Any], Any], unit: Any, section: bytes,
                 cover: list[tuple[int, int]] | None) -> None:
        self._program = program  # the unit's line program (header parsed), or None
        self.unit = unit  # what has the unit's .cu, .name and .comp_dir
        self.cu = unit.cu
        self._section = section
        self.cover = cover
        self._prog = None
        self._files: dict[int, SourceFile] | None = None
        self._table: SortedRows | None = None

    @property
    def files(self) -> dict[int, SourceFile]:
        """The unit's file table by DW_AT_decl_file / DW_AT_call_file number."""
        if self._files is None:
            self._prog = self._program(self.cu)
            self._files = _files(self._prog, self.unit) if self._prog is not None else {}
        return self._files

    @property
    def table(self) -> SortedRows:
        """The unit's rows, filtered as gdb records them: sequences at address 0
        (discarded functions) are dropped, an end of sequence removes rows at its own
        address, and a line split by discriminators (a loop) keeps one row."""
        if self._table is None:
            rows: list[Row] = []
            files = self.files
            if self._prog is not None:
                _decode(self._section, self._prog, files, rows)
            self._table = SortedRows(rows)
        return self._table

    def names(self, pred: Callable[[SourceFile], bool]) -> bool:
        """Whether the unit's file table has a file `pred` accepts."""
        return any(pred(f) for f in self.files.values())


class LineTable:
    """Every unit's rows, as one table sorted by address would answer; units are decoded
    only as questions reach them."""

    def __init__(self, units: list[UnitLines]) -> None:
        self.units = units
        spans = sorted((lo, hi, n) for n, u in enumerate(units) for lo, hi in u.cover or ())
        self._starts = [sp[0] for sp in spans]
        self._spans = spans
        self._widest = max((hi - lo for lo, hi, _n in spans), default=0)
        self._unknown = [u for u in units if u.cover is None]
        self._merged: SortedRows | None = None

    def _candidates(self, lo: int, hi: int) -> list[UnitLines]:
        """The units whose code may lie in [lo, hi): by their cover, else all of those
        with none."""
        found: dict[int, None] = {}
        i = bisect.bisect_left(self._starts, hi) - 1
        while i >= 0 and self._spans[i][0] + self._widest > lo:
            s_lo, s_hi, n = self._spans[i]
            if s_lo < hi and lo < s_hi:
                found[n] = None
            i -= 1
        return [self.units[n] for n in sorted(found)] + self._unknown

    def find_pc(self, pc: int) -> SourceLine | None:
        held = [u.table for u in self._candidates(pc, pc + 1) if u.table.covers(pc)]
        if not held:
            return None
        if len(held) == 1:
            return held[0].find_pc(pc)
        return SortedRows([r for t in held for r in t.rows]).find_pc(pc)

    def rows_between(self, lo: int, hi: int) -> list[Row]:
        parts = [u.table.rows_between(lo, hi) for u in self._candidates(lo, hi)]
        parts = [p for p in parts if p]
        if len(parts) == 1:
            return parts[0]
        return SortedRows([r for p in parts for r in p]).rows

    @property
    def rows(self) -> list[Row]:
        """Every row, merged (decodes every unit)."""
        if self._merged is None:
            self._merged = SortedRows([r for u in self.units for r in u.table.rows])
        return self._merged.rows

    def files(self, pred: Callable[[SourceFile], bool] | None = None,
              cus: set[int] | None = None) -> list[SourceFile]:
        """The files with rows (those `pred` accepts; of the units whose `id(cu)` is in
        `cus`), one per full name; only units whose file tables name such a file are
        decoded."""
        seen: dict[str, SourceFile] = {}
        for u in self.units:
            if cus is not None and id(u.cu) not in cus:
                continue
            if pred is not None and not u.names(pred):
                continue
            for f in u.table.by_file():
                if pred is None or pred(f):
                    seen.setdefault(f.fullname, f)
        return list(seen.values())

    def line_addresses(self, files: list[SourceFile], line: int) -> tuple[int, list[int]]:
        """(the line used, the start addresses of its statement rows) in `files`: the
        line itself if it has code, else the nearest later line that has (gdb's
        best_entry).  (0, []) when no later line has code."""
        fulls = {f.fullname for f in files}
        rows = [r for u in self.units if u.names(lambda f: f.fullname in fulls)
                for f, rs in u.table.by_file().items() if f.fullname in fulls for r in rs]
        exact = [r.addr for r in rows if r.line == line and r.is_stmt]
        if exact:
            return line, sorted(set(exact))
        later = [r.line for r in rows if r.line > line and r.is_stmt]
        if not later:
            return 0, []
        best = min(later)
        return best, sorted({r.addr for r in rows if r.line == best and r.is_stmt})


def _decode(data: bytes, prog, files: dict[int, SourceFile], rows: list[Row]) -> None:  # type: ignore[no-untyped-def]
    """Run one line program (DWARF 2-5's state machine) over `data`, appending the rows
    gdb would record.  pyelftools reads the header; the opcodes are decoded here, an
    order of magnitude faster than its generic parser."""
    h = prog.header
    base, lbase, lrange = h.opcode_base, h.line_base, h.line_range
    min_len = h.minimum_instruction_length
    lengths = list(h.standard_opcode_lengths)
    default_stmt = bool(h.default_is_stmt)
    i, end = prog.program_start_offset, prog.program_end_offset
    seq: list[Row] = []

    addr, file, line, stmt, prologue, disc = 0, 1, 1, default_stmt, False, 0
    last, discriminated = (-1, -1), False

    def emit() -> None:
        nonlocal discriminated, last
        f = files.get(file)
        if f is None or line == 0:
            return
        same = (file, line) == last
        prev = files.get(last[0])
        if prev is not None and prev.fullname != f.fullname:
            # gdb ends the last file's run here (an end marker in its subfile), which
            # drops that file's rows at this very address
            while seq and seq[-1].addr == addr and seq[-1].file is prev:
                seq.pop()
        discriminated = (discriminated and same) or bool(disc)
        last = (file, line)
        if not (same and discriminated):
            seq.append(Row(addr, f, line, stmt, prologue))
    while i < end:
        op = data[i]
        i += 1
        if op >= base:
            adj = op - base
            addr += (adj // lrange) * min_len
            line += lbase + adj % lrange
            emit()
            disc, prologue = 0, False
        elif op == 0:
            n, i = uleb(data, i)
            sub, body = data[i], i + 1
            if sub == 1:  # end_sequence
                while seq and seq[-1].addr == addr:
                    seq.pop()
                if seq and seq[0].addr != 0:
                    rows.extend(seq)
                    rows.append(Row(addr, None, 0, True))
                seq = []
                addr, file, line, stmt, prologue, disc = 0, 1, 1, default_stmt, False, 0
                last, discriminated = (-1, -1), False
            elif sub == 2:  # set_address
                addr = int.from_bytes(data[body:i + n], "little")
            elif sub == 4:  # set_discriminator
                disc = uleb(data, body)[0]
            i += n
        elif op == 1:  # copy
            emit()
            disc, prologue = 0, False
        elif op == 2:
            v, i = uleb(data, i)
            addr += v * min_len
        elif op == 3:
            v, i = sleb(data, i)
            line += v
        elif op == 4:
            file, i = uleb(data, i)
        elif op == 6:
            stmt = not stmt
        elif op == 8:
            addr += ((255 - base) // lrange) * min_len
        elif op == 9:
            addr += int.from_bytes(data[i:i + 2], "little")
            i += 2
        elif op == 10:
            prologue = True
        else:  # column, basic block, epilogue, isa, unknown: skip their operands
            for _ in range(lengths[op - 1] if op - 1 < len(lengths) else 0):
                _v, i = uleb(data, i)


def _files(prog, unit) -> dict[int, SourceFile]:  # type: ignore[no-untyped-def]
    """The file table, named as gdb 13 names a line table's files: a relative name
    joined to its directory (DWARF 5's directory 0 too), except that a name which is
    then absolute and is the unit's own file (DW_AT_name in DW_AT_comp_dir) is shown
    as DW_AT_name.  The full name is the file found, else the name in the unit's
    compilation directory."""
    v5 = prog.header.version >= 5
    dirs = [_b(d) for d in prog.header.include_directory]
    comp_dir = unit.comp_dir
    primary: str | None = None
    out = {}
    for i, fe in enumerate(prog.header.file_entry):
        name = _b(fe.name)
        di = fe.dir_index
        d = (dirs[di] if di < len(dirs) else "") if v5 else \
            (dirs[di - 1] if 0 < di <= len(dirs) else "")
        shown = os.path.join(d, name) if d and not os.path.isabs(name) else name
        if os.path.isabs(shown):
            if primary is None:
                cu_name = unit.name
                primary = cu_name if cu_name and not os.path.isabs(cu_name) else ""
            if primary and os.path.join(comp_dir, primary) == shown:
                shown = primary
        joined = os.path.join(comp_dir, shown)
        full = os.path.abspath(joined) if os.path.exists(joined) else joined
        out[i if v5 else i + 1] = SourceFile(shown, full)
    return out


def _b(v: bytes | str) -> str:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v

