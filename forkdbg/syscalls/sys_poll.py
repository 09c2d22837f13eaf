"""poll, ppoll, select and pselect6 over pipes, regular files and host descriptors."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI
from ..kernel.errors import Block, KernelError
from ..kernel.signal import UNBLOCKABLE
from .common import read_in, s32, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

ALWAYS = POLLERR | POLLHUP | POLLNVAL


def _wait_sets(task: "Task", wants: list[tuple[int, int]]) -> tuple[list, list[int], list[int]]:
    """What a poller of (fd, events) pairs sleeps on: wait queues, and host descriptors
    to watch for input and for room to write."""
    queues: list = []
    rhost: list[int] = []
    whost: list[int] = []
    for fd, events in wants:
        e = task.files.fds.get(fd)
        if e is None:
            continue
        queues += e.file.poll_queues()
        h = e.file.host_fd()
        if h is not None:
            if events & (POLLIN | POLLPRI) or not events & POLLOUT:
                rhost.append(h)
            if events & POLLOUT:
                whost.append(h)
    return queues, rhost, whost


def _write_left(task: "Task", addr: int, deadline: int | None, usec: bool = False) -> None:
    """ppoll, pselect6 and select hand back the time that was left."""
    if addr and deadline is not None:
        left = max(0, deadline - task.kernel.clock.now)
        sub = left % 10**9 // 1000 if usec else left % 10**9
        write_out(task, addr, struct.pack("<qq", left // 10**9, sub))


def _do_poll(task: "Task", ufds: int, nfds: int, deadline: int | None,
             restart: int, left_ptr: int = 0) -> int:
    if nfds > task.files.limit:
        raise KernelError(Errno.EINVAL)
    raw = read_in(task, ufds, 8 * nfds)
    entries = [struct.unpack_from("<ihh", raw, 8 * i) for i in range(nfds)]
    k = task.kernel

    def attempt() -> int:
        out = bytearray(raw)
        ready = 0
        for i, (fd, events, _r) in enumerate(entries):
            rev = 0
            if fd >= 0:
                e = task.files.fds.get(fd)
                rev = POLLNVAL if e is None else e.file.poll() & ((events & 0xFFFF) | ALWAYS)
            struct.pack_into("<h", out, 8 * i + 6, rev)
            if rev:
                ready += 1
        timed_out = deadline is not None and k.clock.now >= deadline
        if ready or timed_out:
            write_out(task, ufds, bytes(out))
            _write_left(task, left_ptr, deadline)
            return ready
        queues, rhost, whost = _wait_sets(task, [(fd, e) for fd, e, _r in entries if fd >= 0])
        raise Block(queues, deadline=deadline, restart=restart, host_fds=rhost, retry=attempt,
                    host_wfds=whost)
    return attempt()


@syscall("poll", "pollfd:1", "uint", "int")
def sys_poll(task: "Task", ufds: int, nfds: int, timeout_ms: int) -> int:
    t = s32(timeout_ms)
    deadline = None if t < 0 else task.kernel.clock.now + t * 10**6
    return _do_poll(task, ufds, nfds, deadline, Errno.ERESTART_RESTARTBLOCK)


def _timespec_deadline(task: "Task", tsp: int) -> int | None:
    if not tsp:
        return None
    sec, nsec = struct.unpack("<qq", read_in(task, tsp, 16))
    if sec < 0 or not 0 <= nsec < 10**9:
        raise KernelError(Errno.EINVAL)
    return task.kernel.clock.now + sec * 10**9 + nsec


def _with_mask(task: "Task", sigmask: int) -> None:
    if sigmask:
        mask = struct.unpack("<Q", read_in(task, sigmask, 8))[0]
        task.saved_sigmask = task.blocked
        task.blocked = mask & ~UNBLOCKABLE


@syscall("ppoll", "pollfd:1", "uint", "timespec", "sigset:4", "size")
def sys_ppoll(task: "Task", ufds: int, nfds: int, tsp: int, sigmask: int, size: int) -> int:
    deadline = _timespec_deadline(task, tsp)
    _with_mask(task, sigmask)
    return _do_poll(task, ufds, nfds, deadline, Errno.ERESTARTNOHAND, left_ptr=tsp)


def _read_fdset(task: "Task", addr: int, n: int) -> set[int]:
    if not addr:
        return set()
    nbytes = (n + 63) // 64 * 8
    bits = int.from_bytes(read_in(task, addr, nbytes), "little")
    return {i for i in range(n) if bits >> i & 1}


def _write_fdset(task: "Task", addr: int, n: int, fds: set[int]) -> None:
    if addr:
        nbytes = (n + 63) // 64 * 8
        bits = 0
        for fd in fds:
            bits |= 1 << fd
        write_out(task, addr, bits.to_bytes(nbytes, "little"))


def _do_select(task: "Task", n: int, rp: int, wp: int, ep: int, deadline: int | None,
               restart: int, left_ptr: int = 0, usec: bool = False) -> int:
    n = s32(n)
    if n < 0:
        raise KernelError(Errno.EINVAL)
    n = min(n, task.files.max_fds)  # core_sys_select: bits past the table are not looked at
    rset, wset, eset = _read_fdset(task, rp, n), _read_fdset(task, wp, n), _read_fdset(task, ep, n)
    for fd in rset | wset | eset:
        if fd not in task.files.fds:
            raise KernelError(Errno.EBADF)
    k = task.kernel

    def attempt() -> int:
        r, w, x = set(), set(), set()
        for fd in rset | wset | eset:
            ev = task.files.fds[fd].file.poll() if fd in task.files.fds else POLLNVAL
            if fd in rset and ev & (POLLIN | POLLHUP | POLLERR):
                r.add(fd)
            if fd in wset and ev & (POLLOUT | POLLERR):
                w.add(fd)
            if fd in eset and ev & POLLPRI:
                x.add(fd)
        count = len(r) + len(w) + len(x)
        if count or (deadline is not None and k.clock.now >= deadline):
            _write_fdset(task, rp, n, r)
            _write_fdset(task, wp, n, w)
            _write_fdset(task, ep, n, x)
            _write_left(task, left_ptr, deadline, usec)
            return count
        wants = [(fd, (POLLIN if fd in rset else 0) | (POLLOUT if fd in wset else 0)
                  | (POLLPRI if fd in eset else 0)) for fd in sorted(rset | wset | eset)]
        queues, rhost, whost = _wait_sets(task, wants)
        raise Block(queues, deadline=deadline, restart=restart, host_fds=rhost, retry=attempt,
                    host_wfds=whost)
    return attempt()


@syscall("select", "int", "fdset", "fdset", "fdset", "timeval")
def sys_select(task: "Task", n: int, rp: int, wp: int, ep: int, tvp: int) -> int:
    deadline = None
    if tvp:
        sec, usec = struct.unpack("<qq", read_in(task, tvp, 16))
        if sec < 0 or usec < 0:
            raise KernelError(Errno.EINVAL)
        deadline = task.kernel.clock.now + sec * 10**9 + usec * 1000
    return _do_select(task, n, rp, wp, ep, deadline, Errno.ERESTARTNOHAND, tvp, usec=True)


@syscall("pselect6", "int", "fdset", "fdset", "fdset", "timespec", "ptr")
def sys_pselect6(task: "Task", n: int, rp: int, wp: int, ep: int, tsp: int, sig: int) -> int:
    deadline = _timespec_deadline(task, tsp)
    if sig:
        mask_ptr, size = struct.unpack("<QQ", read_in(task, sig, 16))
        if mask_ptr and size == 8:
            _with_mask(task, mask_ptr)
    return _do_select(task, n, rp, wp, ep, deadline, Errno.ERESTARTNOHAND, tsp)
