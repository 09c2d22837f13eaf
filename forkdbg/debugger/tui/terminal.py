"""The TUI's terminal plumbing: a pseudo-terminal in place of forkdbg's standard
streams while the TUI is on, and the command window's lines read from it."""

from __future__ import annotations

import codecs
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import threading
from typing import Callable

LOG_LINES = 5000  # the command window keeps this many lines to scroll back through


class Terminal:
    """While the TUI is on, file descriptors 0, 1 and 2 are a pseudo-terminal's slave
    (the program's terminal and forkdbg's output); the real terminal, kept on other
    descriptors, is the TUI's own."""

    def __enter__(self) -> "Terminal":
        sys.stdout.flush()
        sys.stderr.flush()
        self.saved = [os.dup(fd) for fd in (0, 1, 2)]
        self.master, slave = pty.openpty()
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.close(slave)
        return self

    def resize(self, rows: int, cols: int) -> None:
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def __exit__(self, *exc: object) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, saved in zip((0, 1, 2), self.saved):
            os.dup2(saved, fd)
            os.close(saved)
        os.close(self.master)


class CommandLog:
    """The command window's lines, read from the pseudo-terminal by a thread of its own
    (so the program never blocks on a full terminal)."""

    def __init__(self, master: int, changed: Callable[[], None]) -> None:
        self.master = master
        self.changed = changed
        self.lines: list[str] = []
        self.partial = ""
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        while not self.stopping:
            if not select.select([self.master], [], [], 0.1)[0]:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # the slave side closed
                return
            if not data:
                return
            self.add(decoder.decode(data))

    def add(self, text: str) -> None:
        with self.lock:
            parts = (self.partial + text).split("\n")
            self.partial = _carriage(parts.pop())
            self.lines.extend(_carriage(p) for p in parts)
            del self.lines[:-LOG_LINES]
        self.changed()

    def tail(self, n: int, back: int = 0) -> list[str]:
        """The last `n` lines, `back` lines up from the end, the unfinished one last."""
        with self.lock:
            lines = self.lines + ([self.partial] if self.partial else [])
        end = max(len(lines) - back, 0)
        return lines[max(end - n, 0):end]

    def stop(self) -> None:
        self.stopping = True
        self.thread.join(1)


def _carriage(text: str) -> str:
    """A line as a terminal leaves it: what follows the last carriage return (the pty
    turns each newline into CR LF)."""
    text = text.rstrip("\r")
    return text.rsplit("\r", 1)[-1].expandtabs()


def visible_text(text: str) -> str:
    """`text` without its colour escapes (for its width)."""
    out, skip = [], False
    for ch in text:
        if ch == "\x1b":
            skip = True
        elif skip:
            skip = not ch.isalpha()
        else:
            out.append(ch)
    return "".join(out)
