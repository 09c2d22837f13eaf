"""The loopback network inside the emulated machine: AF_INET and AF_INET6 sockets that
reach only each other.

127.0.0.0/8, ::1 and the wildcard addresses are the machine's own; a port is taken by a
bound socket (TCP and UDP apart); port 0 picks the next free one from 32768, the same on
every run. A connection is a pair of the stream ends fs/socket.py already has, made at
once (a loopback handshake has nothing to wait for); a nonblocking connect still answers
EINPROGRESS, as Linux's does, and reports the outcome at the next connect. Any other
address is unreachable: no packet leaves the machine.
"""

from __future__ import annotations

import ipaddress
import struct

from ..abi.errno import Errno
from ..abi.fileflags import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM
from ..abi.socketflags import AF_INET, AF_INET6, SOCK_STREAM
from ..kernel.errors import KernelError
from .socket import UnixSocket

EPHEMERAL_FIRST, EPHEMERAL_LAST = 32768, 60999  # net.ipv4.ip_local_port_range
TCP_RMEM_DEFAULT, TCP_WMEM_DEFAULT = 131072, 16384


class InetSocket(UnixSocket):
    """A TCP or UDP socket on the loopback network; its names are (address, port)."""

    kind = "socket"

    def __init__(self, family: int, sock_type: int, flags: int,
                 cred: tuple[int, int, int]) -> None:
        super().__init__(sock_type, flags, cred)
        self.family = family
        self.local: tuple[str, int] | None = None  # (address, port) once bound
        self.ports: Ports | None = None
        self.options: dict[tuple[int, int], int] = {}  # (level, name) -> value kept
        if sock_type == SOCK_STREAM:  # net.ipv4.tcp_rmem and tcp_wmem's defaults
            self.rcvbuf, self.sndbuf = TCP_RMEM_DEFAULT, TCP_WMEM_DEFAULT
        self.connecting = False  # SS_CONNECTING: a nonblocking connect not yet reported
        self.refused = False  # TCP_CLOSE with both directions shut: the peer refused

    def poll(self) -> int:
        """tcp_poll of a refused connection: readable, writable, hung up, and in error
        until SO_ERROR or connect takes the error."""
        if self.refused:
            return (POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT | POLLWRNORM | POLLHUP
                    | (POLLERR if self.error else 0))
        return super().poll()

    def set_local(self, ports: "Ports", addr: tuple[str, int]) -> None:
        self.local, self.ports = addr, ports
        self.name = pack_sockaddr(self.family, addr)

    def accept_end(self, client: UnixSocket) -> UnixSocket:
        """The listener's side of a new connection: its address is the listener's, with
        the loopback address the client used."""
        end = InetSocket(self.family, self.type, 0, self.cred)
        assert self.local is not None
        ip = self.local[0]
        if ip in ("0.0.0.0", "::"):
            ip = "127.0.0.1" if self.family == AF_INET else "::1"
        end.local, end.name = (ip, self.local[1]), pack_sockaddr(self.family, (ip, self.local[1]))
        return end

    def release(self) -> None:
        super().release()
        if self.ports is not None:
            self.ports.release(self)


def parse_sockaddr(raw: bytes, family: int) -> tuple[str, int]:
    """(address, port) of a sockaddr_in or sockaddr_in6 for a socket of `family`."""
    if len(raw) < 2:
        raise KernelError(Errno.EINVAL)
    fam = struct.unpack_from("<H", raw)[0]
    if family == AF_INET:
        if len(raw) < 16:
            raise KernelError(Errno.EINVAL)
        if fam != AF_INET:
            raise KernelError(Errno.EAFNOSUPPORT)
        port = struct.unpack_from(">H", raw, 2)[0]
        return str(ipaddress.IPv4Address(raw[4:8])), port
    if len(raw) < 24:
        raise KernelError(Errno.EINVAL)
    if fam != AF_INET6:
        raise KernelError(Errno.EAFNOSUPPORT)
    port = struct.unpack_from(">H", raw, 2)[0]
    return str(ipaddress.IPv6Address(raw[8:24])), port


def pack_sockaddr(family: int, addr: tuple[str, int]) -> bytes:
    ip, port = addr
    if family == AF_INET:
        return struct.pack("<H", AF_INET) + struct.pack(">H", port) + \
            ipaddress.IPv4Address(ip).packed + bytes(8)
    a = ipaddress.ip_address(ip)
    if isinstance(a, ipaddress.IPv4Address):  # a v4 peer of a dual-stack socket
        a = ipaddress.IPv6Address("::ffff:" + ip)
    return struct.pack("<H", AF_INET6) + struct.pack(">H", port) + bytes(4) + a.packed + \
        bytes(4)


def _v4(ip: str) -> ipaddress.IPv4Address | None:
    a = ipaddress.ip_address(ip)
    if isinstance(a, ipaddress.IPv6Address):
        return a.ipv4_mapped
    return a


def is_local(ip: str) -> bool:
    """An address of this machine: loopback or wildcard, IPv4 or IPv6 (or v4-mapped)."""
    a = ipaddress.ip_address(ip)
    v4 = _v4(ip)
    if v4 is not None:
        return v4.is_loopback or v4.is_unspecified
    return a.is_loopback or a.is_unspecified


class Ports:
    """Who holds each port, for TCP and for UDP."""

    def __init__(self) -> None:
        self.bound: dict[tuple[bool, int], InetSocket] = {}
        self._next = EPHEMERAL_FIRST

    def bind(self, sock: InetSocket, ip: str, port: int) -> None:
        tcp = sock.type == SOCK_STREAM
        if port == 0:
            port = self._ephemeral(tcp)
        holder = self.bound.get((tcp, port))
        if holder is not None and not holder.closed:
            raise KernelError(Errno.EADDRINUSE)
        self.bound[(tcp, port)] = sock
        sock.set_local(self, (ip, port))

    def _ephemeral(self, tcp: bool) -> int:
        for _ in range(EPHEMERAL_LAST - EPHEMERAL_FIRST + 1):
            port = self._next
            self._next = port + 1 if port < EPHEMERAL_LAST else EPHEMERAL_FIRST
            holder = self.bound.get((tcp, port))
            if holder is None or holder.closed:
                return port
        raise KernelError(Errno.EADDRINUSE)

    def lookup(self, tcp: bool, port: int) -> InetSocket | None:
        s = self.bound.get((tcp, port))
        return None if s is None or s.closed else s

    def release(self, sock: InetSocket) -> None:
        if sock.local is not None:
            key = (sock.type == SOCK_STREAM, sock.local[1])
            if self.bound.get(key) is sock:
                del self.bound[key]
