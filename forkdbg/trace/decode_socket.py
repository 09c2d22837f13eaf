"""Decoders for the socket calls, as strace 6.1 prints them: families, types and
protocols, addresses with their in/out lengths (``[128 => 2]``), message headers, and
socket options."""

from __future__ import annotations

import struct
from ipaddress import ip_address

from ..abi import socketflags as S
from ..abi.errno import Errno
from .ctx import Call
from .decoders import Gen, decoder
from .describe import const, flags, ptr, quote
from .kinds import buf, fd_text, iovec

IPPROTO_NAMES = {0: "IPPROTO_IP", 1: "IPPROTO_ICMP", 6: "IPPROTO_TCP", 17: "IPPROTO_UDP",
                 58: "IPPROTO_ICMPV6", 132: "IPPROTO_SCTP", 255: "IPPROTO_RAW"}


def family_text(c: Call, v: int) -> str:
    return const(S.AF_NAMES, v & 0xFFFFFFFF, c.style, "{:#x} /* AF_??? */")


def type_text(c: Call, v: int) -> str:
    v &= 0xFFFFFFFF
    kind = const(S.SOCK_TYPE_NAMES, v & S.SOCK_TYPE_MASK, c.style, "{:#x} /* SOCK_??? */")
    rest = v & ~S.SOCK_TYPE_MASK
    return kind if not rest else kind + "|" + flags(S.SOCK_FLAGS, rest, c.style)


def msgflags_text(c: Call, v: int) -> str:
    return flags(S.MSG_FLAGS, v & 0xFFFFFFFF, c.style, unknown="MSG_???")


def sockaddr_text(c: Call, addr: int, n: int) -> str:
    """A struct sockaddr of `n` bytes: the family, and what the family's address holds."""
    if not addr:
        return "NULL"
    if n <= 0:
        return ptr(addr)
    b = c.mem(addr, min(n, 128))
    if b is None or len(b) < 2:
        return ptr(addr)
    fam = struct.unpack_from("<H", b)[0]
    text = f"{{sa_family={family_text(c, fam)}"
    if fam == S.AF_INET and len(b) >= 8:
        port = struct.unpack_from(">H", b, 2)[0]
        return text + f", sin_port=htons({port}), sin_addr=inet_addr(\"{ip_address(b[4:8])}\")}}"
    if fam == S.AF_INET6 and len(b) >= 24:
        port, flow = struct.unpack_from(">HI", b, 2)
        scope = struct.unpack_from("<I", b, 24)[0] if len(b) >= 28 else 0
        return text + (f", sin6_port=htons({port}), sin6_flowinfo=htonl({flow}), "
                       f"inet_pton(AF_INET6, \"{ip_address(b[8:24])}\", &sin6_addr), "
                       f"sin6_scope_id={scope}}}")
    if fam == S.AF_UNIX and len(b) > 2:
        path = b[2:]
        abstract = path[:1] == b"\0"
        name = (path[1:] if abstract else path).split(b"\0")[0]
        text += f", sun_path={'@' if abstract else ''}{quote(name, c.style)}"
    return text + "}"


def _u32_at(c: Call, addr: int) -> int | None:
    b = c.mem(addr, 4)
    return struct.unpack("<I", b)[0] if b is not None else None


class _Len:
    """An in/out socklen_t: read at entry, printed ``[in => out]`` at exit."""

    def __init__(self, c: Call, addr: int) -> None:
        self.c, self.addr = c, addr
        self.before = _u32_at(c, addr) if addr else None

    def text(self) -> str:
        if not self.addr:
            return "NULL"
        if self.before is None:
            return ptr(self.addr)
        after = None if self.c.failed else _u32_at(self.c, self.addr)
        if after is None or after == self.before:
            return f"[{self.before}]"
        return f"[{self.before} => {after}]"

    def out(self) -> int:
        got = None if self.c.failed else _u32_at(self.c, self.addr)
        return got if got is not None else (self.before or 0)


@decoder("socket")
def dec_socket(c: Call) -> Gen:
    fam = c.args[0] & 0xFFFFFFFF
    c.put(family_text(c, fam))
    c.put(type_text(c, c.args[1]))
    proto = c.s32(2)
    c.put(const(IPPROTO_NAMES, proto, c.style) if fam in (S.AF_INET, S.AF_INET6)
          else str(proto))
    yield


@decoder("socketpair")
def dec_socketpair(c: Call) -> Gen:
    c.put(family_text(c, c.args[0]))
    c.put(type_text(c, c.args[1]))
    c.put(str(c.s32(2)))
    c.sep()
    yield
    b = None if c.failed else c.mem(c.args[3], 8)
    c.put(ptr(c.args[3]) if b is None else "[%d, %d]" % struct.unpack("<ii", b))


@decoder("shutdown")
def dec_shutdown(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.put(const(S.SHUT_NAMES, c.args[1] & 0xFFFFFFFF, c.style, "{:#x} /* SHUT_??? */"))
    yield


@decoder("getsockname", "getpeername")
def dec_getsockname(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.sep()
    ln = _Len(c, c.args[2])
    yield
    c.put(ptr(c.args[1]) if c.failed else sockaddr_text(c, c.args[1], ln.out()))
    c.put(ln.text())


@decoder("sendto")
def dec_sendto(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.put(buf(c, c.args[1], c.args[2]))
    c.put(str(c.args[2]))
    c.put(msgflags_text(c, c.args[3]))
    c.put(sockaddr_text(c, c.args[4], c.s32(5)))
    c.put(str(c.s32(5)))
    yield


@decoder("recvfrom")
def dec_recvfrom(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.sep()
    ln = _Len(c, c.args[5])
    yield
    c.put(ptr(c.args[1]) if c.failed or c.ret is None else buf(c, c.args[1], c.ret))
    c.put(str(c.args[2]))
    c.put(msgflags_text(c, c.args[3]))
    c.put(ptr(c.args[4]) if c.failed or not c.args[4] else sockaddr_text(c, c.args[4], ln.out()))
    c.put(ln.text())


def cmsgs_text(c: Call, addr: int, length: int) -> str:
    """Control messages: ``[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS,
    cmsg_data=[5]}]``, credentials as ``{pid=..., uid=..., gid=...}``."""
    raw = c.mem(addr, min(length, 4096))
    if raw is None:
        return ptr(addr)
    out = []
    off = 0
    while off + 16 <= len(raw):
        clen, level, kind = struct.unpack_from("<Qii", raw, off)
        if clen < 16 or off + clen > len(raw):
            break
        data = raw[off + 16:off + clen]
        lv = const(S.SOL_NAMES, level, c.style, "{:#x} /* SOL_??? */")
        if level == S.SOL_SOCKET and kind == 1:
            fds = struct.unpack_from(f"<{len(data) // 4}i", data)
            ty, body = "SCM_RIGHTS", "[" + ", ".join(fd_text(c, fd) for fd in fds) + "]"
        elif level == S.SOL_SOCKET and kind == 2 and len(data) >= 12:
            pid, uid, gid = struct.unpack_from("<iII", data)
            ty, body = "SCM_CREDENTIALS", f"{{pid={pid}, uid={uid}, gid={gid}}}"
        else:
            ty, body = str(kind), quote(data, c.style, force_hex=True)
        out.append(f"{{cmsg_len={clen}, cmsg_level={lv}, cmsg_type={ty}, cmsg_data={body}}}")
        off += (clen + 7) & ~7
    return "[" + ", ".join(out) + "]"


def msghdr_text(c: Call, addr: int, total: int | None) -> str:
    b = c.mem(addr, S.MSGHDR_SIZE) if addr else None
    if b is None:
        return ptr(addr)
    name, namelen, iov, iovlen, control, controllen, mflags = struct.unpack(
        "<QI4xQQQQi4x", b)
    parts = [f"msg_name={sockaddr_text(c, name, namelen) if name else 'NULL'}",
             f"msg_namelen={namelen}",
             f"msg_iov={iovec(c, iov, iovlen, total)}", f"msg_iovlen={iovlen}"]
    if controllen:
        parts.append(f"msg_control={cmsgs_text(c, control, controllen)}")
    parts += [f"msg_controllen={controllen}", f"msg_flags={msgflags_text(c, mflags)}"]
    return "{" + ", ".join(parts) + "}"


@decoder("sendmsg")
def dec_sendmsg(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.put(msghdr_text(c, c.args[1], None))
    c.put(msgflags_text(c, c.args[2]))
    yield


@decoder("recvmsg")
def dec_recvmsg(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.sep()
    yield
    c.put(ptr(c.args[1]) if c.failed else msghdr_text(c, c.args[1], c.ret or 0))
    c.put(msgflags_text(c, c.args[2]))


_ERRNOS = {int(e) for e in Errno}

OPTION_NAMES = {S.SOL_SOCKET: (S.SO_NAMES, "SO"), S.SOL_TCP: (S.TCP_NAMES, "TCP"),
                S.SOL_IP: (S.IP_NAMES, "IP"), S.SOL_IPV6: (S.IPV6_NAMES, "IPV6")}


def _optname(c: Call) -> str:
    names = OPTION_NAMES.get(c.s32(1))
    if names is None:
        return str(c.s32(2))
    return const(names[0], c.args[2] & 0xFFFFFFFF, c.style, "{:#x} /* " + names[1] + "_??? */")


def _level(c: Call) -> str:
    return const(S.SOL_NAMES, c.s32(1), c.style, "{:#x} /* SOL_??? */")


@decoder("getsockopt")
def dec_getsockopt(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.put(_level(c))
    c.put(_optname(c))
    c.sep()
    ln = _Len(c, c.args[4])
    yield
    n = ln.out()
    b = None if c.failed else c.mem(c.args[3], n)
    if b is None:
        c.put(ptr(c.args[3]))
    elif c.s32(1) == S.SOL_SOCKET and c.s32(2) == S.SO_PEERCRED and n >= 12:
        pid, uid, gid = struct.unpack_from("<iII", b)
        c.put(f"{{pid={pid}, uid={uid}, gid={gid}}}")
    elif c.s32(1) == S.SOL_SOCKET and c.s32(2) == S.SO_ERROR and n == 4:
        err = struct.unpack("<i", b)[0]
        c.put(f"[{Errno(err).name if err in _ERRNOS else err}]")  # strace's print_err
    elif n == 4:
        c.put(f"[{struct.unpack('<i', b)[0]}]")
    else:
        c.put(quote(b, c.style, force_hex=True))
    c.put(ln.text())


@decoder("setsockopt")
def dec_setsockopt(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.put(_level(c))
    c.put(_optname(c))
    n = c.s32(4)
    b = c.mem(c.args[3], n) if n == 4 else None
    c.put(f"[{struct.unpack('<i', b)[0]}]" if b is not None else ptr(c.args[3]))
    c.put(str(n))
    yield


@decoder("bind", "connect")
def dec_bind(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.put(sockaddr_text(c, c.args[1], c.s32(2)))
    c.put(str(c.s32(2)))
    yield


@decoder("listen")
def dec_listen(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.put(str(c.s32(1)))
    yield


@decoder("accept", "accept4")
def dec_accept(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.sep()
    ln = _Len(c, c.args[2])
    yield
    c.put(ptr(c.args[1]) if c.failed or not c.args[1] else sockaddr_text(c, c.args[1], ln.out()))
    c.put(ln.text())
    if c.name == "accept4":
        c.put(flags(S.SOCK_FLAGS, c.args[3] & 0xFFFFFFFF, c.style, unknown="SOCK_???"))
