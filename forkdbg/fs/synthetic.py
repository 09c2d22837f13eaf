"""Nodes that exist only inside forkdbg: /proc entries and the basic /dev devices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from ..abi.errno import Errno
from ..abi.fileflags import (
    O_ACCMODE,
    O_RDONLY,
    S_IFDIR,
    S_IFLNK,
    S_IFREG,
    SEEK_CUR,
    SEEK_END,
    SEEK_SET,
)
from ..kernel.errors import KernelError
from .file import File
from .stat import Stat

if TYPE_CHECKING:
    from ..kernel.task import Task


@dataclass
class SynthNode:
    """A node of the synthetic tree: 'dir', 'link', 'file' or 'dev'."""

    kind: str
    ino: int
    target: str = ""  # link
    content: Callable[[], bytes] | None = None  # file
    children: Callable[[], list[str]] | None = None  # dir
    child: Callable[[str], "SynthNode | None"] | None = None  # dir lookup
    opener: Callable[[int, str], File] | None = None  # dev
    stat_: Stat | None = field(default=None)
    writable: bool = False
    #: what a write does (a sysctl, oom_score_adj...): takes the bytes, raises KernelError
    writer: Callable[[bytes], None] | None = None
    owner: object | None = None  # what a /proc/PID directory stands for (its process)
    #: a magic link's object (a HostDir to walk on from, a File to open) or None: target
    jump: Callable[[], object] | None = None

    def stat(self) -> Stat:
        if self.stat_ is not None:
            return self.stat_
        mode = {"dir": S_IFDIR | 0o555, "link": S_IFLNK | 0o777,
                "file": S_IFREG | (0o644 if self.writer is not None else 0o444)}[self.kind]
        size = len(self.target) if self.kind == "link" else 0
        return Stat(dev=4, ino=self.ino, mode=mode, nlink=2 if self.kind == "dir" else 1,
                    size=size, blksize=1024)


class BytesFile(File):
    """A read-only file whose whole content is generated when it is opened (/proc files)."""

    kind = "proc"
    can_poll = False
    chunked = True

    def __init__(self, data: bytes, flags: int, path: str, st: Stat,
                 writer: Callable[[bytes], None] | None = None) -> None:
        super().__init__(flags, path)
        self.data = data
        self.pos = 0
        self._stat = st
        self._writer = writer

    def read(self, task: "Task", n: int) -> bytes:
        out = self.data[self.pos:self.pos + n]
        self.pos += len(out)
        return out

    def pread(self, task: "Task", n: int, off: int) -> bytes:
        return self.data[off:off + n]

    def write(self, task: "Task", data: bytes) -> int:
        """A sysctl-style write: the whole value in one call (proc_dointvec)."""
        if self._writer is None:
            raise KernelError(Errno.EACCES)
        self._writer(data)
        return len(data)

    def lseek(self, off: int, whence: int) -> int:
        base = {SEEK_SET: 0, SEEK_CUR: self.pos, SEEK_END: len(self.data)}.get(whence)
        if base is None or base + off < 0:
            raise KernelError(Errno.EINVAL)
        self.pos = base + off
        return self.pos

    def stat(self) -> Stat:
        return self._stat


class SynthDirFile(File):
    """An open synthetic directory."""

    kind = "dir"
    can_poll = False

    def __init__(self, node: SynthNode, flags: int, path: str, parent_ino: int) -> None:
        super().__init__(flags, path)
        self.node = node
        self.parent_ino = parent_ino
        self.pos = 0

    @property
    def is_dir(self) -> bool:
        return True

    @property
    def place(self) -> str:
        """Where *at() paths relative to it resolve: its guest path (fs/vfs.py)."""
        return self.path

    def getdents(self, task: "Task", size: int) -> bytes:
        from ..abi.fileflags import DT_CHR, DT_DIR, DT_LNK, DT_REG
        from .hostfile import dirent64
        names = self.node.children() if self.node.children else []
        ents = [(self.node.ino, DT_DIR, b"."), (self.parent_ino, DT_DIR, b"..")]
        for n in names:
            c = self.node.child(n) if self.node.child else None
            if c is None:
                continue
            dt = {"dir": DT_DIR, "link": DT_LNK, "file": DT_REG, "dev": DT_CHR}[c.kind]
            ents.append((c.ino, dt, n.encode()))
        out = bytearray()
        while self.pos < len(ents):
            ino, dt, name = ents[self.pos]
            rec = dirent64(ino, self.pos + 1, dt, name)
            if len(out) + len(rec) > size:
                if not out:
                    raise KernelError(Errno.EINVAL)
                break
            out += rec
            self.pos += 1
        return bytes(out)

    def lseek(self, off: int, whence: int) -> int:
        if whence != SEEK_SET or off < 0:
            raise KernelError(Errno.EINVAL)
        self.pos = off
        return off

    def read(self, task: "Task", n: int) -> bytes:
        raise KernelError(Errno.EISDIR)

    def stat(self) -> Stat:
        return self.node.stat()


def open_synthetic(node: SynthNode, flags: int, path: str, parent_ino: int) -> File:
    """Open a synthetic node with open(2)'s flags."""
    if node.kind == "dir":
        if flags & O_ACCMODE != O_RDONLY:
            raise KernelError(Errno.EISDIR)
        return SynthDirFile(node, flags, path, parent_ino)
    if node.kind == "dev":
        assert node.opener is not None
        return node.opener(flags, path)
    if node.kind == "file":
        writable = node.writable or node.writer is not None
        if flags & O_ACCMODE != O_RDONLY and not writable:
            raise KernelError(Errno.EACCES)
        assert node.content is not None
        return BytesFile(node.content(), flags, path, node.stat(), node.writer)
    raise KernelError(Errno.ELOOP)
