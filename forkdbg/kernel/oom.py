"""Guest memory against the host's: the --max-memory cap and an out-of-memory killer.

Guest memory lives in host mappings made with MAP_NORESERVE (mm/hostmem.py): mapping
costs nothing, touching does.  So, as Linux with its default overcommit heuristic:

- a single request larger than the cap (mmap, brk, mremap, the copy a fork makes, an
  exec'd image) fails with ENOMEM, and so does one the host refuses;
- what the guest touches is measured as forkdbg's resident memory above what it held
  when the machine started.  Past the cap, the process holding the most resident guest
  memory is killed with SIGKILL and a line says so, as Linux's OOM killer does.

Touching needs no system call, so while more is mapped than the cap allows, engines
stay counted and stop every CHECK_BLOCKS blocks for a look (kernel/cpu.py).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.signals import Sig
from .errors import KernelError
from .events import Note

if TYPE_CHECKING:
    from ..mm.address_space import AddressSpace
    from .kernel import Kernel
    from .thread_group import ThreadGroup

#: blocks between two looks at resident memory while more is mapped than the cap (a page
#: written takes a few blocks: at most ~100 MiB can be touched between two looks)
CHECK_BLOCKS = 1 << 16
_PAGE = os.sysconf("SC_PAGE_SIZE")


def host_rss() -> int:
    """forkdbg's resident memory in bytes (0 if it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


class MemoryGuard:
    """The cap, the count of what is mapped, and the killer."""

    def __init__(self, kernel: "Kernel", cap: int) -> None:
        self.kernel = kernel
        self.cap = cap
        self.baseline = host_rss()
        self.overcommitted = False  # more mapped than the cap: look while tasks run
        self.kills = 0

    def request(self, nbytes: int) -> None:
        """A single request for `nbytes` of new guest memory: ENOMEM past the cap."""
        if nbytes > self.cap:
            raise KernelError(Errno.ENOMEM)

    def spaces(self) -> list["AddressSpace"]:
        seen: dict[int, "AddressSpace"] = {}
        for t in self.kernel.tasks.values():
            seen.setdefault(id(t.mm), t.mm)
        return list(seen.values())

    def mapped_changed(self) -> None:
        """After a call that maps memory: is more mapped now than the cap allows?"""
        total = sum(mm.mapped for mm in self.spaces())
        self.overcommitted = total > self.cap
        if self.overcommitted:
            self.check()

    def check(self) -> None:
        """Past the cap, kill the process holding the most resident guest memory."""
        used = host_rss() - self.baseline
        if used <= self.cap:
            return
        victim, resident = self._biggest()
        if victim is None:
            return
        self.kills += 1
        comm = (victim.comm or b"?").decode(errors="replace")
        self.kernel.bus.emit(Note(victim.leader, "oom",
                                  f"Out of memory: Killed process {victim.tgid} ({comm}) "
                                  f"anon-rss:{resident // 1024}kB, --max-memory "
                                  f"{self.cap // 1024}kB"))
        self.kernel.signals.send_to_group(victim, Sig.SIGKILL, code=0x80)

    def _biggest(self) -> tuple["ThreadGroup | None", int]:
        best, most = None, -1
        for tg in self.kernel.groups.values():
            t = tg.leader
            if t is None or not tg.live_threads or t.mm.released:
                continue
            if self.kernel.signals.fatal_pending(t):
                continue  # already dying
            n = t.mm.resident_bytes()
            if n > most:
                best, most = tg, n
        return best, most
