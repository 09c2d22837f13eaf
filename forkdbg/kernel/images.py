"""Program images: what exec parsed and mapped, and what a front-end asks about
(symbols and unwind tables), each made once per kernel.

exec reuses a file's parsed LoadPlan while the file is unchanged (same path, device,
inode, size and modification time), and maps its read-only segments from one host buffer
shared by every process running it: their code is then the same host memory, so an
engine recycled from one of them (mm/fork.py) keeps its translated blocks valid.  A
read-only private mmap of a file (a shared library's text, mapped by the dynamic loader)
is shared the same way while the file is unchanged, up to FILE_PAGES_MAX bytes.
"""

from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING, Callable

from ..elf.sections import find_section
from ..mm.hostmem import Backing, memmove

if TYPE_CHECKING:
    from ..arch.unwind import Unwinder
    from ..dwarf.info import DebugInfo
    from ..elf.loader import LoadPlan
    from ..elf.symbols import SymbolTable
    from ..fs.file import File
    from .kernel import Kernel

#: a file as exec saw it: (guest path, st_dev, st_ino, st_size, st_mtime_ns)
FileKey = tuple[str, int, int, int, int]
#: pages of a file as mmap saw them: (st_dev, st_ino, st_size, st_mtime_ns, offset, length)
PagesKey = tuple[int, int, int, int, int, int]
#: how many bytes of read-only file pages are kept for the next process that maps them
FILE_PAGES_MAX = 256 << 20


def file_key(guest_path: str, st: os.stat_result) -> FileKey:
    """What identifies a program file's contents: its path, inode, size and mtime."""
    return (guest_path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def host_path(fd: object) -> str | None:
    """Where the host has the file open on descriptor `fd` (for what lies beside it,
    such as a separate debug file), None if unknown."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}") if isinstance(fd, int) else None
    except OSError:
        return None


class Image:
    """One executable file as loaded at one bias."""

    def __init__(self, file: "File", guest_path: str, bias: int, shared: bool = False
                 ) -> None:
        self.file = file.get()  # the program file exec opened (read through its descriptor)
        self.path = guest_path
        self.bias = bias
        # a shared object's debug information (libc6-dbg's: 2,000 units) is searched by
        # name through its symbols, a program's through every unit
        self.shared = shared
        self._data: bytes | None = None
        self._symbols: "SymbolTable | None" = None
        self._unwinder: "Unwinder | None" = None
        self._debug: "DebugInfo | None | bool" = False  # False: not looked for yet

    @property
    def data(self) -> bytes:
        if self._data is None:
            fd = getattr(self.file, "fd", None)
            try:
                size = os.fstat(fd).st_size if isinstance(fd, int) else 0
                self._data = os.pread(fd, size, 0) if size else b""  # type: ignore[arg-type]
            except OSError:
                self._data = b""
        return self._data

    @property
    def symbols(self) -> "SymbolTable":
        if self._symbols is None:
            from ..elf.symbols import SymbolTable
            self._symbols = SymbolTable.from_elf_bytes(self.data, self.bias)
        return self._symbols

    def file_bytes_at(self, vaddr: int, n: int) -> bytes:
        """`n` bytes of the file at unbiased address `vaddr` (through its PT_LOADs)."""
        d = self.data
        if len(d) < 64:
            return b""
        phoff, = struct.unpack_from("<Q", d, 0x20)
        phnum, = struct.unpack_from("<H", d, 0x38)
        for i in range(phnum):
            if phoff + (i + 1) * 56 > len(d):
                break
            p_type, _fl, off, va, _pa, filesz = struct.unpack_from("<IIQQQQ", d, phoff + i * 56)
            if p_type == 1 and va <= vaddr < va + filesz:
                return d[off + vaddr - va:off + min(vaddr - va + n, filesz)]
        return b""

    def section_range(self, name: str) -> tuple[int, int] | None:
        """[sh_addr, sh_addr + sh_size) of the section called `name` (before the bias)."""
        sec = find_section(self.data, name)
        return (sec.addr, sec.addr + sec.size) if sec is not None else None

    @property
    def unwinder(self) -> "Unwinder":
        if self._unwinder is None:
            from ..arch.unwind import Unwinder
            self._unwinder = Unwinder(self.data, self.bias)
        return self._unwinder


    @property
    def debug(self) -> "DebugInfo | None":
        """The file's DWARF (shared with every image of the same file), None without."""
        if self._debug is False:
            from ..debuginfo import debug_info
            fd = getattr(self.file, "fd", None)
            try:
                st = os.fstat(fd)  # type: ignore[arg-type]
                key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            except (OSError, TypeError):
                key = (0, id(self), 0, 0)
            self._debug = debug_info(self.data, key, host_path(fd),
                                     exhaustive=not self.shared)
        return self._debug  # type: ignore[return-value]


class ImageCache:
    """Images by (guest path, bias); parsed plans by file; shared read-only segments."""

    def __init__(self) -> None:
        self._images: dict[tuple[int, int, int, int], Image] = {}
        self._plans: dict[FileKey, "LoadPlan"] = {}
        self._vdso: Backing | None = None
        self._segments: dict[tuple[int, int, int], Backing] = {}  # (id(plan), segment, bias)
        self._mapped: dict[tuple[int, int, int], Image | None] = {}  # (dev, ino, bias)
        self._pages: dict[PagesKey, Backing] = {}  # oldest first
        self._pages_bytes = 0

    def plan(self, key: FileKey) -> "LoadPlan | None":
        """The plan parsed from the file with this identity, if exec saw it before."""
        return self._plans.get(key)

    def add_plan(self, key: FileKey, plan: "LoadPlan") -> None:
        self._plans[key] = plan

    def segment(self, plan: "LoadPlan", index: int, bias: int,
                build: Callable[[], Backing]) -> Backing:
        """The host buffer of a read-only segment of `plan` loaded at `bias` (built once;
        the cache keeps one reference, so writers always make a private copy first)."""
        key = (id(plan), index, bias)
        b = self._segments.get(key)
        if b is None:
            b = self._segments[key] = build().get()
        return b

    def file_pages(self, key: PagesKey, build: Callable[[], Backing]) -> Backing:
        """The host buffer of a read-only private mapping of these pages of an unchanged
        file (built once; the cache holds a reference, so mprotect(PROT_WRITE) copies)."""
        b = self._pages.pop(key, None)
        if b is None:
            b = build().get()
            self._pages_bytes += b.size
            while self._pages_bytes > FILE_PAGES_MAX and self._pages:
                old = self._pages.pop(next(iter(self._pages)))
                self._pages_bytes -= old.size
                old.put()
        self._pages[key] = b  # the most recently used last
        return b

    def vdso(self, build: Callable[[], bytes]) -> Backing:
        """The vDSO's host buffer: built once, mapped by every process (read-only, so a
        writer gets a private copy first, as with the image's segments)."""
        if self._vdso is None:
            image = build()
            b = Backing(len(image))
            memmove(b.addr, image, len(image))
            self._vdso = b.get()
        return self._vdso

    def mapped(self, kernel: "Kernel", path: str, dev: int, ino: int, bias: int
               ) -> Image | None:
        """The image of a file a process maps (a shared library, the interpreter), read
        from the file at `path` if it is still the mapped one; None when it is not."""
        key = (dev, ino, bias)
        if key not in self._mapped:
            from .objfiles import open_mapped
            f = open_mapped(kernel, path, dev, ino)
            self._mapped[key] = Image(f, path, bias, shared=True) if f is not None else None
        return self._mapped[key]

    def get(self, file: "File", guest_path: str, bias: int) -> Image:
        """The image of the program file `file` (exec's open descriptor) at `bias`."""
        st = file.stat()
        key = (st.dev, st.ino, st.mtime_ns, bias)
        img = self._images.get(key)
        if img is None:
            img = self._images[key] = Image(file, guest_path, bias)
        return img
