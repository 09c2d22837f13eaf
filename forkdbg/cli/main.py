"""The `forkdbg` command: `run`, `trace`, or the debugger."""

from __future__ import annotations

import os
import sys

from ..machine import note_inherited_fds
from .common import UsageError, die

EXIT_FAILURE = 1
EXIT_SOFTWARE = 70  # sysexits.h: an internal software error

USAGE = """usage: forkdbg run [OPTIONS] PROG [ARGS...]     run a program
       forkdbg trace [OPTIONS] PROG [ARGS...]   trace it as strace does, and more
       forkdbg [OPTIONS] PROG [ARGS...]         debug it (gdb commands)
       forkdbg --args PROG ARGS...              debug, every word after PROG an argument
       forkdbg syscalls                         the system calls the kernel has
       forkdbg doctor                           what this machine can run, for a report
       forkdbg --version                        forkdbg's and its libraries' versions
Each command takes --help.  A program named like a command: give a path (./run)."""


def main(argv: list[str] | None = None) -> int:
    note_inherited_fds()
    for stream in (sys.stdout, sys.stderr):  # guest bytes that are not UTF-8 pass through
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="surrogateescape")
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(argv)
    except UsageError as e:
        return die(str(e))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 141
    except OSError as e:  # forkdbg's own output could not be written (ENOSPC, EIO...)
        return die(f"{e.filename + ': ' if e.filename else ''}{e.strerror or e}", EXIT_FAILURE)
    except Exception as e:  # noqa: BLE001 - one line, never a traceback
        if os.environ.get("FORKDBG_TRACEBACK"):
            raise
        return die(f"internal error: {type(e).__name__}: {e} (please report this; "
                   "FORKDBG_TRACEBACK=1 shows where)", EXIT_SOFTWARE)


def _dispatch(argv: list[str]) -> int:
    """The subcommand's status (their modules load only when chosen: start-up time)."""
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] in ("-V", "--version"):
        from .doctor import version_text
        sys.stdout.write(version_text())
        return 0
    if argv[0] == "doctor":
        from .doctor import main as doctor_main
        return doctor_main(argv[1:])
    if argv[0] == "syscalls":
        from ..syscalls.table import render_matrix
        if argv[1:]:
            raise UsageError("forkdbg syscalls: takes no arguments")
        print(render_matrix(missing=True))
        return 0
    if argv[0] == "run":
        from .run import main as run_main
        return run_main(argv[1:])
    if argv[0] == "trace":
        from .trace import main as trace_main
        return trace_main(argv[1:])
    from ..debugger.cli import main as debug_main
    return debug_main(argv)
