"""Process file descriptors: a File that names a process (Linux's pidfd_fops).

A pidfd comes from clone/clone3 with CLONE_PIDFD or from pidfd_open. It polls readable
once the process has exited (and with POLLHUP once it is reaped), waitid(P_PIDFD) waits
for exactly that child, pidfd_send_signal signals it without the pid-reuse race, and
pidfd_getfd copies one of its descriptors. Reading it is EINVAL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import O_RDWR, POLLHUP, POLLIN, POLLRDNORM
from ..fs.file import File
from ..fs.stat import ANON_INODE, Stat
from .errors import KernelError
from .thread_group import GroupState

if TYPE_CHECKING:
    from .task import Task
    from .thread_group import ThreadGroup

# every pidfd is the one anon inode, as in Linux 6.1 (pidfs came in 6.9)


class PidFd(File):
    """An open pidfd: the process it names, alive, a zombie, or already reaped."""

    kind = "pidfd"

    def __init__(self, tg: "ThreadGroup", flags: int = 0) -> None:
        super().__init__(O_RDWR | flags, "anon_inode:[pidfd]")
        self.tg = tg

    def poll(self) -> int:
        state = self.tg.state
        if state is GroupState.REAPED:
            return POLLIN | POLLRDNORM | POLLHUP
        if state is GroupState.ZOMBIE:
            return POLLIN | POLLRDNORM
        return 0

    def poll_queues(self) -> list:
        return [self.tg.exit_wait]

    def stat(self) -> Stat:
        return ANON_INODE


def pidfd_of(task: "Task", fd: int) -> PidFd:
    """The pidfd at `fd`: EBADF if there is none or it is another kind of file."""
    f = task.files.get(fd)
    if not isinstance(f, PidFd):
        raise KernelError(Errno.EBADF)
    return f


def process_of(task: "Task", fd: int) -> "ThreadGroup":
    """The process `fd` stands for: a pidfd's, or a /proc/PID directory's (what
    pidfd_send_signal also takes); EBADF for any other file."""
    f = task.files.get(fd)
    if isinstance(f, PidFd):
        return f.tg
    node = getattr(f, "node", None)
    owner = getattr(node, "owner", None)
    if owner is None or not f.is_dir:
        raise KernelError(Errno.EBADF)
    return owner  # type: ignore[return-value]


def install(task: "Task", tg: "ThreadGroup", flags: int = 0) -> int:
    """A new close-on-exec pidfd for `tg` in `task`'s descriptor table."""
    return task.files.install(PidFd(tg, flags), cloexec=True)
