"""Read a static x86-64 ELF executable into a LoadPlan; no emulator here.

The plan says what Linux's binfmt_elf would map: each PT_LOAD with its file bytes,
its zero-filled tail (bss) and its permissions, the entry point and the program
headers' address for the auxiliary vector.  Anything forkdbg cannot run (not ELF,
truncated, 32-bit, another machine, dynamically linked) raises ElfError with a
one-line reason.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from elftools.elf.elffile import ELFFile

PAGE = 4096
PF_X, PF_W, PF_R = 1, 2, 4
PHDR = struct.Struct("<IIQQQQQQ")


class ElfError(Exception):
    """The file is not a static x86-64 executable forkdbg can run."""


@dataclass(frozen=True)
class Segment:
    """One PT_LOAD: [vaddr, vaddr+memsz) with `data` at its start, the rest zero."""

    vaddr: int
    memsz: int
    data: bytes
    offset: int
    flags: int  # PF_R | PF_W | PF_X

    @property
    def prot(self) -> int:
        """PROT_* bits (PF_R=4 -> PROT_READ=1 ...)."""
        p = 0
        if self.flags & PF_R:
            p |= 1
        if self.flags & PF_W:
            p |= 2
        if self.flags & PF_X:
            p |= 4
        return p


@dataclass
class LoadPlan:
    """Everything needed to map an executable; addresses are before the load bias."""

    path: str
    pie: bool
    entry: int
    segments: list[Segment]
    phdr_vaddr: int
    phnum: int
    phentsize: int
    exec_stack: bool = False
    tls: tuple[int, int, int] | None = None  # (vaddr, filesz, memsz)
    raw: bytes = field(default=b"", repr=False)

    @property
    def span(self) -> tuple[int, int]:
        """Lowest page and end of the highest page of all segments (unbiased)."""
        lo = min(s.vaddr for s in self.segments) & ~(PAGE - 1)
        hi = max(s.vaddr + s.memsz for s in self.segments)
        return lo, (hi + PAGE - 1) & ~(PAGE - 1)


def _header(data: bytes) -> "ELFFile":
    """Open `data` with pyelftools after the checks that give the clearest reasons."""
    from elftools.common.exceptions import ELFError as PyElfError
    from elftools.elf.elffile import ELFFile

    if len(data) < 4 or data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    if len(data) < 64:
        raise ElfError("truncated ELF header")
    if data[4] != 2:
        raise ElfError("32-bit ELF; forkdbg runs x86-64 (ELFCLASS64) programs only")
    if data[5] != 1:
        raise ElfError("big-endian ELF; forkdbg runs x86-64 programs only")
    try:
        return ELFFile(io.BytesIO(data))
    except (PyElfError, struct.error, ValueError) as e:
        raise ElfError(f"corrupt ELF header: {e}") from None


def parse_elf(data: bytes, path: str) -> LoadPlan:
    """Parse `data`, the bytes of the file at `path`, into a LoadPlan."""
    from elftools.common.exceptions import ELFError as PyElfError

    elf = _header(data)
    hdr = elf.header
    if hdr.e_machine != "EM_X86_64":
        raise ElfError(f"ELF for {hdr.e_machine}, not x86-64")
    if hdr.e_type not in ("ET_EXEC", "ET_DYN"):
        kind = {"ET_REL": "a relocatable object (ET_REL)", "ET_CORE": "a core file"}
        raise ElfError(f"not an executable: {kind.get(hdr.e_type, hdr.e_type)}")
    if hdr.e_phentsize != PHDR.size or hdr.e_phnum == 0:
        raise ElfError("corrupt ELF: no usable program headers")
    if hdr.e_phoff + hdr.e_phnum * PHDR.size > len(data):
        raise ElfError("truncated ELF: program headers past the end of the file")
    segments: list[Segment] = []
    phdr_vaddr = None
    tls = None
    exec_stack = False
    try:
        phdrs = [seg.header for seg in elf.iter_segments()]
    except (PyElfError, struct.error, ValueError) as e:
        raise ElfError(f"corrupt program headers: {e}") from None
    for ph in phdrs:
        p_type = ph.p_type
        if p_type == "PT_INTERP":
            interp = data[ph.p_offset:ph.p_offset + ph.p_filesz].rstrip(b"\0")
            raise ElfError(f"dynamically linked (interpreter {interp.decode(errors='replace')}); "
                           "forkdbg runs static executables only")
        if p_type == "PT_PHDR":
            phdr_vaddr = ph.p_vaddr
        elif p_type == "PT_TLS":
            tls = (ph.p_vaddr, ph.p_filesz, ph.p_memsz)
        elif p_type == "PT_GNU_STACK":
            exec_stack = bool(ph.p_flags & PF_X)
        elif p_type == "PT_LOAD":
            if ph.p_filesz > ph.p_memsz:
                raise ElfError("corrupt ELF: a segment's file size exceeds its memory size")
            if ph.p_offset + ph.p_filesz > len(data):
                raise ElfError("truncated ELF: a segment extends past the end of the file")
            if ph.p_memsz == 0:
                continue
            if (ph.p_vaddr - ph.p_offset) % PAGE:
                raise ElfError("corrupt ELF: segment address and offset are not congruent")
            segments.append(Segment(ph.p_vaddr, ph.p_memsz,
                                    bytes(data[ph.p_offset:ph.p_offset + ph.p_filesz]),
                                    ph.p_offset, ph.p_flags))
    if not segments:
        raise ElfError("corrupt ELF: no loadable segments")
    segments.sort(key=lambda s: s.vaddr)
    for a, b in zip(segments, segments[1:]):
        if a.vaddr + a.memsz > b.vaddr:
            raise ElfError("corrupt ELF: overlapping segments")
    if phdr_vaddr is None:
        # Linux derives it from the segment that maps e_phoff
        for s in segments:
            if s.offset <= hdr.e_phoff < s.offset + len(s.data):
                phdr_vaddr = s.vaddr + (hdr.e_phoff - s.offset)
                break
        else:
            phdr_vaddr = 0
    entry = hdr.e_entry
    if not any(s.vaddr <= entry < s.vaddr + s.memsz and s.flags & PF_X for s in segments):
        raise ElfError(f"corrupt ELF: entry point {entry:#x} is not in executable memory")
    lo = segments[0].vaddr & ~(PAGE - 1)
    hi = max(s.vaddr + s.memsz for s in segments)
    if hdr.e_type == "ET_EXEC" and (lo < 0x1000 or hi > 0x7FFFFFFFF000):
        raise ElfError("corrupt ELF: segments outside the user address space")
    return LoadPlan(path=path, pie=(hdr.e_type == "ET_DYN"), entry=entry, segments=segments,
                    phdr_vaddr=phdr_vaddr, phnum=hdr.e_phnum, phentsize=hdr.e_phentsize,
                    exec_stack=exec_stack, tls=tls, raw=data)


def is_elf(head: bytes) -> bool:
    """True when `head` starts with the ELF magic."""
    return head[:4] == b"\x7fELF"


def read_plan(path: str, data: bytes | None = None) -> LoadPlan:
    """Parse the file at host `path` (or the given bytes) into a LoadPlan."""
    if data is None:
        with io.open(path, "rb") as f:
            data = f.read()
    return parse_elf(data, path)
