"""Helpers shared by syscall handlers: signed views of registers, guest strings, paths."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import AT_FDCWD
from ..fs.socket import UnixSocket
from ..fs.vfs import PATH_MAX, Node, Place
from ..kernel.errors import KernelError
from ..mm.address_space import TASK_SIZE, Fault

if TYPE_CHECKING:
    from ..kernel.task import Task


def s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def s64(v: int) -> int:
    v &= 0xFFFFFFFFFFFFFFFF
    return v - (1 << 64) if v >> 63 else v


def access_ok(addr: int, size: int) -> None:
    """Linux's access_ok: EFAULT unless [addr, addr+size) lies below the user address
    limit (checked before anything is read or written, whatever is mapped there)."""
    if size > TASK_SIZE or addr > TASK_SIZE - size:
        raise KernelError(Errno.EFAULT)


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


def start_of(task: "Task", dirfd: int) -> Place:
    """The directory a *at() path is relative to: the working directory for AT_FDCWD,
    else the directory the descriptor holds (ENOTDIR for any other file)."""
    dirfd = s32(dirfd)
    if dirfd == AT_FDCWD:
        return task.fs.cwd
    f = task.files.get(dirfd)
    place = getattr(f, "place", None)
    if place is None:
        raise KernelError(Errno.ENOTDIR)
    return place


def resolve_at(task: "Task", dirfd: int, path: str, follow: bool = True) -> Node:
    """Resolve `path` relative to `dirfd` (the root for an absolute path)."""
    start = None if path.startswith("/") else start_of(task, dirfd)
    return task.kernel.vfs.resolve(start, path, follow, task)


def existing(node: Node) -> Node:
    """`node`, or ENOENT if the path named nothing."""
    if not node.exists:
        raise KernelError(Errno.ENOENT)
    return node


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


def socket_of(task: "Task", fd: int) -> UnixSocket:
    """The socket at `fd`: EBADF for no file, ENOTSOCK for another kind of file."""
    f = task.files.get(s32(fd))
    if not isinstance(f, UnixSocket):
        raise KernelError(Errno.ENOTSOCK)
    return f


def peer_cred(task: "Task") -> tuple[int, int, int]:
    """(pid, uid, gid) as SO_PEERCRED reports the caller to its peer."""
    return (task.tg.tgid, task.cred.euid, task.cred.egid)
