"""Reading DIE attributes the same way everywhere."""

from __future__ import annotations

from typing import Any


def text(attr: Any) -> str:
    """A string attribute's text (DW_AT_name and the like); "" when it is absent."""
    if attr is None:
        return ""
    v = attr.value
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
