"""Decoders for the calls that wait on a set of files or a clock: poll, ppoll, select,
pselect6, nanosleep and clock_nanosleep (their results show what became ready or the
time left)."""

from __future__ import annotations

import struct

from ..abi import fileflags as F
from .ctx import Call
from .decoders import Gen, decoder
from .describe import ptr
from .kinds import render_arg


@decoder("poll", "ppoll")
def dec_poll(c: Call) -> Gen:
    n = c.args[1] & 0xFFFFFFFF
    raw = c.mem(c.args[0], 8 * n) if n else b""
    if raw is None:
        c.put(ptr(c.args[0]))
        items = []
    else:
        items = [struct.unpack_from("<ihh", raw, 8 * i) for i in range(n)]
        c.put("[" + ", ".join(f"{{fd={fd}, events={F.POLL_EVENTS.render(ev & 0xFFFF)}}}"
                              for fd, ev, _r in items) + "]")
    c.put(str(n))
    if c.name == "poll":
        c.put(str(c.s32(2)))
    else:
        c.put(render_arg(c, "timespec", 2))
        c.put(render_arg(c, "sigset", 3))
        c.put(str(c.args[4]))
    yield
    if c.ret and c.ret > 0:
        raw = c.mem(c.args[0], 8 * n) or b""
        got = [struct.unpack_from("<ihh", raw, 8 * i) for i in range(len(raw) // 8)]
        ready = [f"{{fd={fd}, revents={F.POLL_EVENTS.render(rv & 0xFFFF)}}}"
                 for fd, _e, rv in got if rv]
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


def _fdset(c: Call, addr: int, n: int) -> str:
    if not addr:
        return "NULL"
    raw = c.mem(addr, (n + 63) // 64 * 8)
    if raw is None:
        return ptr(addr)
    bits = int.from_bytes(raw, "little")
    return "[" + " ".join(str(i) for i in range(n) if bits >> i & 1) + "]"


@decoder("select", "pselect6")
def dec_select(c: Call) -> Gen:
    n = c.s32(0)
    c.put(str(n))
    for i in (1, 2, 3):
        c.put(_fdset(c, c.args[i], n))
    c.put(render_arg(c, "timeval" if c.name == "select" else "timespec", 4))
    if c.name == "pselect6":
        c.put(ptr(c.args[5]))
    yield
    if c.ret == 0:
        c.retnote = " (Timeout)"
    elif c.ret and c.ret > 0:
        names = ("in", "out", "except")
        sets = [f"{nm} {_fdset(c, c.args[i + 1], n)}" for i, nm in enumerate(names)
                if c.args[i + 1] and _fdset(c, c.args[i + 1], n) != "[]"]
        c.retnote = " (" + ", ".join(sets) + _left(c, 4, c.name == "select") + ")"


@decoder("clock_nanosleep")
def dec_clock_nanosleep(c: Call) -> Gen:
    c.put(render_arg(c, "clockid", 0))
    c.put("TIMER_ABSTIME" if c.args[1] & 1 else "0")
    c.put(render_arg(c, "timespec", 2))
    c.sep()
    yield
    c.parts.append(render_arg(c, "otimespec", 3) if c.failed else ptr(c.args[3]))


@decoder("nanosleep")
def dec_nanosleep(c: Call) -> Gen:
    c.put(render_arg(c, "timespec", 0))
    c.sep()
    yield
    c.parts.append(render_arg(c, "otimespec", 1) if c.failed else ptr(c.args[1]))
