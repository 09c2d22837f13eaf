"""`forkdbg [OPTIONS] PROG [ARGS]`, `forkdbg --args PROG ARGS...`: the debugger's entry."""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from ..cli.common import Parser, UsageError, add_kernel_options, machine_options
from .detached import kill_live_inferiors, run_detached
from .registry import CommandError
from .script import SourceError, read_command_file, run_lines, source_file
from .session import Session


class Ordered(argparse.Action):
    """-x and -ex run in command-line order."""

    def __call__(self, parser, ns, value, option_string=None):  # type: ignore[no-untyped-def]
        if option_string in ("-iex", "-ix"):  # gdb's "initial" commands: before the program
            ns.initial.append(("x" if option_string == "-ix" else "ex", value))
        else:
            ns.commands.append(("x" if option_string == "-x" else "ex", value))


def make_parser() -> argparse.ArgumentParser:
    p = Parser(prog="forkdbg", description="Debug an x86-64 program (gdb commands).")
    p.add_argument("-x", dest="_x", action=Ordered, metavar="FILE", help="run commands from FILE")
    p.add_argument("-ex", dest="_ex", action=Ordered, metavar="CMD", help="run one command")
    p.add_argument("-batch", "--batch", action="store_true",
                   help="exit after the -x/-ex commands")
    p.add_argument("-iex", dest="_iex", action=Ordered, metavar="CMD",
                   help="run one command before the program is read")
    p.add_argument("-ix", dest="_ix", action=Ordered, metavar="FILE",
                   help="run commands from FILE before the program is read")
    p.add_argument("-nx", "--nx", "-n", action="store_true", help="read no init file (accepted)")
    p.add_argument("-nw", "--nw", "-nowindows", "--nowindows", action="store_true",
                   help="no windows: the command line only (the default)")
    p.add_argument("-tui", "--tui", action="store_true",
                   help="start in the TUI: source window above the command window")
    p.add_argument("-data-directory", "--data-directory", "-D", metavar="DIR",
                   help="gdb's data directory (its syscalls/*.xml name system calls)")
    p.add_argument("--version", "-version", "-v", action="store_true",
                   help="print the version and exit")
    p.add_argument("-q", "-quiet", "--quiet", "-silent", action="store_true",
                   help="no introduction")
    p.add_argument("--return-child-result", "-return-child-result", action="store_true",
                   help="exit with the program's status")
    p.add_argument("--args", action="store_true", help="every word after PROG is an argument")
    add_kernel_options(p)
    p.add_argument("prog", nargs="?", metavar="PROG")
    p.add_argument("rest", nargs=argparse.REMAINDER, metavar="ARGS")
    p.set_defaults(commands=[], initial=[])
    return p


def main(argv: list[str]) -> int:
    if "--args" in argv:  # everything after the program is its own, options or not
        at = argv.index("--args")
        ns = make_parser().parse_args(argv[:at + 2])
        ns.rest = list(argv[at + 2:])
    else:
        ns = make_parser().parse_args(argv)
    if ns.version:
        s_out = sys.stdout
        s_out.write(f"forkdbg {__version__} (speaks GNU gdb 13's command language)\n")
        return 0
    s = Session(batch=ns.batch)
    s.machine = machine_options(ns)
    if ns.data_directory:
        s.settings["data-directory"] = os.path.abspath(os.path.expanduser(ns.data_directory))
    if s.machine.cwd is None and os.path.realpath(s.machine.root) == "/":
        s.machine.cwd = os.getcwd()  # `cd` and `pwd` show it
    try:
        _run_commands(s, ns, ns.initial)  # a failure is reported; the session goes on
    except SystemExit as e:
        return int(e.code or 0)
    if ns.prog:
        if not s.program_exists(ns.prog):
            raise UsageError(f"{ns.prog}: No such file or directory.")
        s.set_program(ns.prog, list(ns.rest))
    interactive = not ns.batch
    if ns.tui and not ns.nw:
        s.tui.wanted = interactive  # the prompt switches to it (on a terminal)
    if interactive and not ns.quiet:
        s.say(f"forkdbg {__version__}: a gdb-style debugger for x86-64 Linux programs.\n"
              "Type \"help\" for the commands.")
        if ns.prog:
            s.say(f"Reading symbols from {ns.prog}...")
            syms = s.symbols()
            if syms is None or not len(syms):
                s.say(f"(No debugging symbols found in {ns.prog})")
    try:
        failed = _run_commands(s, ns, ns.commands)
    except SystemExit as e:
        return _finish(s, ns, int(e.code or 0))
    if interactive:
        from .repl import repl
        code = repl(s)
        return _finish(s, ns, code)
    return _finish(s, ns, 1 if failed else 0)


def _run_commands(s: Session, ns: argparse.Namespace, commands: list[tuple[str, str]]) -> bool:
    """Run -x files and -ex commands in order; whether any failed (SystemExit passes)."""
    failed = False
    for kind, value in commands:
        try:
            if kind == "x":
                s.from_tty = False
                run_lines(s, read_command_file(value), value)
            else:
                s.from_tty = not ns.batch
                s.execute(value)
        except SourceError as e:
            s.error(str(e))
            failed = True
        except CommandError as e:
            s.error(str(e))
            failed = True
        except OSError as e:
            s.error(f"{value}: {e.strerror}.")
            failed = True
    return failed


def _finish(s: Session, ns: argparse.Namespace, code: int) -> int:
    if ns.return_child_result and s.exit_code is not None:
        code = s.exit_code
    kill_live_inferiors(s)
    run_detached(s, final=True)  # as real processes, those gdb let go finish their work
    s.kill()
    sys.stdout.flush()
    return code


__all__ = ["main", "source_file"]
