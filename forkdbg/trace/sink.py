"""Where trace lines go, surviving the host's write errors.

A trace file on a full disk, a closed stderr, or more -ff files than the host allows
must not end the run or print a traceback: the first failure of each file is told once
on stderr, as "forkdbg: FILE: reason", its later lines are dropped, and the program runs
on to its own end (strace, too, keeps tracing and exits with the program's status).
"""

from __future__ import annotations

from typing import IO


class Sink:
    """A line-buffered text stream whose write errors are reported once and then dropped."""

    def __init__(self, name: str, f: IO[str] | None, err: "Sink | None" = None) -> None:
        self.name = name
        self.f = f
        self.err = err  # where to report a failure (None: this is stderr itself)
        self.failed = f is None

    @classmethod
    def open(cls, path: str, err: "Sink", append: bool = False) -> "Sink":
        """A file opened for the trace (-A: for appending); an open that fails is
        reported like a write."""
        try:
            return cls(path, open(path, "a" if append else "w", buffering=1), err)  # noqa: SIM115
        except OSError as e:
            sink = cls(path, None, err)
            sink.report(e)
            return sink

    def write(self, text: str) -> None:
        if self.failed or self.f is None:
            return
        try:
            self.f.write(text)
        except OSError as e:
            self.report(e)

    def flush(self) -> None:
        if self.failed or self.f is None:
            return
        try:
            self.f.flush()
        except OSError as e:
            self.report(e)

    def close(self) -> None:
        f, self.f = self.f, None
        if f is None:
            return
        try:
            f.close()
        except OSError as e:
            if not self.failed:
                self.report(e)

    def report(self, e: OSError) -> None:
        self.failed = True
        if self.err is not None:
            self.err.write(f"forkdbg: {self.name}: {e.strerror or e}\n")
            self.err.flush()
