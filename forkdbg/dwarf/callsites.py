"""Call sites (DW_TAG_call_site, DWARF 5, and DW_TAG_GNU_call_site, its DWARF 4
forerunner): what a caller passed in each argument register, where entry values
(`n=n@entry=6`, DW_OP_entry_value) come from."""

from __future__ import annotations

from dataclasses import dataclass, field

from .attrs import text


@dataclass(eq=False)
class CallSite:
    """A call the compiler described (DW_TAG_call_site): the function it calls (None:
    indirect) and, for each argument register, the expression of the value the caller
    passed in it, evaluated in the caller's frame (DW_AT_call_value)."""

    target: str | None
    params: dict[int, list[int]] = field(default_factory=dict)  # DWARF reg -> expression


CALL_SITE_TAGS = ("DW_TAG_call_site", "DW_TAG_GNU_call_site")
PARAM_TAGS = ("DW_TAG_call_site_parameter", "DW_TAG_GNU_call_site_parameter")
DW_OP_REG0, DW_OP_REG31, DW_OP_REGX = 0x50, 0x6f, 0x90


def call_site(die) -> tuple[int, CallSite] | None:  # type: ignore[no-untyped-def]
    """(return address, CallSite) of a DW_TAG_call_site (DWARF 5) or its GNU forerunner
    (DWARF 4); None for a tail call (it returns elsewhere) or one without an address."""
    a = die.attributes
    if "DW_AT_call_tail_call" in a or "DW_AT_GNU_tail_call" in a:
        return None
    ret = a.get("DW_AT_call_return_pc") or a.get("DW_AT_low_pc")
    if ret is None or not isinstance(ret.value, int):
        return None
    target = None
    for ref in ("DW_AT_call_origin", "DW_AT_abstract_origin"):
        if ref in a:
            try:
                callee = die.get_DIE_from_attribute(ref)
            except Exception:  # noqa: BLE001 - a reference pyelftools cannot follow
                break
            for spec in ("DW_AT_specification", "DW_AT_abstract_origin"):
                if "DW_AT_name" not in callee.attributes and spec in callee.attributes:
                    callee = callee.get_DIE_from_attribute(spec)
            target = text(callee.attributes.get("DW_AT_name")) or None
            break
    site = CallSite(target)
    for p in die.iter_children():
        if p.tag not in PARAM_TAGS:
            continue
        pa = p.attributes
        loc = pa.get("DW_AT_location")
        val = pa.get("DW_AT_call_value") or pa.get("DW_AT_GNU_call_site_value")
        if loc is None or val is None or not isinstance(loc.value, list) or not loc.value:
            continue
        op = loc.value[0]
        if DW_OP_REG0 <= op <= DW_OP_REG31 and len(loc.value) == 1:
            site.params[op - DW_OP_REG0] = list(val.value)
        elif op == DW_OP_REGX and len(loc.value) == 2:
            site.params[loc.value[1]] = list(val.value)
    return ret.value, site
