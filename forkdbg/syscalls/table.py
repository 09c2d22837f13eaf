"""The syscall table: nr -> SyscallDef(name, handler, argument kinds, support level).

Handler modules register with ``@syscall("name", "kind", ...)``; ``build_table``
imports them all and hands the table to the Kernel.  Argument kinds are plain
strings the tracer knows how to render (see args.py); support is 'full' (Linux's
semantics), 'partial' (the common cases; the notes say what is missing) or 'stub'.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

from ..abi.sysnums import SYSCALL_NAMES, SYSCALL_NUMBERS
from ..abi.sysprotos import narrow_args, narrower


@dataclass(frozen=True)
class SyscallDef:
    """One row of the table."""

    nr: int
    name: str
    handler: Callable[..., int]
    args: tuple[str, ...]
    support: str
    nargs: int
    notes: str = ""
    #: (index, C type) of the arguments the kernel declares narrower than 64 bits
    narrowed: tuple[tuple[int, str], ...] = ()

    def arguments(self, raw: tuple[int, ...]) -> tuple[int, ...]:
        """The handler's arguments from the six registers: the upper halves of `int`
        and `unsigned int` arguments ignored, as Linux ignores them."""
        if not self.narrowed:
            return raw[:self.nargs]
        return narrow_args(self.name, raw[:self.nargs])


_REGISTRY: dict[int, SyscallDef] = {}


def syscall(name: str, *args: str, support: str = "full", notes: str = "",
            alias: str | None = None) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Register `fn` as syscall `name`, with the kinds of its arguments."""
    def deco(fn: Callable[..., int]) -> Callable[..., int]:
        for nm in (name,) + ((alias,) if alias else ()):
            nr = SYSCALL_NUMBERS[nm]
            nargs = len(inspect.signature(fn).parameters) - 1
            _REGISTRY[nr] = SyscallDef(nr, nm, fn, tuple(args), support, nargs, notes,
                                       tuple(narrower(nm)))
        return fn
    return deco


def build_table() -> dict[int, SyscallDef]:
    """Import every handler module and return the complete table."""
    from . import (  # noqa: F401
        sys_cred,
        sys_epoll,
        sys_eventfd,
        sys_file,
        sys_fs,
        sys_futex,
        sys_inotify,
        sys_ipc,
        sys_lock,
        sys_misc,
        sys_mm,
        sys_names,
        sys_net,
        sys_ns,
        sys_pidfd,
        sys_poll,
        sys_process,
        sys_sched,
        sys_signal,
        sys_sigwait,
        sys_socket,
        sys_time,
        sys_timer,
        sys_xattr,
    )
    return dict(_REGISTRY)


def support_matrix(missing: bool = False) -> list[dict[str, Any]]:
    """Rows for documentation: name, number, support, notes; with `missing`, also every
    x86-64 system call forkdbg has no handler for (support "ENOSYS")."""
    t = build_table()
    rows = [{"nr": d.nr, "name": d.name, "support": d.support, "notes": d.notes}
            for d in t.values()]
    if missing:
        rows += [{"nr": nr, "name": name, "support": "ENOSYS",
                  "notes": "answers ENOSYS, reported once"}
                 for nr, name in SYSCALL_NAMES.items() if nr not in t]
    return sorted(rows, key=lambda r: r["nr"])


def render_matrix(missing: bool = False) -> str:
    """The support matrix as a text table: number, name, support, notes (with `missing`,
    the calls answering ENOSYS too); a count by support level at the end."""
    rows = support_matrix(missing)
    width = max(len(r["name"]) for r in rows)
    lines = [f"{'nr':>4}  {'name':<{width}}  {'support':<8} notes"]
    for r in rows:
        lines.append(f"{r['nr']:>4}  {r['name']:<{width}}  {r['support']:<8} {r['notes']}".rstrip())
    counts = {s: sum(r["support"] == s for r in rows) for s in ("full", "partial", "stub",
                                                                 "ENOSYS")}
    lines.append(f"{len(rows)} calls: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    return "\n".join(lines)
