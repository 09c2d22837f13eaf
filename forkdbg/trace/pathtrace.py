"""-P PATH: keep only the calls that name PATH or use a descriptor open on it (strace's
pathtrace), judged at the call's entry."""

from __future__ import annotations

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

    def matches(self, task: Task, sd: "SyscallDef | None", args: tuple[int, ...]) -> bool:
        if sd is None:
            return False
        for kind, v in zip(sd.args, args):
            kind = kind.split(":", 1)[0]
            if kind == "path":
                try:
                    if task.mm.read_cstr(v).decode(errors="replace") in self.paths:
                        return True
                except Exception:  # noqa: BLE001 - an unreadable pointer names nothing
                    continue
            elif kind in ("fd", "dirfd"):
                e = task.files.fds.get(v & 0xFFFFFFFF)
                if e is not None and e.file.path in self.paths:
                    return True
        return False
