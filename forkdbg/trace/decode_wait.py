"""Decoders for the calls that wait on a set of files or a clock: poll, ppoll, select,
pselect6, nanosleep and clock_nanosleep (their results show what became ready or the
time left)."""

from __future__ import annotations

import struct

from ..abi import fileflags as F
from ..abi.errno import RESTART_ERRNOS
from .ctx import Call
from .decoders import Gen, decoder
from .describe import flags, ptr, sigset
from .kinds import fd_text, render_arg


def _pollfd(c: Call, b: bytes) -> str:
    """strace's print_pollfd: a negative descriptor has no events shown."""
    fd, ev = struct.unpack_from("<ih", b)
    if fd < 0:
        return f"{{fd={fd}}}"
    return (f"{{fd={fd_text(c, fd)}, "
            f"events={flags(F.POLL_EVENTS, ev & 0xFFFF, c.style, unknown='POLL???')}}}")


@decoder("poll", "ppoll")
def dec_poll(c: Call) -> Gen:
    n = c.args[1] & 0xFFFFFFFF
    c.put(c.array(c.args[0], n, 8, lambda b: _pollfd(c, b)))
    c.put(str(n))
    if c.name == "poll":
        c.put(str(c.s32(2)))
    else:
        c.put(render_arg(c, "timespec", 2))
        c.put(render_arg(c, "sigset", 3))
        c.put(str(c.args[4]))
    yield
    if c.ret and c.ret > 0:
        ready: list[str] = []
        limit = n if c.style.verbose else c.style.strsize
        for i in range(n):
            b = c.mem(c.args[0] + 8 * i, 8)
            if b is None:
                ready.append(f"{c.args[0] + 8 * i:#x}")
                break
            fd, _e, rv = struct.unpack("<ihh", b)
            if not rv:
                continue
            if len(ready) >= limit:
                ready.append("...")
                break
            ready.append(f"{{fd={fd}, revents={F.POLL_EVENTS.render(rv & 0xFFFF)}}}")
        left = _left(c, 2) if c.name == "ppoll" else ""
        c.retnote = " ([" + ", ".join(ready) + "]" + left + ")"
    elif c.ret == 0:
        c.retnote = " (Timeout)"


def _left(c: Call, i: int, usec: bool = False) -> str:
    """`, left {...}`: the time ppoll/pselect6/select gave back."""
    b = c.mem(c.args[i], 16) if c.args[i] else None
    if b is None:
        return ""
    s, sub = struct.unpack("<qq", b)
    unit = "tv_usec" if usec else "tv_nsec"
    return f", left {{tv_sec={s}, {unit}={sub}}}"


def _select_nfds(c: Call) -> tuple[int, int]:
    """(fds looked at, bytes of each set) as strace's decode_select bounds them."""
    n = min(max(c.s32(0), 0), 1024 * 1024)
    return n, ((n + 7) // 8 + 7) & -8


def _fd_bits(c: Call, addr: int, n: int, size: int) -> list[int] | None:
    raw = c.mem(addr, size) if size else None
    if raw is None:
        return None
    bits = int.from_bytes(raw, "little")
    return [i for i in range(min(n, size * 8)) if bits >> i & 1]


def _fdset(c: Call, addr: int, n: int, size: int) -> str:
    fds = _fd_bits(c, addr, n, size) if addr else None
    if fds is None:
        return ptr(addr)
    return "[" + " ".join(fd_text(c, fd) for fd in fds) + "]"


def _kernel_sigset(c: Call, addr: int) -> str:
    """pselect6's sixth argument: ``{sigmask=[...], sigsetsize=8}``."""
    b = c.mem(addr, 16) if addr else None
    if b is None:
        return ptr(addr)
    mask, size = struct.unpack("<QQ", b)
    m = c.mem(mask, 8) if mask and size == 8 else None
    text = sigset(struct.unpack("<Q", m)[0]) if m is not None else ptr(mask)
    return f"{{sigmask={text}, sigsetsize={size}}}"


@decoder("select", "pselect6")
def dec_select(c: Call) -> Gen:
    n, size = _select_nfds(c)
    c.put(str(c.s32(0)))
    for i in (1, 2, 3):
        c.put(_fdset(c, c.args[i], n, size))
    c.put(render_arg(c, "timeval" if c.name == "select" else "timespec", 4))
    if c.name == "pselect6":
        c.put(_kernel_sigset(c, c.args[5]))
    yield
    if c.failed or c.ret is None:
        return
    if c.ret == 0:
        c.retnote = " (Timeout)"
        return
    left = c.ret
    sets: list[str] = []
    for i, name in enumerate(("in", "out", "except")):
        fds = _fd_bits(c, c.args[i + 1], n, size) if c.args[i + 1] and left > 0 else None
        if not fds:
            continue
        fds = fds[:left]
        left -= len(fds)
        sets.append(f"{name} [" + " ".join(map(str, fds)) + "]")
    text = ", ".join(sets)
    if c.args[4]:
        rest = _left(c, 4, c.name == "select")
        text += rest[2:] if not sets else rest
    c.retnote = f" ({text})"


@decoder("clock_nanosleep")
def dec_clock_nanosleep(c: Call) -> Gen:
    c.put(render_arg(c, "clockid", 0))
    c.put("TIMER_ABSTIME" if c.args[1] & 1 else "0")
    c.put(render_arg(c, "timespec", 2))
    c.sep()
    yield
    c.parts.append(render_arg(c, "timespec", 3) if _erestart(c) and not c.args[1]
                   else ptr(c.args[3]))


@decoder("nanosleep")
def dec_nanosleep(c: Call) -> Gen:
    c.put(render_arg(c, "timespec", 0))
    c.sep()
    yield
    c.parts.append(render_arg(c, "timespec", 1) if _erestart(c) else ptr(c.args[1]))


def _erestart(c: Call) -> bool:
    """Was the call cut short by a signal (the time left is significant only then)?"""
    return c.ret is not None and -c.ret in RESTART_ERRNOS
