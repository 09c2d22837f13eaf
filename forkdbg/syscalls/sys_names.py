"""Names made and removed: mkdir, mknod, unlink, rmdir, rename, link, symlink, truncate.

Each resolves its path to a parent directory held open and a final name, checks what
Linux checks for the task (write and search permission on the directory, the sticky
bit), and calls the *at() operation on that descriptor (fs/hostdir.py)."""

from __future__ import annotations

import os
import stat as st_mod
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.eventflags import IN_CREATE, IN_DELETE, IN_MODIFY, IN_MOVED_FROM, IN_MOVED_TO
from ..abi.fileflags import AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW
from ..fs import hostdir
from ..fs.hostdir import host_error
from ..fs.inotify import watched_node
from ..fs.perm import MAY_EXEC, MAY_WRITE, check
from ..fs.vfs import Node
from ..kernel.cred import CAP_FOWNER
from ..kernel.errors import KernelError
from .common import read_path, resolve_at, s64
from .sys_fs import host_node
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT = 1, 2, 4


def _may_change_dir(task: "Task", node: Node) -> None:
    """Write and search permission on the directory holding `node`."""
    assert node.dir is not None
    if task.cred.fsuid == 0:
        return
    try:
        st = os.fstat(node.dir.fd)
    except OSError as e:
        raise host_error(e) from None
    check(st.st_mode, st.st_uid, st.st_gid, task.cred, MAY_WRITE | MAY_EXEC)


def _may_delete(task: "Task", node: Node) -> None:
    """may_delete: permission on the directory, and in a sticky directory only the owner
    of the file or of the directory (or CAP_FOWNER) may remove or rename it."""
    _may_change_dir(task, node)
    assert node.dir is not None and node.hst is not None
    dst = os.fstat(node.dir.fd)
    c = task.cred
    if dst.st_mode & st_mod.S_ISVTX and c.fsuid not in (node.hst.st_uid, dst.st_uid) \
            and not c.capable(CAP_FOWNER):
        raise KernelError(Errno.EPERM)


def _new(task: "Task", dirfd: int, path: str) -> Node:
    """A name about to be made: it must not exist, in a host directory."""
    node = resolve_at(task, dirfd, path, follow=False)
    if node.exists:
        raise KernelError(Errno.EEXIST)
    if node.dir is None:
        raise KernelError(Errno.ENOENT if node.guest.startswith("/proc") else Errno.EACCES)
    _may_change_dir(task, node)
    return node


def _old(task: "Task", dirfd: int, path: str) -> Node:
    """An existing name about to be removed or renamed (never `.` or a synthetic one)."""
    node = resolve_at(task, dirfd, path, follow=False)
    if not node.exists:
        raise KernelError(Errno.ENOENT)
    if node.dir is None:
        raise KernelError(Errno.EPERM if node.synth is not None else Errno.EACCES)
    if node.name == ".":
        raise KernelError(Errno.EBUSY if node.guest == "/" else Errno.EINVAL)
    return node


def _mkdir(task: "Task", dirfd: int, path: str, mode: int) -> int:
    node = _new(task, dirfd, path)
    assert node.dir is not None
    node.dir.mkdir(node.name, mode & ~task.fs.umask & 0o7777)
    _notify(task, node, IN_CREATE, is_dir=True)
    return 0


def _notify(task: "Task", node: Node, mask: int, is_dir: bool = False, cookie: int = 0) -> None:
    """Tell inotify watchers of the node's directory (nothing to do without watches)."""
    fsn = task.kernel.fsnotify
    if fsn.watches and node.dir is not None:
        fsn.name_event(node.dir, node.name, mask, is_dir, cookie)


@syscall("mkdir", "path", "mode")
def sys_mkdir(task: "Task", path: int, mode: int) -> int:
    return _mkdir(task, AT_FDCWD, read_path(task, path), mode)


@syscall("mkdirat", "dirfd", "path", "mode")
def sys_mkdirat(task: "Task", dirfd: int, path: int, mode: int) -> int:
    return _mkdir(task, dirfd, read_path(task, path), mode)


def _mknod(task: "Task", dirfd: int, path: str, mode: int, dev: int) -> int:
    kind = st_mod.S_IFMT(mode)
    if kind == 0:
        kind = st_mod.S_IFREG
    if kind not in (st_mod.S_IFREG, st_mod.S_IFIFO, st_mod.S_IFSOCK, st_mod.S_IFCHR,
                    st_mod.S_IFBLK):
        raise KernelError(Errno.EINVAL)
    if kind in (st_mod.S_IFCHR, st_mod.S_IFBLK) and not task.cred.capable(27):  # CAP_MKNOD
        raise KernelError(Errno.EPERM)
    node = _new(task, dirfd, path)
    assert node.dir is not None
    node.dir.mknod(node.name, kind | (mode & ~task.fs.umask & 0o7777), dev & 0xFFFFFFFF)
    _notify(task, node, IN_CREATE)
    return 0


@syscall("mknod", "path", "mode", "int")
def sys_mknod(task: "Task", path: int, mode: int, dev: int) -> int:
    return _mknod(task, AT_FDCWD, read_path(task, path), mode, dev)


@syscall("mknodat", "dirfd", "path", "mode", "int")
def sys_mknodat(task: "Task", dirfd: int, path: int, mode: int, dev: int) -> int:
    return _mknod(task, dirfd, read_path(task, path), mode, dev)


def _unlink(task: "Task", dirfd: int, path: str, flags: int) -> int:
    if flags & ~AT_REMOVEDIR:
        raise KernelError(Errno.EINVAL)
    if flags & AT_REMOVEDIR and path.rstrip("/").endswith("/.") or path == ".":
        raise KernelError(Errno.EINVAL)
    node = _old(task, dirfd, path)
    _may_delete(task, node)
    assert node.dir is not None
    if flags & AT_REMOVEDIR:
        if not node.is_dir:
            raise KernelError(Errno.ENOTDIR)
        node.dir.unlink(node.name, rmdir=True)
    else:
        if node.is_dir:
            raise KernelError(Errno.EISDIR)
        node.dir.unlink(node.name)
    fsn = task.kernel.fsnotify
    if node.hst is not None and (fsn.watches or fsn.open_count):
        key = (node.hst.st_dev, node.hst.st_ino)
        if not node.is_dir:
            fsn.links_changed(key)
        if node.is_dir or node.hst.st_nlink <= 1:
            fsn.last_link_gone(key)  # IN_DELETE_SELF now, or at the last close
    _notify(task, node, IN_DELETE, is_dir=bool(flags & AT_REMOVEDIR))
    return 0


@syscall("unlink", "path")
def sys_unlink(task: "Task", path: int) -> int:
    return _unlink(task, AT_FDCWD, read_path(task, path), 0)


@syscall("rmdir", "path")
def sys_rmdir(task: "Task", path: int) -> int:
    return _unlink(task, AT_FDCWD, read_path(task, path), AT_REMOVEDIR)


@syscall("unlinkat", "dirfd", "path", "atflags")
def sys_unlinkat(task: "Task", dirfd: int, path: int, flags: int) -> int:
    return _unlink(task, dirfd, read_path(task, path), flags)


def _rename(task: "Task", olddir: int, old: str, newdir: int, new: str, flags: int) -> int:
    if flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) or \
            (flags & RENAME_EXCHANGE and flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)):
        raise KernelError(Errno.EINVAL)
    src = _old(task, olddir, old)
    dst = resolve_at(task, newdir, new, follow=False)
    if dst.dir is None:
        raise KernelError(Errno.EXDEV if dst.exists else Errno.ENOENT)
    if dst.name == ".":
        raise KernelError(Errno.EBUSY)
    if flags & RENAME_NOREPLACE and dst.exists:
        raise KernelError(Errno.EEXIST)
    if flags & RENAME_EXCHANGE and not dst.exists:
        raise KernelError(Errno.ENOENT)
    _may_delete(task, src)
    if dst.exists:
        _may_delete(task, dst)
    else:
        _may_change_dir(task, dst)
    assert src.dir is not None
    hostdir.rename(src.dir, src.name, dst.dir, dst.name, flags)
    fsn = task.kernel.fsnotify
    if fsn.watches:
        cookie = fsn.cookie()
        _notify(task, src, IN_MOVED_FROM, src.is_dir, cookie)
        _notify(task, dst, IN_MOVED_TO, src.is_dir, cookie)
        if src.hst is not None:
            fsn.moved((src.hst.st_dev, src.hst.st_ino), src.is_dir)
    replaced = dst.hst
    if replaced is not None and not flags & RENAME_EXCHANGE and (fsn.watches or fsn.open_count) \
            and (st_mod.S_ISDIR(replaced.st_mode) or replaced.st_nlink <= 1):
        fsn.last_link_gone((replaced.st_dev, replaced.st_ino))
    return 0


@syscall("rename", "path", "path")
def sys_rename(task: "Task", old: int, new: int) -> int:
    return _rename(task, AT_FDCWD, read_path(task, old), AT_FDCWD, read_path(task, new), 0)


@syscall("renameat", "dirfd", "path", "dirfd", "path")
def sys_renameat(task: "Task", od: int, old: int, nd: int, new: int) -> int:
    return _rename(task, od, read_path(task, old), nd, read_path(task, new), 0)


@syscall("renameat2", "dirfd", "path", "dirfd", "path", "hex")
def sys_renameat2(task: "Task", od: int, old: int, nd: int, new: int, flags: int) -> int:
    return _rename(task, od, read_path(task, old), nd, read_path(task, new), flags)


def _symlink(task: "Task", target: str, dirfd: int, path: str) -> int:
    node = _new(task, dirfd, path)
    assert node.dir is not None
    node.dir.symlink(target, node.name)
    _notify(task, node, IN_CREATE)
    return 0


@syscall("symlink", "path", "path")
def sys_symlink(task: "Task", target: int, path: int) -> int:
    return _symlink(task, read_path(task, target), AT_FDCWD, read_path(task, path))


@syscall("symlinkat", "path", "dirfd", "path")
def sys_symlinkat(task: "Task", target: int, dirfd: int, path: int) -> int:
    return _symlink(task, read_path(task, target), dirfd, read_path(task, path))


def _link(task: "Task", od: int, old: str, nd: int, new: str, flags: int) -> int:
    """linkat: forkdbg follows AT_SYMLINK_FOLLOW itself, inside the root, and the host
    links what it found without following anything."""
    if flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH):
        raise KernelError(Errno.EINVAL)
    src = host_node(task, od, old, follow=bool(flags & AT_SYMLINK_FOLLOW), flags=flags)
    if src.is_dir:
        raise KernelError(Errno.EPERM)
    dst = _new(task, nd, new)
    assert src.dir is not None and dst.dir is not None
    if src.name == ".":  # AT_EMPTY_PATH: the descriptor's file, through its magic link
        try:
            os.link(f"/proc/self/fd/{src.dir.fd}", dst.name, dst_dir_fd=dst.dir.fd,
                    follow_symlinks=True)
        except OSError as e:
            raise host_error(e) from None
        _notify(task, dst, IN_CREATE)
        return 0
    hostdir.link(src.dir, src.name, dst.dir, dst.name)
    if src.hst is not None:
        task.kernel.fsnotify.links_changed((src.hst.st_dev, src.hst.st_ino))
    _notify(task, dst, IN_CREATE)
    return 0


@syscall("link", "path", "path")
def sys_link(task: "Task", old: int, new: int) -> int:
    return _link(task, AT_FDCWD, read_path(task, old), AT_FDCWD, read_path(task, new), 0)


@syscall("linkat", "dirfd", "path", "dirfd", "path", "atflags")
def sys_linkat(task: "Task", od: int, old: int, nd: int, new: int, flags: int) -> int:
    return _link(task, od, read_path(task, old), nd, read_path(task, new), flags)


@syscall("truncate", "path", "off")
def sys_truncate(task: "Task", path: int, length: int) -> int:
    if s64(length) < 0:
        raise KernelError(Errno.EINVAL)
    node = host_node(task, AT_FDCWD, read_path(task, path))
    if node.is_dir:
        raise KernelError(Errno.EISDIR)
    f = task.kernel.vfs.open(node, os.O_WRONLY, 0, 0, task)
    try:
        os.ftruncate(f.fd, s64(length))  # type: ignore[attr-defined]
        task.kernel.page_cache.truncated(getattr(f, "key", None), s64(length))
        w = watched_node(node)
        if w is not None:
            task.kernel.fsnotify.inode_event(w, IN_MODIFY)
    except OSError as e:
        raise host_error(e) from None
    finally:
        f.release()
    return 0
