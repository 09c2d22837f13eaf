"""Decoders for signal and event calls whose printing depends on another argument:
rt_sigpending (a set of any size up to the kernel's) and epoll_ctl (no event for DEL)."""

from __future__ import annotations

from ..abi.eventflags import EPOLL_CTL_DEL
from .ctx import Call
from .decoders import Gen, decoder
from .describe import ptr, sigset
from .kinds import SIGSET_SIZE, render_arg


@decoder("rt_sigpending")
def dec_rt_sigpending(c: Call) -> Gen:
    yield
    addr, size = c.args[0], c.args[1]
    b = None if c.failed or not 1 <= size <= SIGSET_SIZE else c.mem(addr, size)
    c.put(ptr(addr) if b is None else sigset(int.from_bytes(b, "little")))
    c.put(str(size))


@decoder("epoll_ctl")
def dec_epoll_ctl(c: Call) -> Gen:
    for i, kind in enumerate(("fd", "epollctl", "fd")):
        c.put(render_arg(c, kind, i))
    op = c.args[1] & 0xFFFFFFFF
    c.put(ptr(c.args[3]) if op == EPOLL_CTL_DEL else render_arg(c, "epoll_event", 3))
    yield




@decoder("rt_sigtimedwait")
def dec_rt_sigtimedwait(c: Call) -> Gen:
    """The timeout is read at entry; with no siginfo to fetch, the whole line is."""
    c.put(render_arg(c, "sigset:3", 0))
    timeout = render_arg(c, "timespec", 2)
    if not c.args[1]:
        c.put("NULL")
        c.put(timeout)
        c.put(str(c.args[3]))
        yield
        return
    c.sep()
    yield
    c.put(render_arg(c, "siginfo", 1))
    c.put(timeout)
    c.put(str(c.args[3]))
