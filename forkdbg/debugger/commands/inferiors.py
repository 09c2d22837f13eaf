"""Processes and threads: info inferiors, inferior N, info threads, thread N, detach, kill inferiors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..detached import kill_inferior, run_detached
from ..inferiors import parse_thread_id, thread_target_id
from ..ranges import decimal
from ..registry import CommandError, command
from ..stops import InferiorDetached
from .info import info

if TYPE_CHECKING:
    from ..session import Session


@info("inferiors")
def info_inferiors(s: "Session", arg: str) -> None:
    width = 17  # gdb's last column: the header's width; longer names overflow
    s.say(f"  Num  Description       Connection           {'Executable':<{width}} ")
    for n, inf in sorted(s.inferiors.items()):
        mark = "*" if n == s.current_inferior else " "
        desc = f"process {inf.pid}" if inf.live else "<null>"
        conn = f"{s.connection} (native)" if inf.live else ""
        s.say(f"{mark} {n:<4} {desc:<17} {conn:<20} {inf.exe:<{width}} ")
        child = next((c for c in s.inferiors.values() if c.vfork_parent is inf), None)
        if child is not None:
            s.say(f"\tis vfork parent of inferior {child.num}")
        if inf.vfork_parent is not None:
            s.say(f"\tis vfork child of inferior {inf.vfork_parent.num}")


@command("inferior", category="inferiors")
def cmd_inferior(s: "Session", arg: str) -> None:
    """Switch to inferior N (see info inferiors)."""
    if not arg:
        inf = s.inferior
        s.say(f"[Current inferior is {inf.num} [{'process ' + str(inf.pid) if inf.live else '<null>'}] ({inf.exe})]")
        return
    try:
        n = int(arg)
    except ValueError:  # gdb evaluates an expression: `inferior 1 + 1`
        try:
            n = s.eval_int(arg)
        except CommandError:
            raise CommandError(f"Invalid inferior number '{arg}'.") from None
    if n not in s.inferiors:
        raise CommandError(f"Inferior ID {n} not known.")
    s.current_inferior = n
    inf = s.inferiors[n]
    if inf.live:
        t = inf.live_tasks()[0]
        s.current_tid = t.tid
        num = inf.threads.get(t.tid, 1)
        s.say(f"[Switching to inferior {n} [process {inf.pid}] ({inf.exe})]")
        s.say(f"[Switching to thread {n}.{num} ({_label(s, t)})]")
        for line in s.source.frame_lines(t):
            s.say(line)
    else:
        s.say(f"[Switching to inferior {n} [<null>] ({inf.exe})]")


def _label(s: "Session", t) -> str:  # type: ignore[no-untyped-def]
    """gdb names a single-threaded process by its pid, a thread by its pointer and LWP
    (every thread, once libthread_db is loaded for the inferior)."""
    inf = s.inferior_of(t)
    threaded = len(t.tg.live_threads) > 1 or (inf is not None and inf.thread_db)
    return thread_target_id(t) if threaded else f"process {t.tg.tgid}"


def _thread_id(s: "Session", inf_num: int, num: int) -> str:
    return f"{inf_num}.{num}" if len(s.inferiors) > 1 else str(num)


@info("threads")
def info_threads(s: "Session", arg: str) -> None:
    rows = []
    for n, inf in sorted(s.inferiors.items()):
        for t in inf.live_tasks():
            num = inf.add_thread(t.tid)
            rows.append((n, num, t))
    if not rows:
        s.say("No threads.")
        return
    def target(t) -> str:  # type: ignore[no-untyped-def]
        return f'{_label(s, t)} "{t.comm.decode(errors="replace")}"'
    width = max(len(target(t)) for _n, _num, t in rows)
    s.say(f"  Id   {'Target Id':<{width}} Frame ")
    for n, num, t in rows:
        mark = "*" if t.tid == s.current_tid and n == s.current_inferior else " "
        s.say(f"{mark} {_thread_id(s, n, num):<4} {target(t):<{width}} {s.where(t)}")


@command("thread", "t", category="inferiors")
def cmd_thread(s: "Session", arg: str) -> None:
    """Switch to thread N (or INFERIOR.N)."""
    if not arg:
        t = s.task()
        inf = s.inferior
        s.say(f"[Current thread is {_thread_id(s, inf.num, inf.threads.get(t.tid, 1))} "
              f"({thread_target_id(t)})]")
        return
    inf, num = parse_thread_id(arg, s.inferiors, s.inferior)
    for t in inf.live_tasks():
        if inf.threads.get(t.tid) == num:
            s.current_inferior, s.current_tid = inf.num, t.tid
            s.say(f"[Switching to thread {_thread_id(s, inf.num, num)} ({_label(s, t)})]")
            for line in s.source.frame_lines(t):
                s.say(line)
            return
    raise CommandError(f"Unknown thread {arg}.")


@command("detach", category="inferiors")
def cmd_detach(s: "Session", arg: str) -> None:
    """Detach the current inferior (or `detach inferior N`): it runs on, undebugged."""
    words = arg.split()
    named = bool(words) and "inferiors".startswith(words[0]) and len(words[0]) >= 3
    if named and not all(decimal(w) for w in words[1:]):
        raise CommandError(f"Invalid inferior number '{' '.join(words[1:])}'.")
    nums = [int(w) for w in words[1:]] if named else [s.current_inferior]
    for n in nums:
        inf = s.inferiors.get(n)
        if inf is None or not inf.live:
            raise CommandError(f"Inferior ID {n} is not running.")
        pid = inf.pid
        if s.from_tty:  # gdb's target_announce_detach
            s.say(f"Detaching from program: {inf.exe}, process {pid}")
        inf.detached = True
        assert pid is not None
        s.notify(InferiorDetached(n, pid))


def kill_inferiors(s: "Session", arg: str) -> None:
    """`kill inferiors N...`: exactly those (each with a fork child it has not let go of)."""
    for w in arg.split():
        inf = s.inferiors.get(int(w)) if decimal(w) else None
        if inf is None or not inf.live or s.kernel is None:
            raise CommandError(f"Inferior ID {w} is not running.")
        kill_inferior(s, inf)  # silently, as gdb's kill_inferior_command
    after_kill(s)


def after_kill(s: "Session") -> None:
    """Once no inferior is live: the detached processes finish, then the machine goes."""
    if not any(i.live for i in s.inferiors.values()):
        run_detached(s, final=True)
        s.kill()
