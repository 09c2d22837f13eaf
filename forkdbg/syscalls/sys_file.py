"""Descriptors and I/O: read/write and friends, open/close, dup, fcntl, ioctl, pipes, getdents64."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import (AT_FDCWD, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETLK,
                             F_GETPIPE_SZ, F_SETFD, F_SETFL, F_SETLK, F_SETLKW, F_SETPIPE_SZ,
                             FD_CLOEXEC, FIONBIO, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_NOFOLLOW,
                             O_NONBLOCK, O_PATH, O_TRUNC, O_WRONLY)
from ..fs.pipe import make_pipe
from ..kernel.errors import KernelError
from .common import read_in, read_path, resolve_at, s32, s64, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

MAX_RW = 0x7FFFF000
IOV_MAX = 1024


def _readable(task: "Task", fd: int):  # type: ignore[no-untyped-def]
    f = task.files.get(s32(fd))
    if not f.readable or f.flags & O_PATH:
        raise KernelError(Errno.EBADF)
    return f


def _writable(task: "Task", fd: int):  # type: ignore[no-untyped-def]
    f = task.files.get(s32(fd))
    if not f.writable or f.flags & O_PATH:
        raise KernelError(Errno.EBADF)
    return f


@syscall("read", "fd", "obuf:ret", "size")
def sys_read(task: "Task", fd: int, buf: int, count: int) -> int:
    f = _readable(task, fd)
    if s64(count) < 0:
        raise KernelError(Errno.EINVAL)
    data = f.read(task, min(count, MAX_RW))
    write_out(task, buf, data)
    return len(data)


@syscall("write", "fd", "buf:2", "size")
def sys_write(task: "Task", fd: int, buf: int, count: int) -> int:
    f = _writable(task, fd)
    if s64(count) < 0:
        raise KernelError(Errno.EINVAL)
    data = read_in(task, buf, min(count, MAX_RW))
    return f.write(task, data) if data else 0


@syscall("pread64", "fd", "obuf:ret", "size", "off")
def sys_pread64(task: "Task", fd: int, buf: int, count: int, off: int) -> int:
    f = _readable(task, fd)
    if s64(off) < 0:
        raise KernelError(Errno.EINVAL)
    data = f.pread(task, min(count, MAX_RW), off)
    write_out(task, buf, data)
    return len(data)


@syscall("pwrite64", "fd", "buf:2", "size", "off")
def sys_pwrite64(task: "Task", fd: int, buf: int, count: int, off: int) -> int:
    f = _writable(task, fd)
    if s64(off) < 0:
        raise KernelError(Errno.EINVAL)
    return f.pwrite(task, read_in(task, buf, min(count, MAX_RW)), off)


def _iovecs(task: "Task", iov: int, n: int) -> list[tuple[int, int]]:
    if n > IOV_MAX:
        raise KernelError(Errno.EINVAL)
    raw = read_in(task, iov, 16 * n)
    vecs = [struct.unpack_from("<QQ", raw, 16 * i) for i in range(n)]
    if sum(length for _b, length in vecs) > MAX_RW or any(s64(ln) < 0 for _b, ln in vecs):
        raise KernelError(Errno.EINVAL)
    return vecs


@syscall("readv", "fd", "oiovec:2", "int")
def sys_readv(task: "Task", fd: int, iov: int, iovcnt: int) -> int:
    f = _readable(task, fd)
    vecs = _iovecs(task, iov, s32(iovcnt))
    total = sum(ln for _b, ln in vecs)
    data = f.read(task, total) if total else b""
    pos = 0
    for base, ln in vecs:
        if pos >= len(data):
            break
        write_out(task, base, data[pos:pos + ln])
        pos += ln
    return len(data)


@syscall("writev", "fd", "iovec:2", "int")
def sys_writev(task: "Task", fd: int, iov: int, iovcnt: int) -> int:
    f = _writable(task, fd)
    vecs = _iovecs(task, iov, s32(iovcnt))
    data = b"".join(read_in(task, base, ln) for base, ln in vecs)
    return f.write(task, data) if data else 0


def do_open(task: "Task", dirfd: int, path: str, flags: int, mode: int) -> int:
    flags &= 0xFFFFFFFF
    if flags & O_DIRECTORY and flags & O_CREAT:
        raise KernelError(Errno.EINVAL)
    follow = not flags & O_NOFOLLOW
    node = resolve_at(task, dirfd, path, follow)
    if node.exists and node.is_link and not follow and not flags & O_PATH:
        raise KernelError(Errno.ELOOP)
    if flags & O_CREAT and (node.is_dir or (not node.exists and path.endswith("/"))):
        raise KernelError(Errno.EISDIR)
    task.files.lowest_free()  # EMFILE before anything is made
    f = task.kernel.vfs.open(node, flags, mode & 0o7777, task.fs.umask, task)
    return task.files.install(f, cloexec=bool(flags & O_CLOEXEC))


@syscall("open", "path", "oflags", "mode")
def sys_open(task: "Task", path: int, flags: int, mode: int) -> int:
    return do_open(task, AT_FDCWD, read_path(task, path), flags, mode)


@syscall("openat", "dirfd", "path", "oflags", "mode")
def sys_openat(task: "Task", dirfd: int, path: int, flags: int, mode: int) -> int:
    return do_open(task, dirfd, read_path(task, path), flags, mode)


@syscall("creat", "path", "mode")
def sys_creat(task: "Task", path: int, mode: int) -> int:
    return do_open(task, AT_FDCWD, read_path(task, path), O_CREAT | O_WRONLY | O_TRUNC, mode)


@syscall("close", "fd")
def sys_close(task: "Task", fd: int) -> int:
    task.files.close(s32(fd))
    return 0


@syscall("close_range", "fd", "fd", "hex")
def sys_close_range(task: "Task", first: int, last: int, flags: int) -> int:
    if flags & ~0x6 or first > last:
        raise KernelError(Errno.EINVAL)
    for fd, e in list(task.files):
        if first <= fd <= last:
            if flags & 4:  # CLOSE_RANGE_CLOEXEC
                e.cloexec = True
            else:
                task.files.close(fd)
    return 0


@syscall("lseek", "fd", "off", "whence")
def sys_lseek(task: "Task", fd: int, off: int, whence: int) -> int:
    f = task.files.get(s32(fd))
    if whence > 4:
        raise KernelError(Errno.EINVAL)
    res = f.lseek(s64(off), whence)
    if res < 0:
        raise KernelError(Errno.EINVAL)
    return res


@syscall("dup", "fd")
def sys_dup(task: "Task", fd: int) -> int:
    f = task.files.get(s32(fd))
    return task.files.install(f)


@syscall("dup2", "fd", "fd")
def sys_dup2(task: "Task", old: int, new: int) -> int:
    old, new = s32(old), s32(new)
    f = task.files.get(old)
    if old == new:
        return new
    task.files.install_at(new, f)
    return new


@syscall("dup3", "fd", "fd", "oflags")
def sys_dup3(task: "Task", old: int, new: int, flags: int) -> int:
    old, new = s32(old), s32(new)
    if flags & ~O_CLOEXEC or old == new:
        raise KernelError(Errno.EINVAL)
    f = task.files.get(old)
    task.files.install_at(new, f, cloexec=bool(flags & O_CLOEXEC))
    return new


@syscall("fcntl", "fd", "fcntlcmd", "hex")
def sys_fcntl(task: "Task", fd: int, cmd: int, arg: int) -> int:
    fd = s32(fd)
    e = task.files.entry(fd)
    if cmd in (F_DUPFD, F_DUPFD_CLOEXEC):
        start = s32(arg)
        if start < 0 or start >= task.files.limit:
            raise KernelError(Errno.EINVAL)
        return task.files.install(e.file, cloexec=cmd == F_DUPFD_CLOEXEC, start=start)
    if cmd == F_GETFD:
        return FD_CLOEXEC if e.cloexec else 0
    if cmd == F_SETFD:
        e.cloexec = bool(arg & FD_CLOEXEC)
        return 0
    if cmd == F_GETFL:
        return e.file.flags & ~O_CLOEXEC
    if cmd == F_SETFL:
        mask = e.file.SETFL_MASK
        e.file.flags = (e.file.flags & ~mask) | (arg & mask)
        return 0
    if cmd in (F_GETLK, F_SETLK, F_SETLKW):
        return 0  # advisory locks always succeed: one emulated machine, no other lockers
    if cmd == F_GETPIPE_SZ:
        pipe = getattr(e.file, "pipe", None)
        if pipe is None:
            raise KernelError(Errno.EBADF)
        return pipe.capacity
    if cmd == F_SETPIPE_SZ:
        pipe = getattr(e.file, "pipe", None)
        if pipe is None:
            raise KernelError(Errno.EBADF)
        pipe.capacity = max(4096, 1 << (max(arg, 1) - 1).bit_length())
        return pipe.capacity
    raise KernelError(Errno.EINVAL)


@syscall("ioctl", "fd", "ioctl", "hex", support="partial",
         notes="TCGETS/TIOCGWINSZ/FIONREAD and terminal settings go to the host tty; "
               "FIONBIO; ENOTTY otherwise")
def sys_ioctl(task: "Task", fd: int, req: int, arg: int) -> int:
    f = task.files.get(s32(fd))
    req &= 0xFFFFFFFF
    if req == FIONBIO:
        on = task.mm.read_u32(arg)
        f.flags = (f.flags | O_NONBLOCK) if on else (f.flags & ~O_NONBLOCK)
        return 0
    return f.ioctl(task, req, arg)


def _pipe(task: "Task", fds: int, flags: int) -> int:
    if flags & ~(O_CLOEXEC | O_NONBLOCK | 0o40000):
        raise KernelError(Errno.EINVAL)
    r, w = make_pipe(flags)
    cloexec = bool(flags & O_CLOEXEC)
    rfd = task.files.install(r, cloexec)
    try:
        wfd = task.files.install(w, cloexec)
    except KernelError:
        task.files.close(rfd)
        raise
    try:
        write_out(task, fds, struct.pack("<ii", rfd, wfd))
    except KernelError:
        task.files.close(rfd)
        task.files.close(wfd)
        raise
    return 0


@syscall("pipe", "pipefds")
def sys_pipe(task: "Task", fds: int) -> int:
    return _pipe(task, fds, 0)


@syscall("pipe2", "pipefds", "oflags")
def sys_pipe2(task: "Task", fds: int, flags: int) -> int:
    return _pipe(task, fds, flags)


@syscall("getdents64", "fd", "dirents:ret", "size")
def sys_getdents64(task: "Task", fd: int, dirp: int, count: int) -> int:
    f = task.files.get(s32(fd))
    data = f.getdents(task, count)
    write_out(task, dirp, data)
    return len(data)


@syscall("fsync", "fd", alias="fdatasync")
def sys_fsync(task: "Task", fd: int) -> int:
    task.files.get(s32(fd))
    return 0


@syscall("ftruncate", "fd", "off")
def sys_ftruncate(task: "Task", fd: int, length: int) -> int:
    import os
    f = task.files.get(s32(fd))
    hfd = getattr(f, "fd", None)
    if hfd is None or not f.writable:
        raise KernelError(Errno.EINVAL)
    try:
        os.ftruncate(hfd, s64(length))
    except OSError as e:
        raise KernelError(e.errno or Errno.EIO) from None
    return 0


@syscall("sendfile", "fd", "fd", "ptr", "size")
def sys_sendfile(task: "Task", out_fd: int, in_fd: int, offp: int, count: int) -> int:
    fin = _readable(task, in_fd)
    fout = _writable(task, out_fd)
    if offp:
        off = task.mm.read_u64(offp)
        data = fin.pread(task, min(count, 1 << 20), off)
        task.mm.write_u64(offp, off + len(data))
    else:
        data = fin.read(task, min(count, 1 << 20))
    return fout.write(task, data) if data else 0


