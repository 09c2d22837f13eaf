"""Read an x86-64 ELF executable (or the interpreter one names) into a LoadPlan; no
emulator here.

The plan says what Linux's binfmt_elf would map: each PT_LOAD with its file bytes,
its zero-filled tail (bss) and its permissions, the entry point, the program headers'
address for the auxiliary vector and the PT_INTERP path of a dynamically linked program.
Anything forkdbg cannot run (not ELF, truncated, 32-bit, another machine) raises ElfError
with a one-line reason.  The file is read from a stream, only where the headers point: a
huge file costs what its segments hold, a file that is not ELF its first bytes.
"""

from __future__ import annotations

import io
import os
import struct
import weakref
from dataclasses import dataclass, field
from typing import BinaryIO

PAGE = 4096
PF_X, PF_W, PF_R = 1, 2, 4
PHDR = struct.Struct("<IIQQQQQQ")


@dataclass(frozen=True)
class Phdr:
    """One Elf64_Phdr."""

    p_type: int
    p_flags: int
    p_offset: int
    p_vaddr: int
    p_paddr: int
    p_filesz: int
    p_memsz: int
    p_align: int


class ElfError(Exception):
    """The file is not an x86-64 executable forkdbg can run."""


class Source:
    """Where a plan's segment bytes are read from, when they are needed: the program
    file itself (a descriptor of its own, so the bytes are never all read for nothing
    and a read-only segment can be mapped from the file: kernel/exec.py), or bytes."""

    def __init__(self, stream: BinaryIO) -> None:
        self.fd: int | None = None
        self.data = b""
        try:
            self.fd = os.dup(stream.fileno())
            weakref.finalize(self, os.close, self.fd)
        except (AttributeError, OSError, io.UnsupportedOperation):
            stream.seek(0)
            self.data = stream.read()

    def read(self, off: int, n: int) -> bytes:
        if self.fd is None:
            return self.data[off:off + n]
        try:
            return os.pread(self.fd, n, off)
        except OSError as e:
            raise ElfError(f"unreadable ELF: {e}") from None


@dataclass(frozen=True)
class Segment:
    """One PT_LOAD: [vaddr, vaddr+memsz) with `data` (filesz bytes from the file at
    `offset`) at its start, the rest zero; `lead` is the file's bytes before it on its
    first page (mapped with it, as Linux maps whole pages)."""

    vaddr: int
    memsz: int
    filesz: int
    offset: int
    flags: int  # PF_R | PF_W | PF_X
    source: Source = field(compare=False, repr=False)

    @property
    def data(self) -> bytes:
        return self.source.read(self.offset, self.filesz)

    @property
    def lead(self) -> bytes:
        head = self.offset % PAGE
        return self.source.read(self.offset - head, head)

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
    interp: bytes | None = None  # PT_INTERP: the dynamic loader that starts the program

    @property
    def span(self) -> tuple[int, int]:
        """Lowest page and end of the highest page of all segments (unbiased)."""
        lo = min(s.vaddr for s in self.segments) & ~(PAGE - 1)
        hi = max(s.vaddr + s.memsz for s in self.segments)
        return lo, (hi + PAGE - 1) & ~(PAGE - 1)


@dataclass(frozen=True)
class Ehdr:
    """The fields of the ELF header exec needs."""

    e_type: int
    e_machine: int
    e_entry: int
    e_phoff: int
    e_phentsize: int
    e_phnum: int


EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
ET_NAMES = {0: "ET_NONE", 1: "ET_REL", 2: "ET_EXEC", 3: "ET_DYN", 4: "ET_CORE"}
EM_NAMES = {3: "EM_386", 8: "EM_MIPS", 20: "EM_PPC", 21: "EM_PPC64", 22: "EM_S390",
            40: "EM_ARM", 62: "EM_X86_64", 183: "EM_AARCH64", 243: "EM_RISCV",
            258: "EM_LOONGARCH"}
ET_EXEC, ET_DYN = 2, 3
EM_X86_64 = 62
PT_LOAD, PT_INTERP, PT_PHDR, PT_TLS, PT_GNU_STACK = 1, 3, 6, 7, 0x6474E551


def _header(stream: BinaryIO) -> Ehdr:
    """The ELF header, after the checks that give the clearest reasons (read with struct:
    exec needs no more than the header and the program headers)."""
    stream.seek(0)
    head = stream.read(EHDR.size)
    if len(head) < 4 or head[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    if len(head) < EHDR.size:
        raise ElfError("truncated ELF header")
    if head[4] != 2:
        raise ElfError("32-bit ELF; forkdbg runs x86-64 (ELFCLASS64) programs only")
    if head[5] != 1:
        raise ElfError("big-endian ELF; forkdbg runs x86-64 programs only")
    (_ident, e_type, e_machine, _version, e_entry, e_phoff, _shoff, _flags, _ehsize,
     e_phentsize, e_phnum, _shentsize, _shnum, _shstrndx) = EHDR.unpack(head)
    return Ehdr(e_type, e_machine, e_entry, e_phoff, e_phentsize, e_phnum)


def _read(stream: BinaryIO, off: int, n: int) -> bytes:
    try:
        stream.seek(off)
        return stream.read(n)
    except (OSError, ValueError, OverflowError) as e:
        raise ElfError(f"unreadable ELF: {e}") from None


def parse_elf(data: bytes | BinaryIO, path: str, interpreter: bool = False) -> LoadPlan:
    """Parse the file at `path` (its bytes, or a seekable stream of them) into a
    LoadPlan; an `interpreter` may be of any ELF type (Linux does not check it)."""
    stream: BinaryIO = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    try:
        size = stream.seek(0, io.SEEK_END)
    except (OSError, ValueError) as e:
        raise ElfError(f"unreadable: {e}") from None
    hdr = _header(stream)
    if hdr.e_machine != EM_X86_64:
        machine = EM_NAMES.get(hdr.e_machine, f"machine {hdr.e_machine}")
        raise ElfError(f"ELF for {machine}, not x86-64")
    if hdr.e_type not in (ET_EXEC, ET_DYN) and not interpreter:
        kind = {1: "a relocatable object (ET_REL)", 4: "a core file"}
        raise ElfError("not an executable: "
                       + kind.get(hdr.e_type, ET_NAMES.get(hdr.e_type, f"type {hdr.e_type}")))
    if hdr.e_phentsize != PHDR.size or hdr.e_phnum == 0:
        raise ElfError("corrupt ELF: no usable program headers")
    if hdr.e_phoff + hdr.e_phnum * PHDR.size > size:
        raise ElfError("truncated ELF: program headers past the end of the file")
    segments: list[Segment] = []
    source = Source(stream)
    phdr_vaddr = None
    interp: bytes | None = None
    tls = None
    exec_stack = False
    raw = _read(stream, hdr.e_phoff, hdr.e_phnum * PHDR.size)
    phdrs = [Phdr(*f) for f in PHDR.iter_unpack(raw[:len(raw) // PHDR.size * PHDR.size])]
    for ph in phdrs:
        p_type = ph.p_type
        if p_type == PT_INTERP and interp is None:
            # Linux: 2..PATH_MAX bytes ending in NUL, else ENOEXEC
            if not 2 <= ph.p_filesz <= 4096:
                raise ElfError(f"malformed PT_INTERP (size {ph.p_filesz})")
            raw = _read(stream, ph.p_offset, ph.p_filesz)
            if raw[-1:] != b"\0":
                raise ElfError("malformed PT_INTERP (not NUL-terminated)")
            interp = raw[:raw.index(b"\0")]
        elif p_type == PT_PHDR:
            phdr_vaddr = ph.p_vaddr
        elif p_type == PT_TLS:
            tls = (ph.p_vaddr, ph.p_filesz, ph.p_memsz)
        elif p_type == PT_GNU_STACK:
            exec_stack = bool(ph.p_flags & PF_X)
        elif p_type == PT_LOAD:
            if ph.p_filesz > ph.p_memsz:
                raise ElfError("corrupt ELF: a segment's file size exceeds its memory size")
            if ph.p_offset + ph.p_filesz > size:
                raise ElfError("truncated ELF: a segment extends past the end of the file")
            if ph.p_memsz == 0:
                continue
            if (ph.p_vaddr - ph.p_offset) % PAGE:
                raise ElfError("corrupt ELF: segment address and offset are not congruent")
            if ph.p_memsz > 1 << 40 or ph.p_vaddr + ph.p_memsz > 1 << 64:
                raise ElfError("corrupt ELF: a segment larger than the address space")
            segments.append(Segment(ph.p_vaddr, ph.p_memsz, ph.p_filesz, ph.p_offset,
                                    ph.p_flags, source))
    if not segments:
        raise ElfError("corrupt ELF: no loadable segments")
    segments.sort(key=lambda s: s.vaddr)
    for a, b in zip(segments, segments[1:]):
        if a.vaddr + a.memsz > b.vaddr:
            raise ElfError("corrupt ELF: overlapping segments")
    if phdr_vaddr is None:
        # Linux derives it from the segment that maps e_phoff
        for s in segments:
            if s.offset <= hdr.e_phoff < s.offset + s.filesz:
                phdr_vaddr = s.vaddr + (hdr.e_phoff - s.offset)
                break
        else:
            phdr_vaddr = 0
    entry = hdr.e_entry
    if not any(s.vaddr <= entry < s.vaddr + s.memsz and s.flags & PF_X for s in segments):
        raise ElfError(f"corrupt ELF: entry point {entry:#x} is not in executable memory")
    lo = segments[0].vaddr & ~(PAGE - 1)
    hi = max(s.vaddr + s.memsz for s in segments)
    if hdr.e_type != ET_DYN and (lo < 0x1000 or hi > 0x7FFFFFFFF000):
        raise ElfError("corrupt ELF: segments outside the user address space")
    return LoadPlan(path=path, pie=(hdr.e_type == ET_DYN), entry=entry, segments=segments,
                    phdr_vaddr=phdr_vaddr, phnum=hdr.e_phnum, phentsize=hdr.e_phentsize,
                    exec_stack=exec_stack, tls=tls, interp=interp)


def is_elf(head: bytes) -> bool:
    """True when `head` starts with the ELF magic."""
    return head[:4] == b"\x7fELF"


def read_plan(path: str, data: bytes | None = None) -> LoadPlan:
    """Parse the file at host `path` (or the given bytes) into a LoadPlan."""
    if data is not None:
        return parse_elf(data, path)
    with io.open(path, "rb") as f:
        return parse_elf(f, path)
