"""The page cache of host files that MAP_SHARED mappings hold (Linux's address_space).

While some process maps a host file MAP_SHARED, the file's pages live in one host buffer
(a FileCache), found by the file's (device, inode).  Every shared mapping of the file, in
any process and through any descriptor, maps that buffer, so a store is seen at once by
the others; read, pread and private mappings made meanwhile overlay the cached pages on
the host's bytes, and write, pwrite and truncate update the cached pages as they update
the host file.  The host file itself receives the mapping's stores at msync, when the
last mapping goes, and when the machine stops, only where the bytes differ (a mapping
nobody wrote leaves the file untouched, mtime included).

Only the pages some mapping asked for are cached (`populated`), read from the host when
first mapped; the rest of the file stays on the host alone.  The cache holds a duplicate
of a descriptor for the file, so the inode, and the key, stay the same while it lives.
"""

from __future__ import annotations

import ctypes
import os

from ..mm.hostmem import Backing, memmove

#: the largest file offset a shared mapping may reach (reserved, committed only where used)
CACHE_MAX = 1 << 34
_CHUNK = 1 << 20

Key = tuple[int, int]


def _clip(runs: list[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """The parts of the sorted disjoint [a, b) `runs` inside [lo, hi)."""
    return [(max(a, lo), min(b, hi)) for a, b in runs if a < hi and b > lo]


class FileCache:
    """The cached pages of one host file."""

    def __init__(self, key: Key, fd: int, writable: bool) -> None:
        self.key = key
        self.backing = Backing(CACHE_MAX).get()
        self.fd = os.dup(fd)
        self.writable = writable  # self.fd may write back
        self.populated: list[tuple[int, int]] = []  # sorted disjoint page-aligned runs

    def adopt_fd(self, fd: int) -> None:
        """Keep a writable descriptor for write-back (the first one was read-only)."""
        if not self.writable:
            os.close(self.fd)
            self.fd, self.writable = os.dup(fd), True

    def populate(self, off: int, length: int) -> None:
        """Read [off, off+length) (page-aligned) from the host where not yet cached."""
        hi = off + length
        gaps, pos = [], off
        for a, b in _clip(self.populated, off, hi):
            if a > pos:
                gaps.append((pos, a))
            pos = b
        if pos < hi:
            gaps.append((pos, hi))
        self._read_in(gaps)
        self.populated = _merge(self.populated + gaps)

    def _read_in(self, runs: list[tuple[int, int]]) -> None:
        for a, b in runs:
            ctypes.memset(self.backing.addr + a, 0, b - a)  # past the end of file: zeros
            view = (ctypes.c_char * (b - a)).from_address(self.backing.addr + a)
            try:
                os.preadv(self.fd, [memoryview(view).cast("B")], a)
            except OSError:
                pass  # unreadable pages read as zeros, as a hole does

    def reload(self) -> None:
        """Read every cached page again (the host file changed under it: fallocate)."""
        self._read_in(self.populated)

    def overlay(self, off: int, data: bytes) -> bytes:
        """`data`, read from the host at `off`, with the cached pages' bytes over it."""
        runs = _clip(self.populated, off, off + len(data))
        if not runs:
            return data
        out = bytearray(data)
        for a, b in runs:
            out[a - off:b - off] = ctypes.string_at(self.backing.addr + a, b - a)
        return bytes(out)

    def wrote(self, off: int, data: bytes) -> None:
        """The host file took `data` at `off`: cached pages there take it too."""
        for a, b in _clip(self.populated, off, off + len(data)):
            memmove(self.backing.addr + a, data[a - off:b - off], b - a)

    def truncated(self, size: int) -> None:
        """The file now ends at `size`: cached bytes past it read as zeros again."""
        for a, b in _clip(self.populated, size, CACHE_MAX):
            ctypes.memset(self.backing.addr + a, 0, b - a)

    def writeback(self, off: int = 0, length: int = CACHE_MAX) -> None:
        """Write the cached bytes of [off, off+length) that differ from the host file's."""
        if not self.writable:
            return
        try:
            size = os.fstat(self.fd).st_size
        except OSError:
            return
        for a, b in _clip(self.populated, off, min(off + length, size)):
            for c in range(a, b, _CHUNK):
                n = min(_CHUNK, b - c)
                mine = ctypes.string_at(self.backing.addr + c, n)
                try:
                    if os.pread(self.fd, n, c) != mine:
                        os.pwrite(self.fd, mine, c)
                except OSError:
                    return  # the host refuses (a full disk): the guest's msync still succeeds

    @property
    def mapped(self) -> bool:
        """Whether some area maps the pages (the cache's own reference is the first)."""
        return self.backing.refs > 1

    def drop(self) -> None:
        self.backing.put()
        try:
            os.close(self.fd)
        except OSError:
            pass


def _merge(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(runs):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class PageCache:
    """The machine's FileCaches by (device, inode)."""

    def __init__(self) -> None:
        self.files: dict[Key, FileCache] = {}

    def get(self, key: Key | None) -> FileCache | None:
        return self.files.get(key) if key is not None and self.files else None

    def for_mapping(self, key: Key, fd: int, writable: bool, off: int, length: int) -> FileCache:
        """The cache of the file open as host `fd`, with [off, off+length) read in."""
        cache = self.files.get(key)
        if cache is None:
            cache = self.files[key] = FileCache(key, fd, writable)
        elif writable:
            cache.adopt_fd(fd)
        cache.populate(off, length)
        return cache

    def truncated(self, key: Key | None, size: int) -> None:
        """The file of `key` was cut or grown to `size` on the host."""
        cache = self.get(key)
        if cache is not None:
            cache.truncated(size)

    def sweep(self, written: bool = False) -> None:
        """Write back (unless `written`) and forget the caches no area maps any longer."""
        for key, cache in list(self.files.items()):
            if not cache.mapped:
                if not written:
                    cache.writeback()
                cache.drop()
                del self.files[key]

    def sync_all(self) -> None:
        """Write every cache back (the machine stops) and forget the unmapped ones."""
        for cache in self.files.values():
            cache.writeback()
        self.sweep(written=True)

