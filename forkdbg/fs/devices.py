"""/dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom and /dev/tty for the guest."""

from __future__ import annotations

import os
import random
from typing import TYPE_CHECKING, Callable

from ..abi.errno import Errno
from ..abi.fileflags import DEFAULT_POLLMASK
from ..kernel.errors import KernelError
from .file import File
from .hostfile import HostFile, host_error
from .stat import Stat, char_device
from .synthetic import SynthNode

if TYPE_CHECKING:
    from ..kernel.task import Task


class CharDevice(File):
    """A character device implemented in forkdbg."""

    kind = "chr"
    chunked = True
    can_poll = False  # null, zero and full have no poll operation

    def __init__(self, flags: int, path: str, st: Stat, reader: Callable[[int], bytes] | None,
                 write_errno: int = 0) -> None:
        super().__init__(flags, path)
        self._st = st
        self._reader = reader
        self._write_errno = write_errno

    def read(self, task: "Task", n: int) -> bytes:
        return self._reader(n) if self._reader else b""

    def pread(self, task: "Task", n: int, off: int) -> bytes:
        return self.read(task, n)

    def write(self, task: "Task", data: bytes) -> int:
        if self._write_errno:
            raise KernelError(self._write_errno)
        return len(data)

    def pwrite(self, task: "Task", data: bytes, off: int) -> int:
        return self.write(task, data)

    def lseek(self, off: int, whence: int) -> int:
        return 0

    def stat(self) -> Stat:
        return self._st

    def poll(self) -> int:
        return DEFAULT_POLLMASK


def _dev(major: int, minor: int) -> int:
    return os.makedev(major, minor)


def device_nodes(rng: random.Random) -> dict[str, SynthNode]:
    """The synthetic /dev entries by name; /dev/urandom draws from the run's seeded generator."""
    def rand(n: int) -> bytes:
        return rng.randbytes(n)

    def zero(n: int) -> bytes:
        return bytes(n)

    specs = {
        "null": (_dev(1, 3), None, 0, 6),
        "zero": (_dev(1, 5), zero, 0, 7),
        "full": (_dev(1, 7), zero, Errno.ENOSPC, 8),
        "random": (_dev(1, 8), rand, 0, 9),
        "urandom": (_dev(1, 9), rand, 0, 10),
    }
    nodes: dict[str, SynthNode] = {}
    for name, (rdev, reader, werr, ino) in specs.items():
        st = char_device(rdev, ino)

        def opener(flags: int, path: str, st: Stat = st, reader=reader, werr=werr) -> File:
            return CharDevice(flags, path, st, reader, werr)
        nodes[name] = SynthNode("dev", ino, opener=opener, stat_=st)

    def open_tty(flags: int, path: str) -> File:
        try:
            fd = os.open("/dev/tty", (flags & ~0o2000000) | os.O_CLOEXEC | os.O_NOCTTY)
        except OSError as e:
            raise host_error(e) from None
        return HostFile(fd, flags, path)
    nodes["tty"] = SynthNode("dev", 11, opener=open_tty, stat_=char_device(_dev(5, 0), 11))
    for i, name in enumerate(("stdin", "stdout", "stderr")):
        nodes[name] = SynthNode("link", 12 + i, target=f"/proc/self/fd/{i}")
    nodes["fd"] = SynthNode("link", 15, target="/proc/self/fd")
    return nodes
