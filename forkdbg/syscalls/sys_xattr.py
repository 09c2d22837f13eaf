"""Extended attributes: the answers Linux gives for files that carry none.

getxattr finds no attribute (ENODATA), listxattr lists nothing, after the same path and
name checks Linux makes; setting attributes is not offered (the host's files are not
changed behind the guest's view), so setxattr and removexattr stay unimplemented.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import AT_FDCWD
from ..kernel.errors import KernelError
from .common import existing, read_path, resolve_at, s32
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

XATTR_NAME_MAX = 255
XATTR_SIZE_MAX = 65536


def _name(task: "Task", addr: int) -> None:
    name = read_path(task, addr)
    if not name or len(name.encode()) > XATTR_NAME_MAX:
        raise KernelError(Errno.ERANGE)
    if "." not in name:  # no namespace prefix (user., trusted., security., system.)
        raise KernelError(Errno.EOPNOTSUPP)


def _file(task: "Task", path: int, follow: bool) -> None:
    existing(resolve_at(task, AT_FDCWD, read_path(task, path), follow=follow))


@syscall("getxattr", "path", "path", "ptr", "size")
def sys_getxattr(task: "Task", path: int, name: int, value: int, size: int) -> int:
    _file(task, path, follow=True)
    _name(task, name)
    raise KernelError(Errno.ENODATA)


@syscall("lgetxattr", "path", "path", "ptr", "size")
def sys_lgetxattr(task: "Task", path: int, name: int, value: int, size: int) -> int:
    _file(task, path, follow=False)
    _name(task, name)
    raise KernelError(Errno.ENODATA)


@syscall("fgetxattr", "fd", "path", "ptr", "size")
def sys_fgetxattr(task: "Task", fd: int, name: int, value: int, size: int) -> int:
    task.files.get(s32(fd))
    _name(task, name)
    raise KernelError(Errno.ENODATA)


@syscall("listxattr", "path", "obuf", "size")
def sys_listxattr(task: "Task", path: int, out: int, size: int) -> int:
    _file(task, path, follow=True)
    return 0


@syscall("llistxattr", "path", "obuf", "size")
def sys_llistxattr(task: "Task", path: int, out: int, size: int) -> int:
    _file(task, path, follow=False)
    return 0


@syscall("flistxattr", "fd", "obuf", "size")
def sys_flistxattr(task: "Task", fd: int, out: int, size: int) -> int:
    task.files.get(s32(fd))
    return 0
