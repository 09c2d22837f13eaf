"""forward-search (search) and reverse-search REGEX: the next source line that matches,
from the last line listed, as gdb searches."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..expr import INT, Value
from ..registry import CommandError, command
from .source import _print, lines_to_list

if TYPE_CHECKING:
    from ..session import Session


def _search(s: "Session", arg: str, forward: bool) -> None:
    if not arg.strip():
        raise CommandError("Empty regular expression")
    try:
        pat = re.compile(arg.strip())
    except re.error as e:
        raise CommandError(f"Invalid regexp: {e}") from None
    view = s.source
    f = view.list_file or view.default_file()
    lines = view.text(f) if f is not None else None
    if f is None or lines is None:
        raise CommandError("No default source file.")
    last = view.last_listed  # the last line listed (0: none)
    order = range(last + 1, len(lines) + 1) if forward else range(last - 1, 0, -1)
    for n in order:
        if pat.search(lines[n - 1]):
            _print(s, f, n, n)
            s.convenience["_"] = Value(n, INT)
            view.list_next = max(n - lines_to_list(s) // 2, 1)  # where `list` goes on
            return
    s.say("Expression not found")


@command("forward-search", "search", "fo", category="files")
def cmd_forward_search(s: "Session", arg: str) -> None:
    """Search forward from the last line listed for a line matching REGEX."""
    _search(s, arg, True)


@command("reverse-search", "rev", category="files")
def cmd_reverse_search(s: "Session", arg: str) -> None:
    """Search backward from the last line listed for a line matching REGEX."""
    _search(s, arg, False)
