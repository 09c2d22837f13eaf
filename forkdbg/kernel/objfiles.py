"""The ELF objects mapped into a process (gdb's objfiles), read from the kernel's own record
of its file mappings: the program, its interpreter and every shared library the loader
mapped, each with its load bias, symbols and unwind tables.

An object is a run of mappings of one file whose first maps the file's offset 0 and
holds an ELF header; its bias comes from its program headers as they sit in guest
memory.  No loader data structure (r_debug, link_map) is read, so a process whose
loader is broken or absent is described all the same.
"""

from __future__ import annotations

import bisect
import os
import stat as st_mod
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ..abi.fileflags import O_NONBLOCK, O_RDONLY
from ..arch.unwind import Frame
from ..arch.x86_64 import AT_BASE
from ..fs.hostfile import HostFile
from ..mm.hostmem import PAGE
from ..mm.vma import PROT_EXEC
from .errors import KernelError

if TYPE_CHECKING:
    from ..elf.symbols import Symbol
    from ..mm.address_space import AddressSpace
    from .images import Image
    from .kernel import Kernel

_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_PHDR = struct.Struct("<IIQQQQQQ")
PT_LOAD = 1


@dataclass
class Objfile:
    """One ELF file mapped in a process: [start, end) holds its mappings."""

    path: str
    start: int
    end: int
    bias: int
    image: "Image"
    text: tuple[int, int]  # its executable mapping (gdb's "From"/"To"), or (0, 0)


class ObjectMap:
    """The objects of one address space, in address order."""

    def __init__(self, objs: list[Objfile], interp_base: int = 0) -> None:
        self.objs = objs
        self.interp_base = interp_base
        self._starts = [o.start for o in objs]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.objs)

    def __len__(self) -> int:
        return len(self.objs)

    def at(self, addr: int) -> Objfile | None:
        """The object whose mappings hold `addr`."""
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0 and addr < self.objs[i].end:
            return self.objs[i]
        return None

    def containing(self, addr: int) -> tuple["Symbol", int, Objfile] | None:
        """(symbol, offset, object) of the function holding `addr`."""
        o = self.at(addr)
        if o is None:
            return None
        hit = o.image.symbols.containing(addr)
        return (hit[0], hit[1], o) if hit is not None else None

    def nearest(self, addr: int) -> tuple["Symbol", int, Objfile] | None:
        """(symbol, offset, object) as strace -k names a pc (SymbolTable.nearest)."""
        o = self.at(addr)
        if o is None:
            return None
        hit = o.image.symbols.nearest(addr)
        return (hit[0], hit[1], o) if hit is not None else None

    def describe(self, addr: int) -> str:
        """``puts+23`` / ``fork`` / ``""``."""
        hit = self.containing(addr)
        if hit is None:
            return ""
        return f"{hit[0].name}+{hit[1]}" if hit[1] else hit[0].name

    def lookup(self, name: str) -> int | None:
        """The address of `name` in the first object that defines it, in the dynamic
        linker's search order: the program, the libraries as loaded, the loader last."""
        for o in self.search_order():
            s = o.image.symbols.lookup(name)
            if s is not None and s.addr and \
                    s.kind in ("func", "text", "object", "notype"):
                return s.addr
        return None

    def search_order(self) -> list[Objfile]:
        """The program (below the mmap area), then the others top-down (mmap's order of
        placing them), the interpreter (AT_BASE) last."""
        low = [o for o in self.objs if o.start < 0x7F0000000000]
        high = sorted((o for o in self.objs if o.start >= 0x7F0000000000),
                      key=lambda o: (o.start == self.interp_base, -o.start))
        return low + high

    def frames(self, pc: int, sp: int, bp: int, read_u64: Callable[[int], int | None],
               limit: int = 64) -> list[Frame]:
        """The call chain from (pc, sp, bp), innermost first, each step unwound with the
        tables of the object holding its pc (frame pointers where none has CFI)."""
        out = [Frame(pc, sp)]
        while len(out) < limit:
            first = len(out) == 1
            o = self.at(pc if first else pc - 1)
            if o is None:
                break
            nxt = o.image.unwinder.step(pc, sp, bp, read_u64, first=first)
            if nxt is None:
                break
            pc, sp, bp = nxt
            out.append(Frame(pc, sp))
        return out


def object_map(kernel: "Kernel", mm: "AddressSpace") -> ObjectMap:
    """The objects mapped in `mm` now (cheap to rebuild: a walk of its areas; each file
    is parsed once per kernel)."""
    objs: list[Objfile] = []
    vmas = mm.vmas
    i = 0
    while i < len(vmas):
        v = vmas[i]
        if v.file_off != 0 or not v.name.startswith("/") or v.shared or v.inode <= 0:
            i += 1
            continue
        j = i + 1
        text = (v.start, v.end) if v.prot & PROT_EXEC else (0, 0)
        while j < len(vmas) and _same_file(vmas[j], v) and vmas[j].file_off != 0:
            if vmas[j].prot & PROT_EXEC and not text[1]:
                text = (vmas[j].start, vmas[j].end)
            j += 1
        # the loader's zero-filled tail (bss) after the last file page belongs to it too
        end = vmas[j - 1].end
        obj = _objfile(kernel, mm, v.name, v.start, end, v.dev, v.inode, text)
        if obj is not None:
            objs.append(obj)
        i = j
    return ObjectMap(objs, dict(mm.auxv).get(AT_BASE, 0))


def _same_file(a: object, b: object) -> bool:
    return (getattr(a, "name") == getattr(b, "name") and getattr(a, "inode") == getattr(b, "inode")
            and getattr(a, "dev") == getattr(b, "dev"))


def _objfile(kernel: "Kernel", mm: "AddressSpace", path: str, start: int, end: int, dev: int,
             ino: int, text: tuple[int, int]) -> Objfile | None:
    head = mm.readable_prefix(start, _EHDR.size)
    if len(head) < _EHDR.size or head[:4] != b"\x7fELF" or head[4] != 2:
        return None
    (_ident, e_type, _m, _v, _entry, e_phoff, _sh, _f, _eh, e_phentsize, e_phnum,
     *_rest) = _EHDR.unpack(head)
    bias = 0
    if e_type == 3:  # ET_DYN: where its lowest PT_LOAD went
        if e_phentsize != _PHDR.size or not 0 < e_phnum <= 64:
            return None
        raw = mm.readable_prefix(start + e_phoff, e_phnum * _PHDR.size)
        loads = [ph[3] for ph in _PHDR.iter_unpack(raw[:len(raw) // _PHDR.size * _PHDR.size])
                 if ph[0] == PT_LOAD]
        if not loads:
            return None
        bias = start - (min(loads) & ~(PAGE - 1))
    image = kernel.images.mapped(kernel, path, dev, ino, bias)
    if image is None:
        return None
    return Objfile(path, start, end, bias, image, text)


def open_mapped(kernel: "Kernel", path: str, dev: int, ino: int) -> HostFile | None:
    """The mapped file at guest `path`, if it is still the one mapped (device and inode
    match): opened for reading its symbols, inside --root."""
    try:
        node = kernel.vfs.resolve(None, path)
        if node.dir is None or node.hst is None or not st_mod.S_ISREG(node.hst.st_mode):
            return None
        fd = node.dir.open(node.name, O_RDONLY | O_NONBLOCK)
    except (KernelError, OSError):
        return None
    st = os.fstat(fd)
    if (st.st_dev, st.st_ino) != (dev, ino) and dev:
        os.close(fd)
        return None
    return HostFile(fd, O_RDONLY, path)
