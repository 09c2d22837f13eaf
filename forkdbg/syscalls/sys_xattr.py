"""Extended attributes of the guest's files: the host file's own, through the view.

The file is named as every other host operation names it (fs/vfs.py): resolved inside
the root by forkdbg, then reached through a descriptor of its own (an O_PATH one that
does not follow a symlink, for the l* calls), so the host applies its own rules (user.*
needs write permission, trusted.* privilege) and its answers are the guest's. Files that
only exist inside the machine (/proc, /sys, devices, pipes, sockets) carry none and take
none, answered as Linux's pseudo file systems answer: user.* on what is neither a
regular file nor a directory is ENODATA to read and EPERM to write (xattr_permission),
anything else EOPNOTSUPP; listing finds nothing. The size rules are vfs's: 0 asks for
the size, a buffer too small is ERANGE, a value past XATTR_SIZE_MAX is E2BIG.
"""

from __future__ import annotations

import os
import stat as stat_mod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.eventflags import IN_ATTRIB
from ..abi.fileflags import (
    AT_FDCWD,
    XATTR_CREATE,
    XATTR_LIST_MAX,
    XATTR_NAME_MAX,
    XATTR_REPLACE,
    XATTR_SIZE_MAX,
)
from ..fs.hostdir import O_PATH, host_error
from ..fs.hostfile import PathFile
from ..fs.inotify import watched_node
from ..fs.vfs import Node
from ..kernel.errors import KernelError
from .common import existing, read_in, read_path, resolve_at, s32, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task


def _name(task: "Task", addr: int) -> str:
    name = read_path(task, addr)
    if not name or len(name.encode()) > XATTR_NAME_MAX:
        raise KernelError(Errno.ERANGE)
    if "." not in name:  # no namespace prefix (user., trusted., security., system.)
        raise KernelError(Errno.EOPNOTSUPP)
    return name


def _pseudo(mode: int, name: str, write: bool) -> KernelError:
    """A pseudo file system's answer for an attribute of a machine-only file."""
    if name.startswith("user.") and not (stat_mod.S_ISREG(mode) or stat_mod.S_ISDIR(mode)):
        return KernelError(Errno.EPERM if write else Errno.ENODATA)
    return KernelError(Errno.EOPNOTSUPP)


@contextmanager
def _inode(node: Node) -> Iterator[str | int]:
    """A host path that names the node's inode itself, or a machine file's type."""
    hfd = getattr(node.magic, "fd", None)  # /proc/PID/exe, fd/N: the object itself
    if isinstance(hfd, int):
        yield f"/proc/self/fd/{hfd}"
        return
    if node.dir is None:
        yield node.stat().mode
        return
    if node.name == ".":
        yield f"/proc/self/fd/{node.dir.fd}"
        return
    fd = node.dir.open(node.name, O_PATH)
    try:
        yield f"/proc/self/fd/{fd}"
    finally:
        os.close(fd)


@contextmanager
def _at_path(task: "Task", path: int, follow: bool) -> Iterator[str | int]:
    node = existing(resolve_at(task, AT_FDCWD, read_path(task, path), follow=follow))
    with _inode(node) as p:
        yield p


@contextmanager
def _at_fd(task: "Task", fd: int) -> Iterator[str | int]:
    f = task.files.get(s32(fd))
    if isinstance(f, PathFile):
        raise KernelError(Errno.EBADF)
    hfd = getattr(f, "fd", None)
    yield f"/proc/self/fd/{hfd}" if isinstance(hfd, int) else f.stat().mode


def _get(task: "Task", where: str | int, name: str, value: int, size: int) -> int:
    if isinstance(where, int):
        raise _pseudo(where, name, write=False)
    try:
        data = os.getxattr(where, name)
    except OSError as e:
        raise host_error(e) from None
    if size:
        if len(data) > min(size, XATTR_SIZE_MAX):
            raise KernelError(Errno.ERANGE)
        write_out(task, value, data)
    return len(data)


def _list(task: "Task", where: str | int, out: int, size: int) -> int:
    if isinstance(where, int):
        return 0
    try:
        data = b"".join(os.fsencode(n) + b"\0" for n in os.listxattr(where))
    except OSError as e:
        raise host_error(e) from None
    if size:
        if len(data) > min(size, XATTR_LIST_MAX):
            raise KernelError(Errno.ERANGE)
        write_out(task, out, data)
    return len(data)


def _set(task: "Task", where: str | int, name: str, value: int, size: int, flags: int) -> int:
    if flags & ~(XATTR_CREATE | XATTR_REPLACE):
        raise KernelError(Errno.EINVAL)
    if size > XATTR_SIZE_MAX:
        raise KernelError(Errno.E2BIG)
    data = read_in(task, value, size) if size else b""
    if isinstance(where, int):
        raise _pseudo(where, name, write=True)
    try:
        os.setxattr(where, name, data, flags)
    except OSError as e:
        raise host_error(e) from None
    return 0


def _remove(where: str | int, name: str) -> int:
    if isinstance(where, int):
        raise _pseudo(where, name, write=True)
    try:
        os.removexattr(where, name)
    except OSError as e:
        raise host_error(e) from None
    return 0


def _attrib(task: "Task", path: int = 0, follow: bool = True, fd: int = -1) -> None:
    """An attribute changed: IN_ATTRIB for inotify's watchers."""
    fsn = task.kernel.fsnotify
    if not fsn.watches:
        return
    if fd >= 0:
        w = task.files.get(fd).watched
    else:
        w = watched_node(resolve_at(task, AT_FDCWD, read_path(task, path), follow=follow))
    if w is not None:
        fsn.inode_event(w, IN_ATTRIB)


@syscall("getxattr", "path", "path", "obuf", "size")
def sys_getxattr(task: "Task", path: int, name: int, value: int, size: int) -> int:
    with _at_path(task, path, follow=True) as where:
        return _get(task, where, _name(task, name), value, size)


@syscall("lgetxattr", "path", "path", "obuf", "size")
def sys_lgetxattr(task: "Task", path: int, name: int, value: int, size: int) -> int:
    with _at_path(task, path, follow=False) as where:
        return _get(task, where, _name(task, name), value, size)


@syscall("fgetxattr", "fd", "path", "obuf", "size")
def sys_fgetxattr(task: "Task", fd: int, name: int, value: int, size: int) -> int:
    with _at_fd(task, fd) as where:
        return _get(task, where, _name(task, name), value, size)


@syscall("listxattr", "path", "obuf", "size")
def sys_listxattr(task: "Task", path: int, out: int, size: int) -> int:
    with _at_path(task, path, follow=True) as where:
        return _list(task, where, out, size)


@syscall("llistxattr", "path", "obuf", "size")
def sys_llistxattr(task: "Task", path: int, out: int, size: int) -> int:
    with _at_path(task, path, follow=False) as where:
        return _list(task, where, out, size)


@syscall("flistxattr", "fd", "obuf", "size")
def sys_flistxattr(task: "Task", fd: int, out: int, size: int) -> int:
    with _at_fd(task, fd) as where:
        return _list(task, where, out, size)


@syscall("setxattr", "path", "path", "xattrval:3", "size", "xattrflags")
def sys_setxattr(task: "Task", path: int, name: int, value: int, size: int, flags: int) -> int:
    with _at_path(task, path, follow=True) as where:
        _set(task, where, _name(task, name), value, size, flags)
    _attrib(task, path, follow=True)
    return 0


@syscall("lsetxattr", "path", "path", "xattrval:3", "size", "xattrflags")
def sys_lsetxattr(task: "Task", path: int, name: int, value: int, size: int, flags: int) -> int:
    with _at_path(task, path, follow=False) as where:
        _set(task, where, _name(task, name), value, size, flags)
    _attrib(task, path, follow=False)
    return 0


@syscall("fsetxattr", "fd", "path", "xattrval:3", "size", "xattrflags")
def sys_fsetxattr(task: "Task", fd: int, name: int, value: int, size: int, flags: int) -> int:
    with _at_fd(task, fd) as where:
        _set(task, where, _name(task, name), value, size, flags)
    _attrib(task, fd=s32(fd))
    return 0


@syscall("removexattr", "path", "path")
def sys_removexattr(task: "Task", path: int, name: int) -> int:
    with _at_path(task, path, follow=True) as where:
        _remove(where, _name(task, name))
    _attrib(task, path, follow=True)
    return 0


@syscall("lremovexattr", "path", "path")
def sys_lremovexattr(task: "Task", path: int, name: int) -> int:
    with _at_path(task, path, follow=False) as where:
        _remove(where, _name(task, name))
    _attrib(task, path, follow=False)
    return 0


@syscall("fremovexattr", "fd", "path")
def sys_fremovexattr(task: "Task", fd: int, name: int) -> int:
    with _at_fd(task, fd) as where:
        _remove(where, _name(task, name))
    _attrib(task, fd=s32(fd))
    return 0
