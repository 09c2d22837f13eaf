"""Command files (-x FILE, source) and -ex commands, with gdb's error rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import CommandError

if TYPE_CHECKING:
    from .session import Session


class SourceError(Exception):
    """A command in a sourced file failed: the file stops (gdb's rule)."""


def run_lines(s: "Session", lines: list[str], name: str) -> None:
    """Execute lines of a command file; `commands`/`end` blocks read from the same lines."""
    it = iter(enumerate(lines, 1))
    prev = s.line_source

    def next_line() -> str | None:
        try:
            return next(it)[1]
        except StopIteration:
            return None
    s.line_source = next_line
    try:
        for lineno, line in it:
            try:
                s.execute(line)
            except CommandError as e:
                raise SourceError(f"{name}:{lineno}: Error in sourced command file:\n{e}") from None
    finally:
        s.line_source = prev


def source_file(s: "Session", path: str) -> None:
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise CommandError(f"{path}: {e.strerror}.") from None
    try:
        run_lines(s, lines, path)
    except SourceError as e:
        raise CommandError(str(e)) from None
