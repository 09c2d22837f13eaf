"""What every front-end shares: kernel options, the guest environment, bad-input errors."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, NoReturn

from ..abi.errno import errno_message
from ..kernel.errors import KernelError
from ..kernel.kernel import Kernel
from ..kernel.launcher import spawn_launcher
from ..machine import (
    ExecRefused,
    MachineError,
    MachineOptions,
    build,
    check_program,
    parse_duration,
    parse_size,
)

if TYPE_CHECKING:
    from ..kernel.task import Task

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the user: one line on stderr, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (and status 2) instead of the usage dump."""

    def error(self, message: str) -> "NoReturn":  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (try '{self.prog} --help')")


def add_kernel_options(p: argparse.ArgumentParser) -> None:
    """The machine's options (forkdbg/machine.py), shared by run, trace and the debugger."""
    g = p.add_argument_group("emulated machine")
    g.add_argument("--root", default="/", metavar="DIR", help="the guest's / (default: the host's /)")
    g.add_argument("--cwd", metavar="DIR", help="the guest's working directory")
    g.add_argument("-E", "--env", dest="env_set", action="append", default=[], metavar="VAR=VAL",
                   help="set VAR in the program's environment")
    g.add_argument("-u", "--unset", dest="env_unset", action="append", default=[], metavar="VAR",
                   help="remove VAR from the program's environment")
    g.add_argument("--env-clear", action="store_true", help="start with an empty environment")
    g.add_argument("--seed", type=int, default=0, metavar="N",
                   help="seed of AT_RANDOM, getrandom and /dev/urandom (default 0)")
    g.add_argument("--epoch", type=int, default=None, metavar="SECONDS",
                   help="the guest's wall clock at start (default: the host's time); "
                        "the clock then advances virtually")
    g.add_argument("--max-procs", type=int, default=512, metavar="N",
                   help="RLIMIT_NPROC for the emulated machine (default 512)")
    g.add_argument("--max-memory", default=None, metavar="SIZE",
                   help="guest memory the host may hold (default: half the host's memory); "
                        "beyond it mappings fail with ENOMEM and the biggest process is killed")
    g.add_argument("--timeslice", default=None, metavar="DURATION",
                   help="virtual time a task runs while another waits (default 4ms; 0: until "
                        "it blocks; a bare number is microseconds)")
    g.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="kill every process after SECONDS of wall-clock time (status 124)")
    g.add_argument("--vtime-limit", default=None, metavar="DURATION",
                   help="kill every process when the virtual clock has advanced DURATION "
                        "(`2s`, `500ms`; deterministic; status 124)")
    g.add_argument("--schedule", choices=("parent-first", "child-first"), default="parent-first",
                   help="who runs first after fork (default parent-first, as Linux)")
    g.add_argument("--park-keep", type=int, default=8, metavar="N",
                   help="sleeping processes that keep their CPU engine (~3 MiB each; default 8); "
                        "the longest-idle others give it back until they wake")


#: options of add_kernel_options that take a value (for parsers that look ahead)
KERNEL_OPTIONS_WITH_VALUE = {"-E", "-u", "--env", "--unset", "--root", "--cwd", "--seed",
                             "--epoch", "--max-procs", "--max-memory", "--timeslice",
                             "--schedule", "--park-keep", "--timeout", "--vtime-limit"}


def machine_options(ns: argparse.Namespace) -> MachineOptions:
    """The machine a command line asks for."""
    try:
        m = MachineOptions(root=ns.root, cwd=ns.cwd, seed=ns.seed, epoch=ns.epoch,
                           max_procs=ns.max_procs, child_first=ns.schedule == "child-first",
                           park_keep=ns.park_keep, env_clear=ns.env_clear,
                           env_unset=list(ns.env_unset), env_set=list(ns.env_set))
        if ns.timeslice is not None:
            m.timeslice_ns = parse_duration(ns.timeslice)
        if ns.max_memory is not None:
            m.max_memory = parse_size(ns.max_memory)
        if ns.vtime_limit is not None:
            m.vtime_limit_ns = parse_duration(ns.vtime_limit)
        m.timeout_s = ns.timeout
    except MachineError as e:
        raise UsageError(str(e)) from None
    return m


def build_kernel(opts: MachineOptions) -> Kernel:
    """A kernel set up from the machine options (bad ones: a UsageError)."""
    try:
        return build(opts)
    except MachineError as e:
        raise UsageError(str(e)) from None


def guest_env(opts: MachineOptions) -> list[bytes]:
    try:
        return opts.environment()
    except MachineError as e:
        raise UsageError(str(e)) from None


def preflight(kernel: Kernel, path: str) -> None:
    """Check the program before starting it, with a reason a person can act on."""
    try:
        check_program(kernel, path)
    except MachineError as e:
        raise UsageError(str(e)) from None


def start(kernel: Kernel, prog: str, args: list[str], env: list[bytes],
          launcher_name: str | None = None) -> "Task":
    """Preflight and spawn the first process.  With `launcher_name` (a tracer's), a
    program Linux would refuse to exec is started as strace starts it: by a first
    process whose execve fails, which says `NAME: exec: REASON` and exits 1."""
    argv = [os.fsencode(prog)] + [os.fsencode(a) for a in args]
    try:
        check_program(kernel, prog)
    except ExecRefused as e:
        if launcher_name is None:
            raise UsageError(str(e)) from None
        message = f"{launcher_name}: exec: {errno_message(e.errno)}\n".encode()
        return spawn_launcher(kernel, prog, argv, env, message)
    except MachineError as e:
        raise UsageError(str(e)) from None
    try:
        return kernel.spawn(prog, argv, env)
    except KernelError as e:
        raise UsageError(f"{prog}: {errno_message(e.errno)}") from None


def one_line(text: str) -> str:
    """Control characters (a newline in a file name) and undecodable bytes as \\xNN."""
    out = []
    for c in text:
        if c.isprintable() or c == "\t":
            out.append(c)
        elif 0xDC80 <= ord(c) <= 0xDCFF:  # a byte os.fsdecode could not decode
            out.append(f"\\x{ord(c) - 0xDC00:02x}")
        else:
            out.append(f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
    return "".join(out)


def die(msg: str, status: int = EXIT_USAGE) -> int:
    """Print `forkdbg: msg` (or `forkdbg trace: msg` as it comes) on one line, whatever
    bytes a file name brought into it, and return the status."""
    msg = one_line(msg)
    sys.stderr.write(f"{msg}\n" if msg.startswith("forkdbg") else f"forkdbg: {msg}\n")
    sys.stderr.flush()
    return status
