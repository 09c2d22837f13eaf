"""File locks: flock (fs/flock.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .common import s32
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task


@syscall("flock", "fd", "flockop")
def sys_flock(task: "Task", fd: int, op: int) -> int:
    f = task.files.get(s32(fd))
    return task.kernel.flocks.flock(f, op & 0xFFFFFFFF)
