"""Descriptors and I/O: read/write and friends, open/close, dup, fcntl, ioctl, pipes, getdents64."""

from __future__ import annotations

import os
import stat as stat_mod
import struct
from typing import TYPE_CHECKING, Callable

from ..abi.errno import Errno
from ..abi.eventflags import IN_CREATE, IN_MODIFY
from ..abi.fileflags import (
    AT_FDCWD,
    F_ADD_SEALS,
    F_DUPFD,
    F_DUPFD_CLOEXEC,
    F_GET_SEALS,
    F_GETFD,
    F_GETFL,
    F_GETLK,
    F_GETPIPE_SZ,
    F_SETFD,
    F_SETFL,
    F_SETLK,
    F_SETLKW,
    F_SETPIPE_SZ,
    FD_CLOEXEC,
    FIONBIO,
    O_ACCMODE,
    O_APPEND,
    O_CLOEXEC,
    O_CREAT,
    O_DIRECTORY,
    O_NOFOLLOW,
    O_NONBLOCK,
    O_PATH,
    O_PATH_FLAGS,
    O_RDONLY,
    O_TMPFILE,
    O_TMPFILE_BIT,
    O_TRUNC,
    O_WRONLY,
)
from ..fs.hostfile import DirFile, HostFile
from ..fs.inotify import FsNotify, Watched
from ..fs.pipe import PIPE_MAX_SIZE, make_pipe
from ..fs.shmem import ShmemFile, memfd_seals
from ..fs.vfs import Node
from ..kernel.cred import CAP_SYS_RESOURCE
from ..kernel.errors import KernelError
from .common import access_ok, read_in, read_path, resolve_at, s32, s64, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..fs.file import File
    from ..kernel.task import Task

MAX_RW = 0x7FFFF000
IOV_MAX = 1024
CHUNK = 1 << 20  # the most one host read or write moves through forkdbg's memory


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


def transfer(task: "Task", f: "File", count: int, step: Callable[[int, int], int]) -> int:
    """Move `count` bytes CHUNK at a time: `step(done, n)` moves at most n bytes after the
    first `done` and returns how many it moved.  A file that never blocks (a regular file,
    a device) goes on until `count` or a short step, as Linux's loops do; anything else
    stops after one step.  A failure after some progress returns the progress, as Linux
    returns a short count.  No step holds more than CHUNK bytes in forkdbg's memory."""
    count = min(count, MAX_RW)
    done = 0
    while True:
        n = min(CHUNK, count - done)
        try:
            moved = step(done, n)
        except KernelError:
            if done:
                return done
            raise
        done += moved
        if moved < n or done >= count or not f.chunked:
            return done


def _read_to(task: "Task", buf: int,
             read: Callable[[int, int], bytes]) -> Callable[[int, int], int]:
    def step(done: int, n: int) -> int:
        data = read(done, n)
        write_out(task, buf + done, data)
        return len(data)
    return step


@syscall("read", "fd", "obuf:ret", "size")
def sys_read(task: "Task", fd: int, buf: int, count: int) -> int:
    f = _readable(task, fd)
    access_ok(buf, count)  # before the sign check: Linux's order (a count of -1 is EFAULT)
    return transfer(task, f, count, _read_to(task, buf, lambda _d, n: f.read(task, n)))


@syscall("write", "fd", "buf:2", "size")
def sys_write(task: "Task", fd: int, buf: int, count: int) -> int:
    f = _writable(task, fd)
    access_ok(buf, count)
    if count == 0:
        return 0
    return transfer(task, f, count,
                    lambda done, n: f.write(task, read_in(task, buf + done, n)))


@syscall("pread64", "fd", "obuf:ret", "size", "off")
def sys_pread64(task: "Task", fd: int, buf: int, count: int, off: int) -> int:
    if s64(off) < 0:
        raise KernelError(Errno.EINVAL)
    f = _readable(task, fd)
    access_ok(buf, count)
    return transfer(task, f, count,
                    _read_to(task, buf, lambda done, n: f.pread(task, n, off + done)))


@syscall("pwrite64", "fd", "buf:2", "size", "off")
def sys_pwrite64(task: "Task", fd: int, buf: int, count: int, off: int) -> int:
    if s64(off) < 0:
        raise KernelError(Errno.EINVAL)
    f = _writable(task, fd)
    access_ok(buf, count)
    return transfer(task, f, count,
                    lambda done, n: f.pwrite(task, read_in(task, buf + done, n), off + done))


def _iovecs(task: "Task", iov: int, n: int) -> list[tuple[int, int]]:
    if not 0 <= n <= IOV_MAX:
        raise KernelError(Errno.EINVAL)
    raw = read_in(task, iov, 16 * n)
    vecs = [struct.unpack_from("<QQ", raw, 16 * i) for i in range(n)]
    if any(s64(ln) < 0 for _b, ln in vecs):
        raise KernelError(Errno.EINVAL)
    out, total = [], 0  # as Linux's import_iovec: each checked, the total cut at MAX_RW
    for base, ln in vecs:
        access_ok(base, ln)
        ln = min(ln, MAX_RW - total)
        out.append((base, ln))
        total += ln
    return out


def _spans(vecs: list[tuple[int, int]], start: int, n: int) -> list[tuple[int, int]]:
    """The (address, length) pieces of bytes [start, start+n) of an iovec array."""
    out = []
    pos = 0
    for base, ln in vecs:
        lo, hi = max(start, pos), min(start + n, pos + ln)
        if lo < hi:
            out.append((base + lo - pos, hi - lo))
        pos += ln
        if pos >= start + n:
            break
    return out


@syscall("readv", "fd", "oiovec:2", "size")
def sys_readv(task: "Task", fd: int, iov: int, iovcnt: int) -> int:
    f = _readable(task, fd)
    vecs = _iovecs(task, iov, iovcnt)
    total = sum(ln for _b, ln in vecs)
    if not total:
        return 0

    def step(done: int, n: int) -> int:
        data = f.read(task, n)
        pos = 0
        for addr, ln in _spans(vecs, done, len(data)):
            write_out(task, addr, data[pos:pos + ln])
            pos += ln
        return len(data)
    return transfer(task, f, total, step)


@syscall("writev", "fd", "iovec:2", "size")
def sys_writev(task: "Task", fd: int, iov: int, iovcnt: int) -> int:
    f = _writable(task, fd)
    vecs = _iovecs(task, iov, iovcnt)
    total = sum(ln for _b, ln in vecs)
    if not total:
        return 0
    if total <= CHUNK:  # one write, so a pipe takes it whole (atomic up to PIPE_BUF)
        return f.write(task, b"".join(read_in(task, base, ln) for base, ln in vecs if ln))
    return transfer(task, f, total, lambda done, n: f.write(task, b"".join(
        read_in(task, a, ln) for a, ln in _spans(vecs, done, n))))


def do_open(task: "Task", dirfd: int, path: str, flags: int, mode: int) -> int:
    flags &= 0xFFFFFFFF
    if flags & O_PATH:  # open(2) keeps only these with O_PATH (build_open_how)
        flags &= O_PATH_FLAGS
    if flags & O_TMPFILE_BIT and ((flags & (O_TMPFILE_BIT | O_DIRECTORY | O_CREAT))
                                  != O_TMPFILE or flags & O_ACCMODE == O_RDONLY):
        raise KernelError(Errno.EINVAL)
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
    fsn = task.kernel.fsnotify
    if fsn.watches and flags & O_CREAT and not node.exists and node.dir is not None:
        fsn.name_event(node.dir, node.name, IN_CREATE)
    if isinstance(f, (HostFile, DirFile)) and node.dir is not None:
        _watch_open(fsn, f, node, bool(flags & O_TRUNC) and node.exists)
    return task.files.install(f, cloexec=bool(flags & O_CLOEXEC))


def _watch_open(fsn: FsNotify, f: HostFile | DirFile, node: Node, truncated: bool) -> None:
    """fsnotify_open: the file remembers what inotify needs until its last close."""
    assert node.dir is not None
    if node.hst is not None and not node.is_link:
        st = node.hst
    else:
        try:
            st = os.fstat(f.fd)  # just made (or reached through a /proc magic link)
        except OSError:
            return
    parent = None if node.name == "." else (node.dir.dev, node.dir.ino)
    w = Watched((st.st_dev, st.st_ino), parent, node.name, stat_mod.S_ISDIR(st.st_mode))
    f.watched = w
    fsn.opened(w)
    if truncated:
        fsn.inode_event(w, IN_MODIFY)
    f.when_released(lambda file: fsn.closed(w, file.writable))


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
        arg &= 0xFFFFFFFF  # pipe_set_size takes an unsigned int
        if arg > 1 << 31:
            raise KernelError(Errno.EINVAL)
        size = max(4096, 1 << (max(arg, 1) - 1).bit_length())
        if size > PIPE_MAX_SIZE and size > pipe.capacity \
                and not task.cred.capable(CAP_SYS_RESOURCE):
            raise KernelError(Errno.EPERM)
        if len(pipe.buf) > size:
            raise KernelError(Errno.EBUSY)
        pipe.capacity = size
        return pipe.capacity
    if cmd in (F_ADD_SEALS, F_GET_SEALS):
        return memfd_seals(e.file, cmd == F_ADD_SEALS, arg & 0xFFFFFFFF)
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


@syscall("fsync", "fd")
def sys_fsync(task: "Task", fd: int) -> int:
    return _sync(task, fd, data_only=False)


@syscall("fdatasync", "fd")
def sys_fdatasync(task: "Task", fd: int) -> int:
    return _sync(task, fd, data_only=True)


def _sync(task: "Task", fd: int, data_only: bool) -> int:
    """The host's fsync/fdatasync for a host file (EINVAL for what cannot be synced)."""
    f = task.files.get(s32(fd))
    hfd = getattr(f, "fd", None)
    if not isinstance(hfd, int):
        raise KernelError(Errno.EINVAL)
    try:
        (os.fdatasync if data_only else os.fsync)(hfd)
    except OSError as e:
        raise KernelError(e.errno or Errno.EIO) from None
    return 0


@syscall("ftruncate", "fd", "off")
def sys_ftruncate(task: "Task", fd: int, length: int) -> int:
    f = task.files.get(s32(fd))
    if isinstance(f, ShmemFile):
        if not f.writable:
            raise KernelError(Errno.EINVAL)
        f.truncate(s64(length))
        return 0
    hfd = getattr(f, "fd", None)
    if hfd is None or not f.writable:
        raise KernelError(Errno.EINVAL)
    try:
        os.ftruncate(hfd, s64(length))
    except OSError as e:
        raise KernelError(e.errno or Errno.EIO) from None
    task.kernel.page_cache.truncated(getattr(f, "key", None), s64(length))
    if f.watched is not None:
        task.kernel.fsnotify.inode_event(f.watched, IN_MODIFY)
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




@syscall("copy_file_range", "fd", "loffp", "fd", "loffp", "size", "uint")
def sys_copy_file_range(task: "Task", fd_in: int, off_in: int, fd_out: int, off_out: int,
                        length: int, flags: int) -> int:
    """vfs_copy_file_range between two regular files, through forkdbg 1 MiB at a time:
    the offsets given by pointer are used and advanced, the others are the files'."""
    if flags & 0xFFFFFFFF:
        raise KernelError(Errno.EINVAL)
    fin = _readable(task, fd_in)
    fout = _writable(task, fd_out)
    if fout.flags & O_APPEND:
        raise KernelError(Errno.EBADF)
    sin, sout = fin.stat(), fout.stat()
    if stat_mod.S_ISDIR(sin.mode) or stat_mod.S_ISDIR(sout.mode):
        raise KernelError(Errno.EISDIR)
    if not stat_mod.S_ISREG(sin.mode) or not stat_mod.S_ISREG(sout.mode):
        raise KernelError(Errno.EINVAL)
    pos_in = s64(task.mm.read_u64(off_in)) if off_in else None
    pos_out = s64(task.mm.read_u64(off_out)) if off_out else None
    if (pos_in is not None and pos_in < 0) or (pos_out is not None and pos_out < 0):
        raise KernelError(Errno.EINVAL)
    n = min(length, 1 << 20)
    if (sin.dev, sin.ino) == (sout.dev, sout.ino):
        a = fin.lseek(0, 1) if pos_in is None else pos_in
        b = fout.lseek(0, 1) if pos_out is None else pos_out
        if a < b + n and b < a + n:  # overlapping ranges of one file
            raise KernelError(Errno.EINVAL)
    data = fin.read(task, n) if pos_in is None else fin.pread(task, n, pos_in)
    if not data:
        return 0
    done = fout.write(task, data) if pos_out is None else fout.pwrite(task, data, pos_out)
    if pos_in is not None:
        task.mm.write_u64(off_in, pos_in + done)
    elif done < len(data):
        fin.lseek(done - len(data), 1)
    if pos_out is not None:
        task.mm.write_u64(off_out, pos_out + done)
    return done
