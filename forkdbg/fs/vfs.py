"""The guest's view of the file system: paths resolved by forkdbg inside one host root.

Every component is looked up here, symlinks included, so ``..``, absolute links
and link loops can never lead outside the root.  /proc comes from a provider the
kernel installs; a few /dev nodes are forkdbg's own (see devices.py).
"""

from __future__ import annotations

import os
import stat as st_mod
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from ..abi.errno import Errno
from ..abi.fileflags import O_ACCMODE, O_CREAT, O_DIRECTORY, O_EXCL, O_PATH, O_RDONLY, O_TRUNC
from ..kernel.errors import KernelError
from .file import File
from .hostfile import DirFile, HostFile, host_error, open_host
from .stat import Stat
from .synthetic import SynthNode, open_synthetic

MAXSYMLINKS = 40
PATH_MAX = 4096
NAME_MAX = 255

#: /proc lookups: (components after "proc", the asking task) -> node or None
ProcLookup = Callable[[list[str], Any], "SynthNode | None"]


@dataclass
class Node:
    """A resolved path: its guest path and either a host path or a synthetic node."""

    guest: str
    host: str | None
    synth: SynthNode | None
    hst: os.stat_result | None  # host lstat, None when the file does not exist
    magic: File | None = None  # /proc/PID/fd/N that names a pipe or other non-path file

    @property
    def exists(self) -> bool:
        return self.synth is not None or self.hst is not None or self.magic is not None

    @property
    def is_dir(self) -> bool:
        if self.synth is not None:
            return self.synth.kind == "dir"
        return self.hst is not None and st_mod.S_ISDIR(self.hst.st_mode)

    @property
    def is_link(self) -> bool:
        if self.synth is not None:
            return self.synth.kind == "link"
        return self.hst is not None and st_mod.S_ISLNK(self.hst.st_mode)

    def stat(self) -> Stat:
        if self.magic is not None:
            return self.magic.stat()
        if self.synth is not None:
            return self.synth.stat()
        if self.hst is None:
            raise KernelError(Errno.ENOENT)
        return Stat.from_host(self.hst)


def _join(parts: list[str]) -> str:
    return "/" + "/".join(parts)


class Vfs:
    """Path resolution and opening of files inside the host directory `root`."""

    def __init__(self, root: str, devices: dict[str, SynthNode]) -> None:
        self.root = os.path.realpath(root)
        self.devices = devices
        self.proc: ProcLookup | None = None
        self._proc_root = SynthNode("dir", 1)

    # --------------------------------------------------------------- paths
    def host_path(self, guest: str) -> str:
        """Host path of an already-resolved guest path."""
        if self.root == "/":
            return guest
        return self.root + guest if guest != "/" else self.root

    def _node(self, parts: list[str], ctx: Any) -> Node:
        guest = _join(parts)
        if parts and parts[0] == "proc" and self.proc is not None:
            synth = self.proc(parts[1:], ctx)
            if synth is None:
                return Node(guest, None, None, None)
            if synth.kind == "link" and synth.opener is not None and not synth.target.startswith("/"):
                # a magic link to a file without a path (a pipe): hand over the File itself
                return Node(guest, None, synth, None, magic=synth.opener(0, ""))
            return Node(guest, None, synth, None)
        if len(parts) == 2 and parts[0] == "dev" and parts[1] in self.devices:
            return Node(guest, None, self.devices[parts[1]], None)
        host = self.host_path(guest)
        try:
            hst = os.lstat(host)
        except FileNotFoundError:
            if parts == ["dev"]:
                return Node(guest, None, SynthNode("dir", 2, children=lambda: list(self.devices),
                                                   child=self.devices.get), None)
            return Node(guest, host, None, None)
        except NotADirectoryError:
            raise KernelError(Errno.ENOTDIR) from None
        except OSError as e:
            raise host_error(e) from None
        return Node(guest, host, None, hst)

    def _readlink(self, node: Node) -> str:
        if node.synth is not None:
            return node.synth.target
        assert node.host is not None
        try:
            return os.fsdecode(os.readlink(node.host))
        except OSError as e:
            raise host_error(e) from None

    def resolve(self, cwd: str, path: str, follow: bool = True, ctx: Any = None) -> Node:
        """Resolve `path` (relative to the guest directory `cwd`) to a Node.

        A missing last component gives a Node that does not exist (for O_CREAT,
        mkdir...); a missing directory on the way raises ENOENT.
        """
        if path == "":
            raise KernelError(Errno.ENOENT)
        if len(path) >= PATH_MAX:
            raise KernelError(Errno.ENAMETOOLONG)
        must_dir = path.endswith("/")
        parts: list[str] = [] if path.startswith("/") else [p for p in cwd.split("/") if p]
        comps = deque(path.split("/"))
        links = 0
        node = self._node(parts, ctx) if not parts else None
        while comps:
            c = comps.popleft()
            if c in ("", "."):
                continue
            if c == "..":
                if parts:
                    parts.pop()
                node = None
                continue
            if len(c) > NAME_MAX:
                raise KernelError(Errno.ENAMETOOLONG)
            parts.append(c)
            last = all(x in ("", ".") for x in comps)
            node = self._node(parts, ctx)
            if not node.exists:
                if last:
                    if must_dir and not path.rstrip("/"):
                        raise KernelError(Errno.ENOENT)
                    return node
                raise KernelError(Errno.ENOENT)
            if node.is_link and node.magic is None and (not last or follow or must_dir):
                links += 1
                if links > MAXSYMLINKS:
                    raise KernelError(Errno.ELOOP)
                target = self._readlink(node)
                parts.pop()
                if target.startswith("/"):
                    parts = []
                comps.extendleft(reversed(target.split("/")))
                node = None
                continue
            if node.magic is not None and not last:
                raise KernelError(Errno.ENOTDIR)
            if not last and not node.is_dir:
                raise KernelError(Errno.ENOTDIR)
        if node is None:
            node = self._node(parts, ctx)
            if not node.exists:
                raise KernelError(Errno.ENOENT)
        if must_dir and node.exists and not node.is_dir:
            raise KernelError(Errno.ENOTDIR)
        return node

    def parent(self, node: Node) -> str:
        """The guest path of the directory holding `node`."""
        head = node.guest.rsplit("/", 1)[0]
        return head or "/"

    # ---------------------------------------------------------------- open
    def open(self, node: Node, flags: int, mode: int, umask: int, ctx: Any = None) -> File:
        """open(2) on a resolved node."""
        if node.magic is not None:
            return reopen(node.magic, flags)
        if not node.exists:
            if not flags & O_CREAT:
                raise KernelError(Errno.ENOENT)
            if node.host is None:
                raise KernelError(Errno.EACCES)
            fd = open_host(node.host, flags, mode & ~umask & 0o7777)
            return HostFile(fd, flags, node.guest)
        if flags & O_CREAT and flags & O_EXCL:
            raise KernelError(Errno.EEXIST)
        if node.is_link:
            raise KernelError(Errno.ELOOP)
        if flags & O_DIRECTORY and not node.is_dir:
            raise KernelError(Errno.ENOTDIR)
        if node.synth is not None:
            parent_ino = 1
            return open_synthetic(node.synth, flags, node.guest, parent_ino)
        assert node.host is not None
        if node.is_dir:
            if flags & O_ACCMODE != O_RDONLY or flags & O_CREAT:
                raise KernelError(Errno.EISDIR)
            if not os.access(node.host, os.R_OK) and not flags & O_PATH:
                raise KernelError(Errno.EACCES)
            parent = self.host_path(self.parent(node)) if node.guest != "/" else self.root
            if node.guest == "/":
                parent = self.root
            return DirFile(node.host, flags, node.guest, parent)
        fd = open_host(node.host, flags & ~(O_CREAT | O_EXCL) | (flags & O_TRUNC), mode)
        return HostFile(fd, flags, node.guest)


def reopen(file: File, flags: int) -> File:
    """Open /proc/PID/fd/N again: a new description of the same object."""
    from .pipe import PipeEnd

    if isinstance(file, PipeEnd):
        return PipeEnd(file.pipe, flags)
    if isinstance(file, HostFile):
        try:
            fd = os.open(f"/proc/self/fd/{file.fd}", (flags & ~0o2000000) | os.O_CLOEXEC)
        except OSError as e:
            raise host_error(e) from None
        return HostFile(fd, flags, file.path)
    return file
