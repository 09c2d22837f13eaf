"""`forkdbg trace [OPTIONS] PROG [ARGS...]`: strace-compatible tracing, JSON events, libc calls."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Callable

from ..trace.html import render_html
from ..trace.longopts import LongOptionError, expand
from ..trace.options import DECODE_FDS, QUIET_LEVELS, SORT_KEYS, OptionError, TraceOptions
from ..trace.timeline import Timeline
from ..trace.tree import ProcessTree
from .common import (
    KERNEL_OPTIONS_WITH_VALUE,
    Parser,
    UsageError,
    add_kernel_options,
    build_kernel,
    guest_env,
    machine_options,
    start,
)
from .run import run_to_end

INT_MAX = (1 << 31) - 1
MAX_COLUMN = 4096  # strace takes up to INT_MAX and then runs out of memory padding to it


def counted(option: str, most: int) -> Callable[[str], int]:
    """An argparse type: a count from 0 to `most`, refused as strace refuses one."""
    def parse(text: str) -> int:
        if text.strip().isdigit() and int(text) <= most:
            return int(text)
        raise UsageError(f"forkdbg trace: invalid {option} argument: '{text}'")
    return parse


def make_parser() -> argparse.ArgumentParser:
    p = Parser(prog="forkdbg trace",
               description="Trace an x86-64 program's system calls as strace 6.1 prints "
                           "them, and the libc calls inside it (--calls).")
    g = p.add_argument_group("strace options")
    g.add_argument("-f", action="count", default=0,
                   help="follow forks and threads (-ff with -o: one file per pid)")
    g.add_argument("-o", metavar="FILE", help="write the trace to FILE")
    g.add_argument("-e", action="append", default=[], metavar="EXPR",
                   help="trace=SET, signal=SET, status=SET, inject=SET:error=E|retval=N[:when=W], "
                        "fault=SET, raw=SET, verbose=SET, abbrev=SET, read=FDS, write=FDS, "
                        "quiet=SET, decode-fds=SET")
    g.add_argument("-P", action="append", default=[], metavar="PATH",
                   help="only calls that touch PATH (by name or by descriptor)")
    g.add_argument("-z", action="store_true", help="only calls that succeeded")
    g.add_argument("-Z", action="store_true", help="only calls that failed")
    g.add_argument("-n", action="store_true", help="the syscall number before each call")
    g.add_argument("-s", type=counted("-s", INT_MAX), default=32, metavar="N",
                   help="string size limit (default 32)")
    g.add_argument("-a", type=counted("-a", MAX_COLUMN), default=40, metavar="N",
                   help=f"column of the return value (default 40, at most {MAX_COLUMN})")
    g.add_argument("-v", action="store_true", help="print structures in full")
    g.add_argument("-x", action="count", default=0, help="non-ASCII strings in hex (-xx: all)")
    g.add_argument("-X", choices=("raw", "abbrev", "verbose"), default="abbrev",
                   help="how to print flags and constants")
    g.add_argument("-q", action="count", default=0,
                   help="no attach messages (-qq: no exit lines either)")
    g.add_argument("-t", action="count", default=0, help="time of day (-tt: us, -ttt: epoch)")
    g.add_argument("-r", action="store_true", help="time since the previous syscall")
    g.add_argument("-T", action="store_true", help="time spent in each syscall")
    g.add_argument("-c", action="store_true", help="count time, calls and errors; summary only")
    g.add_argument("-C", action="store_true", help="like -c but also print the lines")
    g.add_argument("-S", metavar="SORTBY", default="time",
                   help="sort the -c table by time, calls, errors, name or nothing")
    g.add_argument("-w", action="store_true",
                   help="-c on wall-clock time (the same here: the clock is virtual)")
    g.add_argument("-i", action="store_true", help="instruction pointer at each syscall")
    g.add_argument("-k", action="store_true", help="stack trace after each syscall")
    g.add_argument("-y", action="count", default=0, help="paths of file descriptors")
    g.add_argument("-Y", action="store_true", help="the command name after each pid")
    g.add_argument("-b", metavar="SYSCALL", dest="detach_on",
                   help="stop following a process when it makes SYSCALL (execve only)")
    g.add_argument("--pidns-translation", action="store_true",
                   help="a pid from another pid namespace with its number here too")
    g.add_argument("-V", action="store_true", help="print the version and exit")
    g.add_argument("-A", action="store_true", help="open -o files for appending")
    g.add_argument("--output-separately", action="store_true",
                   help="with -o FILE: one file per process, FILE.PID (-ff)")
    g.add_argument("--json", action="store_true", help="one JSON object per event (JSON Lines)")
    g.add_argument("--timeline", metavar="FILE",
                   help="write the run as a Chrome trace-event JSON file (Perfetto opens it)")
    g.add_argument("--html", metavar="FILE",
                   help="write the timeline and the process tree as one self-contained page")
    g.add_argument("--tree", action="store_true",
                   help="the process tree at the end: who made whom and how, what each "
                        "exec'd, how and when each ended")
    g.add_argument("--vdso-calls", action="store_true",
                   help="also show the system calls the vDSO's functions make (clock_gettime, "
                        "gettimeofday...), which strace never sees")
    g.add_argument("--calls", action="store_true",
                   help="show libc calls in the static binary: the process family, and with "
                        "--calls=PATTERNS more (comma-separated shell patterns: 'fork*,main')")
    g.add_argument("--calls-patterns", default=None, help=argparse.SUPPRESS)
    add_kernel_options(p)
    p.add_argument("prog", metavar="PROG")
    p.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS")
    return p


def options_from(ns: argparse.Namespace) -> TraceOptions:
    o = TraceOptions()
    o.follow = ns.f >= 1
    o.per_pid = (ns.f >= 2 or ns.output_separately) and ns.o is not None
    o.vdso_calls = ns.vdso_calls
    o.append = ns.A
    o.progname = os.environ.get("FORKDBG_PROGNAME") or "forkdbg"
    o.output = ns.o
    o.style.strsize = ns.s
    o.style.hex = ns.x
    o.style.xlat = ns.X
    o.style.pid_comm = ns.Y
    if ns.detach_on is not None:
        if ns.detach_on != "execve":
            raise UsageError(f"forkdbg trace: Syscall '{ns.detach_on}' for -b isn't supported")
        o.detach_on_execve = True
    o.style.pidns = ns.pidns_translation
    o.style.verbose = ns.v
    o.column = ns.a
    # strace: -o FILE with a command and no -q or quiet= implies -q (attach, personality)
    implied = ns.o is not None and not any(
        e.split("=", 1)[0] in ("quiet", "q", "silent", "silence") for e in ns.e)
    o.quiet = set(QUIET_LEVELS[min(ns.q or int(implied), 3)])
    o.numbers = ns.n
    o.paths = list(ns.P)
    if ns.S not in SORT_KEYS:
        raise UsageError(f"forkdbg trace: -S: invalid sortby {ns.S!r}")
    o.sort_by = SORT_KEYS[ns.S]
    if ns.z or ns.Z:
        o.statuses = ({"successful"} if ns.z else set()) | ({"failed"} if ns.Z else set())
    o.timestamps = ns.t
    o.relative = ns.r
    o.durations = ns.T
    o.ip = ns.i
    o.stack = ns.k
    o.fdpaths = frozenset(DECODE_FDS if ns.y > 1 else ("path",) if ns.y else ())
    o.summary = 2 if ns.C else (1 if ns.c else 0)
    o.json = ns.json
    if ns.calls or ns.calls_patterns is not None:
        o.calls = [p for p in (ns.calls_patterns or "").split(",") if p]
    try:
        for expr in ns.e:
            o.qualify(expr)
    except OptionError as e:
        raise UsageError(f"forkdbg trace: -e: {e}") from None
    return o


WITH_VALUE = {"-o", "-e", "-s", "-a", "-X", "-P", "-S"} | KERNEL_OPTIONS_WITH_VALUE


def _prog_index(argv: list[str]) -> int:
    """Where PROG is in argv (len(argv) when there is none)."""
    i = 0
    while i < len(argv):
        if argv[i] == "--" or not argv[i].startswith("-"):
            return i
        i += 2 if argv[i] in WITH_VALUE else 1
    return i


def _split_calls(argv: list[str]) -> list[str]:
    """`--calls=PATTERNS` (an optional value would swallow PROG) becomes two options."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--calls="):
            out += ["--calls", "--calls-patterns", a.split("=", 1)[1]]
        elif a in WITH_VALUE:
            out += argv[i:i + 2]
            i += 1
        elif a == "--" or not a.startswith("-"):
            return out + argv[i:]
        else:
            out.append(a)
        i += 1
    return out


VERSION_TEXT = """forkdbg trace -- version 6.1 (forkdbg {version}: strace 6.1's output)
Copyright (c) the forkdbg developers.
Optional features enabled: stack-trace=forkdbg no-m32-mpers no-mx32-mpers
"""


def _write_html(path: str, title: str, timeline_path: str, tree_text: str) -> None:
    with open(timeline_path) as f:
        page = render_html(title, f.read(), tree_text)
    with open(path, "w") as f:
        f.write(page)


def main(argv: list[str]) -> int:
    try:
        argv = expand(argv, WITH_VALUE)
    except LongOptionError as e:
        raise UsageError(f"forkdbg trace: {e}") from None
    if "-V" in _split_calls(argv)[:_prog_index(argv)]:
        from .. import __version__
        sys.stdout.write(VERSION_TEXT.format(version=__version__))
        return 0
    ns = make_parser().parse_args(_split_calls(argv))
    opts = options_from(ns)
    machine = machine_options(ns)
    kernel = build_kernel(machine)
    start(kernel, ns.prog, ns.args, guest_env(machine), launcher_name=opts.progname)
    tree = ProcessTree(kernel) if ns.tree or opts.json or ns.html else None
    timeline_path = ns.timeline
    try:
        if ns.html:
            open(ns.html, "w").close()  # a bad path ends the run before it starts
            if timeline_path is None:
                fd, timeline_path = tempfile.mkstemp(prefix="forkdbg-", suffix=".json")
                os.close(fd)
        timeline = Timeline(kernel, timeline_path, opts.style) if timeline_path else None
    except OSError as e:
        raise UsageError(f"forkdbg trace: {e.filename}: {e.strerror}") from None
    printers = []
    try:
        if opts.json:
            from ..trace.jsonl import JsonPrinter
            printers.append(JsonPrinter(kernel, opts, sys.stderr, tree))
        else:
            from ..trace.strace import StracePrinter
            strace = StracePrinter(kernel, opts, sys.stderr)
            printers.append(strace)
            if timeline is not None:
                timeline.take_text_from(strace)
        if opts.calls is not None:
            from ..trace.calls import CallTracer
            CallTracer(kernel, opts, printers[0])
    except OSError as e:
        raise UsageError(f"forkdbg trace: {e.filename}: {e.strerror}") from None
    try:
        status = run_to_end(kernel, timeout=machine.timeout_s)
    finally:
        for p in printers:
            p.close()
        if timeline is not None:
            timeline.close()
        if ns.html and tree is not None and timeline_path is not None:
            _write_html(ns.html, " ".join([ns.prog] + ns.args), timeline_path, tree.render())
            if ns.timeline is None:
                os.unlink(timeline_path)
        if ns.tree and tree is not None:
            sys.stderr.write(tree.render())
            sys.stderr.flush()
    return status
