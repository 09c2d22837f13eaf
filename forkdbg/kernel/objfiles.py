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
from ..arch.unwind import Frame, first_saved
from ..arch.x86_64 import AT_BASE, AT_ENTRY, DWARF_REGS, RBP, REG_IDS, RIP, RSP
from ..fs.hostfile import HostFile
from ..mm.hostmem import PAGE
from ..mm.vma import PROT_EXEC
from .errors import KernelError

if TYPE_CHECKING:
    from ..arch.unwind import Unwinder
    from ..elf.symbols import Symbol
    from ..mm.address_space import AddressSpace
    from ..mm.vma import Vma
    from .images import Image
    from .kernel import Kernel
    from .task import Task

_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_PHDR = struct.Struct("<IIQQQQQQ")
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
DT_DEBUG = 21


@dataclass(eq=False)
class Objfile:
    """One ELF file mapped in a process: [start, end) holds its mappings."""

    path: str
    start: int
    end: int
    bias: int
    image: "Image"
    text: tuple[int, int]  # its executable mapping, or (0, 0)
    name: str = ""  # what the loader calls it (link_map's l_name), else its path

    def __post_init__(self) -> None:
        self.name = self.name or self.path


class ObjectMap:
    """The objects of one address space, in address order."""

    def __init__(self, objs: list[Objfile], interp_base: int = 0, entry: int = 0) -> None:
        self.objs = objs
        self.interp_base = interp_base
        self.entry = entry
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

    def containing(self, addr: int) -> tuple["Symbol", int] | None:
        """(symbol, offset) of the function holding `addr`, in the object holding it."""
        o = self.at(addr)
        return o.image.symbols.containing(addr) if o is not None else None

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

    def names_at(self, addr: int) -> list[str]:
        o = self.at(addr)
        return o.image.symbols.names_at(addr) if o is not None else []

    def at_symbol(self, addr: int) -> "Symbol | None":
        o = self.at(addr)
        return o.image.symbols.at(addr) if o is not None else None

    def names(self) -> list[str]:
        return [n for o in self.objs for n in o.image.symbols.names()]

    def every(self, kinds: tuple[str, ...] = ("func",)) -> list["Symbol"]:
        return [sym for o in self.search_order() for sym in o.image.symbols.every(kinds)]

    def match(self, pattern: str, kinds: tuple[str, ...] = ("func",)) -> list["Symbol"]:
        return [s for o in self.search_order() for s in o.image.symbols.match(pattern, kinds)]

    def library_of(self, addr: int) -> str | None:
        """The shared object holding `addr` as the loader names it (gdb's `from LIB`);
        None in the program itself."""
        o = self.at(addr)
        if o is None or o is self.program:
            return None
        return o.name

    @property
    def program(self) -> Objfile | None:
        """The program: the object that holds AT_ENTRY."""
        return self.at(self.entry) if self.entry else (self.objs[0] if self.objs else None)

    def address(self, name: str) -> int | None:
        s = self.lookup(name)
        return s.addr if s is not None else None

    def lookup(self, name: str) -> "Symbol | None":
        """The definition of `name` in the first object that has one, in the dynamic
        linker's search order (the program, the libraries as loaded, the loader last);
        else its PLT entry, `name@plt`, as gdb falls back to a trampoline."""
        for o in self.search_order():
            s = o.image.symbols.lookup(name)
            if s is not None and s.addr and s.kind != "plt" and s.name == name:
                return s
        for o in self.search_order():
            s = o.image.symbols.lookup(name + "@plt")
            if s is not None:
                return s
        return None

    def search_order(self) -> list[Objfile]:
        """The program (below the mmap area), then the others top-down (mmap's order of
        placing them), the interpreter (AT_BASE) last."""
        low = [o for o in self.objs if o.start < 0x7F0000000000]
        high = sorted((o for o in self.objs if o.start >= 0x7F0000000000),
                      key=lambda o: (o.start == self.interp_base, -o.start))
        return low + high

    def frames(self, pc: int, sp: int, bp: int, read_u64: Callable[[int], int | None],
               limit: int = 64, reg: Callable[[int], int | None] | None = None,
               registers: bool = False) -> list[Frame]:
        """The call chain from (pc, sp, bp), innermost first, each step unwound with the
        tables of the object holding its pc (frame pointers where none has CFI)."""
        saved = first_saved(reg) if registers else None
        out = [Frame(pc, sp, bp, tuple(saved.items()) if saved else ())]
        while len(out) < limit:
            first = len(out) == 1
            o = self.at(pc if first else pc - 1)
            if o is None:
                break
            nxt = None
            if first and not o.image.unwinder.covers(pc):
                nxt = _prologue_step(o, pc, sp, bp, read_u64)
            if nxt is None:
                nxt = o.image.unwinder.step(pc, sp, bp, read_u64, first=first, reg=reg,
                                            saved=saved)
            if nxt is None:
                break
            pc, sp, bp = nxt
            out.append(Frame(pc, sp, bp, tuple(saved.items()) if saved else ()))
        return out


def _prologue_step(o: Objfile, pc: int, sp: int, bp: int,
                   read_u64: Callable[[int], int | None]) -> tuple[int, int, int] | None:
    """The caller of a frame whose code has no CFI and whose frame is not set up yet (gdb's
    amd64 prologue analysis): at a function's first instruction the return address is at
    rsp; just after `push %rbp`, at rsp + 8.  None elsewhere (the rbp chain holds)."""
    hit = o.image.symbols.containing(pc)
    if hit is None:
        return None
    off = hit[1]
    start = pc - off - o.bias  # the function's unbiased address in the file
    head = 4 if o.image.file_bytes_at(start, 4) == b"\xf3\x0f\x1e\xfa" else 0  # endbr64
    if off <= head:
        ra = read_u64(sp)
        return (ra, sp + 8, bp) if ra else None
    if off == head + 1 and o.image.file_bytes_at(start + head, 1) == b"\x55":  # push %rbp
        ra, saved = read_u64(sp + 8), read_u64(sp)
        return (ra, sp + 16, saved if saved is not None else bp) if ra else None
    return None


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
    aux = dict(mm.auxv)
    omap = ObjectMap(objs, aux.get(AT_BASE, 0), aux.get(AT_ENTRY, 0))
    names = link_map_names(mm, omap)
    interp = omap.at(omap.interp_base) if omap.interp_base else None
    if interp is not None and interp not in names and omap.program is not None:
        names[interp] = _interp_name(mm, omap.program)  # before the loader's link map
    for o, name in names.items():
        o.name = name or o.path
    return omap


def link_map_names(mm: "AddressSpace", omap: ObjectMap) -> dict[Objfile, str]:
    """The names the dynamic loader gave the objects (l_name in its link_map list, found
    through the program's DT_DEBUG entry): the path it opened, `/lib64/ld-linux...` for
    the interpreter.  Empty before the loader has filled r_debug, or without one."""
    prog = omap.program
    if prog is None:
        return {}
    dyn = _dynamic_of(mm, prog)
    r_debug = 0
    for i in range(0, 4096, 16):
        raw = mm.readable_prefix(dyn + i, 16) if dyn else b""
        if len(raw) < 16:
            break
        tag, val = struct.unpack("<qQ", raw)
        if tag == 0:
            break
        if tag == DT_DEBUG:
            r_debug = val
    if not r_debug:  # before the loader fills DT_DEBUG: its own _r_debug (glibc's ld.so)
        interp = omap.at(omap.interp_base) if omap.interp_base else None
        sym = interp.image.symbols.lookup("_r_debug") if interp is not None else None
        r_debug = sym.addr if sym is not None else 0
    if not r_debug:
        return {}
    out: dict[Objfile, str] = {}
    lm = _u64(mm, r_debug + 8)  # r_map
    for _ in range(512):
        if not lm:
            break
        l_addr, l_name = _u64(mm, lm), _u64(mm, lm + 8)
        name = mm.readable_prefix(l_name, 4096).split(b"\0")[0] if l_name else b""
        o = next((x for x in omap.objs if x.bias == l_addr and x is not prog), None)
        if o is not None and name:
            out[o] = os.fsdecode(name)
        lm = _u64(mm, lm + 24)  # l_next
    return out


def _phdr(mm: "AddressSpace", o: Objfile, p_type: int) -> tuple[int, int] | None:
    """(address, file size) of the object's first program header of `p_type`."""
    head = mm.readable_prefix(o.start, _EHDR.size)
    if len(head) < _EHDR.size:
        return None
    fields = _EHDR.unpack(head)
    phoff, phnum = fields[5], fields[10]
    raw = mm.readable_prefix(o.start + phoff, phnum * _PHDR.size)
    for ph in _PHDR.iter_unpack(raw[:len(raw) // _PHDR.size * _PHDR.size]):
        if ph[0] == p_type:
            return ph[3] + o.bias, ph[5]
    return None


def _dynamic_of(mm: "AddressSpace", o: Objfile) -> int:
    """The address of the program's dynamic section (its PT_DYNAMIC), or 0."""
    ph = _phdr(mm, o, PT_DYNAMIC)
    return ph[0] if ph is not None else 0


def _interp_name(mm: "AddressSpace", prog: Objfile) -> str:
    """The interpreter's path as the program's PT_INTERP names it ("" without one)."""
    ph = _phdr(mm, prog, PT_INTERP)
    if ph is None:
        return ""
    return os.fsdecode(mm.readable_prefix(ph[0], min(ph[1], 4096)).split(b"\0")[0])


def _u64(mm: "AddressSpace", addr: int) -> int:
    b = mm.readable_prefix(addr, 8)
    return int.from_bytes(b, "little") if len(b) == 8 else 0


def _same_file(a: "Vma", b: "Vma") -> bool:
    return (a.name, a.inode, a.dev) == (b.name, b.inode, b.dev)


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


def image_at(kernel: "Kernel", task: "Task", pc: int) -> "Image | None":
    """The image of the object that holds `pc` in `task`'s process, else its program's."""
    o = object_map(kernel, task.mm).at(pc) if _dynamic(task) else None
    if o is not None:
        return o.image
    return kernel.image_for(task.tg)


def unwinder_at(kernel: "Kernel", task: "Task", pc: int) -> "Unwinder | None":
    """The unwind tables for code at `pc` in `task`'s process: those of the object that
    holds it, else the program's."""
    img = image_at(kernel, task, pc)
    return img.unwinder if img is not None else None


def unwind(kernel: "Kernel", task: "Task", limit: int = 64,
           regs: "Callable[[int], int] | None" = None, registers: bool = False
           ) -> list[Frame]:
    """`task`'s call chain, innermost first: through every object a dynamically linked
    process maps, else with its program's tables; from `regs` (by unicorn id) instead of
    the task's registers when given (a debugger's saved registers).  With `registers`,
    each frame carries its general registers (what a source-level frame reads)."""
    get = regs or task.reg
    pc, sp, bp = get(RIP), get(RSP), get(RBP)
    mm = task.mm

    def read(a: int) -> int | None:
        b = mm.readable_prefix(a, 8)
        return int.from_bytes(b, "little") if len(b) == 8 else None
    def reg(n: int) -> int | None:
        return get(REG_IDS[DWARF_REGS[n]]) if n < len(DWARF_REGS) else None
    if _dynamic(task):
        objs = object_map(kernel, mm)
        if len(objs) > 1:
            return objs.frames(pc, sp, bp, read, limit, reg, registers)
    img = kernel.image_for(task.tg)
    if img is None:
        return [Frame(pc, sp)]
    return img.unwinder.frames(pc, sp, bp, read, limit, reg, registers)


def _dynamic(task: "Task") -> bool:
    """Whether an interpreter started the process's program (AT_BASE is set)."""
    return not task.mm.released and bool(dict(task.mm.auxv).get(AT_BASE))
