"""Vma: one contiguous guest area with uniform protection, backed by host memory."""

from __future__ import annotations

from dataclasses import dataclass

from .hostmem import Backing

PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4


@dataclass
class Vma:
    """[start, end) mapped with `prot`; bytes at ``backing.addr + boff``."""

    start: int
    end: int
    prot: int
    shared: bool
    backing: Backing
    boff: int
    name: str = ""
    file_off: int = 0
    inode: int = 0
    dev: int = 0

    @property
    def size(self) -> int:
        return self.end - self.start

    @property
    def host(self) -> int:
        """Host address of `start`."""
        return self.backing.addr + self.boff

    def piece(self, start: int, end: int) -> "Vma":
        """A copy of this area cut to [start, end), sharing the backing (takes a reference)."""
        d = start - self.start
        return Vma(start, end, self.prot, self.shared, self.backing.get(), self.boff + d,
                   self.name, self.file_off + d if self.inode or self.file_off else 0,
                   self.inode, self.dev)

    def perms(self) -> str:
        """``r-xp`` as /proc/PID/maps shows it."""
        return (("r" if self.prot & PROT_READ else "-") + ("w" if self.prot & PROT_WRITE else "-")
                + ("x" if self.prot & PROT_EXEC else "-") + ("s" if self.shared else "p"))
