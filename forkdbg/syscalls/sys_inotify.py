"""inotify_init, inotify_init1, inotify_add_watch and inotify_rm_watch (fs/inotify.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.eventflags import (
    IN_ALL_EVENTS,
    IN_CLOEXEC,
    IN_DONT_FOLLOW,
    IN_MASK_ADD,
    IN_MASK_CREATE,
    IN_NONBLOCK,
    IN_ONLYDIR,
)
from ..abi.fileflags import AT_FDCWD
from ..fs.inotify import InotifyFile
from ..kernel.errors import KernelError
from .common import existing, read_path, resolve_at, s32
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task



@syscall("inotify_init1", "inflags")
def sys_inotify_init1(task: "Task", flags: int) -> int:
    if flags & ~(IN_NONBLOCK | IN_CLOEXEC):
        raise KernelError(Errno.EINVAL)
    f = InotifyFile(task.kernel.fsnotify, flags)
    return task.files.install(f, cloexec=bool(flags & IN_CLOEXEC))


@syscall("inotify_init")
def sys_inotify_init(task: "Task") -> int:
    return sys_inotify_init1(task, 0)


def _inotify(task: "Task", fd: int) -> InotifyFile:
    f = task.files.get(s32(fd))
    if not isinstance(f, InotifyFile):
        raise KernelError(Errno.EINVAL)
    return f


@syscall("inotify_add_watch", "fd", "path", "inmask")
def sys_inotify_add_watch(task: "Task", fd: int, path: int, mask: int) -> int:
    mask &= 0xFFFFFFFF
    if not mask & IN_ALL_EVENTS or (mask & IN_MASK_ADD and mask & IN_MASK_CREATE):
        raise KernelError(Errno.EINVAL)
    f = _inotify(task, fd)
    node = existing(resolve_at(task, AT_FDCWD, read_path(task, path),
                               follow=not mask & IN_DONT_FOLLOW))
    if mask & IN_ONLYDIR and not node.is_dir:
        raise KernelError(Errno.ENOTDIR)
    st = node.hst
    if st is None:
        raise KernelError(Errno.EACCES)  # /proc and the like: nothing there changes by name
    return f.add_watch((st.st_dev, st.st_ino), mask)


@syscall("inotify_rm_watch", "fd", "int")
def sys_inotify_rm_watch(task: "Task", fd: int, wd: int) -> int:
    _inotify(task, fd).rm_watch(s32(wd))
    return 0
