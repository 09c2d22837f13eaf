"""Paths: stat family, access, cwd, readlink, mkdir/unlink/rename/rmdir, links, modes, umask."""

from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import (AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR,
                             AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, F_OK, R_OK, W_OK, X_OK)
from ..fs.hostfile import host_error
from ..fs.stat import Stat
from ..fs.vfs import Node
from ..kernel.errors import KernelError
from .common import read_path, resolve_at, s32, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task


def _stat_at(task: "Task", dirfd: int, path: str, flags: int) -> Stat:
    if path == "" and flags & AT_EMPTY_PATH:
        return task.files.get(s32(dirfd)).stat()
    node = resolve_at(task, dirfd, path, follow=not flags & AT_SYMLINK_NOFOLLOW)
    if not node.exists:
        raise KernelError(Errno.ENOENT)
    return node.stat()


@syscall("stat", "path", "stat")
def sys_stat(task: "Task", path: int, buf: int) -> int:
    write_out(task, buf, _stat_at(task, AT_FDCWD, read_path(task, path), 0).pack())
    return 0


@syscall("lstat", "path", "stat")
def sys_lstat(task: "Task", path: int, buf: int) -> int:
    st = _stat_at(task, AT_FDCWD, read_path(task, path), AT_SYMLINK_NOFOLLOW)
    write_out(task, buf, st.pack())
    return 0


@syscall("fstat", "fd", "stat")
def sys_fstat(task: "Task", fd: int, buf: int) -> int:
    write_out(task, buf, task.files.get(s32(fd)).stat().pack())
    return 0


@syscall("newfstatat", "dirfd", "path", "stat", "atflags")
def sys_newfstatat(task: "Task", dirfd: int, path: int, buf: int, flags: int) -> int:
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800):
        raise KernelError(Errno.EINVAL)
    st = _stat_at(task, dirfd, read_path(task, path) if path else "", flags)
    write_out(task, buf, st.pack())
    return 0


@syscall("statx", "dirfd", "path", "atflags", "statxmask", "statx")
def sys_statx(task: "Task", dirfd: int, path: int, flags: int, mask: int, buf: int) -> int:
    st = _stat_at(task, dirfd, read_path(task, path), flags)
    write_out(task, buf, st.pack_statx(mask))
    return 0


def _access(task: "Task", dirfd: int, path: str, mode: int, flags: int) -> int:
    if mode & ~(R_OK | W_OK | X_OK):
        raise KernelError(Errno.EINVAL)
    if flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise KernelError(Errno.EINVAL)
    node = resolve_at(task, dirfd, path, follow=not flags & AT_SYMLINK_NOFOLLOW)
    if not node.exists:
        raise KernelError(Errno.ENOENT)
    if mode == F_OK or node.host is None:
        if node.synth is not None and mode & W_OK and not node.synth.writable \
                and node.synth.kind == "file":
            raise KernelError(Errno.EACCES)
        return 0
    if not os.access(node.host, mode, follow_symlinks=not flags & AT_SYMLINK_NOFOLLOW):
        raise KernelError(Errno.EACCES)
    return 0


@syscall("access", "path", "accessmode")
def sys_access(task: "Task", path: int, mode: int) -> int:
    return _access(task, AT_FDCWD, read_path(task, path), mode, 0)


@syscall("faccessat", "dirfd", "path", "accessmode")
def sys_faccessat(task: "Task", dirfd: int, path: int, mode: int) -> int:
    return _access(task, dirfd, read_path(task, path), mode, 0)


@syscall("faccessat2", "dirfd", "path", "accessmode", "atflags")
def sys_faccessat2(task: "Task", dirfd: int, path: int, mode: int, flags: int) -> int:
    return _access(task, dirfd, read_path(task, path), mode, flags)


@syscall("getcwd", "ocstr", "size")
def sys_getcwd(task: "Task", buf: int, size: int) -> int:
    cwd = os.fsencode(task.fs.cwd) + b"\0"
    if size < len(cwd):
        raise KernelError(Errno.ERANGE)
    write_out(task, buf, cwd)
    return len(cwd)


def _chdir(task: "Task", node: Node) -> int:
    if not node.exists:
        raise KernelError(Errno.ENOENT)
    if not node.is_dir:
        raise KernelError(Errno.ENOTDIR)
    if node.host is not None and not os.access(node.host, os.X_OK):
        raise KernelError(Errno.EACCES)
    task.fs.cwd = node.guest
    return 0


@syscall("chdir", "path")
def sys_chdir(task: "Task", path: int) -> int:
    return _chdir(task, resolve_at(task, AT_FDCWD, read_path(task, path)))


@syscall("fchdir", "fd")
def sys_fchdir(task: "Task", fd: int) -> int:
    f = task.files.get(s32(fd))
    if not f.is_dir:
        raise KernelError(Errno.ENOTDIR)
    task.fs.cwd = f.path
    return 0


def _readlink(task: "Task", dirfd: int, path: str, buf: int, size: int) -> int:
    if s32(size) <= 0:
        raise KernelError(Errno.EINVAL)
    node = resolve_at(task, dirfd, path, follow=False)
    if not node.exists:
        raise KernelError(Errno.ENOENT)
    if not node.is_link:
        raise KernelError(Errno.EINVAL)
    target = os.fsencode(task.kernel.vfs._readlink(node))[:size]
    write_out(task, buf, target)
    return len(target)


@syscall("readlink", "path", "obuf:ret", "size")
def sys_readlink(task: "Task", path: int, buf: int, size: int) -> int:
    return _readlink(task, AT_FDCWD, read_path(task, path), buf, size)


@syscall("readlinkat", "dirfd", "path", "obuf:ret", "size")
def sys_readlinkat(task: "Task", dirfd: int, path: int, buf: int, size: int) -> int:
    return _readlink(task, dirfd, read_path(task, path), buf, size)


def _host_new(task: "Task", dirfd: int, path: str) -> Node:
    """A path about to be created: it must not exist and must be a host path."""
    node = resolve_at(task, dirfd, path, follow=False)
    if node.exists:
        raise KernelError(Errno.EEXIST)
    if node.host is None:
        raise KernelError(Errno.EACCES)
    return node


def _host_existing(task: "Task", dirfd: int, path: str) -> Node:
    node = resolve_at(task, dirfd, path, follow=False)
    if not node.exists:
        raise KernelError(Errno.ENOENT)
    if node.host is None:
        raise KernelError(Errno.EACCES if node.synth is None else Errno.EPERM)
    return node


def _mkdir(task: "Task", dirfd: int, path: str, mode: int) -> int:
    node = _host_new(task, dirfd, path.rstrip("/") or path)
    try:
        os.mkdir(node.host, mode & ~task.fs.umask & 0o7777)  # type: ignore[arg-type]
    except OSError as e:
        raise host_error(e) from None
    return 0


@syscall("mkdir", "path", "mode")
def sys_mkdir(task: "Task", path: int, mode: int) -> int:
    return _mkdir(task, AT_FDCWD, read_path(task, path), mode)


@syscall("mkdirat", "dirfd", "path", "mode")
def sys_mkdirat(task: "Task", dirfd: int, path: int, mode: int) -> int:
    return _mkdir(task, dirfd, read_path(task, path), mode)


def _unlink(task: "Task", dirfd: int, path: str, flags: int) -> int:
    if flags & ~AT_REMOVEDIR:
        raise KernelError(Errno.EINVAL)
    node = _host_existing(task, dirfd, path.rstrip("/") or path)
    try:
        if flags & AT_REMOVEDIR:
            if not node.is_dir:
                raise KernelError(Errno.ENOTDIR)
            os.rmdir(node.host)  # type: ignore[arg-type]
        else:
            if node.is_dir:
                raise KernelError(Errno.EISDIR)
            os.unlink(node.host)  # type: ignore[arg-type]
    except OSError as e:
        raise host_error(e) from None
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
    if flags & ~0x7:
        raise KernelError(Errno.EINVAL)
    src = _host_existing(task, olddir, old)
    dst = resolve_at(task, newdir, new, follow=False)
    if dst.host is None:
        raise KernelError(Errno.EACCES)
    if flags & 1 and dst.exists:
        raise KernelError(Errno.EEXIST)
    try:
        os.rename(src.host, dst.host)  # type: ignore[arg-type]
    except OSError as e:
        raise host_error(e) from None
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
    node = _host_new(task, dirfd, path)
    try:
        os.symlink(target, node.host)  # type: ignore[arg-type]
    except OSError as e:
        raise host_error(e) from None
    return 0


@syscall("symlink", "path", "path")
def sys_symlink(task: "Task", target: int, path: int) -> int:
    return _symlink(task, read_path(task, target), AT_FDCWD, read_path(task, path))


@syscall("symlinkat", "path", "dirfd", "path")
def sys_symlinkat(task: "Task", target: int, dirfd: int, path: int) -> int:
    return _symlink(task, read_path(task, target), dirfd, read_path(task, path))


def _link(task: "Task", od: int, old: str, nd: int, new: str, flags: int) -> int:
    src = resolve_at(task, od, old, follow=bool(flags & AT_SYMLINK_FOLLOW))
    if not src.exists or src.host is None:
        raise KernelError(Errno.ENOENT)
    dst = _host_new(task, nd, new)
    try:
        os.link(src.host, dst.host, follow_symlinks=False)  # type: ignore[arg-type]
    except OSError as e:
        raise host_error(e) from None
    return 0


@syscall("link", "path", "path")
def sys_link(task: "Task", old: int, new: int) -> int:
    return _link(task, AT_FDCWD, read_path(task, old), AT_FDCWD, read_path(task, new), 0)


@syscall("linkat", "dirfd", "path", "dirfd", "path", "atflags")
def sys_linkat(task: "Task", od: int, old: int, nd: int, new: int, flags: int) -> int:
    return _link(task, od, read_path(task, old), nd, read_path(task, new), flags)


def _chmod(task: "Task", dirfd: int, path: str, mode: int) -> int:
    node = resolve_at(task, dirfd, path)
    if not node.exists or node.host is None:
        raise KernelError(Errno.ENOENT if not node.exists else Errno.EPERM)
    try:
        os.chmod(node.host, mode & 0o7777)
    except OSError as e:
        raise host_error(e) from None
    return 0


@syscall("chmod", "path", "mode")
def sys_chmod(task: "Task", path: int, mode: int) -> int:
    return _chmod(task, AT_FDCWD, read_path(task, path), mode)


@syscall("fchmodat", "dirfd", "path", "mode")
def sys_fchmodat(task: "Task", dirfd: int, path: int, mode: int) -> int:
    return _chmod(task, dirfd, read_path(task, path), mode)


@syscall("fchmod", "fd", "mode")
def sys_fchmod(task: "Task", fd: int, mode: int) -> int:
    f = task.files.get(s32(fd))
    hfd = getattr(f, "fd", None)
    if hfd is None:
        raise KernelError(Errno.EPERM)
    try:
        os.fchmod(hfd, mode & 0o7777)
    except OSError as e:
        raise host_error(e) from None
    return 0


@syscall("umask", "mode")
def sys_umask(task: "Task", mask: int) -> int:
    old = task.fs.umask
    task.fs.umask = mask & 0o777
    return old


@syscall("utimensat", "dirfd", "path", "ptr", "atflags", support="partial",
         notes="sets the host file's times to now or to the given times")
def sys_utimensat(task: "Task", dirfd: int, path: int, times: int, flags: int) -> int:
    node = resolve_at(task, dirfd, read_path(task, path) if path else ".",
                      follow=not flags & AT_SYMLINK_NOFOLLOW)
    if not node.exists or node.host is None:
        raise KernelError(Errno.ENOENT)
    try:
        os.utime(node.host, follow_symlinks=not flags & AT_SYMLINK_NOFOLLOW)
    except OSError as e:
        raise host_error(e) from None
    return 0


@syscall("statfs", "path", "ptr")
def sys_statfs(task: "Task", path: int, buf: int) -> int:
    node = resolve_at(task, AT_FDCWD, read_path(task, path))
    if not node.exists:
        raise KernelError(Errno.ENOENT)
    try:
        s = os.statvfs(node.host or "/")
    except OSError as e:
        raise host_error(e) from None
    write_out(task, buf, struct.pack("<qqQQQQQqqq4q", 0xEF53, s.f_bsize, s.f_blocks, s.f_bfree,
                                     s.f_bavail, s.f_files, s.f_ffree, 0, s.f_namemax,
                                     s.f_frsize, 0, 0, 0, 0)[:120])
    return 0
