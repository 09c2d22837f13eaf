"""Socket names and connections: bind, listen, connect, accept/accept4, getsockname and
getpeername, for AF_UNIX (paths and abstract names, fs/socket.py) and for the loopback
AF_INET/AF_INET6 network (fs/inet.py)."""

from __future__ import annotations

import os
import stat as stat_mod
import struct
from collections import deque
from typing import TYPE_CHECKING

from ..abi import socketflags as S
from ..abi.errno import Errno
from ..abi.fileflags import AT_FDCWD, O_NONBLOCK
from ..fs.inet import InetSocket, is_local, pack_sockaddr, parse_sockaddr
from ..fs.perm import MAY_WRITE, check
from ..fs.socket import UnixSocket, connect
from ..kernel.errors import Block, KernelError
from .common import existing, peer_cred, read_in, resolve_at, s32, socket_of, write_out
from .sys_names import _mknod
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

SUN_PATH_MAX = 108
SOMAXCONN = 4096  # net.core.somaxconn


# ------------------------------------------------------------ addresses
def sockaddr_of(s: UnixSocket, name: bytes | None) -> bytes:
    """The sockaddr a name stands for: AF_UNIX's family and path (with the NUL a path
    carries), or an inet socket's packed address (a wildcard one while unbound)."""
    if isinstance(s, InetSocket):
        return name if name is not None else pack_sockaddr(
            s.family, ("0.0.0.0" if s.family == S.AF_INET else "::", 0))
    full = struct.pack("<H", S.AF_UNIX) + (name or b"")
    return full + b"\0" if name and name[:1] != b"\0" else full


def put_name(task: "Task", addr: int, lenp: int, s: UnixSocket, name: bytes | None) -> None:
    """Write a socket address and its full length; a short buffer gets what fits, as
    Linux's move_addr_to_user."""
    if not addr:
        return
    n = s32(struct.unpack("<I", read_in(task, lenp, 4))[0])
    if n < 0:
        raise KernelError(Errno.EINVAL)
    full = sockaddr_of(s, name)
    write_out(task, addr, full[:n])
    write_out(task, lenp, struct.pack("<I", len(full)))


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


def _inet(task: "Task", s: InetSocket, addr: int, alen: int) -> tuple[str, int]:
    alen = s32(alen)
    if alen < 0 or alen > 128:
        raise KernelError(Errno.EINVAL)
    return parse_sockaddr(read_in(task, addr, alen), s.family)


def _path_key(task: "Task", path: bytes, write: bool = True) -> tuple:
    """The key of a socket inode at `path` (ENOENT, ECONNREFUSED for other files)."""
    node = existing(resolve_at(task, AT_FDCWD, os.fsdecode(path)))
    st = node.hst
    if st is None or not stat_mod.S_ISSOCK(st.st_mode):
        raise KernelError(Errno.ECONNREFUSED)
    if write:
        check(st.st_mode, st.st_uid, st.st_gid, task.cred, MAY_WRITE)
    return ("path", st.st_dev, st.st_ino)


def target(task: "Task", s: UnixSocket, addr: int, alen: int) -> UnixSocket:
    """The socket bound at the address a connect or sendto names (ECONNREFUSED if none;
    ENETUNREACH for an address outside the machine)."""
    if isinstance(s, InetSocket):
        ip, port = _inet(task, s, addr, alen)
        if not is_local(ip):
            raise KernelError(Errno.ENETUNREACH)
        found = task.kernel.ports.lookup(s.type == S.SOCK_STREAM, port)
        if found is None:
            raise KernelError(Errno.ECONNREFUSED)
        return found
    path = _sun(task, addr, alen)
    if not path:
        raise KernelError(Errno.EINVAL)
    key = ("@", path) if path[:1] == b"\0" else _path_key(task, path)
    found_unix = task.kernel.unix_names.lookup(key)
    if found_unix is None or found_unix.closed:
        raise KernelError(Errno.ECONNREFUSED)
    return found_unix


def autobind(task: "Task", s: UnixSocket) -> None:
    """Give an unbound socket a name (an ephemeral port, an abstract AF_UNIX name)."""
    if s.name is not None:
        return
    if isinstance(s, InetSocket):
        loop = "127.0.0.1" if s.family == S.AF_INET else "::1"
        task.kernel.ports.bind(s, loop, 0)
    else:
        task.kernel.unix_names.autobind(s)


# ------------------------------------------------------------ the calls
@syscall("bind", "fd", "sockaddr:2", "int")
def sys_bind(task: "Task", fd: int, addr: int, alen: int) -> int:
    s = socket_of(task, fd)
    if isinstance(s, InetSocket):
        ip, port = _inet(task, s, addr, alen)
        if s.local is not None:
            raise KernelError(Errno.EINVAL)
        if not is_local(ip):
            raise KernelError(Errno.EADDRNOTAVAIL)
        task.kernel.ports.bind(s, ip, port)
        return 0
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
    s = socket_of(task, fd)
    if s.type == S.SOCK_DGRAM:
        raise KernelError(Errno.EOPNOTSUPP)
    if s.peer is not None or (s.name is None and not isinstance(s, InetSocket)):
        raise KernelError(Errno.EINVAL)
    autobind(task, s)  # inet_listen binds an ephemeral port
    if s.backlog is None:
        s.backlog = deque()
    s.max_backlog = min(max(s32(backlog), 0), SOMAXCONN)
    s.wq.wake_all()  # connectors waiting for room look again
    return 0


@syscall("connect", "fd", "sockaddr:2", "int")
def sys_connect(task: "Task", fd: int, addr: int, alen: int) -> int:
    s = socket_of(task, fd)
    if isinstance(s, InetSocket) and s.type == S.SOCK_STREAM:
        return _tcp_connect(task, s, addr, alen)
    return _connect(task, s, addr, alen)


def _tcp_connect(task: "Task", s: InetSocket, addr: int, alen: int) -> int:
    """inet_stream_connect: a nonblocking connect answers EINPROGRESS, the handshake
    over (or refused) by the time anyone looks; the next connect reports how it ended:
    0 once connected, else the pending error (ECONNABORTED once SO_ERROR took it)."""
    if s.connecting:
        s.connecting = False
        if s.peer is not None:
            return 0
        err, s.error = s.error or Errno.ECONNABORTED, 0
        s.refused = False  # tcp_disconnect: a fresh socket again
        raise KernelError(err)
    if not s.flags & O_NONBLOCK or s.peer is not None:
        return _connect(task, s, addr, alen)
    try:
        _connect(task, s, addr, alen)
    except KernelError as e:
        if e.errno != Errno.ECONNREFUSED:
            raise
        s.error, s.refused = Errno.ECONNREFUSED, True  # the RST came back at once
    s.connecting = True
    raise KernelError(Errno.EINPROGRESS)


def _connect(task: "Task", s: UnixSocket, addr: int, alen: int) -> int:
    there = target(task, s, addr, alen)
    if s.type == S.SOCK_DGRAM:
        if there.type != S.SOCK_DGRAM:
            raise KernelError(Errno.EPROTOTYPE)
        if isinstance(s, InetSocket):
            autobind(task, s)
        s.peer = there  # the default destination; the other side stays as it was
        return 0
    if s.peer is not None:
        raise KernelError(Errno.EISCONN)
    if there.backlog is None or there.type != s.type:
        raise KernelError(Errno.ECONNREFUSED if there.type == s.type else Errno.EPROTOTYPE)
    if len(there.backlog) > there.max_backlog:
        if s.flags & O_NONBLOCK:
            raise KernelError(Errno.EAGAIN)
        raise Block([there.wq])
    if isinstance(s, InetSocket):
        autobind(task, s)
    connect(s, there, peer_cred(task))
    return 0


@syscall("accept4", "fd", "osockaddr:2", "osocklen", "socktype")
def sys_accept4(task: "Task", fd: int, addr: int, lenp: int, flags: int) -> int:
    s = socket_of(task, fd)
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
        put_name(task, addr, lenp, new, new.peer.name if new.peer is not None else None)
    return fd_new


@syscall("accept", "fd", "osockaddr:2", "osocklen")
def sys_accept(task: "Task", fd: int, addr: int, lenp: int) -> int:
    return sys_accept4(task, fd, addr, lenp, 0)


@syscall("getsockname", "fd", "osockaddr:2", "osocklen")
def sys_getsockname(task: "Task", fd: int, addr: int, lenp: int) -> int:
    s = socket_of(task, fd)
    put_name(task, addr, lenp, s, s.name)
    return 0


@syscall("getpeername", "fd", "osockaddr:2", "osocklen")
def sys_getpeername(task: "Task", fd: int, addr: int, lenp: int) -> int:
    s = socket_of(task, fd)
    if s.peer is None or (s.peer.closed and s.type != S.SOCK_DGRAM):
        raise KernelError(Errno.ENOTCONN)
    put_name(task, addr, lenp, s, s.peer.name)
    return 0
