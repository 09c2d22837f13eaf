"""Helpers shared by syscall handlers: signed views of registers, guest strings, paths."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import AT_EMPTY_PATH, AT_FDCWD
from ..fs.vfs import PATH_MAX, Node
from ..kernel.errors import KernelError
from ..mm.address_space import Fault

if TYPE_CHECKING:
    from ..kernel.task import Task


def s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def s64(v: int) -> int:
    v &= 0xFFFFFFFFFFFFFFFF
    return v - (1 << 64) if v >> 63 else v


def read_path(task: "Task", addr: int) -> str:
    """A path argument (EFAULT, ENAMETOOLONG as Linux's getname)."""
    if addr == 0:
        raise KernelError(Errno.EFAULT)
    try:
        raw = task.mm.read_cstr(addr, PATH_MAX + 1)
    except Fault:
        raise KernelError(Errno.EFAULT) from None
    if len(raw) > PATH_MAX - 1:
        raise KernelError(Errno.ENAMETOOLONG)
    return os.fsdecode(raw)


def read_str_array(task: "Task", addr: int, limit: int = 0x7FFFFFFF) -> list[bytes]:
    """A NULL-terminated array of string pointers (argv, envp); NULL is an empty array."""
    out: list[bytes] = []
    if addr == 0:
        return out
    while True:
        try:
            p = task.mm.read_u64(addr + 8 * len(out))
            if p == 0:
                return out
            out.append(task.mm.read_cstr(p, 131072 + 1))
        except Fault:
            raise KernelError(Errno.EFAULT) from None
        if len(out) > limit:
            raise KernelError(Errno.E2BIG)


def base_dir(task: "Task", dirfd: int) -> str:
    """The guest directory a *at() path is relative to."""
    dirfd = s32(dirfd)
    if dirfd == AT_FDCWD:
        return task.fs.cwd
    f = task.files.get(dirfd)
    if not f.is_dir:
        raise KernelError(Errno.ENOTDIR)
    return f.path


def resolve_at(task: "Task", dirfd: int, path: str, follow: bool = True,
               flags: int = 0) -> Node:
    """Resolve `path` relative to `dirfd`; AT_EMPTY_PATH names the fd itself."""
    if path == "" and flags & AT_EMPTY_PATH:
        raise LookupError("empty")
    if path.startswith("/"):
        return task.kernel.vfs.resolve("/", path, follow, task)
    return task.kernel.vfs.resolve(base_dir(task, dirfd), path, follow, task)


def write_out(task: "Task", addr: int, data: bytes) -> None:
    """Copy to user memory (EFAULT on a bad pointer)."""
    try:
        task.mm.write(addr, data)
    except Fault:
        raise KernelError(Errno.EFAULT) from None


def read_in(task: "Task", addr: int, n: int) -> bytes:
    """Copy from user memory (EFAULT on a bad pointer)."""
    try:
        return task.mm.read(addr, n)
    except Fault:
        raise KernelError(Errno.EFAULT) from None
