"""Command files (-x FILE, source) and -ex commands, with gdb's error rules."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

from .registry import CommandError

if TYPE_CHECKING:
    from .session import Session

MAX_FILE = 64 << 20  # a command file larger than this is refused, not read
MAX_DEPTH = 64  # files sourcing files (gdb recurses until it crashes)


class SourceError(Exception):
    """A command in a sourced file failed: the file stops (gdb's rule)."""


class NestingError(CommandError):
    """Command files sourced too deep: reported once, not once per level."""


def read_command_file(path: str) -> list[str]:
    """The lines of a command file; OSError for anything but a readable regular file.

    The file is opened without blocking and checked on the descriptor itself, so a FIFO,
    a device or a directory is refused rather than waited on or read forever.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(21, "Is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise OSError(22, "Invalid argument")
        if st.st_size > MAX_FILE:
            raise OSError(27, "File too large")
        chunks, total = [], 0
        while total <= MAX_FILE and (chunk := os.read(fd, 1 << 20)):
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_FILE:  # grew while being read
            raise OSError(27, "File too large")
    finally:
        os.close(fd)
    return join_continued(b"".join(chunks).decode("utf-8", "surrogateescape").splitlines())


def join_continued(lines: list[str]) -> list[str]:
    """A line ending in an unescaped backslash continues on the next one (gdb's rule)."""
    out: list[str] = []
    pending = ""
    for line in lines:
        tail = len(line) - len(line.rstrip("\\"))
        if tail % 2:
            pending += line[:-1]
            continue
        out.append(pending + line)
        pending = ""
    return out  # a continuation the file never finishes is dropped, as gdb drops it


def run_lines(s: "Session", lines: list[str], name: str) -> None:
    """Execute lines of a command file; `commands`/`end` blocks read from the same lines."""
    if s.source_depth >= MAX_DEPTH:
        raise NestingError(f"{name}: command files nested more than {MAX_DEPTH} deep.")
    it = iter(enumerate(lines, 1))
    prev = s.line_source

    def next_line() -> str | None:
        try:
            return next(it)[1]
        except StopIteration:
            return None
    s.line_source = next_line
    s.source_depth += 1
    try:
        for lineno, line in it:
            try:
                s.execute(line)
            except NestingError:
                raise
            except CommandError as e:
                raise SourceError(f"{name}:{lineno}: Error in sourced command file:\n{e}") from None
    finally:
        s.line_source = prev
        s.source_depth -= 1


def source_file(s: "Session", path: str) -> None:
    """`source PATH`: a failing command ends the file and fails the `source`."""
    try:
        lines = read_command_file(path)
    except OSError as e:
        raise CommandError(f"{path}: {e.strerror}.") from None
    try:
        run_lines(s, lines, path)
    except NestingError:
        raise
    except SourceError as e:
        raise CommandError(str(e)) from None
