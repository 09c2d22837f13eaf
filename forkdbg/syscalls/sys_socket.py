"""Sockets: creating them (AF_UNIX from fs/socket.py, AF_INET and AF_INET6 on the
loopback network of fs/inet.py), their I/O with control messages (fs/scm.py), options,
and Linux's answers for descriptors that are not sockets.  Names and connections (bind,
listen, connect, accept) are in sys_net.py; other families answer EAFNOSUPPORT.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi import socketflags as S
from ..abi.errno import Errno
from ..fs.inet import InetSocket
from ..fs.scm import CMSG_HDR, SCM_CREDENTIALS, SCM_RIGHTS, Ancillary, cmsg, parse_control
from ..fs.socket import UnixSocket, make_pair
from ..kernel.errors import Block, KernelError
from .common import access_ok, peer_cred, read_in, s32, socket_of, write_out
from .sys_file import _iovecs, _spans
from .sys_net import autobind, put_name, sockaddr_of, target
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

MAX_MSG = 1 << 20  # one call moves at most this much (Linux: the socket's buffer)
IPPROTO_TCP, IPPROTO_UDP = 6, 17


def _split_type(type_: int) -> tuple[int, int]:
    kind = type_ & S.SOCK_TYPE_MASK
    if type_ & ~(S.SOCK_TYPE_MASK | S.SOCK_NONBLOCK | S.SOCK_CLOEXEC):
        raise KernelError(Errno.EINVAL)
    return kind, type_ & (S.SOCK_NONBLOCK | S.SOCK_CLOEXEC)


@syscall("socket", "sockfamily", "socktype", "int", support="partial",
         notes="AF_UNIX, and AF_INET/AF_INET6 TCP and UDP on the loopback network inside "
               "the machine; other families answer EAFNOSUPPORT")
def sys_socket(task: "Task", family: int, type_: int, protocol: int) -> int:
    kind, flags = _split_type(type_)
    protocol = s32(protocol)
    s: UnixSocket
    if family in (S.AF_INET, S.AF_INET6):
        want = {S.SOCK_STREAM: IPPROTO_TCP, S.SOCK_DGRAM: IPPROTO_UDP}.get(kind)
        if want is None:
            raise KernelError(Errno.ESOCKTNOSUPPORT)  # no raw sockets in the machine
        if protocol not in (0, want):
            raise KernelError(Errno.EPROTONOSUPPORT)
        s = InetSocket(family, kind, flags & S.SOCK_NONBLOCK, peer_cred(task))
    elif family == S.AF_UNIX:
        if kind not in (S.SOCK_STREAM, S.SOCK_DGRAM, S.SOCK_SEQPACKET):
            raise KernelError(Errno.ESOCKTNOSUPPORT if kind in (S.SOCK_RAW, S.SOCK_RDM)
                              else Errno.EINVAL)
        if protocol and protocol != S.AF_UNIX:
            raise KernelError(Errno.EPROTONOSUPPORT)
        s = UnixSocket(kind, flags & S.SOCK_NONBLOCK, peer_cred(task))
    else:
        raise KernelError(Errno.EAFNOSUPPORT)
    return task.files.install(s, bool(flags & S.SOCK_CLOEXEC))


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
    a, b = make_pair(kind, flags & S.SOCK_NONBLOCK, peer_cred(task))
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
    socket_of(task, fd).shutdown(s32(how))
    return 0


@syscall("sendto", "fd", "buf:2", "size", "msgflags", "ptr", "int")
def sys_sendto(task: "Task", fd: int, buf: int, n: int, flags: int, addr: int,
               alen: int) -> int:
    s = socket_of(task, fd)
    to = None
    if addr:
        if s.type != S.SOCK_DGRAM:
            raise KernelError(Errno.EISCONN if s.peer is not None else Errno.EOPNOTSUPP)
        to = target(task, s, addr, alen)
        if isinstance(s, InetSocket):
            autobind(task, s)
    return s.send(task, read_in(task, buf, min(n, MAX_MSG)), bool(flags & S.MSG_DONTWAIT),
                  bool(flags & S.MSG_NOSIGNAL), to)


@syscall("recvfrom", "fd", "obuf:ret", "size", "msgflags", "osockaddr:5", "osocklen")
def sys_recvfrom(task: "Task", fd: int, buf: int, n: int, flags: int, addr: int,
                 lenp: int) -> int:
    s = socket_of(task, fd)
    access_ok(buf, n)
    data = s.recv(task, min(n, MAX_MSG), bool(flags & S.MSG_DONTWAIT), bool(flags & S.MSG_PEEK))
    write_out(task, buf, data)
    if addr and lenp:
        who = s.last_sender if s.type == S.SOCK_DGRAM else (
            s.peer.name if s.peer is not None else None)
        put_name(task, addr, lenp, s, who)
    return len(data)


def _msghdr(task: "Task", msg: int) -> tuple[int, int, int, int, int, int]:
    """(name, namelen, iov, iovlen, control, controllen) of a struct msghdr."""
    name, namelen, iov, iovlen, control, controllen, _flags = struct.unpack(
        "<QI4xQQQQi4x", read_in(task, msg, S.MSGHDR_SIZE))
    return name, namelen, iov, iovlen, control, controllen


@syscall("sendmsg", "fd", "msghdr", "msgflags")
def sys_sendmsg(task: "Task", fd: int, msg: int, flags: int) -> int:
    s = socket_of(task, fd)
    name, namelen, iov, iovlen, control, controllen = _msghdr(task, msg)
    to = None
    if name:
        if s.type != S.SOCK_DGRAM:
            raise KernelError(Errno.EISCONN if s.peer is not None else Errno.EOPNOTSUPP)
        to = target(task, s, name, namelen)
    data = b"".join(read_in(task, a, ln) for a, ln in _iovecs(task, iov, iovlen))
    anc = None
    if controllen:
        if isinstance(s, InetSocket):
            raise KernelError(Errno.EINVAL)
        anc = parse_control(read_in(task, control, min(controllen, 1 << 16)),
                            task.files.get, peer_cred(task))
    try:
        return s.send(task, data[:MAX_MSG], bool(flags & S.MSG_DONTWAIT),
                      bool(flags & S.MSG_NOSIGNAL), to, anc)
    except (KernelError, Block):
        if anc is not None:
            anc.drop()  # a retry takes its own references
        raise


@syscall("recvmsg", "fd", "omsghdr", "msgflags")
def sys_recvmsg(task: "Task", fd: int, msg: int, flags: int) -> int:
    s = socket_of(task, fd)
    name, namelen, iov, iovlen, control, controllen = _msghdr(task, msg)
    vecs = _iovecs(task, iov, iovlen)
    total = min(sum(ln for _a, ln in vecs), MAX_MSG)
    before = len(s.msgs[0]) if s.msgs and s.type != S.SOCK_STREAM else 0
    ancs: list[Ancillary] = []
    data = s.recv(task, total, bool(flags & S.MSG_DONTWAIT), bool(flags & S.MSG_PEEK), ancs)
    pos = 0
    for addr, ln in _spans(vecs, 0, len(data)):
        write_out(task, addr, data[pos:pos + ln])
        pos += ln
    # ___sys_recvmsg starts msg_flags from the caller's MSG_CMSG_CLOEXEC
    out_flags = (S.MSG_TRUNC if before > len(data) else 0) | (flags & S.MSG_CMSG_CLOEXEC)
    ctl, truncated = _control_out(task, s, ancs, controllen, bool(flags & S.MSG_CMSG_CLOEXEC))
    if ctl:
        write_out(task, control, ctl)
    if truncated:
        out_flags |= S.MSG_CTRUNC
    who = s.last_sender if s.type == S.SOCK_DGRAM else (
        s.peer.name if s.peer is not None else None)
    full = sockaddr_of(s, who) if name else b""
    if name and namelen:
        write_out(task, name, full[:namelen])
    write_out(task, msg + 8, struct.pack("<I", len(full)))  # msg_namelen
    write_out(task, msg + 40, struct.pack("<Qi", len(ctl), out_flags))  # controllen, flags
    return len(data)


def _control_out(task: "Task", s: UnixSocket, ancs: list[Ancillary], room: int,
                 cloexec: bool) -> tuple[bytes, bool]:
    """The control messages recvmsg hands back: received descriptors installed in the
    caller's table, credentials; what does not fit is dropped (MSG_CTRUNC)."""
    out = b""
    truncated = False
    for anc in ancs:
        if anc.files:
            size = CMSG_HDR + 4 * len(anc.files)
            if len(out) + size > room:
                truncated = True
                anc.drop()
            else:
                fds = [task.files.install(f, cloexec) for f in anc.files]
                anc.drop()  # the table holds them now
                out += cmsg(SCM_RIGHTS, struct.pack(f"<{len(fds)}i", *fds))
        creds = anc.creds or (s.peer.cred if s.passcred and s.peer is not None else None)
        if creds is not None and s.passcred:
            if len(out) + CMSG_HDR + 12 > room:
                truncated = True
            else:
                out += cmsg(SCM_CREDENTIALS, struct.pack("<iII", *creds))
    return out, truncated


@syscall("getsockopt", "fd", "sollevel", "sockopt", "osockoptval", "osocklen")
def sys_getsockopt(task: "Task", fd: int, level: int, name: int, val: int, lenp: int) -> int:
    s = socket_of(task, fd)
    n = s32(struct.unpack("<I", read_in(task, lenp, 4))[0])
    if n < 0:
        raise KernelError(Errno.EINVAL)
    level, name = s32(level), s32(name)
    if level != S.SOL_SOCKET:
        data = struct.pack("<i", _proto_option(s, level, name, None))
    elif name == S.SO_PEERCRED:
        data = struct.pack("<iII", *s.peer.cred) if s.peer is not None else bytes(12)
    else:
        inet = isinstance(s, InetSocket)
        values = {S.SO_TYPE: s.type, S.SO_ERROR: s.error, S.SO_SNDBUF: s.sndbuf,
                  S.SO_RCVBUF: s.rcvbuf, S.SO_DOMAIN: s.family,
                  S.SO_PROTOCOL: (IPPROTO_TCP if s.type == S.SOCK_STREAM else IPPROTO_UDP)
                  if inet else 0,
                  S.SO_ACCEPTCONN: int(s.backlog is not None), S.SO_PASSCRED: int(s.passcred)}
        if name not in values and name not in S.SO_INT_OPTIONS:
            raise KernelError(Errno.ENOPROTOOPT)
        if name == S.SO_ERROR:
            s.error = 0
        data = struct.pack("<i", values.get(name, s.sockopts.get(name, 0)))
    data = data[:n]
    write_out(task, val, data)
    write_out(task, lenp, struct.pack("<I", len(data)))
    return 0


@syscall("setsockopt", "fd", "sollevel", "sockopt", "sockoptval:4", "int")
def sys_setsockopt(task: "Task", fd: int, level: int, name: int, val: int, n: int) -> int:
    s = socket_of(task, fd)
    if s32(n) < 4:
        raise KernelError(Errno.EINVAL)
    v = s32(struct.unpack("<I", read_in(task, val, 4))[0])
    level, name = s32(level), s32(name)
    if level != S.SOL_SOCKET:
        _proto_option(s, level, name, v)
    elif name == S.SO_SNDBUF:
        s.sndbuf = max(min(v, 1 << 30) * 2, S.SOCK_MIN_SNDBUF)
    elif name == S.SO_RCVBUF:
        s.rcvbuf = max(min(v, 1 << 30) * 2, S.SOCK_MIN_RCVBUF)
    elif name == S.SO_PASSCRED:
        s.passcred = bool(v)
    elif name in S.SO_INT_OPTIONS:
        s.sockopts[name] = v  # kept and read back; the loopback network has no use for them
    elif name not in S.SO_NAMES:
        raise KernelError(Errno.ENOPROTOOPT)
    return 0


def _proto_option(s: UnixSocket, level: int, name: int, value: int | None) -> int:
    """An IP, IPv6, TCP or UDP option of an inet socket: set (value) or read (None).
    Known options are kept and read back with Linux's defaults; AF_UNIX has none."""
    if not isinstance(s, InetSocket):
        raise KernelError(Errno.EOPNOTSUPP)
    known = S.PROTO_OPTIONS.get(level)
    if known is None or (level == S.SOL_TCP and s.type != S.SOCK_STREAM):
        raise KernelError(Errno.ENOPROTOOPT if known is None else Errno.EOPNOTSUPP)
    if name not in known:
        raise KernelError(Errno.ENOPROTOOPT)
    if value is None:
        return s.options.get((level, name), known[name])
    s.options[(level, name)] = value
    return value
