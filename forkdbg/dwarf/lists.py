"""Range and location lists (DWARF 2-5, as pyelftools parses them): entries made
absolute, and a variable's location list with its base-address entries."""

from __future__ import annotations

from typing import Any


def spans(entries: list[Any], base: int) -> list[tuple[int, int, Any]]:
    """(start, end, entry) of each entry of a range or location list, its offsets made
    absolute: from the CU's base address, or the last base-address entry before it."""
    out = []
    for e in entries:
        if hasattr(e, "base_address"):
            base = e.base_address
        elif hasattr(e, "begin_offset"):
            if getattr(e, "is_absolute", False):
                out.append((e.begin_offset, e.end_offset, e))
            else:
                out.append((base + e.begin_offset, base + e.end_offset, e))
    return out


def location_list(parser, attr, die, version: int, low_pc: int  # type: ignore[no-untyped-def]
                  ) -> tuple[list[tuple[int, int, list[int]]], dict[int, int]]:
    """A location list's (start, end, expression) entries and its base-address entries
    (by the index of the entry that follows each: `info scope` shows them as gdb does);
    nothing for a list pyelftools cannot read (the variable reads as optimized out)."""
    try:
        entries = parser.parse_from_attribute(attr, version, die)
    except Exception:  # noqa: BLE001 - unreadable: optimized out
        return [], {}
    entries = entries if isinstance(entries, list) else []
    bases: dict[int, int] = {}
    count = 0
    for e in entries:
        base = getattr(e, "base_address", None)
        if base is not None:
            bases[count] = base
        elif hasattr(e, "loc_expr"):
            count += 1
    return [(lo, hi, e.loc_expr) for lo, hi, e in spans(entries, low_pc)
            if hasattr(e, "loc_expr")], bases
