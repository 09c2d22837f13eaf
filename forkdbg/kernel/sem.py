"""SysV semaphore sets (ipc/sem.c): the machine's table, atomic operation arrays, and
the SEM_UNDO adjustments a process's exit reverts.

The system calls are in syscalls/sys_ipc_sem.py.  A semop applies all of its operations
or none; one that cannot proceed sleeps on the set's wait queue (or fails with EAGAIN
under IPC_NOWAIT) and tries again whenever the set changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.ipcflags import SEM_UNDO
from .errors import KernelError
from .sched import WaitQueue

if TYPE_CHECKING:
    from .thread_group import ThreadGroup

SEMVMX = 32767  # the largest value a semaphore holds
SEMMSL = 32000  # semaphores in one set
SEMOPM = 500  # operations in one semop


class SemSet:
    """One set: its values, the pid of each semaphore's last operation, owner and times."""

    def __init__(self, key: int, semid: int, nsems: int, mode: int, uid: int, gid: int,
                 now: int) -> None:
        self.key, self.id, self.mode = key, semid, mode & 0o777
        self.values = [0] * nsems
        self.pids = [0] * nsems
        self.uid = self.cuid = uid
        self.gid = self.cgid = gid
        self.otime, self.ctime = 0, now
        self.removed = False
        self.wq = WaitQueue("sem")
        self.waiting: dict[int, tuple[int, int]] = {}  # tid -> (sem_num, op) it waits on

    def try_ops(self, ops: list[tuple[int, int, int]], pid: int, now: int,
                undo: dict[tuple[int, int], int]) -> bool:
        """Apply every (num, op, flags) or none; False if one would have to wait."""
        vals = list(self.values)
        for num, op, _fl in ops:
            if op < 0 and vals[num] < -op or op == 0 and vals[num] != 0:
                return False
            vals[num] += op
            if vals[num] > SEMVMX:
                raise KernelError(Errno.ERANGE)
        self.values = vals
        for num, op, fl in ops:
            self.pids[num] = pid
            if fl & SEM_UNDO and op:
                key = (self.id, num)
                undo[key] = undo.get(key, 0) - op
        self.otime = now
        self.wq.wake_all()
        return True

    def ncnt_zcnt(self, num: int) -> tuple[int, int]:
        """How many wait for semaphore `num` to grow, and to reach zero."""
        waits = [op for n, op in self.waiting.values() if n == num]
        return sum(1 for op in waits if op < 0), sum(1 for op in waits if op == 0)


class SemTable:
    """The machine's semaphore sets by id (ids count up from 0)."""

    def __init__(self) -> None:
        self.by_id: dict[int, SemSet] = {}
        self.next_id = 0

    def create(self, key: int, nsems: int, mode: int, uid: int, gid: int,
               now: int) -> SemSet:
        s = SemSet(key, self.next_id, nsems, mode, uid, gid, now)
        self.by_id[s.id] = s
        self.next_id += 1
        return s

    def get(self, semid: int) -> SemSet:
        s = self.by_id.get(semid)
        if s is None or s.removed:
            raise KernelError(Errno.EINVAL)
        return s

    def remove(self, s: SemSet) -> None:
        s.removed = True
        self.by_id.pop(s.id, None)
        s.wq.wake_all()  # sleepers see EIDRM

    def exit_undo(self, tg: "ThreadGroup") -> None:
        """exit_sem: revert the process's SEM_UNDO adjustments, clamped at 0..SEMVMX."""
        for (semid, num), adj in tg.sem_undo.items():
            s = self.by_id.get(semid)
            if s is None or num >= len(s.values):
                continue
            s.values[num] = min(max(s.values[num] + adj, 0), SEMVMX)
            s.pids[num] = tg.tgid
            s.wq.wake_all()
        tg.sem_undo.clear()
