"""LEB128, the variable-length integers of DWARF's line programs and call-frame tables."""

from __future__ import annotations


def uleb(data: bytes, i: int) -> tuple[int, int]:
    """The unsigned LEB128 at `i`, and the offset after it."""
    v = shift = 0
    while True:
        b = data[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return v, i


def sleb(data: bytes, i: int) -> tuple[int, int]:
    """The signed LEB128 at `i`, and the offset after it."""
    v, j = uleb(data, i)
    bits = 7 * (j - i)
    return (v - (1 << bits) if data[j - 1] & 0x40 else v), j
