"""SysV shared memory segments (ipc/shm.c): the machine's table of them.

The system calls are in syscalls/sys_ipc.py; a segment's pages are a ShmemObject
(fs/shmem.py), mapped MAP_SHARED wherever it is attached.
"""

from __future__ import annotations

from typing import Callable

from ..abi.errno import Errno
from ..fs.shmem import ShmemObject
from .errors import KernelError


class Segment:
    """One segment: its key, id, size, owner and times."""

    def __init__(self, key: int, shmid: int, size: int, mode: int, uid: int, gid: int,
                 pid: int, now: int) -> None:
        self.key, self.id, self.size, self.mode = key, shmid, size, mode & 0o777
        self.obj = ShmemObject()
        self.obj.size = size
        self.uid = self.cuid = uid
        self.gid = self.cgid = gid
        self.cpid, self.lpid = pid, 0
        self.atime, self.dtime, self.ctime = 0, 0, now
        self.removed = False  # IPC_RMID: gone at the last detach


class ShmTable:
    """The machine's segments by id (ids count up from 0, as Linux's first ones)."""

    def __init__(self) -> None:
        self.by_id: dict[int, Segment] = {}
        self.next_id = 0

    def create(self, key: int, size: int, mode: int, uid: int, gid: int, pid: int,
               now: int) -> Segment:
        seg = Segment(key, self.next_id, size, mode, uid, gid, pid, now)
        self.by_id[seg.id] = seg
        self.next_id += 1
        return seg

    def get(self, shmid: int) -> Segment:
        seg = self.by_id.get(shmid)
        if seg is None or seg.removed:
            raise KernelError(Errno.EINVAL)
        return seg

    def destroy(self, seg: Segment) -> None:
        self.by_id.pop(seg.id, None)
        seg.obj.release()

    def purge(self, attachments: Callable[[Segment], int]) -> None:
        """Free removed segments whose last attachment went with an exit or exec."""
        for seg in [s for s in self.by_id.values() if s.removed]:
            if not attachments(seg):
                self.destroy(seg)
