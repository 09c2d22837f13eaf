"""Host memory that guest pages live in: anonymous mappings made with libc's mmap.

Guest areas are mapped into unicorn with ``mem_map_ptr`` over these buffers, so
forkdbg reads and writes guest memory with one ``memmove``, and two address spaces
can map the same buffer (shared memory, or read-only text shared after fork).
"""

from __future__ import annotations

import ctypes
import os

PAGE = 4096
_PROT_RW = 0x1 | 0x2
_MAP_PRIVATE = 0x02
_MAP_PRIVATE_ANON_NORESERVE = 0x02 | 0x20 | 0x4000
_MADV_DONTNEED = 4

_libc = ctypes.CDLL(None, use_errno=True)
_mmap = _libc.mmap
_mmap.restype = ctypes.c_void_p
_mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                  ctypes.c_long]
_munmap = _libc.munmap
_munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_madvise = _libc.madvise
_madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_mincore = _libc.mincore
_mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
memmove = ctypes.memmove
_RESIDENT = bytes(i & 1 for i in range(256))  # mincore's low bit: the page is resident
string_at = ctypes.string_at


class Backing:
    """A page-aligned host buffer, reference-counted by the areas that map it: anonymous
    memory, or (`of_file`) a private copy-on-write mapping of a file's pages."""

    __slots__ = ("addr", "size", "refs", "file_backed", "__weakref__")

    def __init__(self, size: int, fd: int = -1, offset: int = 0) -> None:
        size = (size + PAGE - 1) & ~(PAGE - 1)
        flags = _MAP_PRIVATE_ANON_NORESERVE if fd < 0 else _MAP_PRIVATE
        addr = _mmap(None, size, _PROT_RW, flags, fd, offset)
        if addr in (None, ctypes.c_void_p(-1).value):
            err = ctypes.get_errno()
            raise MemoryError(f"host mmap of {size} bytes failed: {os.strerror(err)}")
        self.addr: int = addr
        self.size = size
        self.refs = 0
        self.file_backed = fd >= 0

    @classmethod
    def of_file(cls, fd: int, offset: int, size: int) -> "Backing":
        """`size` bytes of the file from `offset` (page-aligned), read by the host only
        where touched; stores stay private to this buffer.  Every page must lie at least
        partly inside the file (a page wholly past its end would fault)."""
        return cls(size, fd, offset)

    def get(self) -> "Backing":
        """Take a reference."""
        self.refs += 1
        return self

    def put(self) -> None:
        """Drop a reference; the host memory goes with the last one."""
        self.refs -= 1
        if self.refs <= 0 and self.addr:
            _munmap(self.addr, self.size)
            self.addr = 0

    def discard(self, offset: int, length: int) -> None:
        """Give pages back to the host; they read as zero afterwards."""
        _madvise(self.addr + offset, length, _MADV_DONTNEED)

    def resident_runs(self, offset: int, length: int) -> list[tuple[int, int]]:
        """(offset, length) runs of pages the host holds (never-touched pages read as zero;
        a file's untouched pages read as the file, so all of it counts)."""
        if self.file_backed:
            return [(offset, length)]
        npages = length // PAGE
        vec = ctypes.create_string_buffer(npages)
        if _mincore(self.addr + offset, length, vec) != 0:
            return [(offset, length)]
        raw = vec.raw.translate(_RESIDENT)
        runs: list[tuple[int, int]] = []
        i = raw.find(1)
        while i >= 0:
            j = raw.find(0, i)
            if j < 0:
                j = npages
            runs.append((offset + i * PAGE, (j - i) * PAGE))
            i = raw.find(1, j)
        return runs

    def copy(self) -> "Backing":
        """A private copy holding the same bytes (only resident pages are copied)."""
        new = Backing(self.size)
        for off, n in self.resident_runs(0, self.size):
            memmove(new.addr + off, self.addr + off, n)
        return new
