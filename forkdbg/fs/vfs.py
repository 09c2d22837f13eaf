"""The guest's view of the file system, resolved inside one host root by forkdbg itself.

A walk holds a host descriptor for each directory it passes (fs/hostdir.py): the root
when the path is absolute, else the task's working directory or the *at() directory.
Each component is looked at with fstatat(AT_SYMLINK_NOFOLLOW) in its parent; a symlink
is read with readlinkat and followed by the walk, an absolute one from the root; ".."
from the root stays at the root.  The result names its final component by its parent's
descriptor and name, and every operation on it (open, unlink, rename, chmod...) is an
*at() call there that does not follow a symlink.  So `..` chains, symlinks, a working
directory renamed away and replaced by a symlink, or a concurrent swap by another
process can only make a call fail, never reach outside the root.

/proc and /sys come from providers the kernel installs; /dev/null and a few other devices are
forkdbg's own (devices.py), and so is /dev/shm (tmpfs.py), entered as a mount point.
"""

from __future__ import annotations

import os
import stat as st_mod
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Union

from ..abi.errno import Errno
from ..abi.fileflags import (
    O_ACCMODE,
    O_CREAT,
    O_DIRECTORY,
    O_EXCL,
    O_NOFOLLOW,
    O_NONBLOCK,
    O_PATH,
    O_RDONLY,
    O_TMPFILE_BIT,
    O_TRUNC,
    O_WRONLY,
)
from ..kernel.errors import KernelError
from .file import File
from .hostdir import HostDir, host_error, path_of_fd
from .hostfile import DirFile, HostFile, PathFile
from .perm import MAY_EXEC, MAY_READ, MAY_WRITE, check
from .stat import Stat
from .synthetic import SynthNode, open_synthetic
from .tmpfs import ShmMount

MAXSYMLINKS = 40
PATH_MAX = 4096
NAME_MAX = 255

#: /proc or /sys lookups: (components after "proc", the asking task) -> node or None
ProcLookup = Callable[[list[str], Any], "SynthNode | None"]
#: where a walk may start: a host directory, or the guest path of a synthetic one
Place = Union[HostDir, str]


@dataclass
class Node:
    """What a path names: a host file (its directory's descriptor and its name there), a
    synthetic node, or the object behind a /proc magic link."""

    guest: str
    dir: HostDir | None = None  # host: the directory holding it
    name: str = "."  # its name in `dir` ("." is `dir` itself)
    hst: os.stat_result | None = None  # lstat; None when it does not exist
    synth: SynthNode | None = None
    magic: File | None = None  # /proc/PID/fd/N of a file without a path (a pipe)

    @property
    def host(self) -> bool:
        return self.dir is not None

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


class _Walk:
    """The state of one resolution: where it is, the guest path, the symlinks seen."""

    __slots__ = ("cur", "parts", "links")

    def __init__(self, cur: HostDir, parts: list[str]) -> None:
        self.cur = cur
        self.parts = parts
        self.links = 0

    def link(self) -> None:
        self.links += 1
        if self.links > MAXSYMLINKS:
            raise KernelError(Errno.ELOOP)


class Vfs:
    """Path resolution and opening of files inside the host directory `root`."""

    def __init__(self, root: str, devices: dict[str, SynthNode]) -> None:
        self.root_path = os.path.realpath(root)
        self.root = HostDir.open_root(self.root_path)
        self.devices = devices
        #: the kernel's own file systems at the root ("proc", "sys") by name
        self.synthetic: dict[str, ProcLookup] = {}
        self.shm = ShmMount()  # the machine's own /dev/shm (tmpfs.py)

    # ------------------------------------------------------------- places
    def path_of(self, place: Place) -> str:
        """The guest path of a directory now (getcwd): where the host says it is, inside
        the root; Linux's "(unreachable)" prefix if it was moved out."""
        if isinstance(place, str):
            return place
        if place.same(self.root):
            return "/"
        host = path_of_fd(place.fd)
        if host is None or host.endswith(" (deleted)"):
            return place.guest
        inside_shm = self.shm.guest_path(host)
        if inside_shm is not None:
            return inside_shm
        root = self.root_path.rstrip("/")
        if host == root or host.startswith(root + "/") or root == "":
            return host[len(root):] or "/"
        return "(unreachable)" + host

    # ---------------------------------------------------------------- walk
    def resolve(self, start: Place | None, path: str, follow: bool = True,
                ctx: Any = None) -> Node:
        """Resolve `path` from `start` (a task's cwd or an *at() directory; None: the
        root).  A missing last component gives a Node that does not exist (for O_CREAT,
        mkdir...); a missing directory on the way is ENOENT."""
        if path == "":
            raise KernelError(Errno.ENOENT)
        if len(path) >= PATH_MAX:
            raise KernelError(Errno.ENAMETOOLONG)
        if isinstance(start, str):  # a synthetic directory: resolve its path from the root
            if not path.startswith("/"):
                path = start.rstrip("/") + "/" + path
            start = None
        if path.startswith("/") or start is None:
            w = _Walk(self.root, [])
        else:
            w = _Walk(start, [p for p in start.guest.split("/") if p])
        return self._walk(w, deque(path.split("/")), follow, path.endswith("/"), ctx)

    def _walk(self, w: _Walk, comps: deque[str], follow: bool, must_dir: bool,
              ctx: Any) -> Node:
        while comps:
            c = comps.popleft()
            if c in ("", "."):
                continue
            if c == "..":
                if self.shm.is_root(w.cur):  # out of the /dev/shm mount: the guest's /dev
                    if self.root.lstat("dev") is None:
                        return self._walk_synth(w, ["dev"], comps, follow, must_dir, ctx)
                    w.cur, w.parts = self.root.child("dev", "/dev"), ["dev"]
                    continue
                if not w.cur.same(self.root):
                    w.cur = w.cur.child("..", "")
                    if w.parts:
                        w.parts.pop()
                    w.cur.guest = _join(w.parts)
                    if w.cur.same(self.root):
                        w.parts = []
                continue
            if len(c) > NAME_MAX:
                raise KernelError(Errno.ENAMETOOLONG)
            last = all(x in ("", ".") for x in comps)
            at_root = w.cur.same(self.root)
            if at_root and c in self.synthetic:
                return self._walk_synth(w, [c], comps, follow, must_dir, ctx)
            if at_root and c == "dev" and w.cur.lstat("dev") is None:
                return self._walk_synth(w, ["dev"], comps, follow, must_dir, ctx)
            if w.parts == ["dev"] and c == "shm" and self._root_dev(w.cur):
                return self._enter_shm(w, comps, follow, must_dir, ctx)
            if w.parts == ["dev"] and c in self.devices and self._root_dev(w.cur):
                node: Node = Node(_join(w.parts + [c]), synth=self.devices[c])
                if not last:
                    raise KernelError(Errno.ENOTDIR)
                return node
            st = w.cur.lstat(c)
            if st is None:
                if last:
                    return Node(_join(w.parts + [c]), w.cur, c, None)
                raise KernelError(Errno.ENOENT)
            if st_mod.S_ISLNK(st.st_mode) and (not last or follow or must_dir):
                w.link()
                target = w.cur.readlink(c)
                if target.startswith("/"):
                    w.cur, w.parts = self.root, []
                comps.extendleft(reversed(target.split("/")))
                continue
            if last:
                if must_dir and not st_mod.S_ISDIR(st.st_mode):
                    raise KernelError(Errno.ENOTDIR)
                return Node(_join(w.parts + [c]), w.cur, c, st)
            if not st_mod.S_ISDIR(st.st_mode):
                raise KernelError(Errno.ENOTDIR)
            self._search(w.cur, st, ctx)
            w.parts.append(c)
            w.cur = w.cur.child(c, _join(w.parts))
        # the path ended at a directory itself ("/", "a/..", "x/.")
        return Node(_join(w.parts), w.cur, ".", self._self_stat(w.cur))

    def _enter_shm(self, w: _Walk, comps: deque[str], follow: bool, must_dir: bool,
                   ctx: Any) -> Node:
        """The rest of a walk from the top of the machine's /dev/shm."""
        w.cur, w.parts = self.shm.root(), ["dev", "shm"]
        return self._walk(w, comps, follow, must_dir, ctx)

    def _root_dev(self, cur: HostDir) -> bool:
        """Is `cur` the root's /dev (where forkdbg's own devices shadow the host's)?"""
        st = self.root.lstat("dev")
        return st is not None and st.st_dev == cur.dev and st.st_ino == cur.ino

    @staticmethod
    def _self_stat(d: HostDir) -> os.stat_result:
        try:
            return os.fstat(d.fd)
        except OSError as e:
            raise host_error(e) from None

    @staticmethod
    def _search(d: HostDir, st: os.stat_result, ctx: Any) -> None:
        """Search (x) permission on a directory on the way, for the asking task."""
        cred = getattr(ctx, "cred", None)
        if cred is not None and cred.fsuid != 0:
            check(st.st_mode, st.st_uid, st.st_gid, cred, MAY_EXEC)

    def _walk_synth(self, w: _Walk, parts: list[str], comps: deque[str], follow: bool,
                    must_dir: bool, ctx: Any) -> Node:
        """The rest of a walk inside /proc, /sys or a synthetic /dev."""
        node = self._synth(parts, ctx)
        while True:
            while comps and comps[0] in ("", "."):
                comps.popleft()
            if not comps:
                break
            c = comps.popleft()
            if c == "..":
                parts.pop()
                if not parts:  # back at the root
                    return self._walk(_Walk(self.root, []), comps, follow, must_dir, ctx)
                node = self._synth(parts, ctx)
                continue
            if node is None or node.kind != "dir":
                raise KernelError(Errno.ENOTDIR if node is not None else Errno.ENOENT)
            if parts == ["dev"] and c == "shm":
                return self._enter_shm(w, comps, follow, must_dir, ctx)
            parts.append(c)
            last = all(x in ("", ".") for x in comps)
            node = self._synth(parts, ctx)
            if node is None:
                if last:
                    return Node(_join(parts))
                raise KernelError(Errno.ENOENT)
            if node.kind == "link" and (not last or follow or must_dir):
                w.link()
                jump = node.jump() if node.jump is not None else node.target
                if isinstance(jump, HostDir):  # /proc/PID/cwd, root, fd/N of a directory
                    w.cur, w.parts = jump, [p for p in self.path_of(jump).split("/") if p]
                    return self._walk(w, comps, follow, must_dir, ctx)
                if isinstance(jump, File):  # a file without a path, or the program file
                    if not last:
                        raise KernelError(Errno.ENOTDIR)
                    return Node(_join(parts), synth=node, magic=jump)
                target = str(jump)
                if target.startswith("/"):
                    return self._walk(_Walk(self.root, []), deque(target.split("/")) + comps,
                                      follow, must_dir, ctx)
                parts.pop()
                comps.extendleft(reversed(target.split("/")))
                node = self._synth(parts, ctx)
        if node is None:
            raise KernelError(Errno.ENOENT)
        return Node(_join(parts), synth=node)

    def _synth(self, parts: list[str], ctx: Any) -> SynthNode | None:
        lookup = self.synthetic.get(parts[0])
        if lookup is not None:
            return lookup(parts[1:], ctx)
        if parts == ["dev"]:
            return SynthNode("dir", 2, children=lambda: list(self.devices) + ["shm"],
                             child=self._dev_entry)
        if len(parts) == 2 and parts[0] == "dev":
            return self.devices.get(parts[1])
        return None

    def _dev_entry(self, name: str) -> SynthNode | None:
        """An entry of a synthetic /dev as its listing shows it."""
        if name == "shm":
            return SynthNode("dir", 3, stat_=Stat.from_host(os.fstat(self.shm.root().fd)))
        return self.devices.get(name)

    # ---------------------------------------------------------------- open
    def open(self, node: Node, flags: int, mode: int, umask: int, ctx: Any = None) -> File:
        """open(2) on a resolved node, for the task `ctx` (its credentials)."""
        cred = getattr(ctx, "cred", None)
        if flags & O_TMPFILE_BIT:
            return self._tmpfile(node, flags, mode & ~umask & 0o7777, cred)
        if node.magic is not None:
            return reopen(node.magic, flags)
        if node.synth is not None and node.dir is None:
            if flags & O_CREAT and flags & O_EXCL:
                raise KernelError(Errno.EEXIST)
            return open_synthetic(node.synth, flags, node.guest, 1)
        if node.dir is None:
            if not flags & O_CREAT:
                raise KernelError(Errno.ENOENT)
            raise KernelError(Errno.EACCES)  # no creating files inside /proc
        if node.hst is None:
            if not flags & O_CREAT:
                raise KernelError(Errno.ENOENT)
            if cred is not None and cred.fsuid != 0:
                dst = self._self_stat(node.dir)
                check(dst.st_mode, dst.st_uid, dst.st_gid, cred, MAY_WRITE | MAY_EXEC)
            fd = node.dir.open(node.name, flags, mode & ~umask & 0o7777)
            return HostFile(fd, flags, node.guest)
        if flags & O_CREAT and flags & O_EXCL:
            raise KernelError(Errno.EEXIST)
        st = node.hst
        if st_mod.S_ISLNK(st.st_mode):
            if flags & O_PATH and flags & O_NOFOLLOW:
                return PathFile(node.dir.open(node.name, O_PATH), flags, node.guest)
            raise KernelError(Errno.ELOOP)
        if flags & O_DIRECTORY and not st_mod.S_ISDIR(st.st_mode):
            raise KernelError(Errno.ENOTDIR)
        if flags & O_PATH:
            return PathFile(node.dir.open(node.name, O_PATH), flags, node.guest,
                            is_dir=st_mod.S_ISDIR(st.st_mode))
        acc = flags & O_ACCMODE
        if cred is not None and cred.fsuid != 0:
            want = (MAY_READ if acc != O_WRONLY else 0) | (MAY_WRITE if acc != O_RDONLY else 0)
            check(st.st_mode, st.st_uid, st.st_gid, cred, want or MAY_READ)
        if st_mod.S_ISDIR(st.st_mode):
            if acc != O_RDONLY or flags & O_CREAT:
                raise KernelError(Errno.EISDIR)
            fd = node.dir.open(node.name, O_RDONLY | O_DIRECTORY)
            return DirFile(HostDir(fd, node.guest), flags, node.guest, self)
        hostflags = flags & ~(O_CREAT | O_EXCL)
        if st_mod.S_ISFIFO(st.st_mode):
            hostflags |= O_NONBLOCK  # a FIFO's open must not stop the machine
        fd = node.dir.open(node.name, hostflags | (flags & O_TRUNC), mode)
        return HostFile(fd, flags, node.guest)

    def _tmpfile(self, node: Node, flags: int, mode: int, cred: Any) -> File:
        """O_TMPFILE: an unnamed file in the directory `node`, named as Linux names it in
        /proc/PID/fd (``/tmp/#INODE (deleted)``)."""
        if node.dir is None or node.synth is not None or node.magic is not None:
            if not node.exists:
                raise KernelError(Errno.ENOENT)
            raise KernelError(Errno.EOPNOTSUPP)  # /proc and forkdbg's /dev keep no files
        st = node.hst
        if st is None:
            raise KernelError(Errno.ENOENT)
        if not st_mod.S_ISDIR(st.st_mode):
            raise KernelError(Errno.ENOTDIR)
        if cred is not None and cred.fsuid != 0:
            check(st.st_mode, st.st_uid, st.st_gid, cred, MAY_WRITE | MAY_EXEC)
        fd = node.dir.tmpfile(node.name, flags, mode)
        guest = node.guest.rstrip("/") or ""
        return HostFile(fd, flags, f"{guest}/#{os.fstat(fd).st_ino} (deleted)")

    def opendir(self, node: Node, ctx: Any = None) -> Place:
        """The directory `node` names, to become a working directory (chdir)."""
        if not node.exists:
            raise KernelError(Errno.ENOENT)
        if not node.is_dir:
            raise KernelError(Errno.ENOTDIR)
        if node.dir is None:
            return node.guest
        assert node.hst is not None
        cred = getattr(ctx, "cred", None)
        if cred is not None and cred.fsuid != 0:
            check(node.hst.st_mode, node.hst.st_uid, node.hst.st_gid, cred, MAY_EXEC)
        if node.name == ".":
            return node.dir.dup()
        return node.dir.child(node.name, node.guest)


def reopen(file: File, flags: int) -> File:
    """Open /proc/PID/fd/N again: a new description of the same object."""
    from .pipe import PipeEnd

    if isinstance(file, PipeEnd):
        return PipeEnd(file.pipe, flags)
    hfd = getattr(file, "fd", None)
    if isinstance(hfd, int) and not isinstance(file, DirFile):
        try:
            fd = os.open(f"/proc/self/fd/{hfd}", (flags & ~0o2000000) | os.O_CLOEXEC)
        except OSError as e:
            raise host_error(e) from None
        return HostFile(fd, flags, file.path)
    return file
