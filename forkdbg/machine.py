"""The emulated machine as `run`, `trace` and the debugger ask for it: one set of options,
one place that checks them and builds the Kernel, and the checks of a program before it
starts.  Front-ends map their command lines onto MachineOptions; nothing here prints.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from .abi.errno import Errno, errno_message
from .elf.loader import ElfError, parse_elf
from .kernel.clock import BOOT_MONOTONIC_NS
from .kernel.errors import KernelError
from .kernel.exec import BINPRM_BUF, MAX_INTERP_DEPTH, open_interpreter, parse_shebang
from .kernel.images import file_key
from .kernel.kernel import Config, Kernel

if TYPE_CHECKING:
    from .fs.vfs import Node

DEFAULT_TIMESLICE_NS = 4_000_000


_INHERITED: list[int] = []


def note_inherited_fds() -> None:
    """Remember the descriptors forkdbg was started with, before it opens any of its own
    (front-ends call this first thing): those, and only those, reach the program."""
    if _INHERITED:
        return
    try:
        fds = sorted(int(n) for n in os.listdir("/proc/self/fd"))
    except OSError:
        fds = [0, 1, 2]
    live = []
    for fd in fds:
        try:
            os.fstat(fd)  # the directory listing's own descriptor is gone by now
        except OSError:
            continue
        live.append(fd)
    _INHERITED.extend(live or [0, 1, 2])


def inherited_fds() -> tuple[int, ...]:
    """What note_inherited_fds saw (0, 1 and 2 if it was never called)."""
    return tuple(_INHERITED) if _INHERITED else (0, 1, 2)


class MachineError(Exception):
    """Options or a program the machine cannot take: one line for the user."""


class ExecRefused(MachineError):
    """A program Linux itself would not exec (`errno`: what its execve fails with)."""

    def __init__(self, message: str, errno: int) -> None:
        super().__init__(message)
        self.errno = errno


def default_max_memory() -> int:
    """Half the host's physical memory: the guest can never push the host into its own
    out-of-memory killer."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError):
        return 4 << 30


#: the latest wall clock a guest may start at: nanoseconds since 1970 stay far inside int64
MAX_EPOCH = (1 << 62) // 10**9


@dataclass
class MachineOptions:
    """What a front-end may choose about the machine (README: the `run` options)."""

    root: str = "/"
    cwd: str | None = None  # None: forkdbg's own when the root is /, else /
    seed: int = 0
    epoch: int | None = None
    max_procs: int = 512
    child_first: bool = False
    park_keep: int = 8
    timeslice_ns: int = DEFAULT_TIMESLICE_NS
    max_memory: int = field(default_factory=default_max_memory)
    #: the program's environment: forkdbg's own unless cleared, then -u and -E
    env_clear: bool = False
    env_unset: list[str] = field(default_factory=list)
    env_set: list[str] = field(default_factory=list)
    #: host descriptors above 2 the program starts with (None: every one forkdbg inherited)
    inherit_fds: list[int] | None = None
    #: the virtual time after which every process is killed (None: no limit)
    vtime_limit_ns: int | None = None
    #: the wall-clock seconds after which every process is killed (front-ends keep it)
    timeout_s: float | None = None

    def environment(self) -> list[bytes]:
        """The program's environment as a list of VAR=VALUE."""
        env: dict[bytes, bytes] = {} if self.env_clear else dict(os.environb)
        for name in self.env_unset:
            env.pop(os.fsencode(name), None)
        for item in self.env_set:
            if "=" not in item:
                raise MachineError(f"-E expects VAR=VALUE, got {item!r}")
            k, v = item.split("=", 1)
            env[os.fsencode(k)] = os.fsencode(v)
        return [k + b"=" + v for k, v in env.items()]

    def config(self) -> Config:
        """The kernel's configuration, checked."""
        root = self.root
        if not os.path.isdir(root):
            raise MachineError(f"--root {root}: not a directory")
        cwd = self.cwd
        host_root = os.path.realpath(root) == "/"
        if cwd is None:
            cwd = os.getcwd() if host_root else "/"
        elif host_root and not cwd.startswith("/"):  # the guest sees the host's tree
            cwd = os.path.join(os.getcwd(), cwd)
        elif not cwd.startswith("/"):  # inside another root: from the guest's /
            cwd = "/" + cwd
        if self.max_procs < 1:
            raise MachineError("--max-procs must be at least 1")
        if self.park_keep < 0:
            raise MachineError("--park-keep must be 0 or more")
        if self.timeslice_ns < 0:
            raise MachineError("--timeslice must be 0 or more")
        if self.epoch is not None and not 0 <= self.epoch <= MAX_EPOCH:
            raise MachineError(f"--epoch must be between 0 and {MAX_EPOCH} seconds")
        if self.max_memory < 1 << 20:
            raise MachineError("--max-memory must be at least 1M")
        if self.timeout_s is not None and not 0 < self.timeout_s < 1e9:
            raise MachineError("--timeout must be a positive number of seconds")
        return Config(root=root, cwd=cwd, seed=self.seed, child_first=self.child_first,
                      max_procs=self.max_procs, epoch=self.epoch, park_keep=self.park_keep,
                      slice_ns=self.timeslice_ns, max_memory=self.max_memory,
                      host_fds=tuple(self.inherit_fds) if self.inherit_fds is not None
                      else inherited_fds(),
                      vtime_limit_ns=(BOOT_MONOTONIC_NS + self.vtime_limit_ns
                                      if self.vtime_limit_ns is not None else 1 << 63))


def build(opts: MachineOptions, pid_base: int | None = None) -> Kernel:
    """A kernel set up from `opts`, its working directory checked inside the root; its
    pids start at `pid_base` (a debugger's next run continues where the last one ended)."""
    from dataclasses import replace

    from .syscalls import build_table
    cfg = opts.config()
    if pid_base is not None:
        cfg = replace(cfg, pid_base=pid_base)
    try:
        k = Kernel(build_table(), cfg)
    except KernelError as e:
        raise MachineError(f"--root {cfg.root}: {errno_message(e.errno)}") from None
    try:
        k.initial_cwd()
    except KernelError as e:
        raise MachineError(f"--cwd {cfg.cwd}: {errno_message(e.errno)}") from None
    return k


def open_program(opts: MachineOptions, path: str) -> BinaryIO | None:
    """The program file `path` names inside the machine's root, open for reading (a
    debugger reads it before any machine exists); None if there is no such regular
    file."""
    from .fs.vfs import Vfs
    try:
        cfg = opts.config()
        vfs = Vfs(cfg.root, {})
        cwd = vfs.opendir(vfs.resolve(None, cfg.cwd))
        return _open_regular(vfs.resolve(None if path.startswith("/") else cwd, path))
    except (MachineError, KernelError):
        return None


def _open_regular(node: "Node") -> BinaryIO | None:
    if node.dir is None or node.hst is None or not stat.S_ISREG(node.hst.st_mode):
        return None
    fd = node.dir.open(node.name, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return os.fdopen(fd, "rb")


def check_program(kernel: Kernel, path: str) -> None:
    """Check the program before starting it, with a reason a person can act on.  Only
    what decides it is read: the first bytes, then the ELF headers; a script's
    interpreter is checked the same way (`PROG: interpreter INTERP: reason`)."""
    what = path
    for _depth in range(MAX_INTERP_DEPTH + 1):
        interp = _check_one(kernel, path, what)
        if interp is None:
            return
        path = os.fsdecode(interp)
        what = f"{what}: interpreter {path}"
    raise MachineError(f"{what}: Too many levels of interpreters")


def _check_one(kernel: Kernel, path: str, what: str) -> bytes | None:
    """Check one file; a script's interpreter, or None for an ELF program."""
    try:
        cwd = kernel.initial_cwd()
        node = kernel.vfs.resolve(None if path.startswith("/") else cwd, path)
    except KernelError as e:
        raise MachineError(f"{what}: {errno_message(e.errno)}") from None
    if not node.exists:
        raise MachineError(f"{what}: No such file or directory")
    if node.is_dir:
        raise ExecRefused(f"{what}: Is a directory", Errno.EACCES)
    try:
        f = _open_regular(node)
    except KernelError as e:
        raise MachineError(f"{what}: {errno_message(e.errno)}") from None
    if f is None:
        raise ExecRefused(f"{what}: not a regular file", Errno.EACCES)
    with f:
        st = os.fstat(f.fileno())
        if not st.st_mode & 0o111:
            raise ExecRefused(f"{what}: Permission denied (not executable)", Errno.EACCES)
        head = f.read(BINPRM_BUF)
        if head[:2] == b"#!":
            try:
                return parse_shebang(head)[0]
            except KernelError:
                raise ExecRefused(f"{what}: a script without an interpreter after #!",
                                  Errno.ENOEXEC) from None
        if head[:4] != b"\x7fELF":
            raise ExecRefused(f"{what}: not an ELF file", Errno.ENOEXEC)
        f.seek(0)
        try:
            plan = parse_elf(f, node.guest)
        except ElfError as e:
            raise MachineError(f"{what}: {e}") from None
        kernel.images.add_plan(file_key(node.guest, st), plan)  # exec reads it once, here
    if plan.interp is not None:
        shown = os.fsdecode(plan.interp[:200])
        try:
            _plan, ifile = open_interpreter(kernel, kernel.initial_cwd(), plan.interp, None,
                                            kernel.host_cred)
        except KernelError as e:
            raise ExecRefused(f"{what}: interpreter {shown}: {errno_message(e.errno)}",
                              e.errno) from None
        ifile.release()
    return None


_SIZE = re.compile(r"^(\d+)([kKmMgGtT]?)(i?[bB])?$")
_DURATION = re.compile(r"^(\d+(?:\.\d*)?)(ns|us|ms|s)?$")


def parse_size(text: str) -> int:
    """`512M`, `4G`, `65536`: bytes (K, M, G, T are powers of 1024)."""
    m = _SIZE.match(text.strip())
    if m is None:
        raise MachineError(f"invalid size {text!r} (say 512M or 4G)")
    shift = {"": 0, "k": 10, "m": 20, "g": 30, "t": 40}[m.group(2).lower()]
    return int(m.group(1)) << shift


def parse_duration(text: str) -> int:
    """`4ms`, `50us`, `200ns`, `1s`; a bare number is microseconds (as strace's delays).
    Returns nanoseconds."""
    m = _DURATION.match(text.strip())
    if m is None:
        raise MachineError(f"invalid duration {text!r} (say 4ms, 50us or 200ns)")
    scale = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000, None: 1_000}
    return int(float(m.group(1)) * scale[m.group(2)])
