"""flock(2): advisory whole-file locks held by open file descriptions (fs/locks.c).

A lock belongs to the open file description, so dup'd and inherited descriptors share
it, and it goes when the description's last descriptor closes.  Locks are kept per file
(device and inode) inside the emulated machine: guests see each other's, never the host's.
"""

from __future__ import annotations

import functools

from ..abi.errno import Errno
from ..abi.flagset import FlagSet
from ..kernel.errors import Block, KernelError
from ..kernel.sched import WaitQueue
from .file import File

LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN = 1, 2, 4, 8
LOCK_OPS = {LOCK_SH: "LOCK_SH", LOCK_EX: "LOCK_EX", LOCK_UN: "LOCK_UN"}
#: how strace prints flock's operation (a flags word, in its order)
FLOCK_CMDS = FlagSet(((LOCK_SH, "LOCK_SH"), (LOCK_EX, "LOCK_EX"), (LOCK_NB, "LOCK_NB"),
                      (LOCK_UN, "LOCK_UN"), (32, "LOCK_MAND"), (192, "LOCK_RW"),
                      (64, "LOCK_READ"), (128, "LOCK_WRITE")))


class FileLocks:
    """The flock locks on one file: who holds them, and who waits."""

    __slots__ = ("holders", "wq")

    def __init__(self) -> None:
        self.holders: dict[File, int] = {}  # description -> LOCK_SH or LOCK_EX
        self.wq = WaitQueue("flock")


class FlockTable:
    """Every file's locks in one machine."""

    def __init__(self) -> None:
        self.files: dict[tuple[int, int], FileLocks] = {}

    def flock(self, f: File, op: int) -> int:
        cmd = op & ~LOCK_NB
        if cmd not in LOCK_OPS:
            raise KernelError(Errno.EINVAL)
        st = f.stat()
        key = (st.dev, st.ino)
        locks = self.files.get(key)
        if cmd == LOCK_UN:
            if locks is not None:
                self._drop(key, locks, f)
            return 0
        if locks is None:
            locks = self.files[key] = FileLocks()
        others = [m for holder, m in locks.holders.items() if holder is not f]
        if others and (cmd == LOCK_EX or LOCK_EX in others):
            if op & LOCK_NB:
                raise KernelError(Errno.EAGAIN)  # EWOULDBLOCK
            raise Block([locks.wq])
        if f not in locks.holders:
            f.when_released(functools.partial(self._released, key))
        elif locks.holders[f] != cmd:
            locks.wq.wake_all()  # a conversion lets readers in (or is the same lock)
        locks.holders[f] = cmd
        return 0

    def _drop(self, key: tuple[int, int], locks: FileLocks, f: File) -> None:
        if locks.holders.pop(f, None) is not None:
            locks.wq.wake_all()
        if not locks.holders and not locks.wq.waiters:
            self.files.pop(key, None)

    def _released(self, key: tuple[int, int], f: File) -> None:
        locks = self.files.get(key)
        if locks is not None:
            self._drop(key, locks, f)
