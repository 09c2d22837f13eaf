"""AF_UNIX sockets made by socketpair: stream, datagram and seqpacket (net/unix/af_unix.c).

Each end holds a receive queue the peer writes into: bytes for SOCK_STREAM, whole
messages for SOCK_DGRAM and SOCK_SEQPACKET.  A read waits for data or the peer's
shutdown or close (end of file); a write to a peer that is gone is EPIPE and SIGPIPE.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import (O_NONBLOCK, O_RDWR, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP,
                             POLLRDNORM, POLLWRBAND, POLLWRNORM)
from ..abi.signals import Sig
from ..abi.socketflags import SOCK_DGRAM, SOCK_STREAM
from ..kernel.errors import Block, KernelError
from ..kernel.sched import WaitQueue
from .file import File
from .stat import Stat

if TYPE_CHECKING:
    from ..kernel.task import Task

SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2
#: the bytes a stream end buffers before a writer waits (net.core.wmem_default)
SOCK_BUF = 212992
_inodes = itertools.count(200000)


class UnixSocket(File):
    """One end of a connected AF_UNIX pair."""

    kind = "socket"

    def __init__(self, sock_type: int, flags: int, cred: tuple[int, int, int]) -> None:
        ino = next(_inodes)
        super().__init__(O_RDWR | flags, f"socket:[{ino}]")
        self.ino = ino
        self.type = sock_type
        self.peer: UnixSocket | None = None
        self.rbuf = bytearray()  # SOCK_STREAM's bytes
        self.msgs: deque[bytes] = deque()  # datagrams and records
        self.queued = 0
        self.shut_rd = False  # no more reading (ours) or the peer stopped writing
        self.shut_wr = False
        self.closed = False
        self.wq = WaitQueue("unix")
        self.cred = cred  # (pid, uid, gid) at socketpair time: the peer's SO_PEERCRED
        self.rcvbuf = self.sndbuf = SOCK_BUF
        self.error = 0
        self.passcred = False  # SO_PASSCRED (credentials are not sent yet)

    # ------------------------------------------------------------ state
    def release(self) -> None:
        self.closed = True
        p = self.peer
        if p is not None:
            p.wq.wake_all()
        self.wq.wake_all()

    def _eof(self) -> bool:
        """RCV_SHUTDOWN: nothing more will arrive (shut for reading, the peer shut writing,
        or a connected peer closed; a datagram peer's close ends nothing)."""
        p = self.peer
        return self.shut_rd or p is None or p.shut_wr or (p.closed and self.type != SOCK_DGRAM)

    def _send_shut(self) -> bool:
        """SEND_SHUTDOWN: shut for writing, or the peer shut reading or closed."""
        p = self.peer
        return self.shut_wr or p is None or p.shut_rd or p.closed

    def _has_data(self) -> bool:
        return bool(self.rbuf) if self.type == SOCK_STREAM else bool(self.msgs)

    # ------------------------------------------------------------ I/O
    def recv(self, task: "Task", n: int, nonblock: bool = False, peek: bool = False) -> bytes:
        if self._has_data():
            if self.type == SOCK_STREAM:
                data = bytes(self.rbuf[:n])
                if not peek:
                    del self.rbuf[:n]
            else:
                msg = self.msgs[0]
                data = msg[:n]
                if not peek:
                    self.msgs.popleft()
            if not peek:
                self.queued -= len(data) if self.type == SOCK_STREAM else len(msg)
                if self.peer is not None:
                    self.peer.wq.wake_all()
            return data
        if self._eof():
            return b""
        if nonblock or self.flags & O_NONBLOCK:
            raise KernelError(Errno.EAGAIN)
        raise Block([self.wq])

    def send(self, task: "Task", data: bytes, nonblock: bool = False,
             nosignal: bool = False) -> int:
        p = self.peer
        if self.type == SOCK_DGRAM and p is not None and p.closed and not self.shut_wr:
            raise KernelError(Errno.ECONNREFUSED)
        if self._send_shut() or p is None:
            if not nosignal:
                task.kernel.signals.send_to_task(task, Sig.SIGPIPE, code=0, sender=task)
            raise KernelError(Errno.EPIPE)
        if self.type != SOCK_STREAM and len(data) > p.rcvbuf:
            raise KernelError(Errno.EMSGSIZE)
        room = p.rcvbuf - p.queued
        need = 1 if self.type == SOCK_STREAM else len(data)
        if room < need:
            if nonblock or self.flags & O_NONBLOCK:
                raise KernelError(Errno.EAGAIN)
            raise Block([self.wq, p.wq])
        if self.type == SOCK_STREAM:
            data = data[:room]
            p.rbuf += data
        else:
            p.msgs.append(bytes(data))
        p.queued += len(data)
        p.wq.wake_all()
        return len(data)

    def read(self, task: "Task", n: int) -> bytes:
        return self.recv(task, n)

    def write(self, task: "Task", data: bytes) -> int:
        return self.send(task, data)

    def shutdown(self, how: int) -> None:
        if how not in (SHUT_RD, SHUT_WR, SHUT_RDWR):
            raise KernelError(Errno.EINVAL)
        if how in (SHUT_RD, SHUT_RDWR):
            self.shut_rd = True
        if how in (SHUT_WR, SHUT_RDWR):
            self.shut_wr = True
        self.wq.wake_all()
        if self.peer is not None:
            self.peer.wq.wake_all()

    # ------------------------------------------------------------ readiness
    def poll(self) -> int:
        """unix_poll: data or RCV_SHUTDOWN reads; both shutdowns hang up; room writes."""
        ev = POLLERR if self.error else 0
        eof, shut = self._eof(), self._send_shut()
        if self._has_data() or eof:
            ev |= POLLIN | POLLRDNORM
        if eof:
            ev |= POLLRDHUP
        if eof and shut:
            ev |= POLLHUP
        p = self.peer
        if shut or p is None or p.rcvbuf - p.queued > 0:
            ev |= POLLOUT | POLLWRNORM | POLLWRBAND
        return ev

    def poll_queues(self) -> list:
        return [self.wq]

    def stat(self) -> Stat:
        return Stat(dev=8, ino=self.ino, mode=0o140777, blksize=4096)


def make_pair(sock_type: int, flags: int, cred: tuple[int, int, int]) -> tuple[UnixSocket,
                                                                              UnixSocket]:
    a, b = UnixSocket(sock_type, flags, cred), UnixSocket(sock_type, flags, cred)
    a.peer, b.peer = b, a
    return a, b
