"""Inferiors and threads as gdb numbers them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .registry import CommandError

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
    thread_db: str | None = None  # the libthread_db gdb would have loaded for it
    solib_check: int = 0  # code was mapped: system calls left in which to look for libc
    vfork_parent: "Inferior | None" = None  # this vfork child's parent, until it execs or exits
    detach_vfork_parent: bool = False  # then detach that parent (follow child, detach on)

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


def parse_thread_id(text: str, inferiors: dict[int, Inferior],
                    current: Inferior) -> tuple[Inferior, int]:
    """gdb's `[INFERIOR.]THREAD` (tid-parse.c): the inferior and the thread number, with
    gdb's errors for a malformed ID and a missing inferior (not whether the thread
    exists: each command words that itself)."""
    inf_s, dot, num_s = text.rpartition(".")
    if text.startswith("-") and text[1:].isdigit():
        raise CommandError(f"negative value: {text}")
    if (dot and not _positive(inf_s)) or not _positive(num_s):
        raise CommandError(f"Invalid thread ID: {text}")
    inf = inferiors.get(int(inf_s)) if dot else current
    if inf is None:
        raise CommandError(f"No inferior number '{int(inf_s)}'")
    return inf, int(num_s)


def _positive(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) > 0


def thread_target_id(task: "Task") -> str:
    """``Thread 0x7ffff7d8a6c0 (LWP 4228)``: the thread pointer is its fs_base."""
    from ..arch.x86_64 import FS_BASE
    try:
        fs = task.reg(FS_BASE)
    except Exception:  # noqa: BLE001 - a task without an engine
        fs = 0
    return f"Thread {fs:#x} (LWP {task.tid})" if fs else f"LWP {task.tid}"
