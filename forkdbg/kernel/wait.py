"""wait4 and waitid: do_wait over a process's children."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.procflags import __WALL, __WCLONE, WCONTINUED, WEXITED, WNOHANG, WNOWAIT, WSTOPPED
from ..abi.signals import CLD_CONTINUED, CLD_DUMPED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, Sig
from .errors import Block, KernelError
from .exit import release_group
from .thread_group import GroupState

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task
    from .thread_group import ThreadGroup


@dataclass
class WaitResult:
    """What a wait found: the child, its status word and siginfo fields."""

    pid: int  # the child's pid as the waiter numbers it (its pid namespace)
    status: int
    si_code: int
    si_status: int
    utime_ns: int
    child: "ThreadGroup"


def _selected(child: "ThreadGroup", who: str, ident: int, options: int) -> bool:
    if who == "pid" and child.tgid != ident:
        return False
    if who == "pgid" and child.pgid != ident:
        return False
    if options & __WALL:
        return True
    clone_child = child.exit_signal != Sig.SIGCHLD
    return clone_child == bool(options & __WCLONE)


def do_wait(kernel: "Kernel", task: "Task", who: str, ident: int, options: int) -> WaitResult | None:
    """Find a child in a reportable state; None for WNOHANG with none ready.

    `who` is 'all', 'pid' or 'pgid'.  Raises ECHILD when no child matches and
    Block to sleep until one changes state.
    """
    tg = task.tg
    matched = [c for c in tg.children if _selected(c, who, ident, options)]
    if not matched:
        raise KernelError(Errno.ECHILD)
    for c in matched:
        nr = tg.pid_ns.vnr(c.tgid)
        if c.state is GroupState.ZOMBIE and options & WEXITED:
            if c.exit_sig:
                code = CLD_DUMPED if c.core else CLD_KILLED
                si_status = c.exit_sig
            else:
                code, si_status = CLD_EXITED, c.exit_code
            res = WaitResult(nr, c.wait_status, code, si_status, c.utime_ns, c)
            if not options & WNOWAIT:
                release_group(kernel, c)
            return res
        if c.stopped_sig and not c.stop_reported and options & WSTOPPED:
            if not options & WNOWAIT:
                c.stop_reported = True
            return WaitResult(nr, (c.stopped_sig << 8) | 0x7F, CLD_STOPPED, c.stopped_sig,
                              c.utime_ns, c)
        if c.continued and options & WCONTINUED:
            if not options & WNOWAIT:
                c.continued = False
            return WaitResult(nr, 0xFFFF, CLD_CONTINUED, Sig.SIGCONT, c.utime_ns, c)
    if options & WNOHANG:
        return None
    raise Block([tg.child_wait])
