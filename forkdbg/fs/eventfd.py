"""eventfd: a 64-bit counter as a file (Linux's fs/eventfd.c).

write adds to the counter, read takes it all (or one, with EFD_SEMAPHORE); each blocks
while it cannot complete, unless the file is nonblocking.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.eventflags import EFD_SEMAPHORE, EVENTFD_MAX
from ..abi.fileflags import O_NONBLOCK, O_RDWR, POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from ..kernel.errors import Block, KernelError
from ..kernel.sched import WaitQueue
from .file import File
from .stat import ANON_INODE, Stat

if TYPE_CHECKING:
    from ..kernel.task import Task


class AnonFile(File):
    """A file on the anon inode: `anon_inode:[NAME]` in /proc/PID/fd, one wait queue."""

    def __init__(self, name: str, flags: int) -> None:
        super().__init__(O_RDWR | flags, f"anon_inode:[{name}]")
        self.wq = WaitQueue(name)

    def stat(self) -> Stat:
        return ANON_INODE

    def poll_queues(self) -> list:
        return [self.wq]

    def wait(self) -> None:
        """EAGAIN when nonblocking, else sleep until the file changes."""
        if self.flags & O_NONBLOCK:
            raise KernelError(Errno.EAGAIN)
        raise Block([self.wq])


class EventFd(AnonFile):
    kind = "eventfd"

    def __init__(self, count: int, flags: int) -> None:
        super().__init__("eventfd", flags & O_NONBLOCK)
        self.count = count
        self.semaphore = bool(flags & EFD_SEMAPHORE)

    def read(self, task: "Task", n: int) -> bytes:
        if n < 8:
            raise KernelError(Errno.EINVAL)
        if self.count == 0:
            self.wait()
        took = 1 if self.semaphore else self.count
        self.count -= took
        self.wq.wake_all()
        return struct.pack("<Q", took)

    def write(self, task: "Task", data: bytes) -> int:
        if len(data) < 8:
            raise KernelError(Errno.EINVAL)
        add = struct.unpack_from("<Q", data)[0]
        if add == 0xFFFFFFFFFFFFFFFF:
            raise KernelError(Errno.EINVAL)
        if self.count + add > EVENTFD_MAX:
            self.wait()
        if add:
            self.count += add
            self.wq.wake_all()
        return 8

    def poll(self) -> int:
        ev = 0
        if self.count > 0:
            ev |= POLLIN | POLLRDNORM
        if self.count == 0xFFFFFFFFFFFFFFFF:
            ev |= POLLERR
        if self.count < EVENTFD_MAX:
            ev |= POLLOUT | POLLWRNORM
        return ev
