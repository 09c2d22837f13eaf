"""The `forkdbg` command: `run`, `trace`, or the debugger."""

from __future__ import annotations

import sys

from .. import __version__
from ..machine import note_inherited_fds
from .common import UsageError, die

USAGE = """usage: forkdbg run [OPTIONS] PROG [ARGS...]     run a program
       forkdbg trace [OPTIONS] PROG [ARGS...]   trace it as strace does, and more
       forkdbg [OPTIONS] PROG [ARGS...]         debug it (gdb commands)
       forkdbg --args PROG ARGS...              debug, every word after PROG an argument
Each command takes --help.  A program named like a command: give a path (./run)."""


def main(argv: list[str] | None = None) -> int:
    note_inherited_fds()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or argv[0] in ("-h", "--help", "help"):
            print(USAGE)
            return 0 if argv else 2
        if argv[0] in ("-V", "--version"):
            print(f"forkdbg {__version__}")
            return 0
        if argv[0] == "run":
            from .run import main as run_main
            return run_main(argv[1:])
        if argv[0] == "trace":
            from .trace import main as trace_main
            return trace_main(argv[1:])
        from ..debugger.cli import main as debug_main
        return debug_main(argv)
    except UsageError as e:
        return die(str(e))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 141
