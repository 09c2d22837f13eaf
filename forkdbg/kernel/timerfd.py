"""timerfd: a timer whose expiries are read from a file (Linux's fs/timerfd.c).

It counts on the virtual clock through a KTimer (posix_timers.py) whose expiry adds to
the tick count instead of queueing a signal; read returns the ticks and zeroes them.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import POLLIN, POLLRDNORM
from ..fs.eventfd import AnonFile
from .errors import KernelError
from .posix_timers import KTimer

if TYPE_CHECKING:
    from .task import Task


class TimerFd(AnonFile):
    kind = "timerfd"

    def __init__(self, task: "Task", clock: int, flags: int) -> None:
        super().__init__("timerfd", flags)
        self.clock = clock
        self.timer = KTimer(task.kernel, task.tg, clock, 0)
        self.timer.on_expire = self.wq.wake_all

    @property
    def ticks(self) -> int:
        return self.timer.overrun

    def read(self, task: "Task", n: int) -> bytes:
        if n < 8:
            raise KernelError(Errno.EINVAL)
        if not self.timer.overrun:
            self.wait()
        ticks, self.timer.overrun = self.timer.overrun, 0
        return struct.pack("<Q", ticks)

    def poll(self) -> int:
        return POLLIN | POLLRDNORM if self.timer.overrun else 0

    def release(self) -> None:
        self.timer.disarm()
