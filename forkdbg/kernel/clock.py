"""The virtual clock: time advances by a fixed step per syscall and jumps over sleeps.

It makes runs reproducible (strace -T/-t columns, timeouts, the order sleepers
wake in) and lets a guest's sleep(10) finish at once.  Wall-clock time starts at
an epoch: the host's time when forkdbg starts unless `--epoch` fixes it.
"""

from __future__ import annotations

import time

BOOT_MONOTONIC_NS = 1_000 * 10**9  # the guest booted 1000 s ago
SYSCALL_STEP_NS = 1_000


class VirtualClock:
    """Monotonic and real time as the guest sees them."""

    def __init__(self, epoch_s: int | None = None) -> None:
        if epoch_s is None:
            epoch_s = time.time_ns() // 10**9
        self.mono_ns = BOOT_MONOTONIC_NS
        self.realtime_offset = epoch_s * 10**9 - BOOT_MONOTONIC_NS

    @property
    def now(self) -> int:
        """CLOCK_MONOTONIC in ns."""
        return self.mono_ns

    @property
    def realtime(self) -> int:
        """CLOCK_REALTIME in ns."""
        return self.mono_ns + self.realtime_offset

    def tick(self, ns: int = SYSCALL_STEP_NS) -> None:
        self.mono_ns += ns

    def advance_to(self, mono_ns: int) -> None:
        if mono_ns > self.mono_ns:
            self.mono_ns = mono_ns
