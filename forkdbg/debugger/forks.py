"""gdb's linux-fork for checkpoints: which process the program is, and switching it to
another one (restart N, or the last checkpoint when the program's process exits), with
each process's file offsets saved when it is left and put back when it runs again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi.fileflags import SEEK_CUR, SEEK_SET
from ..kernel.errors import KernelError
from .inferiors import thread_target_id
from .stops import CheckpointSwitchEvent

if TYPE_CHECKING:
    from ..kernel.task import Task
    from ..kernel.thread_group import ThreadGroup
    from .inferiors import Inferior
    from .session import Session


def file_offsets(tg: "ThreadGroup") -> dict[int, int]:
    """The file offset of each of the process's seekable descriptors."""
    t = tg.live_threads[0] if tg.live_threads else None
    if t is None:
        return {}
    out = {}
    for fd, entry in t.files.fds.items():
        try:
            out[fd] = entry.file.lseek(0, SEEK_CUR)
        except (KernelError, AttributeError):
            continue
    return out


def switch_to(s: "Session", inf: "Inferior", tg: "ThreadGroup") -> None:
    """Make `tg` (a checkpoint's process) the inferior's process: its threads numbered
    afresh, its file offsets back where it left them, the breakpoints in its address
    space, and the breakpoint it stands on stepped over when it goes on."""
    inf.tg, inf.threads, inf.next_thread = tg, {}, 1
    t = tg.live_threads[0]
    inf.add_thread(t.tid)
    s.current_tid = t.tid
    for fd, pos in s.checkpoint_offsets.get(id(tg), {}).items():
        entry = t.files.fds.get(fd)
        if entry is not None:
            try:
                entry.file.lseek(pos, SEEK_SET)
            except (KernelError, AttributeError):
                pass
    s.insert_points()  # the snapshot's address space has no breakpoint hooks yet
    t.skip_break = t.pc  # as after any stop: continuing steps over a breakpoint here


def next_checkpoint(s: "Session", inf: "Inferior", task: "Task") -> bool:
    """When the process of a program with checkpoints exits, the last checkpoint becomes
    the program (`[Switching to ...]`); with one left, checkpoint mode ends.  Whether it
    switched."""
    if inf.tg is not task.tg or not s.checkpoints:
        return False
    left = [(n, tg) for n, tg in sorted(s.checkpoints.items())
            if tg is not task.tg and tg.live_threads]
    if not left:
        return False
    for n in [n for n, tg in s.checkpoints.items() if tg is task.tg]:
        del s.checkpoints[n]
    _n, tg = left[-1]
    switch_to(s, inf, tg)
    t = tg.live_threads[0]
    s.last_stop_tid = t.tid  # the note below says the switch
    target = thread_target_id(t) if inf.thread_db else f"process {tg.tgid}"
    switch = CheckpointSwitchEvent(t, target=target)
    s.stop_log.append(switch)
    if len(left) == 1:
        s.checkpoints.clear()
    s.stop = switch
    return True
