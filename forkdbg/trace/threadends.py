"""What strace shows when a thread group's leader ends before the group does, and when a
thread other than the leader execs and takes over the leader's pid.

Under ptrace a leader that calls exit() while other threads live is not reported until
the whole group has ended, and a non-leader's execve shows as
``execve(... <pid changed to L ...>``, ``L +++ superseded by execve in pid T +++`` and
``L <... execve resumed>) = 0``; the old leader's pending call ends ``= ?``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi.clone import CLONE_PARENT, CLONE_PTRACE
from ..kernel.events import Exec, TaskCreated, TaskExited

if TYPE_CHECKING:
    from .strace import StracePrinter


class ThreadEnds:
    """The printer's bookkeeping for leaders that ended early or were superseded."""

    def __init__(self, printer: "StracePrinter") -> None:
        self.p = printer
        self.zombie_leaders: dict[int, TaskExited] = {}  # tgid -> the leader's own exit
        self.strays: set[int] = set()  # unfollowed children whose parent is the tracer

    def created_unfollowed(self, e: TaskCreated) -> None:
        """Without -f, the children ptrace would still bring to strace: a CLONE_PTRACE
        child is attached and let go (``Detached unknown pid N``); a CLONE_PARENT child
        of the first process is the tracer's own child, so its exit comes to it."""
        p = self.p
        if e.flags & CLONE_PTRACE and "attach" not in p.o.quiet and p.show_lines:
            tid = e.child.tid
            p._defer_or_run(lambda: p._note(tid, f"Detached unknown pid {tid}"))
        if e.flags & CLONE_PARENT and e.parent.tg.tgid == p.root_tid:
            self.strays.add(e.child.tg.tgid)

    def unfollowed_exit(self, e: TaskExited) -> None:
        """``Exit of unknown pid N ignored`` when such a stray child ends."""
        p = self.p
        tgid = e.task.tg.tgid
        if e.group_exit and tgid in self.strays:
            self.strays.discard(tgid)
            if "exit" not in p.o.quiet and p.show_lines:
                p._defer_or_run(lambda: p._note(tgid, f"Exit of unknown pid {tgid} ignored"))

    def exited(self, e: TaskExited) -> bool:
        """Handle what differs from a plain exit line; True when nothing more is printed."""
        task = e.task
        if e.superseded_by:
            self._superseded_call(e)
            return True
        if task.tg.leader is task and not e.group_exit:
            self.zombie_leaders[task.tg.tgid] = e  # reported when the group ends
            return True
        return False

    def after_group_exit(self, e: TaskExited) -> TaskExited | None:
        """The leader's exit held back until the group's last thread ended, if any."""
        if not e.group_exit:
            return None
        held = self.zombie_leaders.pop(e.task.tg.tgid, None)
        if held is None or held.task is e.task:
            return None
        return TaskExited(held.task, e.code, e.sig, e.core, True)

    def _superseded_call(self, e: TaskExited) -> None:
        """The old leader's pending call never returns: ``<... X resumed>) = ?``."""
        p = self.p
        pend = p.pending.pop(e.task.tid, None)
        if pend is not None and pend.shown:
            rest = " <unfinished ...>" if pend.gen is not None else ""
            p._finish(e.task, pend, rest, "?")

    def on_exec(self, e: Exec) -> None:
        """A non-leader thread's execve has taken over the leader's pid."""
        p = self.p
        new, old = e.task.tid, e.old_tid
        if new == old or not p.traced(e.task):
            return
        self.zombie_leaders.pop(e.task.tg.tgid, None)
        pend = p.pending.pop(old, None)
        if pend is not None:
            cur = p.open.get(pend.stream)
            if pend.shown and cur is not None and cur[0] == old and not pend.split:
                p._out(pend.stream, old, f" <pid changed to {new} ...>", True, continues=True)
            pend.split = True
            p.pending[new] = pend
        if p.executing == old:
            p.executing = new
        if p.show_lines and "thread-execve" not in p.o.quiet:
            p._line(e.task, f"+++ superseded by execve in pid {old} +++")
