"""inotify: events about names the guest makes, removes and moves (fs/notify/inotify).

Watches are kept by the watched inode (device, inode).  The name operations of the
emulated kernel (mkdir, mknod, open with O_CREAT, symlink, link, unlink, rmdir, rename)
report to FsNotify, which queues IN_CREATE, IN_DELETE, IN_MOVED_FROM and IN_MOVED_TO
(with a shared cookie) on the instances watching the directory.  Changes made by the host
behind the guest's back are not seen, nor are IN_MODIFY, IN_ACCESS, IN_OPEN and IN_CLOSE.
"""

from __future__ import annotations

import struct
from collections import deque
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import O_NONBLOCK, POLLIN, POLLRDNORM
from ..kernel.errors import Block, KernelError
from .eventfd import AnonFile

if TYPE_CHECKING:
    from ..kernel.task import Task
    from .hostdir import HostDir

IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
IN_Q_OVERFLOW, IN_IGNORED, IN_ISDIR, IN_ONESHOT = 0x4000, 0x8000, 0x40000000, 0x80000000
IN_ONLYDIR, IN_DONT_FOLLOW, IN_EXCL_UNLINK = 0x01000000, 0x02000000, 0x04000000
IN_MASK_CREATE, IN_MASK_ADD = 0x10000000, 0x20000000
IN_ALL_EVENTS = 0xFFF
MAX_QUEUED = 16384  # fs.inotify.max_queued_events
EVENT_HDR = 16


class InotifyFile(AnonFile):
    kind = "inotify"

    def __init__(self, notify: "FsNotify", flags: int) -> None:
        super().__init__("inotify", flags & O_NONBLOCK)
        self.notify = notify
        self.watches: dict[int, tuple[tuple[int, int], int]] = {}  # wd -> (key, mask)
        self.by_key: dict[tuple[int, int], int] = {}
        self.next_wd = 1
        self.events: deque[bytes] = deque()

    def add_watch(self, key: tuple[int, int], mask: int) -> int:
        wd = self.by_key.get(key)
        if wd is not None:
            if mask & IN_MASK_CREATE:
                raise KernelError(Errno.EEXIST)
            old = self.watches[wd][1]
            self.watches[wd] = (key, (old | mask) if mask & IN_MASK_ADD else mask)
            return wd
        wd, self.next_wd = self.next_wd, self.next_wd + 1
        self.watches[wd] = (key, mask)
        self.by_key[key] = wd
        self.notify.watch(key, self)
        return wd

    def rm_watch(self, wd: int) -> None:
        got = self.watches.pop(wd, None)
        if got is None:
            raise KernelError(Errno.EINVAL)
        del self.by_key[got[0]]
        self.notify.unwatch(got[0], self)
        self.queue(wd, IN_IGNORED, 0, b"")

    def queue(self, wd: int, mask: int, cookie: int, name: bytes) -> None:
        if len(self.events) >= MAX_QUEUED:
            if not self.events or struct.unpack_from("<iI", self.events[-1])[1] != IN_Q_OVERFLOW:
                self.events.append(struct.pack("<iIII", -1, IN_Q_OVERFLOW, 0, 0))
            return
        padded = b""
        if name:
            size = (len(name) + 1 + EVENT_HDR - 1) // EVENT_HDR * EVENT_HDR
            padded = name + b"\0" * (size - len(name))
        self.events.append(struct.pack("<iIII", wd, mask, cookie, len(padded)) + padded)
        self.wq.wake_all()

    def deliver(self, key: tuple[int, int], mask: int, cookie: int, name: bytes) -> None:
        wd = self.by_key.get(key)
        if wd is None:
            return
        wmask = self.watches[wd][1]
        if not wmask & mask & IN_ALL_EVENTS:
            return
        self.queue(wd, mask, cookie, name)
        if wmask & IN_ONESHOT:
            self.rm_watch(wd)

    def read(self, task: "Task", n: int) -> bytes:
        if not self.events:
            if self.flags & O_NONBLOCK:
                raise KernelError(Errno.EAGAIN)
            raise Block([self.wq])
        if len(self.events[0]) > n:
            raise KernelError(Errno.EINVAL)
        out = b""
        while self.events and len(out) + len(self.events[0]) <= n:
            out += self.events.popleft()
        return out

    def poll(self) -> int:
        return POLLIN | POLLRDNORM if self.events else 0

    def release(self) -> None:
        for key in list(self.by_key):
            self.notify.unwatch(key, self)
        self.by_key.clear()
        self.watches.clear()


class FsNotify:
    """Which instances watch which inode; where name operations report."""

    def __init__(self) -> None:
        self.watches: dict[tuple[int, int], list[InotifyFile]] = {}
        self._cookie = 0

    def watch(self, key: tuple[int, int], f: InotifyFile) -> None:
        self.watches.setdefault(key, []).append(f)

    def unwatch(self, key: tuple[int, int], f: InotifyFile) -> None:
        got = self.watches.get(key)
        if got is not None and f in got:
            got.remove(f)
            if not got:
                del self.watches[key]

    def name_event(self, d: "HostDir", name: str, mask: int, is_dir: bool = False,
                   cookie: int = 0) -> None:
        """An entry of directory `d` was made, removed or moved."""
        key = (d.dev, d.ino)
        for f in list(self.watches.get(key, ())):
            f.deliver(key, mask | (IN_ISDIR if is_dir else 0), cookie, name.encode(
                "utf-8", "surrogateescape"))

    def cookie(self) -> int:
        self._cookie += 1
        return self._cookie
