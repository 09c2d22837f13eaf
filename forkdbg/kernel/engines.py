"""Which address spaces hold a unicorn engine, and where engines come from.

An engine that has run costs ~2.9 MiB of host memory whatever the guest holds, and a new
one costs hooks, regions and fresh translations (docs/performance.md).  So:

- a space whose threads all sleep joins the idle list; beyond `Config.park_keep` the
  longest-idle ones are parked (engine closed, memory kept) until a thread wakes;
- a space that needs an engine (a parked one, a fork child, an exec image) first tries a
  recycled one from the ShellPool (mm/fork.py), then builds one;
- a space the last task left becomes a shell while other processes live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..mm.fork import ShellPool
from .task import Task, TaskState

if TYPE_CHECKING:
    from ..mm.address_space import AddressSpace
    from .kernel import Kernel


class Engines:
    """The kernel's engine bookkeeping: idle spaces, parking, recycling, switching."""

    def __init__(self, kernel: "Kernel") -> None:
        self.kernel = kernel
        self.idle: dict[int, "AddressSpace"] = {}  # id -> space whose threads all sleep
        self.shells = ShellPool()  # engines of gone processes

    def slept(self, mm: "AddressSpace") -> None:
        """A task of `mm` went to sleep: if none of its threads can run, `mm` is idle, and
        the longest-idle spaces beyond `park_keep` are parked."""
        k = self.kernel
        sched = k.sched
        if mm.parked or any(t.mm is mm and t.state is TaskState.RUNNABLE and not t.frozen
                            for t in sched.runq) or \
                (sched.current is not None and sched.current.mm is mm):
            return
        self.idle.pop(id(mm), None)
        self.idle[id(mm)] = mm
        while len(self.idle) > k.config.park_keep:
            old = self.idle.pop(next(iter(self.idle)))
            if old.uc is not None and not any(t.mm is old and t.state is TaskState.RUNNABLE
                                              for t in k.tasks.values()):
                old.park()

    def switch_to(self, task: Task) -> None:
        """Load `task`'s registers into its space's engine, saving whoever was there."""
        mm = task.mm
        if mm.parked:
            self.give(mm)
        self.idle.pop(id(mm), None)
        prev = mm.loaded
        if prev is not None and prev is not task and prev.alive:
            prev.save_context()  # type: ignore[attr-defined]
        if task.ctx is not None:
            mm.uc.context_restore(task.ctx)
        mm.loaded = task

    def give(self, mm: "AddressSpace") -> None:
        """An engine for a parked space: a recycled one that maps some of it, or a new one."""
        if not self.shells.attach(mm):
            mm.unpark()

    def release(self, mm: "AddressSpace") -> None:
        """The last task left `mm` (exit or exec): keep its engine as a shell while other
        processes live, else free it and its memory."""
        self.idle.pop(id(mm), None)
        alive = len(self.kernel.tasks) > 1  # the leaving task is still counted
        if not (alive and self.shells.shelve(mm)):
            mm.release()
            if not alive:
                self.shells.clear()
        if self.kernel.page_cache.files:
            self.kernel.page_cache.sweep()  # its shared file mappings may have been the last
