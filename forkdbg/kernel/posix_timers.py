"""Interval timers and POSIX timers of a process (Linux's itimer.c and posix-timers.c).

A timer counts on one clock: the virtual monotonic clock (CLOCK_MONOTONIC, BOOTTIME,
REALTIME and ITIMER_REAL, through an HrTimer) or the process's or a thread's CPU time
(ITIMER_VIRTUAL, ITIMER_PROF, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID), which
`Kernel.charge` moves and `check_cpu_timers` looks at.  When it expires it queues its
signal, or counts an overrun while the last one is still pending, and re-arms itself
for its interval.  fork gives the child none; exec keeps the itimers and deletes the
POSIX timers; the group's exit ends them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..abi.eventflags import (
    DELAYTIMER_MAX,
    ITIMER_PROF,
    ITIMER_REAL,
    ITIMER_VIRTUAL,
    SIGEV_NONE,
    SIGEV_THREAD_ID,
)
from ..abi.procflags import REALTIME_CLOCKS
from ..abi.signals import SI_KERNEL, SI_TIMER, Sig
from .hrtimer import HrTimer

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task
    from .thread_group import ThreadGroup

CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID = 2, 3
ITIMER_SIGNALS = {ITIMER_REAL: Sig.SIGALRM, ITIMER_VIRTUAL: Sig.SIGVTALRM,
                  ITIMER_PROF: Sig.SIGPROF}


class KTimer:
    """One timer: where it counts, what it sends, when it next expires."""

    def __init__(self, kernel: "Kernel", tg: "ThreadGroup", clock: int, signo: int,
                 notify: int = 0, value: int = 0, target: "Task | None" = None,
                 timer_id: int = -1) -> None:
        self.kernel = kernel
        self.tg = tg
        self.clock = clock  # a POSIX clock id; itimers use MONOTONIC or a CPU clock
        self.signo = signo
        self.notify = notify
        self.value = value  # sigev_value
        self.target = target  # SIGEV_THREAD_ID's thread, or the thread whose CPU time counts
        self.id = timer_id  # -1 for an itimer
        self.interval = 0
        self.overrun = 0  # expiries folded into the pending signal
        self.last_overrun = 0  # what timer_getoverrun reports
        self.queued: dict[str, int] | None = None  # the siginfo of the last signal queued
        self.hrtimer = HrTimer(self._expire)
        self.cpu_expires: int | None = None  # on the CPU clock, while armed there
        self.due = 0  # the monotonic expiry the HrTimer was armed for (periods count from it)
        self.on_expire: Callable[[], object] | None = None  # timerfd's hook instead of a signal

    # ----------------------------------------------------------- clocks
    @property
    def on_cpu_clock(self) -> bool:
        return self.clock in (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID)

    def cpu_now(self) -> int:
        if self.clock == CLOCK_THREAD_CPUTIME_ID and self.target is not None:
            return self.target.cpu_ns
        return self.tg.utime_ns

    def now(self) -> int:
        return self.cpu_now() if self.on_cpu_clock else self.kernel.clock.now

    # ----------------------------------------------------------- arming
    @property
    def armed(self) -> bool:
        return self.hrtimer.active or self.cpu_expires is not None

    def remaining(self) -> int:
        """Nanoseconds to the next expiry (0: disarmed)."""
        if self.cpu_expires is not None:
            return max(self.cpu_expires - self.cpu_now(), 1)
        if self.hrtimer.expires is not None:
            return max(self.hrtimer.expires - self.kernel.clock.now, 1)
        return 0

    def arm(self, expires: int | None, interval: int) -> None:
        """Expire at `expires` on this timer's clock (None: disarm), then every `interval`."""
        self.disarm()
        self.interval = interval
        self.overrun = 0
        if expires is None:
            return
        if self.on_cpu_clock:
            self.cpu_expires = expires
            cpu = self.tg.cpu_timers
            if self not in cpu:
                cpu.append(self)
            if self.cpu_now() >= expires:
                check_cpu_timers(self.tg)
        else:
            self.due = expires
            self.kernel.sched.start_timer(self.hrtimer, max(expires, self.kernel.clock.now))

    def disarm(self) -> None:
        self.hrtimer.cancel()
        if self.cpu_expires is not None:
            self.cpu_expires = None
            if self in self.tg.cpu_timers:
                self.tg.cpu_timers.remove(self)

    # ----------------------------------------------------------- expiry
    def _expire(self) -> None:
        """The HrTimer fired (it is disarmed now): signal, and re-arm for the interval."""
        due = self.due
        missed = (self.kernel.clock.now - due) // self.interval if self.interval else 0
        if self.interval:
            self.due = due + self.interval * (missed + 1)
            self.kernel.sched.start_timer(self.hrtimer, self.due)
        self._fire(missed)

    def expire_cpu(self) -> None:
        """The CPU clock reached `cpu_expires`."""
        assert self.cpu_expires is not None
        due = self.cpu_expires
        self.cpu_expires = None
        self.tg.cpu_timers.remove(self)
        missed = 0
        if self.interval:
            missed = (self.cpu_now() - due) // self.interval
            self.cpu_expires = due + self.interval * (missed + 1)
            self.tg.cpu_timers.append(self)
        self._fire(missed)

    def _fire(self, missed: int) -> None:
        """Send the signal, or count an overrun while the last one is pending; `missed`
        periods passed unseen beyond this expiry."""
        if self.on_expire is not None:
            self.overrun += 1 + missed
            self.on_expire()
            return
        if self.notify == SIGEV_NONE or not self.tg.live_threads:
            return
        if self.id < 0:  # an itimer: one SIGALRM/SIGVTALRM/SIGPROF from the kernel
            self.kernel.signals.send_to_group(self.tg, self.signo, code=SI_KERNEL)
            return
        if self.queued is not None and self._signal_pending(self.queued):
            # as posixtimer_rearm: the pending signal's si_overrun counts what it stands for
            self.overrun = min(self.overrun + 1 + missed, DELAYTIMER_MAX)
            self.queued["overrun"] = self.last_overrun = self.overrun
            return
        self.overrun = self.last_overrun = min(missed, DELAYTIMER_MAX)
        sig = self.kernel.signals
        if self.notify & SIGEV_THREAD_ID and self.target is not None and self.target.alive:
            self.queued = sig.send_to_task(self.target, self.signo, code=SI_TIMER,
                                           timerid=self.id, overrun=self.overrun,
                                           value=self.value)
        else:
            self.queued = sig.send_to_group(self.tg, self.signo, code=SI_TIMER,
                                            timerid=self.id, overrun=self.overrun,
                                            value=self.value)

    def _signal_pending(self, queued: dict[str, int]) -> bool:
        """Is the signal this timer queued last still waiting in a pending queue?"""
        queues = [self.tg.shared_pending] + [t.pending for t in self.tg.threads]
        return any(info is queued for q in queues for _s, info in q.queue)


def start(timer: KTimer, value: int, interval: int, absolute: bool) -> None:
    """Arm as setitimer/timer_settime do: `value` 0 disarms; relative values count
    from now on the timer's clock."""
    if value == 0:
        timer.arm(None, 0)
        return
    if absolute and timer.clock in REALTIME_CLOCKS:
        value -= timer.kernel.clock.realtime_offset
    timer.arm(value if absolute else timer.now() + value, interval)


def check_cpu_timers(tg: "ThreadGroup") -> None:
    """Fire the CPU-time timers of `tg` that are due (Kernel.charge calls this)."""
    for t in list(tg.cpu_timers):
        if t.cpu_expires is not None and t.cpu_now() >= t.cpu_expires:
            t.expire_cpu()


def cpu_budget(tg: "ThreadGroup", task: "Task") -> int:
    """CPU nanoseconds `task` may use before one of its process's CPU timers is due."""
    left = 1 << 62
    for t in tg.cpu_timers:
        if t.cpu_expires is not None and (t.clock != CLOCK_THREAD_CPUTIME_ID
                                          or t.target is task):
            left = min(left, max(t.cpu_expires - t.cpu_now(), 0))
    return left


def itimer(kernel: "Kernel", tg: "ThreadGroup", which: int) -> KTimer:
    """The process's ITIMER_REAL/VIRTUAL/PROF, made on first use."""
    t = tg.itimers.get(which)
    if t is None:
        clock = 1 if which == ITIMER_REAL else CLOCK_PROCESS_CPUTIME_ID
        t = tg.itimers[which] = KTimer(kernel, tg, clock, ITIMER_SIGNALS[which])
    return t


def exit_itimers(tg: "ThreadGroup", keep_itimers: bool = False) -> None:
    """Delete the POSIX timers (exec, exit); at exit the itimers stop too."""
    for t in tg.posix_timers.values():
        t.disarm()
    tg.posix_timers.clear()
    if not keep_itimers:
        for t in tg.itimers.values():
            t.disarm()
