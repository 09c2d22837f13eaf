"""-P PATH: keep only the calls that name PATH or use a descriptor open on it (strace's
pathtrace), judged at the call's entry."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..kernel.task import Task

if TYPE_CHECKING:
    from ..syscalls.table import SyscallDef


class PathFilter:
    """The paths -P named (and, for a symlink, what it points to in the guest's view)."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = set(paths)

    def resolve(self, task: Task) -> None:
        """Add what a symlink leads to, as strace does, once the guest's files are known."""
        vfs = task.kernel.vfs
        for p in list(self.paths):
            try:
                if vfs.resolve(task.fs.cwd, p, follow=False, ctx=task).is_link:
                    self.paths.add(vfs.resolve(task.fs.cwd, p, ctx=task).guest)
            except Exception:  # noqa: BLE001 - a path that leads nowhere adds nothing
                continue

    def _fd_named(self, task: Task, fd: int) -> bool:
        e = task.files.fds.get(fd)
        return e is not None and e.file.path in self.paths

    def _fds_of(self, task: Task, kind: str, v: int, args: tuple[int, ...]) -> list[int]:
        """The descriptors in a pollfd array or an fd_set (what strace's pathtrace reads)."""
        try:
            if kind == "pollfd":
                n = min(args[1] & 0xFFFFFFFF, 1 << 16)
                raw = task.mm.readable_prefix(v, 8 * n)  # up to where the memory ends
                return [struct.unpack_from("<i", raw, 8 * i)[0] for i in range(len(raw) // 8)]
            n = args[0] & 0xFFFFFFFF
            n = 0 if n >> 31 else min(n, 1 << 20)  # a negative count names nothing
            bits = int.from_bytes(task.mm.read(v, (n + 63) // 64 * 8), "little")
            return [i for i in range(n) if bits >> i & 1]
        except Exception:  # noqa: BLE001 - unreadable memory names nothing
            return []

    def matches(self, task: Task, sd: "SyscallDef | None", args: tuple[int, ...]) -> bool:
        if sd is None:
            return False
        for kind, v in zip(sd.args, args):
            kind = kind.split(":", 1)[0]
            if kind in ("pollfd", "fdset") and v:
                if any(self._fd_named(task, fd) for fd in self._fds_of(task, kind, v, args)):
                    return True
                continue
            if kind == "path":
                try:
                    if task.mm.read_cstr(v).decode(errors="replace") in self.paths:
                        return True
                except Exception:  # noqa: BLE001 - an unreadable pointer names nothing
                    continue
            elif kind in ("fd", "dirfd") and self._fd_named(task, v & 0xFFFFFFFF):
                return True
        return False
