"""Open file descriptions (File) and per-process descriptor tables (FdTable).

A File is shared by every descriptor dup'd from it and by both sides of a fork,
so they share its offset and status flags, as in Linux.  FdTable.fork() copies
the table (not the files); close-on-exec lives in the table, per descriptor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterator

from ..abi.errno import Errno
from ..abi.fileflags import DEFAULT_POLLMASK, O_ACCMODE, O_APPEND, O_NONBLOCK, O_RDONLY, O_WRONLY
from ..kernel.errors import KernelError
from .stat import Stat

if TYPE_CHECKING:
    from ..kernel.task import Task
    from .inotify import Watched

NOFILE_DEFAULT = 1024
NR_OPEN_DEFAULT = 64  # the slots a new descriptor table has (BITS_PER_LONG)


def fdtable_size(highest: int) -> int:
    """The slots Linux's expand_fdtable gives a table that must hold descriptor
    `highest`: 64, else a power of two times 128 (select() looks no further)."""
    if highest < NR_OPEN_DEFAULT:
        return NR_OPEN_DEFAULT
    return (1 << (highest // 128).bit_length()) * 128


class File:
    """An open file description.  Subclasses implement what their kind of file can do."""

    kind = "file"
    #: what inotify knows of the file when it was opened by name (fs/inotify.py)
    watched: "Watched | None" = None
    #: status flags F_SETFL may change
    SETFL_MASK = O_APPEND | O_NONBLOCK
    #: a read or write never blocks: a big one is done chunk by chunk (sys_file.transfer)
    chunked = False

    def __init__(self, flags: int, path: str) -> None:
        self.flags = flags
        self.path = path  # the guest path, for /proc/PID/fd and strace -y
        self.refs = 0

    # reference counting by descriptors
    def get(self) -> "File":
        self.refs += 1
        return self

    def put(self) -> None:
        self.refs -= 1
        if self.refs == 0:
            self.release()
            for forget in self.__dict__.pop("on_release", ()):
                forget(self)  # epoll items, flock locks, inotify's close event

    def when_released(self, callback: "Callable[[File], None]") -> None:
        """Call `callback(file)` after the last descriptor closes (__fput's hooks)."""
        self.__dict__.setdefault("on_release", []).append(callback)

    def release(self) -> None:
        """The last descriptor closed."""

    @property
    def readable(self) -> bool:
        return (self.flags & O_ACCMODE) != O_WRONLY

    @property
    def writable(self) -> bool:
        return (self.flags & O_ACCMODE) != O_RDONLY

    def read(self, task: "Task", n: int) -> bytes:
        raise KernelError(Errno.EINVAL)

    def write(self, task: "Task", data: bytes) -> int:
        raise KernelError(Errno.EINVAL)

    def pread(self, task: "Task", n: int, off: int) -> bytes:
        raise KernelError(Errno.ESPIPE)

    def pwrite(self, task: "Task", data: bytes, off: int) -> int:
        raise KernelError(Errno.ESPIPE)

    def lseek(self, off: int, whence: int) -> int:
        raise KernelError(Errno.ESPIPE)

    def stat(self) -> Stat:
        raise KernelError(Errno.EBADF)

    def getdents(self, task: "Task", size: int) -> bytes:
        raise KernelError(Errno.ENOTDIR)

    def ioctl(self, task: "Task", req: int, arg: int) -> int:
        raise KernelError(Errno.ENOTTY)

    def poll(self) -> int:
        """Ready events (POLLIN/POLLOUT/POLLHUP...) right now; a file with no poll
        operation of its own is always ready both ways."""
        return DEFAULT_POLLMASK

    #: epoll may watch it (Linux: the file has a poll operation); regular files,
    #: directories and most devices refuse with EPERM
    can_poll = True

    def poll_queues(self) -> list:
        """Wait queues that wake a poller when readiness may have changed."""
        return []

    def host_fd(self) -> int | None:
        """The host descriptor to select() on when this file may block on the host."""
        return None

    @property
    def is_dir(self) -> bool:
        return False


class FdEntry:
    __slots__ = ("file", "cloexec")

    def __init__(self, file: File, cloexec: bool) -> None:
        self.file = file
        self.cloexec = cloexec


class FdTable:
    """fd -> (File, close-on-exec).  Shared by CLONE_FILES, copied by fork."""

    def __init__(self, limit: int = NOFILE_DEFAULT) -> None:
        self.fds: dict[int, FdEntry] = {}
        self.limit = limit
        self.users = 0  # tasks sharing this table (CLONE_FILES)
        self.max_fds = NR_OPEN_DEFAULT  # slots allocated: it grows, never shrinks

    def get(self, fd: int) -> File:
        """The File at `fd`; EBADF if none."""
        e = self.fds.get(fd)
        if e is None:
            raise KernelError(Errno.EBADF)
        return e.file

    def entry(self, fd: int) -> FdEntry:
        e = self.fds.get(fd)
        if e is None:
            raise KernelError(Errno.EBADF)
        return e

    def lowest_free(self, start: int = 0) -> int:
        fd = start
        while fd in self.fds:
            fd += 1
        if fd >= self.limit:
            raise KernelError(Errno.EMFILE)
        return fd

    def install(self, file: File, cloexec: bool = False, start: int = 0) -> int:
        """Put `file` at the lowest free descriptor >= start."""
        fd = self.lowest_free(start)
        self.fds[fd] = FdEntry(file.get(), cloexec)
        if fd >= self.max_fds:
            self.max_fds = fdtable_size(fd)
        return fd

    def install_at(self, fd: int, file: File, cloexec: bool = False) -> None:
        """Put `file` at `fd`, closing what was there (dup2)."""
        if fd < 0 or fd >= self.limit:
            raise KernelError(Errno.EBADF)
        old = self.fds.get(fd)
        self.fds[fd] = FdEntry(file.get(), cloexec)
        if fd >= self.max_fds:
            self.max_fds = fdtable_size(fd)
        if old is not None:
            old.file.put()

    def close(self, fd: int) -> None:
        e = self.fds.pop(fd, None)
        if e is None:
            raise KernelError(Errno.EBADF)
        e.file.put()

    def fork(self) -> "FdTable":
        """A copy for a child without CLONE_FILES: same Files, own table."""
        t = FdTable(self.limit)
        for fd, e in self.fds.items():
            t.fds[fd] = FdEntry(e.file.get(), e.cloexec)
        t.max_fds = fdtable_size(max(self.fds, default=0))  # dup_fd sizes it to the open ones
        return t

    def close_on_exec(self) -> list[int]:
        """Close every O_CLOEXEC descriptor (at execve); returns them."""
        closed = sorted(fd for fd, e in self.fds.items() if e.cloexec)
        for fd in closed:
            self.close(fd)
        return closed

    def close_all(self) -> None:
        for fd in list(self.fds):
            self.close(fd)

    def __iter__(self) -> Iterator[tuple[int, FdEntry]]:
        return iter(sorted(self.fds.items()))
