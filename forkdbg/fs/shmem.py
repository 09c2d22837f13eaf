"""Shared memory objects (Linux's mm/shmem.c): the pages behind memfd_create's files and
SysV shared memory segments.

An object's bytes live in one host buffer, reserved at its largest size and committed
only where touched (MAP_NORESERVE).  read, write and every MAP_SHARED mapping of it, in
any process, use that same buffer, so they always see the same bytes.  memfd seals
(F_SEAL_*) refuse writes, growth and shrinking as Linux's do.
"""

from __future__ import annotations

import ctypes
import itertools
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import O_RDWR, SEEK_CUR, SEEK_END, SEEK_SET
from ..kernel.errors import KernelError
from ..mm.hostmem import Backing, memmove
from .file import File
from .stat import Stat

if TYPE_CHECKING:
    from ..kernel.task import Task

#: the most a shared memory object may hold (reserved, not committed)
SHMEM_MAX = 1 << 32
F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE, F_SEAL_FUTURE_WRITE = 1, 2, 4, 8, 16
ALL_SEALS = 0x1F
_inodes = itertools.count(300000)


class ShmemObject:
    """The pages of one object and its size."""

    def __init__(self) -> None:
        self.backing = Backing(SHMEM_MAX).get()
        self.size = 0
        self.ino = next(_inodes)
        self.seals = 0

    def read(self, off: int, n: int) -> bytes:
        n = max(0, min(n, self.size - off))
        return ctypes.string_at(self.backing.addr + off, n) if n else b""

    def write(self, off: int, data: bytes) -> int:
        if self.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE):
            raise KernelError(Errno.EPERM)
        end = off + len(data)
        if end > self.size:
            if self.seals & F_SEAL_GROW:
                raise KernelError(Errno.EPERM)
            if end > SHMEM_MAX:
                raise KernelError(Errno.EFBIG)
        memmove(self.backing.addr + off, data, len(data))
        self.size = max(self.size, end)
        return len(data)

    def truncate(self, n: int) -> None:
        if n < 0 or n > SHMEM_MAX:
            raise KernelError(Errno.EINVAL if n < 0 else Errno.EFBIG)
        if n > self.size and self.seals & F_SEAL_GROW:
            raise KernelError(Errno.EPERM)
        if n < self.size:
            if self.seals & F_SEAL_SHRINK:
                raise KernelError(Errno.EPERM)
            ctypes.memset(self.backing.addr + n, 0, self.size - n)  # re-growth reads zeros
        self.size = n

    def release(self) -> None:
        self.backing.put()


class ShmemFile(File):
    """An open memfd: a regular file whose pages are a ShmemObject."""

    kind = "shmem"
    chunked = True
    can_poll = False

    def __init__(self, obj: ShmemObject, path: str, flags: int = O_RDWR) -> None:
        super().__init__(flags, path)
        self.obj = obj
        self.pos = 0

    def read(self, task: "Task", n: int) -> bytes:
        data = self.obj.read(self.pos, n)
        self.pos += len(data)
        return data

    def pread(self, task: "Task", n: int, off: int) -> bytes:
        return self.obj.read(off, n)

    def write(self, task: "Task", data: bytes) -> int:
        n = self.obj.write(self.pos, data)
        self.pos += n
        return n

    def pwrite(self, task: "Task", data: bytes, off: int) -> int:
        return self.obj.write(off, data)

    def truncate(self, n: int) -> None:
        self.obj.truncate(n)

    def lseek(self, off: int, whence: int) -> int:
        base = {SEEK_SET: 0, SEEK_CUR: self.pos, SEEK_END: self.obj.size}.get(whence)
        if base is None or base + off < 0:
            raise KernelError(Errno.EINVAL)
        self.pos = base + off
        return self.pos

    def stat(self) -> Stat:
        size = self.obj.size
        return Stat(dev=1, ino=self.obj.ino, mode=0o100777, size=size, blksize=4096,
                    blocks=(size + 511) // 512)

    def release(self) -> None:
        self.obj.release()


def memfd_seals(f: File, add: bool, seals: int) -> int:
    """fcntl's F_GET_SEALS and F_ADD_SEALS (EINVAL for a file that is not a memfd)."""
    if not isinstance(f, ShmemFile):
        raise KernelError(Errno.EINVAL)
    obj = f.obj
    if not add:
        return obj.seals
    if seals & ~ALL_SEALS:
        raise KernelError(Errno.EINVAL)
    if not f.writable or obj.seals & F_SEAL_SEAL:
        raise KernelError(Errno.EPERM)
    obj.seals |= seals
    return 0
