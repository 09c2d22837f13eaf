"""epoll: an interest list and a ready list (Linux's fs/eventpoll.c).

Each watched file's wait queues call back into the epoll set when they wake (Linux's
ep_poll_callback): the item joins the ready list if the file now has an event it asks
for.  Collecting events (ep_send_events) checks each ready item again, drops it when
nothing is there any more, disables it after one report with EPOLLONESHOT, keeps it on
the list for level triggering and takes it off for EPOLLET.  Files backed by a host
descriptor (a terminal) wake nothing in the emulated kernel, so they are looked at
on every collection and waited for with select() by the idle kernel.

Items are keyed by (file, fd) and live until EPOLL_CTL_DEL or until the file's last
descriptor closes, as in Linux; an epoll set is shared by fork like any open file.
"""

from __future__ import annotations

from typing import Callable, Iterator

from ..abi.eventflags import EPOLL_INPUT_ONLY, EPOLLET, EPOLLONESHOT
from ..abi.fileflags import POLLERR, POLLHUP, POLLIN, POLLRDNORM
from .eventfd import AnonFile
from .file import File

ALWAYS = POLLERR | POLLHUP


class EpItem:
    """One watched (file, fd): what it asks for, the data it reports, whether it is ready."""

    __slots__ = ("ep", "file", "fd", "events", "data", "ready", "wake", "queues")

    def __init__(self, ep: "EventPoll", file: File, fd: int, events: int, data: int) -> None:
        self.ep = ep
        self.file = file
        self.fd = fd
        self.events = events
        self.data = data
        self.ready = False
        self.queues = file.poll_queues()
        self.wake: Callable[[], None] = self._callback

    def _callback(self) -> None:
        """ep_poll_callback: the file woke its waiters; queue the item if it has news."""
        if self.revents():
            self.ep.make_ready(self)

    def revents(self) -> int:
        """The events of the file this item reports now (0 while disabled by ONESHOT)."""
        want = self.events & ~EPOLL_INPUT_ONLY
        if not want:
            return 0
        return self.file.poll() & (want | ALWAYS)

    def attach(self) -> None:
        for q in self.queues:
            q.subscribe(self.wake)

    def detach(self) -> None:
        for q in self.queues:
            q.unsubscribe(self.wake)


class EventPoll(AnonFile):
    """An epoll instance."""

    kind = "epoll"

    def __init__(self, flags: int = 0) -> None:
        super().__init__("eventpoll", 0)
        self.items: dict[tuple[int, int], EpItem] = {}  # (id(file), fd) -> item
        self.rdlist: dict[EpItem, None] = {}  # ordered: the order events happened in
        self.host_items: set[EpItem] = set()  # items whose file wakes nothing here

    # ----------------------------------------------------------- the interest list
    def find(self, file: File, fd: int) -> EpItem | None:
        return self.items.get((id(file), fd))

    def add(self, file: File, fd: int, events: int, data: int) -> None:
        item = EpItem(self, file, fd, events, data)
        self.items[(id(file), fd)] = item
        item.attach()
        if file.host_fd() is not None:
            self.host_items.add(item)
        if self.file_released not in file.__dict__.get("on_release", ()):
            file.when_released(self.file_released)
        if item.revents():
            self.make_ready(item)

    def modify(self, item: EpItem, events: int, data: int) -> None:
        item.events, item.data = events, data
        if item.revents():
            self.make_ready(item)

    def remove(self, item: EpItem) -> None:
        item.detach()
        self.items.pop((id(item.file), item.fd), None)
        self.rdlist.pop(item, None)
        self.host_items.discard(item)
        item.ready = False

    def file_released(self, file: File) -> None:
        """The watched file's last descriptor closed: its items go (eventpoll_release)."""
        for item in [i for i in self.items.values() if i.file is file]:
            self.remove(item)

    def release(self) -> None:
        """The set's last descriptor closed: it stops listening to every file."""
        files = {id(i.file): i.file for i in self.items.values()}
        for item in list(self.items.values()):
            self.remove(item)
        for f in files.values():
            owners = f.__dict__.get("on_release")
            if owners and self.file_released in owners:
                owners.remove(self.file_released)

    def watches(self) -> Iterator[File]:
        """The files this set watches (the ELOOP check walks nested sets)."""
        return (i.file for i in self.items.values())

    # ----------------------------------------------------------- the ready list
    def make_ready(self, item: EpItem) -> None:
        if not item.ready:
            item.ready = True
            self.rdlist[item] = None
        self.wq.wake_all()

    def _scan_host_items(self) -> None:
        for item in self.host_items:
            if not item.ready and item.revents():
                item.ready = True
                self.rdlist[item] = None

    def send_events(self, maxevents: int) -> list[tuple[int, int]]:
        """ep_send_events: up to `maxevents` (events, data) pairs, the list updated."""
        self._scan_host_items()
        out: list[tuple[int, int]] = []
        requeue: list[EpItem] = []
        for item in list(self.rdlist):
            if len(out) >= maxevents:
                break
            del self.rdlist[item]
            item.ready = False
            ev = item.revents()
            if not ev:
                continue
            out.append((ev, item.data))
            if item.events & EPOLLONESHOT:
                item.events &= EPOLL_INPUT_ONLY  # disabled until EPOLL_CTL_MOD
            elif not item.events & EPOLLET:
                requeue.append(item)  # level-triggered: reported again while it lasts
        for item in requeue:
            item.ready = True
            self.rdlist[item] = None
        return out

    def host_fds(self) -> list[int]:
        return [fd for i in self.host_items if (fd := i.file.host_fd()) is not None]

    # ----------------------------------------------------------- as a file
    def poll(self) -> int:
        self._scan_host_items()
        return POLLIN | POLLRDNORM if any(i.revents() for i in self.rdlist) else 0

    def host_fd(self) -> int | None:
        return None


__all__ = ["EventPoll", "EpItem", "EPOLLET"]
