"""How syscall handlers report errors and sleeps to the dispatcher."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

from ..abi.errno import Errno

if TYPE_CHECKING:
    from .sched import WaitQueue


class KernelError(Exception):
    """A syscall fails with `errno` (the dispatcher returns -errno to the guest)."""

    def __init__(self, errno: Errno | int, detail: str = "") -> None:
        super().__init__(detail or Errno(errno).name)
        self.errno = int(errno)


class Block(Exception):
    """The caller must sleep; the dispatcher re-runs the handler when it is woken.

    A handler raises this only before it has changed anything, so running it again
    is safe (or gives `retry`, called instead of the handler).  `restart` is the code a signal interrupting the sleep produces
    (ERESTARTSYS by default: EINTR, or a restart under SA_RESTART).
    """

    def __init__(self, queues: Iterable["WaitQueue"] = (), deadline: int | None = None,
                 restart: int = Errno.ERESTARTSYS, host_fds: Iterable[int] = (),
                 retry: Callable[[], int] | None = None, interruptible: bool = True,
                 host_wfds: Iterable[int] = ()) -> None:
        super().__init__("block")
        self.retry = retry
        self.interruptible = interruptible  # False: only SIGKILL ends the sleep (vfork)
        self.queues = list(queues)
        self.deadline = deadline
        self.restart = int(restart)
        self.host_fds = list(host_fds)  # host descriptors whose input wakes the sleeper
        self.host_wfds = list(host_wfds)  # ... and whose room for output does


class NoReturn(Exception):
    """The calling task does not return to user mode from this syscall (exit, fatal signal)."""
