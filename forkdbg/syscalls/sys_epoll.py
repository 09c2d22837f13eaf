"""epoll_create/epoll_create1, epoll_ctl and epoll_wait/epoll_pwait/epoll_pwait2
(fs/eventpoll.py holds the sets)."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.eventflags import (
    EP_MAX_EVENTS,
    EPOLL_CLOEXEC,
    EPOLL_CTL_ADD,
    EPOLL_CTL_DEL,
    EPOLL_CTL_MOD,
    EPOLL_EVENT_SIZE,
    EPOLLERR,
    EPOLLET,
    EPOLLEXCLUSIVE,
    EPOLLHUP,
    EPOLLIN,
    EPOLLOUT,
    EPOLLWAKEUP,
)
from ..fs.eventpoll import EventPoll
from ..kernel.errors import Block, KernelError
from .common import access_ok, read_in, s32, write_out
from .sys_poll import _timespec_deadline, _with_mask
from .sys_signal import SIGSET_SIZE
from .table import syscall

if TYPE_CHECKING:
    from ..fs.file import File
    from ..kernel.task import Task

#: what EPOLLEXCLUSIVE may be combined with
EXCLUSIVE_OK = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE
#: how deep epoll sets may nest (EP_MAX_NESTS)
MAX_NESTS = 4


@syscall("epoll_create1", "epollflags")
def sys_epoll_create1(task: "Task", flags: int) -> int:
    if flags & ~EPOLL_CLOEXEC:
        raise KernelError(Errno.EINVAL)
    return task.files.install(EventPoll(), cloexec=bool(flags & EPOLL_CLOEXEC))


@syscall("epoll_create", "int")
def sys_epoll_create(task: "Task", size: int) -> int:
    if s32(size) <= 0:
        raise KernelError(Errno.EINVAL)
    return sys_epoll_create1(task, 0)


def _epoll(task: "Task", epfd: int) -> EventPoll:
    f = task.files.get(s32(epfd))
    if not isinstance(f, EventPoll):
        raise KernelError(Errno.EINVAL)
    return f


def _reaches(f: "File", target: EventPoll, depth: int = 0) -> bool:
    """Does epoll set `f` watch `target`, directly or through nested sets (ELOOP)?"""
    if f is target:
        return True
    if not isinstance(f, EventPoll) or depth > MAX_NESTS:
        return depth > MAX_NESTS
    return any(_reaches(w, target, depth + 1) for w in f.watches())


@syscall("epoll_ctl", "fd", "epollctl", "fd", "epoll_event")
def sys_epoll_ctl(task: "Task", epfd: int, op: int, fd: int, event: int) -> int:
    events = data = 0
    if op != EPOLL_CTL_DEL:
        events, data = struct.unpack("<IQ", read_in(task, event, EPOLL_EVENT_SIZE))
    ep_file = task.files.get(s32(epfd))
    fd = s32(fd)
    target = task.files.get(fd)
    if getattr(target, "kind", "") == "path":
        raise KernelError(Errno.EBADF)
    if not target.can_poll:
        raise KernelError(Errno.EPERM)
    if not isinstance(ep_file, EventPoll) or target is ep_file:
        raise KernelError(Errno.EINVAL)
    ep = ep_file
    if events & EPOLLEXCLUSIVE:
        if op == EPOLL_CTL_MOD or (op == EPOLL_CTL_ADD and (
                isinstance(target, EventPoll) or events & ~EXCLUSIVE_OK)):
            raise KernelError(Errno.EINVAL)
    if op == EPOLL_CTL_ADD and isinstance(target, EventPoll) and _reaches(target, ep):
        raise KernelError(Errno.ELOOP)
    item = ep.find(target, fd)
    if op == EPOLL_CTL_ADD:
        if item is not None:
            raise KernelError(Errno.EEXIST)
        ep.add(target, fd, events | EPOLLERR | EPOLLHUP, data)
    elif op == EPOLL_CTL_DEL:
        if item is None:
            raise KernelError(Errno.ENOENT)
        ep.remove(item)
    elif op == EPOLL_CTL_MOD:
        if item is None:
            raise KernelError(Errno.ENOENT)
        if item.events & EPOLLEXCLUSIVE:
            raise KernelError(Errno.EINVAL)
        ep.modify(item, events | EPOLLERR | EPOLLHUP, data)
    else:
        raise KernelError(Errno.EINVAL)
    return 0


def _do_wait(task: "Task", epfd: int, events: int, maxevents: int,
             deadline: int | None) -> int:
    maxevents = s32(maxevents)
    if maxevents <= 0 or maxevents > EP_MAX_EVENTS:
        raise KernelError(Errno.EINVAL)
    access_ok(events, maxevents * EPOLL_EVENT_SIZE)
    ep = _epoll(task, epfd)
    k = task.kernel

    def attempt() -> int:
        got = ep.send_events(maxevents)
        if got:
            write_out(task, events, b"".join(struct.pack("<IQ", ev, d) for ev, d in got))
            return len(got)
        if deadline is not None and k.clock.now >= deadline:
            return 0
        raise Block([ep.wq], deadline=deadline, restart=Errno.EINTR, retry=attempt,
                    host_fds=ep.host_fds())
    return attempt()


def _ms_deadline(task: "Task", timeout: int) -> int | None:
    t = s32(timeout)
    return None if t < 0 else task.kernel.clock.now + t * 10**6


@syscall("epoll_wait", "fd", "epoll_events", "int", "int")
def sys_epoll_wait(task: "Task", epfd: int, events: int, maxevents: int, timeout: int) -> int:
    return _do_wait(task, epfd, events, maxevents, _ms_deadline(task, timeout))


def _pwait_mask(task: "Task", sigmask: int, size: int) -> None:
    if sigmask:
        if size != SIGSET_SIZE:
            raise KernelError(Errno.EINVAL)
        _with_mask(task, sigmask)


@syscall("epoll_pwait", "fd", "epoll_events", "int", "int", "sigset:5", "size")
def sys_epoll_pwait(task: "Task", epfd: int, events: int, maxevents: int, timeout: int,
                    sigmask: int, size: int) -> int:
    _pwait_mask(task, sigmask, size)
    return _do_wait(task, epfd, events, maxevents, _ms_deadline(task, timeout))


@syscall("epoll_pwait2", "fd", "epoll_events", "int", "timespec", "sigset:5", "size")
def sys_epoll_pwait2(task: "Task", epfd: int, events: int, maxevents: int, tsp: int,
                     sigmask: int, size: int) -> int:
    deadline = _timespec_deadline(task, tsp)
    _pwait_mask(task, sigmask, size)
    return _do_wait(task, epfd, events, maxevents, deadline)
