"""Styled output at a terminal (`set style enabled`): gdb's colours for the parts of a
frame line (function yellow, variables cyan, files green, addresses blue) and source
lines highlighted by pygments, as gdb's own Python styling highlights them."""

from __future__ import annotations

import os

#: gdb's default foreground colours (`show style`), as ANSI escape parameters
STYLES = {"function": "33", "variable": "36", "file": "32", "address": "34"}


def styled(kind: str, text: str, on: bool) -> str:
    """`text` in gdb's style `kind` when styling is on."""
    return f"\x1b[{STYLES[kind]}m{text}\x1b[39m" if on and text else text


def highlight_lines(path: str, lines: list[str]) -> list[str] | None:
    """A source file's lines with pygments' terminal colours (one string per line, the
    colours of a comment or string carried across lines); None when pygments is missing
    or knows no lexer for the file."""
    try:  # optional: styling is a nicety, and pygments costs ~30 ms to import
        from pygments import highlight  # type: ignore[import-untyped]
        from pygments.formatters import TerminalFormatter  # type: ignore[import-untyped]
        from pygments.lexers import get_lexer_for_filename  # type: ignore[import-untyped]
        from pygments.util import ClassNotFound  # type: ignore[import-untyped]
    except ImportError:
        return None
    try:
        lexer = get_lexer_for_filename(os.path.basename(path), stripnl=False,
                                       stripall=False, ensurenl=False)
    except ClassNotFound:
        return None
    text = highlight("\n".join(lines), lexer, TerminalFormatter())
    out = text.split("\n")
    return out if len(out) == len(lines) else None
