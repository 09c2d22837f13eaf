"""The scheduler and wait queues: deterministic, round-robin, parent first after fork.

A task keeps the CPU until it sleeps, yields, exits or uses up its time slice while
another task is runnable.  Slices are virtual time: guest execution (counted in
translated blocks, arch/budget.py) and system calls are charged against them, so a
spinner and a task that loops on calls that never block are preempted at the same
points on every run.  Sleepers with a deadline wait on the virtual clock.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from typing import TYPE_CHECKING, Callable, Iterable, Union

from .hrtimer import HrTimer

if TYPE_CHECKING:
    from .task import Task


class WaitQueue:
    """Tasks sleeping until something happens (a child exits, a pipe fills, a futex wakes)."""

    __slots__ = ("name", "waiters", "callbacks")

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.waiters: list["Task"] = []
        #: functions called at each wake-up (epoll's ep_poll_callback), not tasks
        self.callbacks: list[Callable[[], None]] | None = None

    def subscribe(self, fn: Callable[[], None]) -> None:
        if self.callbacks is None:
            self.callbacks = []
        self.callbacks.append(fn)

    def unsubscribe(self, fn: Callable[[], None]) -> None:
        if self.callbacks is not None and fn in self.callbacks:
            self.callbacks.remove(fn)

    def add(self, task: "Task") -> None:
        if task not in self.waiters:
            self.waiters.append(task)

    def remove(self, task: "Task") -> None:
        try:
            self.waiters.remove(task)
        except ValueError:
            pass

    def wake_all(self, reason: str = "event") -> int:
        """Wake every sleeper (each re-checks its condition); returns how many."""
        woken = list(self.waiters)
        for t in woken:
            t.kernel.wake(t, reason)
        if self.callbacks:
            for fn in list(self.callbacks):
                fn()
        return len(woken)

    def __len__(self) -> int:
        return len(self.waiters)


class Scheduler:
    """Run queue, the current task and the timer list."""

    def __init__(self, child_first: bool = False, slice_ns: int = 4_000_000) -> None:
        self.runq: deque["Task"] = deque()
        self.slice_ns = slice_ns  # 0: never preempt
        self.current: "Task | None" = None
        self.child_first = child_first
        self.boosted: "Task | None" = None
        #: (deadline, order, sleeper or HrTimer): one heap, so one place decides what is next
        self._timers: list[tuple[int, int, "Task | HrTimer"]] = []
        self._seq = itertools.count()

    def runnable_count(self) -> int:
        return len(self.runq) + (1 if self.current is not None else 0)

    def enqueue(self, task: "Task") -> None:
        """Make `task` runnable after those already waiting."""
        if task is not self.current and task not in self.runq:
            self.runq.append(task)

    def new_child(self, parent: "Task", child: "Task") -> None:
        """Place a freshly cloned task: after the others, or next (child-first)."""
        if self.child_first and self.current is parent:
            self.runq.appendleft(parent)
            self.current = child
            child.slice_left = self.slice_ns
        else:
            self.runq.append(child)

    def boost(self, task: "Task") -> None:
        """Run `task` next, ahead of the current task (a vfork parent released by exec)."""
        self.boosted = task

    def apply_boost(self) -> None:
        """Between syscalls: switch to a boosted task, the current one next in line."""
        task, self.boosted = self.boosted, None
        if task is None or task is self.current or task not in self.runq:
            return
        self.runq.remove(task)
        if self.current is not None:
            self.runq.appendleft(self.current)
        self.current = task
        task.slice_left = self.slice_ns

    def remove(self, task: "Task") -> None:
        """`task` stops being runnable (it sleeps, stops or exits)."""
        if self.current is task:
            self.current = None
        else:
            try:
                self.runq.remove(task)
            except ValueError:
                pass

    def pick(self) -> "Task | None":
        """The task to run next: the current one if it can still run."""
        if self.current is None and self.runq:
            task = self.current = self.runq.popleft()
            task.slice_left = self.slice_ns  # a fresh slice for each turn on the CPU
        return self.current

    def should_preempt(self, task: "Task") -> bool:
        """`task` used up its slice and another task is waiting for the CPU."""
        return bool(self.runq) and self.slice_ns > 0 and task.slice_left <= 0 \
            and task is self.current

    def preempt(self) -> None:
        """The current task used up its slice: move it behind the others."""
        cur = self.current
        if cur is not None and self.runq:
            self.runq.append(cur)
            self.current = None

    def yield_current(self) -> None:
        """sched_yield(2)."""
        self.preempt()

    def add_timer(self, deadline: int, task: "Task") -> None:
        heapq.heappush(self._timers, (deadline, next(self._seq), task))

    def start_timer(self, timer: HrTimer, expires: int) -> None:
        """Arm `timer` for the monotonic time `expires` (re-arming moves it)."""
        timer.expires = expires
        heapq.heappush(self._timers, (expires, next(self._seq), timer))

    def next_deadline(self, valid: Iterable["Task"] | None = None
                      ) -> "tuple[int, Union[Task, HrTimer]] | None":
        """The earliest live timer (entries of tasks no longer sleeping on it, and of
        cancelled or moved HrTimers, are dropped)."""
        while self._timers:
            deadline, _s, what = self._timers[0]
            if type(what) is HrTimer:
                if what.expires != deadline:
                    heapq.heappop(self._timers)
                    continue
            elif what.sleep is None or what.sleep.deadline != deadline:  # type: ignore[union-attr]
                heapq.heappop(self._timers)
                continue
            return deadline, what
        return None

    def pop_timer(self) -> None:
        heapq.heappop(self._timers)
