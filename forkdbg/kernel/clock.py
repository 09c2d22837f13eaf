"""The virtual clock: time advances by a fixed step per syscall and jumps over sleeps.

It makes runs reproducible (strace -T/-t columns, timeouts, the order sleepers
wake in) and lets a guest's sleep(10) finish at once.
"""

from __future__ import annotations

BOOT_MONOTONIC_NS = 1_000 * 10**9  # the guest booted 1000 s ago
EPOCH_NS = 1_767_225_600 * 10**9  # 2026-01-01T00:00:00Z at boot
SYSCALL_STEP_NS = 1_000


class VirtualClock:
    """Monotonic and real time as the guest sees them."""

    def __init__(self) -> None:
        self.mono_ns = BOOT_MONOTONIC_NS
        self.realtime_offset = EPOCH_NS - BOOT_MONOTONIC_NS

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
