"""Inferiors and threads as gdb numbers them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..kernel.task import Task
    from ..kernel.thread_group import ThreadGroup


@dataclass
class Inferior:
    """gdb's inferior: a number, a process (or none), the program it runs."""

    num: int
    exe: str
    tg: "ThreadGroup | None" = None
    threads: dict[int, int] = field(default_factory=dict)  # tid -> per-inferior thread number
    next_thread: int = 1
    detached: bool = False

    @property
    def pid(self) -> int | None:
        return self.tg.tgid if self.tg is not None else None

    @property
    def live(self) -> bool:
        from ..kernel.thread_group import GroupState
        return self.tg is not None and self.tg.state is GroupState.ALIVE and not self.detached

    def add_thread(self, tid: int) -> int:
        n = self.threads.get(tid)
        if n is None:
            n = self.threads[tid] = self.next_thread
            self.next_thread += 1
        return n

    def live_tasks(self) -> list["Task"]:
        if not self.live or self.tg is None:
            return []
        return [t for t in self.tg.threads if t.alive]


def thread_target_id(task: "Task") -> str:
    """``Thread 0x7ffff7d8a6c0 (LWP 4228)``: the thread pointer is its fs_base."""
    from ..arch.x86_64 import FS_BASE
    try:
        fs = task.reg(FS_BASE)
    except Exception:  # noqa: BLE001 - a task without an engine
        fs = 0
    return f"Thread {fs:#x} (LWP {task.tid})" if fs else f"LWP {task.tid}"


#: gdb's own words for signals (gdbsupport/signals.def), which differ from strsignal's
GDB_SIGNALS = {
    1: "Hangup", 2: "Interrupt", 3: "Quit", 4: "Illegal instruction",
    5: "Trace/breakpoint trap", 6: "Aborted", 7: "Bus error", 8: "Arithmetic exception",
    9: "Killed", 10: "User defined signal 1", 11: "Segmentation fault",
    12: "User defined signal 2", 13: "Broken pipe", 14: "Alarm clock", 15: "Terminated",
    16: "Stack fault", 17: "Child status changed", 18: "Continued", 19: "Stopped (signal)",
    20: "Stopped (user)", 21: "Stopped (tty input)", 22: "Stopped (tty output)",
    23: "Urgent I/O condition", 24: "CPU time limit exceeded", 25: "File size limit exceeded",
    26: "Virtual timer expired", 27: "Profiling timer expired", 28: "Window size changed",
    29: "I/O possible", 30: "Power fail/restart", 31: "Bad system call",
}


def gdb_signal_description(sig: int) -> str:
    if sig in GDB_SIGNALS:
        return GDB_SIGNALS[sig]
    return f"Real-time event {sig}" if sig >= 32 else f"Unknown signal {sig}"
