"""Files backed by host descriptors: regular files, directories, ttys and forkdbg's own stdio."""

from __future__ import annotations

import ctypes
import fcntl
import os
import select
import stat as st_mod
import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.eventflags import IN_ACCESS, IN_MODIFY
from ..abi.fileflags import (
    DEFAULT_POLLMASK,
    DT_BLK,
    DT_CHR,
    DT_DIR,
    DT_FIFO,
    DT_LNK,
    DT_REG,
    DT_SOCK,
    DT_UNKNOWN,
    FIONREAD,
    O_NONBLOCK,
    POLLERR,
    POLLIN,
    POLLOUT,
    SEEK_CUR,
    SEEK_SET,
    TCGETS,
    TCSETS,
    TCSETSF,
    TCSETSW,
    TERMIOS_SIZE,
    TIOCGPGRP,
    TIOCGWINSZ,
    TIOCSPGRP,
    TIOCSWINSZ,
)
from ..abi.signals import Sig
from ..kernel.errors import Block, KernelError
from .file import File
from .hostdir import host_error
from .stat import Stat

if TYPE_CHECKING:
    from ..kernel.task import Task
    from .hostdir import HostDir
    from .vfs import Vfs


#: what a pipe or terminal that select() calls writable takes without blocking (PIPE_BUF)
_HOST_CHUNK = 4096




class HostFile(File):
    """A host descriptor: regular file, tty, host pipe or forkdbg's stdin/stdout/stderr."""

    kind = "host"

    def __init__(self, fd: int, flags: int, path: str, owned: bool = True) -> None:
        super().__init__(flags, path)
        self.fd = fd
        self.owned = owned
        #: (device, inode) of a regular file: its page cache's key (fs/pagecache.py)
        self.key: tuple[int, int] | None = None
        try:
            st = os.fstat(fd)
            self.regular = st_mod.S_ISREG(st.st_mode) or st_mod.S_ISBLK(st.st_mode)
            if st_mod.S_ISREG(st.st_mode):
                self.key = (st.st_dev, st.st_ino)
        except OSError:
            self.regular = False
        self.chunked = self.regular

    def release(self) -> None:
        if self.owned:
            try:
                os.close(self.fd)
            except OSError:
                pass

    def _ready(self, want_read: bool) -> bool:
        if self.regular:
            return True
        try:
            r, w, _x = select.select([self.fd] if want_read else [], [] if want_read else [self.fd],
                                     [], 0)
        except (OSError, ValueError):
            return True
        return bool(r or w)

    def read(self, task: "Task", n: int) -> bytes:
        cache = task.kernel.page_cache.get(self.key)
        if cache is not None:  # a shared mapping's stores are the file's bytes
            try:
                data = os.read(self.fd, n)
                data = cache.overlay(os.lseek(self.fd, 0, SEEK_CUR) - len(data), data)
            except OSError as e:
                raise host_error(e) from None
            return self._accessed(task, data)
        if not self._ready(True):
            if self.flags & O_NONBLOCK:
                raise KernelError(Errno.EAGAIN)
            raise Block(host_fds=[self.fd])
        try:
            data = os.read(self.fd, n)
        except BlockingIOError:
            raise Block(host_fds=[self.fd]) from None
        except OSError as e:
            raise host_error(e) from None
        return self._accessed(task, data)

    def _accessed(self, task: "Task", data: bytes) -> bytes:
        if data and self.watched is not None:
            task.kernel.fsnotify.inode_event(self.watched, IN_ACCESS)
        return data

    def _modified(self, task: "Task", n: int) -> int:
        if n and self.watched is not None:
            task.kernel.fsnotify.inode_event(self.watched, IN_MODIFY)
        return n

    def write(self, task: "Task", data: bytes) -> int:
        """A regular file takes the write at once.  A pipe, socket or terminal may be full:
        a host write would then stop the whole machine, so write only what it has room
        for (PIPE_BUF at a time while select says it is writable) and sleep when none."""
        if self.regular:
            return self._write(task, data)
        done = 0
        while done < len(data) and self._ready(False):
            n = self._write(task, data[done:done + _HOST_CHUNK])
            done += n
            if n < _HOST_CHUNK:
                break
        if done:
            return done
        if self.flags & O_NONBLOCK:
            raise KernelError(Errno.EAGAIN)
        raise Block(host_wfds=[self.fd])

    def _write(self, task: "Task", data: bytes) -> int:
        try:
            n = os.write(self.fd, data)
            cache = task.kernel.page_cache.get(self.key)
            if cache is not None:
                cache.wrote(os.lseek(self.fd, 0, SEEK_CUR) - n, data[:n])
            return self._modified(task, n)
        except BrokenPipeError:
            task.kernel.signals.send_to_task(task, Sig.SIGPIPE, code=0, sender=task)
            raise KernelError(Errno.EPIPE) from None
        except OSError as e:
            raise host_error(e) from None

    def pread(self, task: "Task", n: int, off: int) -> bytes:
        try:
            data = os.pread(self.fd, n, off)
        except OSError as e:
            raise host_error(e) from None
        cache = task.kernel.page_cache.get(self.key)
        return self._accessed(task, data if cache is None else cache.overlay(off, data))

    def pwrite(self, task: "Task", data: bytes, off: int) -> int:
        try:
            n = os.pwrite(self.fd, data, off)
        except OSError as e:
            raise host_error(e) from None
        cache = task.kernel.page_cache.get(self.key)
        if cache is not None:
            cache.wrote(off, data[:n])
        return self._modified(task, n)

    def lseek(self, off: int, whence: int) -> int:
        try:
            return os.lseek(self.fd, off, whence)
        except OSError as e:
            raise host_error(e) from None

    def stat(self) -> Stat:
        try:
            return Stat.from_host(os.fstat(self.fd))
        except OSError as e:
            raise host_error(e) from None

    def ioctl(self, task: "Task", req: int, arg: int) -> int:
        # Linux copies the kernel's struct termios (36 bytes: four flag words, c_line,
        # 19 control characters), not the C library's larger one: glibc's tcgetattr keeps
        # a 36-byte struct on its stack, so a byte more overwrites the caller's frame
        sizes = {TCGETS: TERMIOS_SIZE, TIOCGWINSZ: 8, FIONREAD: 4, TIOCGPGRP: 4}
        if req in sizes:
            try:
                out = fcntl.ioctl(self.fd, req, bytes(sizes[req]))
            except OSError as e:
                raise host_error(e) from None
            if req == TIOCGPGRP:
                out = struct.pack("<i", task.tg.pgid)
            task.mm.write(arg, out)
            return 0
        if req in (TCSETS, TCSETSW, TCSETSF, TIOCSWINSZ, TIOCSPGRP):
            # the terminal is forkdbg's: report success only where the host agrees it is one
            try:
                fcntl.ioctl(self.fd, TCGETS, bytes(TERMIOS_SIZE))
            except OSError as e:
                raise host_error(e) from None
            if req in (TCSETS, TCSETSW, TCSETSF):
                data = task.mm.read(arg, TERMIOS_SIZE)
                try:
                    fcntl.ioctl(self.fd, req, data)
                except OSError as e:
                    raise host_error(e) from None
            return 0
        raise KernelError(Errno.ENOTTY)

    def poll(self) -> int:
        """The host's own answer for the descriptor (a tty, a pipe, /dev/full...)."""
        if self.regular:
            return DEFAULT_POLLMASK
        p = select.poll()
        try:
            p.register(self.fd, ALL_POLL_EVENTS)
            got = p.poll(0)
        except (OSError, ValueError):
            return POLLERR
        return got[0][1] & 0xFFFF if got else 0

    def host_fd(self) -> int | None:
        return None if self.regular else self.fd

    @property
    def can_poll(self) -> bool:  # type: ignore[override]
        return not self.regular


#: every event a host poll may be asked about
ALL_POLL_EVENTS = select.POLLIN | select.POLLPRI | select.POLLOUT | select.POLLRDNORM | \
    select.POLLRDBAND | select.POLLWRNORM | select.POLLWRBAND | select.POLLRDHUP

_DTYPES = {0o140000: DT_SOCK, 0o120000: DT_LNK, 0o100000: DT_REG, 0o060000: DT_BLK,
           0o040000: DT_DIR, 0o020000: DT_CHR, 0o010000: DT_FIFO}


def dirent64(ino: int, off: int, dtype: int, name: bytes) -> bytes:
    """One struct linux_dirent64, padded to 8 bytes."""
    reclen = (19 + len(name) + 1 + 7) & ~7
    return struct.pack("<QqHB", ino, off, reclen, dtype) + name + b"\0" * (reclen - 19 - len(name))


class DirFile(File):
    """An open host directory: getdents64 lists it, "." and ".." first; it is also where
    *at() calls with its descriptor resolve (`place`)."""

    kind = "dir"

    def __init__(self, place: "HostDir", flags: int, path: str, vfs: "Vfs") -> None:
        super().__init__(flags, path)
        self.place = place
        self.fd = place.fd
        self._vfs = vfs
        self.pos = 0
        self._entries: list[tuple[int, int, bytes]] | None = None

    @property
    def is_dir(self) -> bool:
        return True

    def _list(self) -> list[tuple[int, int, bytes]]:
        if self._entries is None:
            try:
                here = os.fstat(self.fd).st_ino
                if self.place.same(self._vfs.root):
                    up = here  # the root's ".." is itself
                else:
                    up = os.stat("..", dir_fd=self.fd, follow_symlinks=False).st_ino
                ents = [(here, DT_DIR, b"."), (up, DT_DIR, b"..")]
                with os.scandir(self.fd) as it:
                    for e in it:
                        try:
                            mode = e.stat(follow_symlinks=False).st_mode
                            dtype = _DTYPES.get(mode & 0o170000, DT_UNKNOWN)
                        except OSError:
                            dtype = DT_UNKNOWN
                        ents.append((e.inode(), dtype, os.fsencode(e.name)))
            except OSError as e:
                raise host_error(e) from None
            self._entries = ents
        return self._entries

    def getdents(self, task: "Task", size: int) -> bytes:
        if self.watched is not None:  # iterate_dir: every call, the last one too
            task.kernel.fsnotify.inode_event(self.watched, IN_ACCESS)
        ents = self._list()
        out = bytearray()
        while self.pos < len(ents):
            ino, dtype, name = ents[self.pos]
            rec = dirent64(ino, self.pos + 1, dtype, name)
            if len(out) + len(rec) > size:
                if not out:
                    raise KernelError(Errno.EINVAL)
                break
            out += rec
            self.pos += 1
        return bytes(out)

    def lseek(self, off: int, whence: int) -> int:
        if whence == SEEK_SET and off >= 0:
            self.pos = off
            if off == 0:
                self._entries = None
            return off
        if whence == SEEK_CUR:
            self.pos = max(0, self.pos + off)
            return self.pos
        raise KernelError(Errno.EINVAL)

    def read(self, task: "Task", n: int) -> bytes:
        raise KernelError(Errno.EISDIR)

    def write(self, task: "Task", data: bytes) -> int:
        raise KernelError(Errno.EBADF)

    def stat(self) -> Stat:
        try:
            return Stat.from_host(os.fstat(self.fd))
        except OSError as e:
            raise host_error(e) from None

    def poll(self) -> int:
        return POLLIN | POLLOUT

    can_poll = False


class PathFile(File):
    """An O_PATH descriptor: it names a file (fstat, *at() base, fchdir) but does no I/O."""

    kind = "path"

    def __init__(self, fd: int, flags: int, path: str, is_dir: bool = False) -> None:
        super().__init__(flags, path)
        self.fd = fd
        self._is_dir = is_dir
        self.place: "HostDir | None" = None
        if is_dir:
            from .hostdir import HostDir
            self.place = HostDir(os.dup(fd), path)

    @property
    def is_dir(self) -> bool:
        return self._is_dir

    def release(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass

    def stat(self) -> Stat:
        try:
            return Stat.from_host(os.fstat(self.fd))
        except OSError as e:
            raise host_error(e) from None

    def read(self, task: "Task", n: int) -> bytes:
        raise KernelError(Errno.EBADF)

    def write(self, task: "Task", data: bytes) -> int:
        raise KernelError(Errno.EBADF)


_libc = ctypes.CDLL(None, use_errno=True)
_fallocate = _libc.fallocate
_fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]


def host_fallocate(fd: int, mode: int, off: int, length: int) -> None:
    """fallocate(2) on a host descriptor (the guest's own file); KernelError on failure."""
    if _fallocate(fd, mode, off, length) != 0:
        raise KernelError(ctypes.get_errno() or Errno.EIO)
