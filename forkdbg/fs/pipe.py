"""Pipes between guest tasks: a bounded buffer, blocking reads and writes, EOF and EPIPE."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import (
    O_NONBLOCK,
    O_RDONLY,
    O_WRONLY,
    POLLERR,
    POLLHUP,
    POLLIN,
    POLLOUT,
    POLLRDNORM,
    POLLWRNORM,
)
from ..abi.signals import Sig
from ..kernel.errors import Block, KernelError
from ..kernel.sched import WaitQueue
from .file import File
from .stat import Stat, fifo

if TYPE_CHECKING:
    from ..kernel.task import Task

PIPE_BUF = 4096
PIPE_SIZE = 65536
PIPE_MAX_SIZE = 1048576  # /proc/sys/fs/pipe-max-size: F_SETPIPE_SZ's limit without privilege
_inodes = itertools.count(100000)


class Pipe:
    """The shared buffer behind a read end and a write end."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.capacity = PIPE_SIZE
        self.readers = 0
        self.writers = 0
        self.ino = next(_inodes)
        self.rq = WaitQueue("pipe-read")  # readers wait for data or EOF
        self.wq = WaitQueue("pipe-write")  # writers wait for room or no readers


class PipeEnd(File):
    """One end of a pipe."""

    kind = "pipe"

    def __init__(self, pipe: Pipe, flags: int) -> None:
        super().__init__(flags, f"pipe:[{pipe.ino}]")
        self.pipe = pipe
        if self.reader:
            pipe.readers += 1
        else:
            pipe.writers += 1

    @property
    def reader(self) -> bool:
        return (self.flags & 3) == O_RDONLY

    def release(self) -> None:
        p = self.pipe
        if self.reader:
            p.readers -= 1
            if p.readers == 0:
                p.wq.wake_all()
        else:
            p.writers -= 1
            if p.writers == 0:
                p.rq.wake_all()

    def read(self, task: "Task", n: int) -> bytes:
        if not self.reader:
            raise KernelError(Errno.EBADF)
        p = self.pipe
        if p.buf:
            data = bytes(p.buf[:n])
            del p.buf[:n]
            p.wq.wake_all()
            return data
        if p.writers == 0:
            return b""
        if self.flags & O_NONBLOCK:
            raise KernelError(Errno.EAGAIN)
        raise Block([p.rq])

    def write(self, task: "Task", data: bytes) -> int:
        if self.reader:
            raise KernelError(Errno.EBADF)
        p = self.pipe
        if p.readers == 0:
            task.kernel.signals.send_to_task(task, Sig.SIGPIPE, code=0, sender=task)
            raise KernelError(Errno.EPIPE)
        room = p.capacity - len(p.buf)
        if room <= 0 or (len(data) <= PIPE_BUF and room < len(data)):
            if self.flags & O_NONBLOCK:
                raise KernelError(Errno.EAGAIN)
            raise Block([p.wq])
        n = min(room, len(data))
        p.buf += data[:n]
        p.rq.wake_all()
        return n

    def stat(self) -> Stat:
        return fifo(self.pipe.ino)

    def ioctl(self, task: "Task", req: int, arg: int) -> int:
        from ..abi.fileflags import FIONREAD
        if req == FIONREAD:
            task.mm.write_u32(arg, len(self.pipe.buf))
            return 0
        raise KernelError(Errno.ENOTTY)

    def poll(self) -> int:
        p = self.pipe
        if self.reader:
            ev = POLLIN | POLLRDNORM if p.buf else 0
            if p.writers == 0:
                ev |= POLLHUP
            return ev
        if p.readers == 0:
            return POLLOUT | POLLWRNORM | POLLERR
        return POLLOUT | POLLWRNORM if len(p.buf) < p.capacity else 0

    def poll_queues(self) -> list:
        return [self.pipe.rq if self.reader else self.pipe.wq]


def make_pipe(flags: int) -> tuple[PipeEnd, PipeEnd]:
    """(read end, write end) with O_NONBLOCK from `flags`."""
    p = Pipe()
    extra = flags & O_NONBLOCK
    return PipeEnd(p, O_RDONLY | extra), PipeEnd(p, O_WRONLY | extra)
