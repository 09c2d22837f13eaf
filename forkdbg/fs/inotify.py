"""inotify: events about the guest's own changes to files and names (fs/notify/inotify).

Watches are kept by the watched inode (device, inode).  The emulated kernel reports to
FsNotify as Linux's fsnotify hooks do: name operations (IN_CREATE, IN_DELETE,
IN_MOVED_FROM/TO with a shared cookie) to the directory's watchers; opens, reads,
writes, attribute changes and last closes (IN_OPEN, IN_ACCESS, IN_MODIFY, IN_ATTRIB,
IN_CLOSE_WRITE/NOWRITE) to the parent directory's watchers with the name, then to the
file's own; IN_MOVE_SELF, and IN_DELETE_SELF then IN_IGNORED when the last link and the
last open description of the inode are gone.  An event identical to the one queued last
is merged with it.  Changes made by the host behind the guest's back are not seen.
"""

from __future__ import annotations

import stat as st_mod
import struct
from collections import deque
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.eventflags import (
    IN_ACCESS,
    IN_ALL_EVENTS,
    IN_ATTRIB,
    IN_CLOSE_NOWRITE,
    IN_CLOSE_WRITE,
    IN_DELETE_SELF,
    IN_IGNORED,
    IN_ISDIR,
    IN_MASK_ADD,
    IN_MASK_CREATE,
    IN_MODIFY,
    IN_MOVE_SELF,
    IN_ONESHOT,
    IN_OPEN,
    IN_Q_OVERFLOW,
)
from ..abi.fileflags import O_NONBLOCK, POLLIN, POLLRDNORM
from ..kernel.errors import Block, KernelError
from .eventfd import AnonFile

if TYPE_CHECKING:
    from ..kernel.task import Task
    from .hostdir import HostDir
    from .vfs import Node

#: events a directory's watch also gets for its entries (FS_EVENTS_POSS_ON_CHILD)
ON_CHILD = IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_OPEN
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
        event = struct.pack("<iIII", wd, mask, cookie, len(padded)) + padded
        if self.events and self.events[-1] == event:
            return  # inotify_merge: the same event as the last one still unread
        self.events.append(event)
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

    def inode_gone(self, key: tuple[int, int]) -> None:
        """The watched inode was destroyed: IN_DELETE_SELF if asked for, then IN_IGNORED."""
        wd = self.by_key.get(key)
        if wd is None:
            return
        if self.watches[wd][1] & IN_DELETE_SELF:
            self.queue(wd, IN_DELETE_SELF, 0, b"")
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


Key = tuple[int, int]


class Watched:
    """What an open file tells inotify about itself: its inode, and the directory and
    name it was opened by (Linux reports to the dentry's parent)."""

    __slots__ = ("key", "parent", "name", "is_dir")

    def __init__(self, key: Key, parent: Key | None, name: str, is_dir: bool) -> None:
        self.key, self.parent, self.name, self.is_dir = key, parent, name, is_dir


def watched_node(node: "Node") -> Watched | None:
    """What a resolved host node tells inotify (None for /proc, devices, missing files)."""
    st = node.hst
    if node.dir is None or st is None:
        return None
    parent = None if node.name == "." else (node.dir.dev, node.dir.ino)
    return Watched((st.st_dev, st.st_ino), parent, node.name, st_mod.S_ISDIR(st.st_mode))


class FsNotify:
    """Which instances watch which inode; where the kernel's file operations report."""

    def __init__(self) -> None:
        self.watches: dict[Key, list[InotifyFile]] = {}
        self._cookie = 0
        self.open_count: dict[Key, int] = {}  # open descriptions of each opened inode
        self.unlinked: set[Key] = set()  # no link left, but still open

    def watch(self, key: Key, f: InotifyFile) -> None:
        self.watches.setdefault(key, []).append(f)

    def unwatch(self, key: Key, f: InotifyFile) -> None:
        got = self.watches.get(key)
        if got is not None and f in got:
            got.remove(f)
            if not got:
                del self.watches[key]

    def _deliver(self, key: Key | None, mask: int, cookie: int, name: str) -> None:
        if key is None:
            return
        raw = name.encode("utf-8", "surrogateescape")
        for f in list(self.watches.get(key, ())):
            f.deliver(key, mask, cookie, raw)

    def name_event(self, d: "HostDir", name: str, mask: int, is_dir: bool = False,
                   cookie: int = 0) -> None:
        """An entry of directory `d` was made, removed or moved."""
        self._deliver((d.dev, d.ino), mask | (IN_ISDIR if is_dir else 0), cookie, name)

    def inode_event(self, w: Watched, mask: int) -> None:
        """Something happened to the inode: its directory's watchers hear of it by name
        (events possible on a child), then its own watchers."""
        if not self.watches:
            return
        flag = IN_ISDIR if w.is_dir else 0
        if mask & ON_CHILD:
            self._deliver(w.parent, mask | flag, 0, w.name)
        self._deliver(w.key, mask | flag, 0, "")

    def links_changed(self, key: Key) -> None:
        """link or unlink changed the inode's link count (IN_ATTRIB, to it alone)."""
        self._deliver(key, IN_ATTRIB, 0, "")

    def moved(self, key: Key, is_dir: bool) -> None:
        self._deliver(key, IN_MOVE_SELF | (IN_ISDIR if is_dir else 0), 0, "")

    def last_link_gone(self, key: Key) -> None:
        """unlink or rmdir took the inode's last name: it dies now, or at its last close."""
        if self.open_count.get(key):
            self.unlinked.add(key)
        else:
            self._gone(key)

    def _gone(self, key: Key) -> None:
        self.unlinked.discard(key)
        for f in list(self.watches.get(key, ())):
            f.inode_gone(key)

    def opened(self, w: Watched) -> None:
        self.open_count[w.key] = self.open_count.get(w.key, 0) + 1
        self.inode_event(w, IN_OPEN)

    def closed(self, w: Watched, wrote: bool) -> None:
        """The last descriptor of a description opened with `w` closed."""
        self.inode_event(w, IN_CLOSE_WRITE if wrote else IN_CLOSE_NOWRITE)
        n = self.open_count.get(w.key, 1) - 1
        if n > 0:
            self.open_count[w.key] = n
            return
        self.open_count.pop(w.key, None)
        if w.key in self.unlinked:
            self._gone(w.key)

    def cookie(self) -> int:
        self._cookie += 1
        return self._cookie
