"""Paths looked at: the stat family, access, the working directory, readlink, statfs,
modes, owners and times.  Every host operation goes through the resolved node's parent
descriptor (fs/vfs.py), never a host path."""

from __future__ import annotations

import ctypes
import os
import stat as stat_mod
import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.eventflags import IN_ATTRIB, IN_MODIFY
from ..abi.fileflags import (
    AT_EACCESS,
    AT_EMPTY_PATH,
    AT_FDCWD,
    AT_SYMLINK_NOFOLLOW,
    F_OK,
    FADV_NAMES,
    FALLOC_FL_KEEP_SIZE,
    FALLOC_FL_PUNCH_HOLE,
    R_OK,
    W_OK,
    X_OK,
)
from ..fs.hostdir import host_error
from ..fs.hostfile import host_fallocate
from ..fs.inotify import watched_node
from ..fs.perm import owner_or_capable, permitted
from ..fs.stat import Stat
from ..fs.vfs import Node
from ..kernel.cred import CAP_CHOWN, NO_ID
from ..kernel.errors import KernelError
from .common import existing, read_in, read_path, resolve_at, s32, s64, start_of, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

UTIME_NOW, UTIME_OMIT = (1 << 30) - 1, (1 << 30) - 2


def _stat_at(task: "Task", dirfd: int, path: str, flags: int) -> Stat:
    if path == "" and flags & AT_EMPTY_PATH:
        if s32(dirfd) == AT_FDCWD:
            return existing(resolve_at(task, AT_FDCWD, ".")).stat()
        return task.files.get(s32(dirfd)).stat()
    return existing(resolve_at(task, dirfd, path, follow=not flags & AT_SYMLINK_NOFOLLOW)).stat()


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


@syscall("statx", "dirfd", "path", "statxflags", "statxmask", "statx")
def sys_statx(task: "Task", dirfd: int, path: int, flags: int, mask: int, buf: int) -> int:
    st = _stat_at(task, dirfd, read_path(task, path), flags)
    write_out(task, buf, st.pack_statx(mask))
    return 0


def _access(task: "Task", dirfd: int, path: str, mode: int, flags: int) -> int:
    if mode & ~(R_OK | W_OK | X_OK):
        raise KernelError(Errno.EINVAL)
    if flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise KernelError(Errno.EINVAL)
    node = existing(resolve_at(task, dirfd, path, follow=not flags & AT_SYMLINK_NOFOLLOW))
    if mode == F_OK:
        return 0
    if node.synth is not None and node.dir is None:
        if mode & W_OK and not node.synth.writable and node.synth.kind == "file":
            raise KernelError(Errno.EACCES)
        return 0
    st = node.stat()
    # access() checks with the real ids (AT_EACCESS: the effective ones), as Linux does
    cred = task.cred.copy()
    if not flags & AT_EACCESS:
        cred.fsuid, cred.fsgid = cred.uid, cred.gid
        if cred.uid != 0:
            cred.cap_effective = 0
    if not permitted(st.mode, st.uid, st.gid, cred, mode):
        raise KernelError(Errno.EACCES)
    if mode & W_OK and _read_only_fs(node):
        raise KernelError(Errno.EROFS)
    return 0


def _read_only_fs(node: Node) -> bool:
    if node.dir is None:
        return False
    try:
        return bool(os.fstatvfs(node.dir.fd).f_flag & os.ST_RDONLY)
    except OSError:
        return False


@syscall("access", "path", "accessmode")
def sys_access(task: "Task", path: int, mode: int) -> int:
    return _access(task, AT_FDCWD, read_path(task, path), mode, 0)


@syscall("faccessat", "dirfd", "path", "accessmode")
def sys_faccessat(task: "Task", dirfd: int, path: int, mode: int) -> int:
    return _access(task, dirfd, read_path(task, path), mode, 0)


@syscall("faccessat2", "dirfd", "path", "accessmode", "atflags")
def sys_faccessat2(task: "Task", dirfd: int, path: int, mode: int, flags: int) -> int:
    return _access(task, dirfd, read_path(task, path), mode, flags)


# ------------------------------------------------------------ working directory
@syscall("getcwd", "ocstr", "size")
def sys_getcwd(task: "Task", buf: int, size: int) -> int:
    cwd = os.fsencode(task.kernel.vfs.path_of(task.fs.cwd)) + b"\0"
    if size < len(cwd):
        raise KernelError(Errno.ERANGE)
    write_out(task, buf, cwd)
    return len(cwd)


@syscall("chdir", "path")
def sys_chdir(task: "Task", path: int) -> int:
    node = resolve_at(task, AT_FDCWD, read_path(task, path))
    task.fs.cwd = task.kernel.vfs.opendir(node, task)
    return 0


@syscall("fchdir", "fd")
def sys_fchdir(task: "Task", fd: int) -> int:
    task.fs.cwd = start_of(task, fd)
    return 0


# ---------------------------------------------------------------------- links
def _readlink(task: "Task", dirfd: int, path: str, buf: int, size: int) -> int:
    if s32(size) <= 0:
        raise KernelError(Errno.EINVAL)
    node = existing(resolve_at(task, dirfd, path, follow=False))
    if not node.is_link:
        raise KernelError(Errno.EINVAL)
    if node.dir is not None:
        target = node.dir.readlink(node.name)
    else:
        assert node.synth is not None
        target = node.synth.target
    data = os.fsencode(target)[:size]
    write_out(task, buf, data)
    return len(data)


@syscall("readlink", "path", "obuf:ret", "size")
def sys_readlink(task: "Task", path: int, buf: int, size: int) -> int:
    return _readlink(task, AT_FDCWD, read_path(task, path), buf, size)


@syscall("readlinkat", "dirfd", "path", "obuf:ret", "size")
def sys_readlinkat(task: "Task", dirfd: int, path: int, buf: int, size: int) -> int:
    return _readlink(task, dirfd, read_path(task, path), buf, size)


# ---------------------------------------------------------------- attributes
def host_node(task: "Task", dirfd: int, path: str, follow: bool = True,
              flags: int = 0) -> Node:
    """An existing host file named by (dirfd, path), or by dirfd alone (AT_EMPTY_PATH)."""
    if path == "" and flags & AT_EMPTY_PATH:
        f = task.files.get(s32(dirfd)) if s32(dirfd) != AT_FDCWD else None
        if f is None:
            node = resolve_at(task, AT_FDCWD, ".")
        else:
            place = getattr(f, "place", None)
            hfd = getattr(f, "fd", None)
            if place is None and not isinstance(hfd, int):
                raise KernelError(Errno.EPERM)
            from ..fs.hostdir import HostDir
            d = place if place is not None else HostDir(os.dup(hfd), f.path)
            return Node(f.path, d, ".", os.fstat(d.fd))
    else:
        node = resolve_at(task, dirfd, path, follow=follow)
    existing(node)
    if node.dir is None:
        raise KernelError(Errno.EPERM)
    return node


def _chmod(task: "Task", node: Node, mode: int) -> int:
    st = node.stat()
    if not owner_or_capable(st.uid, task.cred):
        raise KernelError(Errno.EPERM)
    assert node.dir is not None
    if node.name == ".":
        try:
            os.chmod(f"/proc/self/fd/{node.dir.fd}", mode & 0o7777)
        except OSError as e:
            raise host_error(e) from None
    else:
        node.dir.chmod(node.name, mode & 0o7777)
    attrib_changed(task, node)
    return 0


def attrib_changed(task: "Task", node: Node) -> None:
    """chmod, chown, utimensat...: IN_ATTRIB to inotify's watchers."""
    if task.kernel.fsnotify.watches:
        w = watched_node(node)
        if w is not None:
            task.kernel.fsnotify.inode_event(w, IN_ATTRIB)


@syscall("chmod", "path", "mode")
def sys_chmod(task: "Task", path: int, mode: int) -> int:
    return _chmod(task, host_node(task, AT_FDCWD, read_path(task, path)), mode)


@syscall("fchmodat", "dirfd", "path", "mode")
def sys_fchmodat(task: "Task", dirfd: int, path: int, mode: int) -> int:
    return _chmod(task, host_node(task, dirfd, read_path(task, path)), mode)


@syscall("fchmod", "fd", "mode")
def sys_fchmod(task: "Task", fd: int, mode: int) -> int:
    return _chmod(task, host_node(task, fd, "", flags=AT_EMPTY_PATH), mode)


def _chown(task: "Task", node: Node, uid: int, gid: int) -> int:
    """chown_ok: only CAP_CHOWN changes the owner; the owner may change the group to one
    of its own; -1 leaves either as it is."""
    st = node.stat()
    c = task.cred
    if uid != NO_ID and uid != st.uid and not c.capable(CAP_CHOWN):
        raise KernelError(Errno.EPERM)
    if gid != NO_ID and gid != st.gid and not c.capable(CAP_CHOWN) and not (
            c.fsuid == st.uid and c.in_group(gid)):
        raise KernelError(Errno.EPERM)
    assert node.dir is not None
    node.dir.chown(node.name, -1 if uid == NO_ID else uid, -1 if gid == NO_ID else gid)
    attrib_changed(task, node)
    return 0


@syscall("chown", "path", "int", "int")
def sys_chown(task: "Task", path: int, uid: int, gid: int) -> int:
    return _chown(task, host_node(task, AT_FDCWD, read_path(task, path)), uid, gid)


@syscall("lchown", "path", "int", "int")
def sys_lchown(task: "Task", path: int, uid: int, gid: int) -> int:
    return _chown(task, host_node(task, AT_FDCWD, read_path(task, path), follow=False), uid, gid)


@syscall("fchown", "fd", "int", "int")
def sys_fchown(task: "Task", fd: int, uid: int, gid: int) -> int:
    return _chown(task, host_node(task, fd, "", flags=AT_EMPTY_PATH), uid, gid)


@syscall("fchownat", "dirfd", "path", "int", "int", "atflags")
def sys_fchownat(task: "Task", dirfd: int, path: int, uid: int, gid: int, flags: int) -> int:
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise KernelError(Errno.EINVAL)
    node = host_node(task, dirfd, read_path(task, path) if path else "",
                     follow=not flags & AT_SYMLINK_NOFOLLOW, flags=flags)
    return _chown(task, node, uid, gid)


@syscall("umask", "mode")
def sys_umask(task: "Task", mask: int) -> int:
    old = task.fs.umask
    task.fs.umask = mask & 0o777
    return old


@syscall("utimensat", "dirfd", "path", "ptr", "atflags")
def sys_utimensat(task: "Task", dirfd: int, path: int, times: int, flags: int) -> int:
    if flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        raise KernelError(Errno.EINVAL)
    node = host_node(task, dirfd, read_path(task, path) if path else "",
                     follow=not flags & AT_SYMLINK_NOFOLLOW, flags=flags | (0 if path else
                                                                         AT_EMPTY_PATH))
    st = node.stat()
    now = task.kernel.clock.realtime
    if times:
        asec, ans, msec, mns = struct.unpack("<qqqq", read_in(task, times, 32))
        if any(not (0 <= ns < 10**9 or ns in (UTIME_NOW, UTIME_OMIT)) for ns in (ans, mns)):
            raise KernelError(Errno.EINVAL)
        explicit = ans not in (UTIME_NOW, UTIME_OMIT) or mns not in (UTIME_NOW, UTIME_OMIT)
        a = st.atime_ns if ans == UTIME_OMIT else now if ans == UTIME_NOW else asec * 10**9 + ans
        m = st.mtime_ns if mns == UTIME_OMIT else now if mns == UTIME_NOW else msec * 10**9 + mns
    else:
        explicit, a, m = False, now, now
    if explicit and not owner_or_capable(st.uid, task.cred):
        raise KernelError(Errno.EPERM)
    assert node.dir is not None
    node.dir.utime(node.name, (a, m))
    attrib_changed(task, node)
    return 0


_libc = ctypes.CDLL(None, use_errno=True)


def _statfs(task: "Task", hostfd: int, buf: int) -> int:
    """The host's struct statfs for the file, as it is (120 bytes on x86-64)."""
    raw = ctypes.create_string_buffer(120)
    if _libc.fstatfs(hostfd, raw) != 0:
        raise KernelError(ctypes.get_errno() or Errno.EIO)
    write_out(task, buf, raw.raw)
    return 0


@syscall("statfs", "path", "ptr")
def sys_statfs(task: "Task", path: int, buf: int) -> int:
    node = existing(resolve_at(task, AT_FDCWD, read_path(task, path)))
    if node.dir is None:  # /proc, forkdbg's devices: procfs and devtmpfs
        magic = 0x9FA0 if node.guest.startswith("/proc") else 0x1021994
        write_out(task, buf, struct.pack("<qqQQQQQiiqqq4q", magic, 4096, 0, 0, 0, 0, 0, 0, 0,
                                         255, 4096, 0, 0, 0, 0, 0))
        return 0
    return _statfs(task, node.dir.fd, buf)


@syscall("fstatfs", "fd", "ptr")
def sys_fstatfs(task: "Task", fd: int, buf: int) -> int:
    f = task.files.get(s32(fd))
    hfd = getattr(f, "fd", None)
    if not isinstance(hfd, int):
        write_out(task, buf, struct.pack("<qqQQQQQiiqqq4q", 0x50495045, 4096, 0, 0, 0, 0, 0,
                                         0, 0, 255, 4096, 0, 0, 0, 0, 0))
        return 0
    return _statfs(task, hfd, buf)


#: the modes vfs_fallocate lets through to a file system (all but NO_HIDE_STALE)
FALLOC_FL_MODES = 0x01 | 0x02 | 0x08 | 0x10 | 0x20 | 0x40


@syscall("fallocate", "fd", "fallocmode", "off", "off")
def sys_fallocate(task: "Task", fd: int, mode: int, off: int, length: int) -> int:
    """vfs_fallocate's checks, then the host file's own fallocate."""
    mode, off, length = mode & 0xFFFFFFFF, s64(off), s64(length)
    if off < 0 or length <= 0:
        raise KernelError(Errno.EINVAL)
    if mode & ~FALLOC_FL_MODES or (mode & FALLOC_FL_PUNCH_HOLE
                                   and not mode & FALLOC_FL_KEEP_SIZE):
        raise KernelError(Errno.EOPNOTSUPP)
    f = task.files.get(s32(fd))
    if not f.writable:
        raise KernelError(Errno.EBADF)
    st = f.stat()
    if stat_mod.S_ISFIFO(st.mode):
        raise KernelError(Errno.ESPIPE)
    if stat_mod.S_ISDIR(st.mode):
        raise KernelError(Errno.EISDIR)
    hfd = getattr(f, "fd", None)
    if not stat_mod.S_ISREG(st.mode) or not isinstance(hfd, int):
        raise KernelError(Errno.ENODEV)
    if off + length > (1 << 63) - 1:
        raise KernelError(Errno.EFBIG)
    cache = task.kernel.page_cache.get(getattr(f, "key", None))
    if cache is not None:  # punching or shifting must keep the mappings' other stores
        cache.writeback()
    try:
        host_fallocate(hfd, mode, off, length)
    finally:
        if cache is not None:
            cache.reload()
    if f.watched is not None:
        task.kernel.fsnotify.inode_event(f.watched, IN_MODIFY)
    return 0


@syscall("fadvise64", "fd", "off", "off", "fadvice")
def sys_fadvise64(task: "Task", fd: int, off: int, length: int, advice: int) -> int:
    """generic_fadvise's checks; the advice itself changes nothing a program can see
    (the host's page cache is the host's)."""
    f = task.files.get(s32(fd))
    st = f.stat()
    if stat_mod.S_ISFIFO(st.mode) or getattr(f, "kind", "") in ("pipe", "socket"):
        raise KernelError(Errno.ESPIPE)
    if s64(length) < 0 or s32(advice) not in FADV_NAMES:
        raise KernelError(Errno.EINVAL)
    return 0


@syscall("readahead", "fd", "off", "size")
def sys_readahead(task: "Task", fd: int, off: int, count: int) -> int:
    """ksys_readahead: EBADF unless open for reading, EINVAL unless a regular file."""
    f = task.files.get(s32(fd))
    if not f.readable:
        raise KernelError(Errno.EBADF)
    if not stat_mod.S_ISREG(f.stat().mode) or s64(off) < 0:
        raise KernelError(Errno.EINVAL)
    return 0
