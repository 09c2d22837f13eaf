"""AF_UNIX sockets: stream, datagram and seqpacket (net/unix/af_unix.c).

Each end holds a receive queue the peer writes into: bytes for SOCK_STREAM, whole
messages for SOCK_DGRAM and SOCK_SEQPACKET.  A read waits for data or the peer's
shutdown or close (end of file); a write to a peer that is gone is EPIPE and SIGPIPE.
socketpair makes two connected ends; socket() makes an unconnected one that may bind a
name (a path, which is a socket inode in the guest's file system, or an abstract name),
listen, and accept the connections connect() queues on it.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import (
    O_NONBLOCK,
    O_RDWR,
    POLLERR,
    POLLHUP,
    POLLIN,
    POLLOUT,
    POLLRDHUP,
    POLLRDNORM,
    POLLWRBAND,
    POLLWRNORM,
)
from ..abi.signals import Sig
from ..abi.socketflags import AF_UNIX, SOCK_DGRAM, SOCK_STREAM
from ..kernel.errors import Block, KernelError
from ..kernel.sched import WaitQueue
from .file import File
from .scm import Ancillary
from .stat import Stat

if TYPE_CHECKING:
    from ..kernel.task import Task

SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2
#: the bytes a stream end buffers before a writer waits (net.core.wmem_default)
SOCK_BUF = 212992
_inodes = itertools.count(200000)


class UnixSocket(File):
    """An AF_UNIX socket: unconnected, bound, listening, or one end of a connection."""

    kind = "socket"
    family = AF_UNIX

    def __init__(self, sock_type: int, flags: int, cred: tuple[int, int, int]) -> None:
        ino = next(_inodes)
        super().__init__(O_RDWR | flags, f"socket:[{ino}]")
        self.ino = ino
        self.type = sock_type
        self.peer: UnixSocket | None = None
        self.rbuf = bytearray()  # SOCK_STREAM's bytes
        self.msgs: deque[bytes] = deque()  # datagrams and records
        self.senders: deque[bytes | None] = deque()  # each datagram's sender's name
        self.anc_msgs: deque[Ancillary | None] = deque()  # each datagram's control data
        self.anc_stream: deque[tuple[int, Ancillary]] = deque()  # (stream offset, data)
        self.enq_total = self.rcvd_total = 0  # stream bytes queued and taken, ever
        self.queued = 0
        self.shut_rd = False  # no more reading (ours) or the peer stopped writing
        self.shut_wr = False
        self.closed = False
        self.wq = WaitQueue("unix")
        self.cred = cred  # (pid, uid, gid) of its maker: what its peer reads with SO_PEERCRED
        self.rcvbuf = self.sndbuf = SOCK_BUF
        self.error = 0
        self.passcred = False  # SO_PASSCRED: SCM_CREDENTIALS come with what arrives
        self.sockopts: dict[int, int] = {}  # other SOL_SOCKET int options, kept
        self.name: bytes | None = None  # the bound sun_path (b"\0..." for an abstract name)
        self.name_key: tuple | None = None  # its key in UnixNames
        self.names: "UnixNames | None" = None
        self.backlog: deque[UnixSocket] | None = None  # listening: connections to accept
        self.max_backlog = 0
        self.last_sender: bytes | None = None  # of the datagram recv took last

    # ------------------------------------------------------------ state
    def release(self) -> None:
        self.closed = True
        for anc in [a for _o, a in self.anc_stream] + [a for a in self.anc_msgs if a]:
            anc.drop()  # descriptors in flight to a socket nobody will read
        self.anc_stream.clear()
        self.anc_msgs.clear()
        p = self.peer
        if p is not None:
            p.wq.wake_all()
        if self.backlog is not None:  # connections never accepted are reset
            for pending in self.backlog:
                pending.release()
            self.backlog.clear()
        if self.names is not None and self.name_key is not None:
            self.names.unbind(self.name_key, self)
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
    def recv(self, task: "Task", n: int, nonblock: bool = False, peek: bool = False,
             anc_out: "list[Ancillary] | None" = None) -> bytes:
        """Take up to `n` bytes (one datagram); the control data sent with them goes to
        `anc_out`, or is dropped (its descriptors closed) when nobody asks for it."""
        if self._has_data():
            taken: list[Ancillary] = []
            if self.type == SOCK_STREAM:
                start = self.rcvd_total
                for off, _a in self.anc_stream:  # a read stops where other descriptors ride
                    if start < off < start + n:
                        n = off - start
                        break
                data = bytes(self.rbuf[:n])
                if not peek:
                    del self.rbuf[:n]
                    self.rcvd_total += len(data)
                    while self.anc_stream and self.anc_stream[0][0] < start + len(data):
                        taken.append(self.anc_stream.popleft()[1])
            else:
                msg = self.msgs[0]
                data = msg[:n]
                self.last_sender = self.senders[0]
                if not peek:
                    self.msgs.popleft()
                    self.senders.popleft()
                    anc = self.anc_msgs.popleft()
                    if anc is not None:
                        taken.append(anc)
            for anc in taken:
                if anc_out is not None:
                    anc_out.append(anc)
                else:
                    anc.drop()
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
             nosignal: bool = False, to: "UnixSocket | None" = None,
             anc: Ancillary | None = None) -> int:
        """Queue `data` at the peer (or at `to`, a datagram's explicit destination), with
        the control data `anc` riding on its first byte."""
        p = to or self.peer
        if p is None and not self.shut_wr:
            raise KernelError(Errno.ENOTCONN)
        if self.type == SOCK_DGRAM and p is not None and not self.shut_wr:
            if p.closed:
                raise KernelError(Errno.ECONNREFUSED)
        elif p is None or self.shut_wr or self._send_shut():
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
            if anc is not None:
                p.anc_stream.append((p.enq_total, anc))
            p.rbuf += data
            p.enq_total += len(data)
        else:
            p.msgs.append(bytes(data))
            p.senders.append(self.name)
            p.anc_msgs.append(anc)
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

    def accept_end(self, client: "UnixSocket") -> "UnixSocket":
        """The listener's side of a new connection (it carries the listener's name)."""
        end = UnixSocket(self.type, 0, self.cred)
        end.name = self.name
        return end

    # ------------------------------------------------------------ readiness
    def poll(self) -> int:
        """unix_poll: data or RCV_SHUTDOWN reads; both shutdowns hang up; room writes;
        a listener is readable while a connection waits to be accepted."""
        if self.backlog is not None:
            return POLLIN | POLLRDNORM if self.backlog else 0
        if self.peer is None and self.type != SOCK_DGRAM:
            return POLLOUT | POLLWRNORM | POLLHUP  # unconnected: as unix_poll's TCP_CLOSE
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


class UnixNames:
    """The bound AF_UNIX names of one machine: abstract names, and socket inodes of the
    guest's file system by (device, inode)."""

    def __init__(self) -> None:
        self.bound: dict[tuple, UnixSocket] = {}
        self._auto = 0

    def bind(self, key: tuple, sock: UnixSocket, name: bytes) -> None:
        if key in self.bound:
            raise KernelError(Errno.EADDRINUSE)
        self.bound[key] = sock
        sock.name, sock.name_key, sock.names = name, key, self

    def autobind(self, sock: UnixSocket) -> None:
        """An abstract name of five hex digits, the first free one (unix_autobind)."""
        while True:
            self._auto = (self._auto + 1) & 0xFFFFF
            name = b"\0%05x" % self._auto
            if ("@", name) not in self.bound:
                self.bind(("@", name), sock, name)
                return

    def unbind(self, key: tuple, sock: UnixSocket) -> None:
        if self.bound.get(key) is sock:
            del self.bound[key]

    def lookup(self, key: tuple) -> UnixSocket | None:
        return self.bound.get(key)


def connect(sock: UnixSocket, listener: UnixSocket, cred: tuple[int, int, int]) -> None:
    """unix_stream_connect: a new end for the listener's side joins its backlog, paired
    with `sock` (the caller checked the backlog has room)."""
    assert listener.backlog is not None
    server = listener.accept_end(sock)
    sock.peer, server.peer = server, sock
    sock.cred = cred  # what the accepting side reads with SO_PEERCRED
    listener.backlog.append(server)
    listener.wq.wake_all()
    sock.wq.wake_all()
