"""What every front-end shares: kernel options, the guest environment, bad-input errors."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, NoReturn

from ..abi.errno import errno_message
from ..elf.loader import ElfError, parse_elf
from ..kernel.errors import KernelError
from ..kernel.kernel import Config, Kernel

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
    """--root, --cwd, -E/-u/--env-clear, --seed, --max-procs, --schedule, --park-keep."""
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
    g.add_argument("--schedule", choices=("parent-first", "child-first"), default="parent-first",
                   help="who runs first after fork (default parent-first, as Linux)")
    g.add_argument("--park-keep", type=int, default=8, metavar="N",
                   help="sleeping processes that keep their CPU engine (~3 MiB each; default 8); "
                        "the longest-idle others give it back until they wake")


def guest_env(opts: argparse.Namespace) -> list[bytes]:
    """The program's environment: forkdbg's own, changed by --env-clear, -u and -E."""
    env: dict[bytes, bytes] = {} if opts.env_clear else dict(os.environb)
    for name in opts.env_unset:
        env.pop(os.fsencode(name), None)
    for item in opts.env_set:
        if "=" not in item:
            raise UsageError(f"-E expects VAR=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        env[os.fsencode(k)] = os.fsencode(v)
    return [k + b"=" + v for k, v in env.items()]


def build_kernel(opts: argparse.Namespace) -> Kernel:
    """A kernel set up from the common options."""
    from ..syscalls import build_table
    root = opts.root
    if not os.path.isdir(root):
        raise UsageError(f"--root {root}: not a directory")
    cwd = opts.cwd
    if cwd is None:
        cwd = os.getcwd() if os.path.realpath(root) == "/" else "/"
    if opts.max_procs < 1:
        raise UsageError("--max-procs must be at least 1")
    if opts.park_keep < 0:
        raise UsageError("--park-keep must be 0 or more")
    cfg = Config(root=root, cwd=cwd, seed=opts.seed, child_first=opts.schedule == "child-first",
                 max_procs=opts.max_procs, epoch=opts.epoch, park_keep=opts.park_keep)
    k = Kernel(build_table(), cfg)
    try:
        node = k.vfs.resolve("/", cwd)
    except KernelError as e:
        raise UsageError(f"--cwd {cwd}: {errno_message(e.errno)}") from None
    if not node.exists or not node.is_dir:
        raise UsageError(f"--cwd {cwd}: not a directory inside the root")
    return k


def preflight(kernel: Kernel, path: str) -> None:
    """Check the program before starting it, with a reason a person can act on."""
    try:
        node = kernel.vfs.resolve(kernel.config.cwd, path)
    except KernelError as e:
        raise UsageError(f"{path}: {errno_message(e.errno)}") from None
    if not node.exists:
        raise UsageError(f"{path}: No such file or directory")
    if node.is_dir:
        raise UsageError(f"{path}: Is a directory")
    if node.host is None:
        raise UsageError(f"{path}: not a regular file")
    try:
        with open(node.host, "rb") as f:
            head = f.read()
    except OSError as e:
        raise UsageError(f"{path}: {e.strerror}") from None
    if head[:2] == b"#!":
        return
    try:
        parse_elf(head, path)
    except ElfError as e:
        raise UsageError(f"{path}: {e}") from None
    if not os.access(node.host, os.X_OK):
        raise UsageError(f"{path}: Permission denied (not executable)")


def start(kernel: Kernel, prog: str, args: list[str], env: list[bytes]) -> "Task":
    """Preflight and spawn the first process."""
    preflight(kernel, prog)
    argv = [os.fsencode(prog)] + [os.fsencode(a) for a in args]
    try:
        return kernel.spawn(prog, argv, env)
    except KernelError as e:
        raise UsageError(f"{prog}: {errno_message(e.errno)}") from None


class Interrupts:
    """Ctrl-C while the engine runs: a watcher thread stops it (Python handlers would wait)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self._r, self._w = os.pipe()
        os.set_blocking(self._w, False)
        self._old = None

    def __enter__(self) -> "Interrupts":
        if threading.current_thread() is not threading.main_thread():
            return self
        self._old = signal.signal(signal.SIGINT, lambda *_a: None)
        signal.set_wakeup_fd(self._w, warn_on_full_buffer=False)
        threading.Thread(target=self._watch, daemon=True).start()
        return self

    def _watch(self) -> None:
        while True:
            try:
                data = os.read(self._r, 64)
            except OSError:
                return
            if not data:
                return
            if signal.SIGINT in data:
                self.kernel.interrupt()

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGINT, self._old)
        os.close(self._w)


def die(msg: str, status: int = EXIT_USAGE) -> int:
    """Print `forkdbg: msg` and return the status."""
    sys.stderr.write(f"forkdbg: {msg}\n")
    sys.stderr.flush()
    return status
