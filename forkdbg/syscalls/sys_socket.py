"""Sockets: socketpair's AF_UNIX pairs (fs/socket.py), their I/O and options, and Linux's
answers for descriptors that are not sockets.

socket() itself answers EAFNOSUPPORT for now: no family can be created unconnected until
bind, listen, connect and accept exist (issue 10 keeps that open).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi import socketflags as S
from ..abi.errno import Errno
from ..fs.socket import UnixSocket, make_pair
from ..kernel.errors import KernelError
from .common import access_ok, read_in, s32, write_out
from .sys_file import _iovecs, _spans
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

MAX_MSG = 1 << 20  # one call moves at most this much (Linux: the socket's buffer)


def sock(task: "Task", fd: int) -> UnixSocket:
    """The socket at `fd`: EBADF for no file, ENOTSOCK for another kind of file."""
    f = task.files.get(s32(fd))
    if not isinstance(f, UnixSocket):
        raise KernelError(Errno.ENOTSOCK)
    return f


def _split_type(type_: int) -> tuple[int, int]:
    kind = type_ & S.SOCK_TYPE_MASK
    if type_ & ~(S.SOCK_TYPE_MASK | S.SOCK_NONBLOCK | S.SOCK_CLOEXEC):
        raise KernelError(Errno.EINVAL)
    return kind, type_ & (S.SOCK_NONBLOCK | S.SOCK_CLOEXEC)


@syscall("socket", "sockfamily", "socktype", "int", support="partial",
         notes="every family answers EAFNOSUPPORT until bind/listen/connect exist")
def sys_socket(task: "Task", family: int, type_: int, protocol: int) -> int:
    _split_type(type_)
    raise KernelError(Errno.EAFNOSUPPORT)


@syscall("socketpair", "sockfamily", "socktype", "int", "pipefds")
def sys_socketpair(task: "Task", family: int, type_: int, protocol: int, sv: int) -> int:
    kind, flags = _split_type(type_)
    if family != S.AF_UNIX:
        raise KernelError(Errno.EAFNOSUPPORT if family not in (S.AF_INET, S.AF_INET6)
                          else Errno.EOPNOTSUPP)
    if kind not in (S.SOCK_STREAM, S.SOCK_DGRAM, S.SOCK_SEQPACKET):
        raise KernelError(Errno.ESOCKTNOSUPPORT if kind in (S.SOCK_RAW, S.SOCK_RDM)
                          else Errno.EINVAL)
    if protocol and protocol != S.AF_UNIX:
        raise KernelError(Errno.EPROTONOSUPPORT)
    access_ok(sv, 8)
    cred = (task.tg.tgid, task.cred.euid, task.cred.egid)
    a, b = make_pair(kind, flags & S.SOCK_NONBLOCK, cred)
    cloexec = bool(flags & S.SOCK_CLOEXEC)
    fa = task.files.install(a, cloexec)
    try:
        fb = task.files.install(b, cloexec)
    except KernelError:
        task.files.close(fa)
        raise
    write_out(task, sv, struct.pack("<ii", fa, fb))
    return 0


@syscall("shutdown", "fd", "shuthow")
def sys_shutdown(task: "Task", fd: int, how: int) -> int:
    sock(task, fd).shutdown(s32(how))
    return 0


def _unnamed(task: "Task", addr: int, lenp: int) -> None:
    """Write an unnamed AF_UNIX address (just the family) and its length, 2."""
    if not addr:
        return
    n = s32(struct.unpack("<I", read_in(task, lenp, 4))[0])
    if n < 0:
        raise KernelError(Errno.EINVAL)
    write_out(task, addr, struct.pack("<H", S.AF_UNIX)[:n])
    write_out(task, lenp, struct.pack("<I", 2))


@syscall("getsockname", "fd", "osockaddr:2", "osocklen")
def sys_getsockname(task: "Task", fd: int, addr: int, lenp: int) -> int:
    sock(task, fd)
    _unnamed(task, addr, lenp)
    return 0


@syscall("getpeername", "fd", "osockaddr:2", "osocklen")
def sys_getpeername(task: "Task", fd: int, addr: int, lenp: int) -> int:
    s = sock(task, fd)
    if s.peer is None:
        raise KernelError(Errno.ENOTCONN)
    _unnamed(task, addr, lenp)
    return 0


@syscall("sendto", "fd", "buf:2", "size", "msgflags", "ptr", "int")
def sys_sendto(task: "Task", fd: int, buf: int, n: int, flags: int, addr: int,
               alen: int) -> int:
    s = sock(task, fd)
    if addr:
        raise KernelError(Errno.EISCONN)
    return s.send(task, read_in(task, buf, min(n, MAX_MSG)), bool(flags & S.MSG_DONTWAIT),
                  bool(flags & S.MSG_NOSIGNAL))


@syscall("recvfrom", "fd", "obuf:ret", "size", "msgflags", "osockaddr:5", "osocklen")
def sys_recvfrom(task: "Task", fd: int, buf: int, n: int, flags: int, addr: int,
                 lenp: int) -> int:
    s = sock(task, fd)
    access_ok(buf, n)
    data = s.recv(task, min(n, MAX_MSG), bool(flags & S.MSG_DONTWAIT), bool(flags & S.MSG_PEEK))
    write_out(task, buf, data)
    if addr and lenp:
        _unnamed(task, addr, lenp)
    return len(data)


def _msghdr(task: "Task", msg: int) -> tuple[int, int, int, int, int]:
    """(name, namelen, iov, iovlen, controllen) of a struct msghdr."""
    name, namelen, iov, iovlen, _control, controllen, _flags = struct.unpack(
        "<QI4xQQQQi4x", read_in(task, msg, S.MSGHDR_SIZE))
    return name, namelen, iov, iovlen, controllen


@syscall("sendmsg", "fd", "msghdr", "msgflags", support="partial",
         notes="no control messages yet (SCM_RIGHTS, SCM_CREDENTIALS)")
def sys_sendmsg(task: "Task", fd: int, msg: int, flags: int) -> int:
    s = sock(task, fd)
    name, _nl, iov, iovlen, controllen = _msghdr(task, msg)
    if name:
        raise KernelError(Errno.EISCONN)
    if controllen:
        raise KernelError(Errno.EOPNOTSUPP)
    data = b"".join(read_in(task, a, ln) for a, ln in _iovecs(task, iov, iovlen))
    return s.send(task, data[:MAX_MSG], bool(flags & S.MSG_DONTWAIT),
                  bool(flags & S.MSG_NOSIGNAL))


@syscall("recvmsg", "fd", "omsghdr", "msgflags")
def sys_recvmsg(task: "Task", fd: int, msg: int, flags: int) -> int:
    s = sock(task, fd)
    name, namelen, iov, iovlen, _cl = _msghdr(task, msg)
    vecs = _iovecs(task, iov, iovlen)
    total = min(sum(ln for _a, ln in vecs), MAX_MSG)
    before = len(s.msgs[0]) if s.msgs and s.type != S.SOCK_STREAM else 0
    data = s.recv(task, total, bool(flags & S.MSG_DONTWAIT), bool(flags & S.MSG_PEEK))
    pos = 0
    for addr, ln in _spans(vecs, 0, len(data)):
        write_out(task, addr, data[pos:pos + ln])
        pos += ln
    out_flags = S.MSG_TRUNC if before > len(data) else 0
    if name and namelen:
        write_out(task, name, struct.pack("<H", S.AF_UNIX)[:namelen])
    struct_tail = struct.pack("<I", 2 if name else 0)
    write_out(task, msg + 8, struct_tail)  # msg_namelen
    write_out(task, msg + 40, struct.pack("<Qi", 0, out_flags))  # msg_controllen, msg_flags
    return len(data)


@syscall("getsockopt", "fd", "sollevel", "sockopt", "osockoptval", "osocklen")
def sys_getsockopt(task: "Task", fd: int, level: int, name: int, val: int, lenp: int) -> int:
    s = sock(task, fd)
    n = s32(struct.unpack("<I", read_in(task, lenp, 4))[0])
    if n < 0:
        raise KernelError(Errno.EINVAL)
    if s32(level) != S.SOL_SOCKET:
        raise KernelError(Errno.EOPNOTSUPP)
    name = s32(name)
    if name == S.SO_PEERCRED:
        data = struct.pack("<iII", *s.peer.cred) if s.peer is not None else bytes(12)
    else:
        values = {S.SO_TYPE: s.type, S.SO_ERROR: s.error, S.SO_SNDBUF: s.sndbuf,
                  S.SO_RCVBUF: s.rcvbuf, S.SO_DOMAIN: S.AF_UNIX, S.SO_PROTOCOL: 0,
                  S.SO_ACCEPTCONN: 0, S.SO_PASSCRED: int(s.passcred)}
        if name not in values:
            raise KernelError(Errno.ENOPROTOOPT)
        if name == S.SO_ERROR:
            s.error = 0
        data = struct.pack("<i", values[name])
    data = data[:n]
    write_out(task, val, data)
    write_out(task, lenp, struct.pack("<I", len(data)))
    return 0


@syscall("setsockopt", "fd", "sollevel", "sockopt", "sockoptval:4", "int")
def sys_setsockopt(task: "Task", fd: int, level: int, name: int, val: int, n: int) -> int:
    s = sock(task, fd)
    if s32(level) != S.SOL_SOCKET:
        raise KernelError(Errno.EOPNOTSUPP)
    if s32(n) < 4:
        raise KernelError(Errno.EINVAL)
    v = s32(struct.unpack("<I", read_in(task, val, 4))[0])
    name = s32(name)
    if name == S.SO_SNDBUF:
        s.sndbuf = max(min(v, 1 << 30) * 2, S.SOCK_MIN_SNDBUF)
    elif name == S.SO_RCVBUF:
        s.rcvbuf = max(min(v, 1 << 30) * 2, S.SOCK_MIN_RCVBUF)
    elif name == S.SO_PASSCRED:
        s.passcred = bool(v)
    elif name not in S.SO_NAMES:
        raise KernelError(Errno.ENOPROTOOPT)
    return 0
