"""Copying an address space for fork, onto a recycled engine when one is at hand.

A fork child's areas are the parent's: shared and read-only ones share the parent's host
memory, private writable ones get a copy of the pages the host holds (never-touched pages
read as zero in both, so they need no copy).

Building a child's engine from nothing costs its hooks, one engine region per area, and a
fresh translation of every block the child runs (DESIGN.md section 3).  The engine of a
process that just exited or exec'd already maps the same code at the same host memory and
holds its translations: kept in a ShellPool, it becomes the next fork child's engine.
Areas that are the same in the shell and the parent are kept as they are; private ones of
the same shape get the parent's bytes in place; the rest are unmapped or mapped anew, and
translations of code whose bytes may differ are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import unicorn

from ..arch import uc_compat
from .engine import EngineRef, install, map_vma
from .hostmem import Backing, memmove
from .vma import PROT_EXEC, PROT_WRITE, Vma

if TYPE_CHECKING:
    from .address_space import AddressSpace


@dataclass
class Shell:
    """An engine whose process is gone, with the areas it still maps."""

    uc: unicorn.Uc
    ref: EngineRef
    vmas: dict[int, Vma]  # by start


class ShellPool:
    """A few shells for the next fork children (each holds ~3 MiB of engine state)."""

    def __init__(self, keep: int = 4) -> None:
        self.keep = keep
        self.shells: list[Shell] = []
        self.reused = 0  # fork children that got a shell (benchmarks and tests read it)

    def shelve(self, mm: "AddressSpace") -> bool:
        """Take `mm`'s engine and areas as a shell instead of releasing them; False if
        it cannot be (no engine, watch hooks in place, or no room)."""
        if self.keep <= 0 or mm.uc is None or mm.ref is None or mm.watch_hooks:
            return False
        uc = mm.uc
        for addr in list(mm._code_hooks):
            mm.remove_code_hook(addr)
        vmas: dict[int, Vma] = {}
        for v in mm.vmas:
            if _refillable(v):
                v.backing.discard(0, v.size)  # the shell holds no guest data
            vmas[v.start] = v
        self.shells.append(Shell(uc, mm.ref, vmas))
        mm.detach()
        while len(self.shells) > self.keep:
            _dispose(self.shells.pop(0))
        return True

    def take(self, areas: list[Vma]) -> Shell | None:
        """The shell that already maps most of `areas` (same place, same host memory);
        None if none maps any."""
        best, score = None, 0
        telling = [v for v in areas if v.name not in MAPPED_EVERYWHERE]
        for sh in self.shells:
            n = sum(1 for v in telling if _same(sh.vmas.get(v.start), v))
            if n > score:
                best, score = sh, n
        if best is not None:
            self.shells.remove(best)
            self.reused += 1
        return best

    def attach(self, mm: "AddressSpace") -> bool:
        """Give the parked `mm` (a fresh exec image) a shell's engine instead of a new one:
        areas the shell maps from the same host memory are kept, with their code's
        translations; the others are unmapped and `mm`'s mapped.  False if no shell fits."""
        shell = self.take(mm.vmas)
        if shell is None:
            return False
        uc, old = shell.uc, shell.vmas
        fresh = []
        for v in mm.vmas:
            sv = old.get(v.start)
            if _same(sv, v) and v.name not in MAPPED_EVERYWHERE:  # see MAPPED_EVERYWHERE
                assert sv is not None
                del old[v.start]
                if sv.prot != v.prot:
                    uc.mem_protect(v.start, v.size, v.prot & 7)
                sv.backing.put()  # mm's own area holds the memory
            else:
                fresh.append(v)
        _drop(uc, old)
        for v in fresh:
            map_vma(uc, v)
        install(mm, uc, shell.ref)
        return True

    def clear(self) -> None:
        """Close every shell (the last process is gone)."""
        while self.shells:
            _dispose(self.shells.pop())


#: areas every process maps from the same host memory.  They tell no shell apart: a fork
#: child that took a shell for its vDSO alone threw away another program's translated
#: code (fork+execve 4x slower).  And an exec image maps its own afresh rather than keep
#: the shell's: measured with unicorn 2.1.1, a kept vDSO area made the next program
#: translate its start-up code again in every recycled engine (~350 blocks per exec
#: against ~16; 300 fork+execve took 0.89 s and 77 MiB instead of 0.59 s and 44 MiB).
MAPPED_EVERYWHERE = frozenset({"[vdso]"})


def _refillable(v: Vma) -> bool:
    """A private writable area on its own backing from offset 0 (a fork copy's shape)."""
    return (not v.shared and bool(v.prot & PROT_WRITE) and v.boff == 0
            and v.backing.refs == 1)


def _same(sv: Vma | None, v: Vma) -> bool:
    """The shell's area `sv` maps what `v` maps: same range, same host memory."""
    return (sv is not None and sv.end == v.end and sv.shared == v.shared
            and sv.backing is v.backing and sv.boff == v.boff)


def _drop(uc: unicorn.Uc, areas: dict[int, Vma]) -> None:
    """Unmap a shell's areas nobody takes over, with any code translated from them."""
    for sv in areas.values():
        if sv.prot & PROT_EXEC:
            uc.ctl_remove_cache(sv.start, sv.end)
        uc.mem_unmap(sv.start, sv.size)
        sv.backing.put()
    areas.clear()


def _dispose(shell: Shell) -> None:
    uc_compat.dispose(shell.uc)
    for v in shell.vmas.values():
        v.backing.put()
    shell.vmas.clear()


def _copy_bytes(dst: Backing, src: Vma) -> None:
    for off, n in src.backing.resident_runs(src.boff, src.size):
        memmove(dst.addr + off - src.boff, src.backing.addr + off, n)


def _private_cap(v: Vma) -> int:
    """Backing size of a child's copy: the heap keeps its reserve so brk grows in place."""
    return v.backing.size - v.boff if v.name == "[heap]" else v.size


def _child_area(v: Vma) -> Vma:
    """A fork child's own area for the parent's `v`: shared or read-only ones share the
    host memory, private writable ones get a copy of the resident pages."""
    if v.shared or not v.prot & PROT_WRITE:
        return v.piece(v.start, v.end)
    nb = Backing(_private_cap(v))
    _copy_bytes(nb, v)
    return Vma(v.start, v.end, v.prot, False, nb.get(), 0, v.name, v.file_off, v.inode, v.dev)


def fork_space(parent: "AddressSpace", pool: ShellPool | None = None) -> "AddressSpace":
    """The address space of a fork child of `parent`.

    With no shell at hand the child has no engine until it first runs (a parent often
    forks many children before any of them runs).
    """
    from .address_space import AddressSpace
    child = AddressSpace(parked=True)
    shell = pool.take(parent.vmas) if pool is not None else None
    if shell is not None:
        _fill_shell(child, parent, shell)
    else:
        for v in parent.vmas:
            child._insert(_child_area(v))
    child.brk_start, child.brk, child.mmap_base = parent.brk_start, parent.brk, parent.mmap_base
    child.load_bias, child.auxv, child.vdso = parent.load_bias, parent.auxv, parent.vdso
    child.start_args = parent.start_args
    return child


def _fill_shell(child: "AddressSpace", parent: "AddressSpace", shell: Shell) -> None:
    """Make the shell's areas the parent's, reusing what matches, and give it to `child`."""
    uc = shell.uc
    old = shell.vmas
    plan: list[tuple[Vma, Vma | None]] = []  # (parent's area, the shell's area kept for it)
    for pv in parent.vmas:
        sv = old.get(pv.start)
        if pv.shared or not pv.prot & PROT_WRITE:
            same = _same(sv, pv)
        else:  # a private copy of the same shape gets the parent's bytes in place
            same = (sv is not None and sv.end == pv.end and not sv.shared and _refillable(sv)
                    and sv.backing.size == _private_cap(pv))
        if same:
            del old[pv.start]
        plan.append((pv, sv if same else None))
    _drop(uc, old)  # what the parent does not have there
    install(child, uc, shell.ref)
    for pv, sv in plan:
        if sv is None:
            child._insert(_child_area(pv))  # maps it
            continue
        if not (pv.shared or not pv.prot & PROT_WRITE):
            _copy_bytes(sv.backing, pv)
            if pv.prot & PROT_EXEC or sv.prot & PROT_EXEC:
                uc.ctl_remove_cache(sv.start, sv.end)  # its code may differ now
        if sv.prot != pv.prot:
            uc.mem_protect(sv.start, sv.size, pv.prot & 7)
        sv.prot, sv.name, sv.file_off, sv.inode, sv.dev = (pv.prot, pv.name, pv.file_off,
                                                            pv.inode, pv.dev)
        child._adopt(sv)  # already mapped in the engine
