"""HrTimer: work the kernel does at a point of the virtual monotonic clock.

Linux's hrtimers run a callback when a deadline passes; here the scheduler keeps them in
the same heap as sleepers' deadlines, so the run loop fires them, an idle kernel jumps
the clock to the next one, and a running task's budget ends there (cpu.py).  The
callbacks (itimers, POSIX timers, timerfd) only queue signals and wake queues.
"""

from __future__ import annotations

from typing import Callable


class HrTimer:
    """A one-shot callback; its owner re-arms it for an interval."""

    __slots__ = ("expires", "fn")

    def __init__(self, fn: Callable[[], None]) -> None:
        self.expires: int | None = None  # monotonic ns while armed
        self.fn = fn

    @property
    def active(self) -> bool:
        return self.expires is not None

    def cancel(self) -> None:
        """Disarm (the heap entry is dropped lazily)."""
        self.expires = None
