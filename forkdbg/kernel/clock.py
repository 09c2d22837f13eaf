"""The virtual clock: time advances with the guest's work and jumps over sleeps.

Work is counted, not timed: each system call costs a fixed step and each translated
block the engine enters costs BLOCK_NS (arch/budget.py counts them), as if the CPU
ran a block of a few instructions per nanosecond.  That makes runs reproducible
(strace -T/-t columns, timeouts, the order sleepers wake in, where preemption
lands), lets a guest's sleep(10) finish at once, and still moves time forward for a
program that computes or busy-waits.  Wall-clock time starts at an epoch: the host's
time when forkdbg starts unless `--epoch` fixes it.
"""

from __future__ import annotations

import time

BOOT_MONOTONIC_NS = 1_000 * 10**9  # the guest booted 1000 s ago
SYSCALL_STEP_NS = 1_000
BLOCK_NS = 1


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
