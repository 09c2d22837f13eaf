"""forkdbg's own: info clone (the last clone's flags and their meaning), info atfork
(registered handlers), info cow (what a fork child shares with its parent)."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ...abi.clone import (
    CLONE_FILES,
    CLONE_FLAGS,
    CLONE_FS,
    CLONE_PIDFD,
    CLONE_SIGHAND,
    CLONE_THREAD,
    CLONE_VFORK,
    CLONE_VM,
)
from ...abi.signals import signal_name
from ...mm.vma import PROT_WRITE
from ..registry import CommandError
from .info import info

if TYPE_CHECKING:
    from ..session import Session

SHARING = [
    (CLONE_VM, "memory", "shared with the parent (one address space)",
     "copied: the child has its own address space"),
    (CLONE_FILES, "file descriptors", "shared table", "copied table (same open files)"),
    (CLONE_FS, "cwd and umask", "shared", "copied"),
    (CLONE_SIGHAND, "signal handlers", "shared table", "copied table"),
    (CLONE_THREAD, "thread group", "same process (a new thread)", "a new process"),
    (CLONE_VFORK, "parent", "sleeps until the child execs or exits", "runs on"),
]


@info("clone")
def info_clone(s: "Session", arg: str) -> None:
    c = s.last_clone
    if c is None:
        raise CommandError("No clone has happened yet.")
    flags = int(c["flags"])  # type: ignore[arg-type]
    names = CLONE_FLAGS.render(flags, "0")
    sig = int(c["exit_signal"])  # type: ignore[arg-type]
    s.say(f"Last clone: {c['via']}() by {c['parent']} created {c['child']}")
    s.say(f"  flags: {names}{'|' + signal_name(sig) if sig else ''}")
    for bit, what, yes, no in SHARING:
        s.say(f"  {what + ':':<19}{yes if flags & bit else no}")
    s.say(f"  exit signal:       {signal_name(sig) if sig else 'none'}")
    if flags & CLONE_PIDFD:
        s.say("  pidfd:             the parent got a descriptor for the child (poll, waitid "
              "P_PIDFD, pidfd_send_signal)")


@info("atfork")
def info_atfork(s: "Session", arg: str) -> None:
    """glibc keeps handlers in `fork_handlers` (a dynarray of prepare/parent/child/dso);
    musl in a list headed by `funcs`."""
    t = s.task()
    syms = s.symbols(t)
    if syms is None:
        raise CommandError("No symbol table.")
    rows = _glibc_handlers(s, t, syms) if syms.address("fork_handlers") else \
        _musl_handlers(s, t, syms)
    if not rows:
        s.say("No pthread_atfork handlers are registered.")
        return
    s.say("Num  Prepare                    Parent                     Child")
    for i, (pre, par, chi) in enumerate(rows, 1):
        s.say(f"{i:<4} {_name(s, pre):<26} {_name(s, par):<26} {_name(s, chi)}")
    s.say("fork() runs the prepare handlers last-registered first, then parent or child "
          "handlers in registration order.")


def _name(s: "Session", addr: int) -> str:
    if not addr:
        return "-"
    d = s.describe(addr)
    return d if d else hex(addr)


def _glibc_handlers(s, t, syms) -> list[tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    base = syms.address("fork_handlers")
    head = t.mm.readable_prefix(base, 24)
    if len(head) < 24:
        return []
    used, _alloc, array = struct.unpack("<QQQ", head)
    rows = []
    for i in range(min(used, 256)):  # glibc 2.36: {prepare, parent, child, dso_handle, id}
        rec = t.mm.readable_prefix(array + 40 * i, 40)
        if len(rec) == 40:
            pre, par, chi, _dso, _id = struct.unpack("<QQQQQ", rec)
            rows.append((pre, par, chi))
    return rows


def _musl_handlers(s, t, syms) -> list[tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    head = syms.address("funcs")
    if head is None:
        return []
    p = int.from_bytes(t.mm.readable_prefix(head, 8), "little")
    rows = []
    while p and len(rows) < 256:  # struct atfork_funcs {prepare, parent, child, prev, next}
        rec = t.mm.readable_prefix(p, 40)
        if len(rec) < 40:
            break
        pre, par, chi, _prev, nxt = struct.unpack("<QQQQQ", rec)
        rows.append((pre, par, chi))
        p = nxt
    rows.reverse()  # musl keeps the newest first
    return rows


@info("cow")
def info_cow(s: "Session", arg: str) -> None:
    """Pages a process shares with others (text, shared mappings) and pages it owns."""
    t = s.task()
    shared = own = 0
    rows = []
    for v in t.mm.iter_vmas():
        pages = v.size // 4096
        users = v.backing.refs
        if v.shared or users > 1 and not v.prot & PROT_WRITE:
            shared += pages
            state = "shared" if users > 1 else "not shared"
        else:
            owned = sum(n for _o, n in v.backing.resident_runs(v.boff, v.size)) // 4096
            own += owned
            state = f"private, {owned} page{'s' if owned != 1 else ''} in memory"
        rows.append(f"  {v.start:#x}-{v.end:#x} {v.perms()} {pages:>6} pages  {state}  {v.name}")
    s.say(f"process {t.tg.tgid}: {shared} pages shared (program text, shared mappings), "
          f"{own} private pages in memory")
    for r in rows:
        s.say(r)
