"""signalfd: signals taken by reading a file (Linux's fs/signalfd.c).

A read dequeues pending signals in the file's mask, the reader's own first, as
signalfd_siginfo records.  Readers and pollers wait on their process's signalfd queue,
which every signal sent to the process wakes.  poll looks at the signals of the thread
that made the file (Linux looks at the poller's; they differ only for a signalfd
inherited across fork).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.eventflags import SIGNALFD_SIGINFO_SIZE
from ..abi.fileflags import O_NONBLOCK, POLLIN, POLLRDNORM
from ..abi.signals import SI_TIMER
from ..fs.eventfd import AnonFile
from .errors import Block, KernelError
from .signal import UNBLOCKABLE

if TYPE_CHECKING:
    from .task import Task


def signalfd_siginfo(sig: int, info: dict[str, int]) -> bytes:
    """One struct signalfd_siginfo from forkdbg's siginfo dict."""
    b = bytearray(SIGNALFD_SIGINFO_SIZE)
    code = info.get("code", 0)
    value = info.get("value", 0)
    struct.pack_into("<IiiII", b, 0, sig, info.get("errno", 0), code,
                     info.get("pid", 0) & 0xFFFFFFFF, info.get("uid", 0) & 0xFFFFFFFF)
    if code == SI_TIMER:
        struct.pack_into("<I", b, 24, info.get("timerid", 0) & 0xFFFFFFFF)
        struct.pack_into("<I", b, 32, info.get("overrun", 0))
    low = value & 0xFFFFFFFF
    struct.pack_into("<iiQ", b, 40, info.get("status", 0), low - (1 << 32) if low >> 31 else low,
                     value)
    struct.pack_into("<QQQ", b, 56, info.get("utime", 0), info.get("stime", 0),
                     info.get("addr", 0) & 0xFFFFFFFFFFFFFFFF)
    return bytes(b)


class SignalFd(AnonFile):
    kind = "signalfd"

    def __init__(self, task: "Task", mask: int, flags: int) -> None:
        super().__init__("signalfd", flags)
        self.task = task
        self.mask = mask & ~UNBLOCKABLE

    def poll_queues(self) -> list:
        return [self.task.tg.signalfd_wq]

    def set_mask(self, mask: int) -> None:
        self.mask = mask & ~UNBLOCKABLE
        self.task.tg.signalfd_wq.wake_all()

    def read(self, task: "Task", n: int) -> bytes:
        count = n // SIGNALFD_SIGINFO_SIZE
        if not count:
            raise KernelError(Errno.EINVAL)
        out = b""
        while len(out) < count * SIGNALFD_SIGINFO_SIZE:
            got = task.pending.take(self.mask) or task.tg.shared_pending.take(self.mask)
            if got is None:
                break
            out += signalfd_siginfo(*got)
        if not out:
            if self.flags & O_NONBLOCK:
                raise KernelError(Errno.EAGAIN)
            raise Block([task.tg.signalfd_wq])
        return out

    def poll(self) -> int:
        t = self.task
        pending = t.pending.bits | t.tg.shared_pending.bits
        return POLLIN | POLLRDNORM if pending & self.mask else 0

