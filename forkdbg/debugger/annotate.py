"""gdb's annotations (`set annotate 1|2`, gdb's annotate.c): the markers Emacs's old gdb
mode and other front-ends read.

Level 1 replaces the source line of a stop or a frame with
``\\032\\032FILE:LINE:CHAR:beg|middle:ADDR`` (CHAR: the line's byte offset in the file);
level 2 also marks the prompt (``pre-prompt``, ``prompt``, ``post-prompt``) and puts
``source`` before the location.  Of level 2's other markers (frames, breakpoints,
values) forkdbg prints none yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..dwarf.lines import SourceFile
    from .session import Session

MARK = "\032\032"


def level(s: "Session") -> int:
    try:
        return int(s.settings["annotate"])
    except ValueError:
        return 0


def prompt(s: "Session", text: str) -> str:
    """The prompt as gdb shows it at this annotation level."""
    if level(s) > 1:
        return f"\n{MARK}pre-prompt\n{text}\n{MARK}prompt\n"
    return text


def post_prompt(s: "Session") -> str | None:
    """What gdb prints once a command line has been read (level 2)."""
    return f"\n{MARK}post-prompt" if level(s) > 1 else None


def source_line(s: "Session", f: "SourceFile", line: int, pc: int, mid: bool) -> str | None:
    """The annotation that stands for `line` of `f` at `pc`; None below level 1 or when the
    file cannot be read (gdb then prints its usual error line)."""
    n = level(s)
    if n <= 0:
        return None
    found = s.source.found_file(f)
    if found is None:
        return None
    path, offsets = found
    if not 1 <= line <= len(offsets):
        return None
    head = f"\n{MARK}source " if n > 1 else MARK
    return f"{head}{path}:{line}:{offsets[line - 1]}:{'middle' if mid else 'beg'}:{pc:#x}"
