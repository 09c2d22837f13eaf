"""checkpoint, restart N, info checkpoints, delete checkpoint N: gdb's fork-based snapshots.

gdb makes a checkpoint by calling fork() inside the program, which it cannot do in a
static binary ("can't find fork function in inferior"). forkdbg asks its kernel for the
copy instead: the same memory, descriptors and registers in a new, frozen process that the
program's own wait() never sees. `restart N` makes that process the inferior's; the one it
replaces becomes a checkpoint in turn. As in gdb, the pid changes and files are shared,
and each process's file offsets are saved when it is left and put back when it is
restarted (gdb's linux-fork does the same with lseek in the inferior).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...kernel.errors import KernelError
from ...kernel.fork import checkpoint
from ..forks import file_offsets, switch_to
from ..inferiors import thread_target_id
from ..registry import CommandError, command
from .info import info

if TYPE_CHECKING:
    from ...kernel.thread_group import ThreadGroup
    from ..session import Session


def _entries(s: "Session") -> list[tuple[int, "ThreadGroup"]]:
    """(number, process) of each checkpoint still alive, the main process as 0."""
    return [(n, tg) for n, tg in sorted(s.checkpoints.items()) if tg.live_threads]


def _find(s: "Session", arg: str, usage: str) -> tuple[int, "ThreadGroup"]:
    """Checkpoint number `arg` and its process; a usage or not-found error otherwise."""
    try:
        n = int(arg)
    except ValueError:
        raise CommandError(f"Usage: {usage}") from None
    tg = dict(_entries(s)).get(n)
    if tg is None:
        raise CommandError(f"Not found: checkpoint id {n}")
    return n, tg


@command("checkpoint", category="running")
def cmd_checkpoint(s: "Session", arg: str) -> None:
    """Save a snapshot of the program's state (a frozen copy of its process)."""
    s.require_running()
    t = s.task()
    k = s.kernel
    assert k is not None
    try:
        copy = checkpoint(k, t)
    except KernelError:
        raise CommandError("checkpoint: the thread is inside a system call; "
                           "step out of it first.") from None
    if not s.checkpoints:
        s.checkpoints[0] = t.tg
    n = max(s.checkpoints) + 1
    s.checkpoints[n] = copy.tg
    s.checkpoint_offsets[id(copy.tg)] = file_offsets(copy.tg)
    if s.from_tty:
        s.say(f"checkpoint {n}: fork returned pid {copy.tg.tgid}.")


def _target(s: "Session", tg: "ThreadGroup", by_pid: bool = False) -> str:
    """How gdb names a checkpoint's process: the one running by its thread under
    libthread_db, the others (`by_pid`) by their pid."""
    t = tg.live_threads[0]
    return thread_target_id(t) if s.inferior.thread_db and not by_pid else \
        f"process {tg.tgid}"


@info("checkpoints")
def info_checkpoints(s: "Session", arg: str) -> None:
    rows = _entries(s)
    if not rows:
        s.say("No checkpoints.")
        return
    current = s.inferior.tg
    for n, tg in rows:
        t = tg.live_threads[0]
        mark = "*" if tg is current else " "
        main = " (main process)" if n == 0 else ""
        sl = s.source.line_at(t.pc, t)
        if sl is not None:  # gdb names the source line when it knows it
            where = f", file {sl.file.name}, line {sl.line}"
        else:
            syms = s.symbols(t)
            hit = syms.containing(t.pc) if syms is not None else None
            where = f", <{hit[0].name}>" if hit else ""
        s.say(f"{mark} {n} {_target(s, tg, tg is not current)}{main} at {t.pc:#x}{where}")


@command("restart", category="running")
def cmd_restart(s: "Session", arg: str) -> None:
    """Go back to checkpoint N: its process becomes the program's."""
    _n, tg = _find(s, arg, "restart N (see info checkpoints)")
    k = s.kernel
    assert k is not None
    inf = s.inferior
    if inf.live and inf.tg is not None:
        s.checkpoint_offsets[id(inf.tg)] = file_offsets(inf.tg)  # as it is left
        for t in inf.tg.live_threads:
            k.freeze(t)
    switch_to(s, inf, tg)
    t = tg.live_threads[0]
    s.say(f"Switching to {_target(s, tg)}")
    for line in s.source.frame_lines(t):
        s.say(line)


def delete_checkpoint(s: "Session", arg: str) -> None:
    """`delete checkpoint N`: end that snapshot's process (not the one running)."""
    from ...kernel.exit import do_exit
    n, tg = _find(s, arg, "delete checkpoint N")
    if tg is s.inferior.tg:
        raise CommandError("Cannot delete active checkpoint")
    k = s.kernel
    assert k is not None
    for t in list(tg.live_threads):
        k.thaw(t)
        do_exit(k, t, 0, 9)
    del s.checkpoints[n]
