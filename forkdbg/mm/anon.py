"""Anonymous private mappings that grow into their neighbours, as Linux merges them.

Linux keeps consecutive anonymous mmaps with the same protection in one VMA. forkdbg
must do the same for a reason of its own: unicorn 2.1.1 rebuilds its whole memory map on
every ``mem_map_ptr``/``mem_unmap`` (a cost proportional to the regions already mapped),
so 2,000 separate areas made 2,000 mmap calls quadratic (40 s). A fresh anonymous area's
host buffer therefore has HEADROOM of spare virtual pages on each side; the next mapping
placed right below or above it with the same protection takes its bytes from that spare
room and the two become one area, one unicorn region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .hostmem import Backing
from .vma import Vma

if TYPE_CHECKING:
    from .address_space import AddressSpace

HEADROOM = 4 << 20
"""Spare host address space on each side of a fresh anonymous area (never touched, so
it costs no memory)."""


def _growable(v: Vma | None, prot: int) -> bool:
    """Whether `v` is an anonymous private area whose buffer nobody else maps."""
    return (v is not None and v.prot == prot and not v.shared and not v.name and not v.inode
            and v.backing.refs == 1)


def map_anonymous(mm: "AddressSpace", start: int, length: int, prot: int) -> Vma:
    """Map zero-filled private [start, start+length), merged with a neighbour when it can."""
    end = start + length
    above = mm.find(end)
    if above is not None and above.start == end and _growable(above, prot) \
            and above.boff >= length:
        boff = above.boff - length
        above.backing.discard(boff, length)  # spare room may hold an unmapped area's bytes
        mm._remove(above)
        merged = Vma(start, above.end, prot, False, above.backing, boff)
        mm._insert(merged)
        return merged
    below = mm.find(start - 1) if start else None
    if below is not None and below.end == start and _growable(below, prot) \
            and below.boff + below.size + length <= below.backing.size:
        below.backing.discard(below.boff + below.size, length)
        mm._remove(below)
        merged = Vma(below.start, end, prot, False, below.backing, below.boff)
        mm._insert(merged)
        return merged
    try:
        backing, boff = Backing(length + 2 * HEADROOM), HEADROOM
    except MemoryError:  # the host refuses the spare room: map just what was asked
        backing, boff = Backing(length), 0
    v = Vma(start, end, prot, False, backing.get(), boff)
    mm._insert(v)
    return v
