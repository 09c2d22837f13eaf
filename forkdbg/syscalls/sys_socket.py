"""Sockets: AF_UNIX (fs/socket.py) from socketpair or socket(), bound to paths or abstract
names, listening, connecting and accepting; their I/O and options; and Linux's answers
for descriptors that are not sockets.

The other families answer EAFNOSUPPORT for now (the loopback network is issue 10's).
"""

from __future__ import annotations

import os
import stat as stat_mod
import struct
from collections import deque
from typing import TYPE_CHECKING

from ..abi import socketflags as S
from ..abi.errno import Errno
from ..abi.fileflags import AT_FDCWD, O_NONBLOCK
from ..fs.perm import MAY_WRITE, check
from ..fs.socket import UnixSocket, connect, make_pair
from ..kernel.errors import Block, KernelError
from .common import access_ok, existing, read_in, resolve_at, s32, write_out
from .sys_names import _mknod
from .sys_file import _iovecs, _spans
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

MAX_MSG = 1 << 20  # one call moves at most this much (Linux: the socket's buffer)
SOMAXCONN = 4096  # net.core.somaxconn


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
         notes="AF_UNIX only; other families answer EAFNOSUPPORT")
def sys_socket(task: "Task", family: int, type_: int, protocol: int) -> int:
    kind, flags = _split_type(type_)
    if family != S.AF_UNIX:
        raise KernelError(Errno.EAFNOSUPPORT)
    if kind not in (S.SOCK_STREAM, S.SOCK_DGRAM, S.SOCK_SEQPACKET):
        raise KernelError(Errno.ESOCKTNOSUPPORT if kind in (S.SOCK_RAW, S.SOCK_RDM)
                          else Errno.EINVAL)
    if protocol and protocol != S.AF_UNIX:
        raise KernelError(Errno.EPROTONOSUPPORT)
    s = UnixSocket(kind, flags & S.SOCK_NONBLOCK, _cred(task))
    return task.files.install(s, bool(flags & S.SOCK_CLOEXEC))


def _cred(task: "Task") -> tuple[int, int, int]:
    return (task.tg.tgid, task.cred.euid, task.cred.egid)


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
    a, b = make_pair(kind, flags & S.SOCK_NONBLOCK, _cred(task))
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


def _put_name(task: "Task", addr: int, lenp: int, name: bytes | None) -> None:
    """Write an AF_UNIX address (the family, then the bound name, if any) and its full
    length; a short buffer gets what fits, as Linux's move_addr_to_user."""
    if not addr:
        return
    n = s32(struct.unpack("<I", read_in(task, lenp, 4))[0])
    if n < 0:
        raise KernelError(Errno.EINVAL)
    full = struct.pack("<H", S.AF_UNIX) + (name or b"")
    if name and name[:1] != b"\0":
        full += b"\0"  # a path's terminating NUL is part of the address Linux returns
    write_out(task, addr, full[:n])
    write_out(task, lenp, struct.pack("<I", len(full)))


@syscall("getsockname", "fd", "osockaddr:2", "osocklen")
def sys_getsockname(task: "Task", fd: int, addr: int, lenp: int) -> int:
    s = sock(task, fd)
    _put_name(task, addr, lenp, s.name)
    return 0


@syscall("getpeername", "fd", "osockaddr:2", "osocklen")
def sys_getpeername(task: "Task", fd: int, addr: int, lenp: int) -> int:
    s = sock(task, fd)
    if s.peer is None or (s.peer.closed and s.type != S.SOCK_DGRAM):
        raise KernelError(Errno.ENOTCONN)
    _put_name(task, addr, lenp, s.peer.name)
    return 0


@syscall("sendto", "fd", "buf:2", "size", "msgflags", "ptr", "int")
def sys_sendto(task: "Task", fd: int, buf: int, n: int, flags: int, addr: int,
               alen: int) -> int:
    s = sock(task, fd)
    to = None
    if addr:
        if s.type != S.SOCK_DGRAM:
            raise KernelError(Errno.EISCONN if s.peer is not None else Errno.EOPNOTSUPP)
        to = _target(task, addr, alen)
    return s.send(task, read_in(task, buf, min(n, MAX_MSG)), bool(flags & S.MSG_DONTWAIT),
                  bool(flags & S.MSG_NOSIGNAL), to)


@syscall("recvfrom", "fd", "obuf:ret", "size", "msgflags", "osockaddr:5", "osocklen")
def sys_recvfrom(task: "Task", fd: int, buf: int, n: int, flags: int, addr: int,
                 lenp: int) -> int:
    s = sock(task, fd)
    access_ok(buf, n)
    data = s.recv(task, min(n, MAX_MSG), bool(flags & S.MSG_DONTWAIT), bool(flags & S.MSG_PEEK))
    write_out(task, buf, data)
    if addr and lenp:
        _put_name(task, addr, lenp, s.peer.name if s.peer is not None else None)
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


# ------------------------------------------------------------ names and connections
SUN_PATH_MAX = 108


def _sun(task: "Task", addr: int, alen: int) -> bytes:
    """The sun_path of a struct sockaddr_un (b"" for an autobind request)."""
    alen = s32(alen)
    if alen < 2 or alen > 2 + SUN_PATH_MAX:
        raise KernelError(Errno.EINVAL)
    raw = read_in(task, addr, alen)
    if struct.unpack_from("<H", raw)[0] != S.AF_UNIX:
        raise KernelError(Errno.EINVAL)
    path = raw[2:]
    if path[:1] == b"\0":
        return path  # an abstract name: every byte counts
    return path.split(b"\0")[0]


def _path_key(task: "Task", path: bytes, write: bool = True) -> tuple:
    """The key of a socket inode at `path` (ENOENT, ECONNREFUSED for other files)."""
    node = existing(resolve_at(task, AT_FDCWD, os.fsdecode(path)))
    st = node.hst
    if st is None or not stat_mod.S_ISSOCK(st.st_mode):
        raise KernelError(Errno.ECONNREFUSED)
    if write:
        check(st.st_mode, st.st_uid, st.st_gid, task.cred, MAY_WRITE)
    return ("path", st.st_dev, st.st_ino)


@syscall("bind", "fd", "sockaddr:2", "int")
def sys_bind(task: "Task", fd: int, addr: int, alen: int) -> int:
    s = sock(task, fd)
    path = _sun(task, addr, alen)
    names = task.kernel.unix_names
    if s.name is not None:
        raise KernelError(Errno.EINVAL)
    if not path:
        names.autobind(s)
        return 0
    if path[:1] == b"\0":
        names.bind(("@", path), s, path)
        return 0
    try:
        _mknod(task, AT_FDCWD, os.fsdecode(path), stat_mod.S_IFSOCK | 0o777, 0)
    except KernelError as e:
        raise KernelError(Errno.EADDRINUSE if e.errno == Errno.EEXIST else e.errno) from None
    names.bind(_path_key(task, path, write=False), s, path)
    return 0


@syscall("listen", "fd", "int")
def sys_listen(task: "Task", fd: int, backlog: int) -> int:
    s = sock(task, fd)
    if s.type == S.SOCK_DGRAM:
        raise KernelError(Errno.EOPNOTSUPP)
    if s.name is None or s.peer is not None:
        raise KernelError(Errno.EINVAL)
    if s.backlog is None:
        s.backlog = deque()
    s.max_backlog = min(max(s32(backlog), 0), SOMAXCONN)
    s.wq.wake_all()  # connectors waiting for room look again
    return 0


def _target(task: "Task", addr: int, alen: int) -> UnixSocket:
    path = _sun(task, addr, alen)
    if not path:
        raise KernelError(Errno.EINVAL)
    key = ("@", path) if path[:1] == b"\0" else _path_key(task, path)
    target = task.kernel.unix_names.lookup(key)
    if target is None or target.closed:
        raise KernelError(Errno.ECONNREFUSED)
    return target


@syscall("connect", "fd", "sockaddr:2", "int")
def sys_connect(task: "Task", fd: int, addr: int, alen: int) -> int:
    s = sock(task, fd)
    target = _target(task, addr, alen)
    if s.type == S.SOCK_DGRAM:
        if target.type != S.SOCK_DGRAM:
            raise KernelError(Errno.EPROTOTYPE)
        s.peer = target  # the default destination; the other side stays as it was
        return 0
    if s.peer is not None:
        raise KernelError(Errno.EISCONN)
    if target.backlog is None or target.type != s.type:
        raise KernelError(Errno.ECONNREFUSED if target.type == s.type else Errno.EPROTOTYPE)
    if len(target.backlog) > target.max_backlog:
        if s.flags & O_NONBLOCK:
            raise KernelError(Errno.EAGAIN)
        raise Block([target.wq])
    connect(s, target, _cred(task))
    return 0


@syscall("accept4", "fd", "osockaddr:2", "osocklen", "socktype")
def sys_accept4(task: "Task", fd: int, addr: int, lenp: int, flags: int) -> int:
    s = sock(task, fd)
    if flags & ~(S.SOCK_NONBLOCK | S.SOCK_CLOEXEC):
        raise KernelError(Errno.EINVAL)
    if s.type == S.SOCK_DGRAM:
        raise KernelError(Errno.EOPNOTSUPP)
    if s.backlog is None:
        raise KernelError(Errno.EINVAL)
    if not s.backlog:
        if s.flags & O_NONBLOCK:
            raise KernelError(Errno.EAGAIN)
        raise Block([s.wq])
    new = s.backlog[0]
    fd_new = task.files.install(new, bool(flags & S.SOCK_CLOEXEC))
    s.backlog.popleft()
    new.flags |= flags & S.SOCK_NONBLOCK
    s.wq.wake_all()  # a connector waiting for room in the backlog
    if addr:
        _put_name(task, addr, lenp, new.peer.name if new.peer is not None else None)
    return fd_new


@syscall("accept", "fd", "osockaddr:2", "osocklen")
def sys_accept(task: "Task", fd: int, addr: int, lenp: int) -> int:
    return sys_accept4(task, fd, addr, lenp, 0)
