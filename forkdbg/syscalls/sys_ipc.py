"""Shared memory and semaphores: memfd_create, SysV shared memory segments (shmget,
shmat, shmdt, shmctl) on fs/shmem.py's objects, and SysV semaphore sets (semget, semop,
semtimedop, semctl; kernel/sem.py).

A segment lives until IPC_RMID and its last detach; attachments are MAP_SHARED
mappings of its pages, so fork children share them and exec drops them, as in Linux.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Callable, Iterable, Union

from ..abi.errno import Errno
from ..abi.ipcflags import (
    GETALL,
    GETNCNT,
    GETPID,
    GETVAL,
    GETZCNT,
    IPC_64,
    IPC_CREAT,
    IPC_EXCL,
    IPC_NOWAIT,
    IPC_PRIVATE,
    IPC_RMID,
    IPC_SET,
    IPC_STAT,
    SETALL,
    SETVAL,
    SHM_EXEC,
    SHM_RDONLY,
    SHM_REMAP,
    SHM_RND,
)
from ..fs.perm import MAY_READ, MAY_WRITE, check
from ..fs.shmem import F_SEAL_SEAL, SHMEM_MAX, ShmemFile, ShmemObject
from ..kernel.cred import CAP_IPC_OWNER, CAP_SYS_ADMIN
from ..kernel.errors import Block, KernelError
from ..kernel.sem import SEMMSL, SEMOPM, SEMVMX, SemSet
from ..kernel.shm import Segment
from ..mm.address_space import TASK_SIZE, page_up
from ..mm.vma import PROT_EXEC, PROT_READ, PROT_WRITE
from .common import read_in, read_path, s32, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB = 1, 2, 4
MFD_NAME_MAX = 249

SHMLBA = 4096
SHMMAX = SHMEM_MAX
SHMID_DS_SIZE = 112


@syscall("memfd_create", "path", "mfdflags")
def sys_memfd_create(task: "Task", name: int, flags: int) -> int:
    text = read_path(task, name)
    if len(text.encode()) > MFD_NAME_MAX:
        raise KernelError(Errno.EINVAL)
    flags &= 0xFFFFFFFF
    if flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB) or flags & MFD_HUGETLB:
        raise KernelError(Errno.EINVAL)  # no huge pages in the machine
    obj = ShmemObject()
    if not flags & MFD_ALLOW_SEALING:
        obj.seals = F_SEAL_SEAL
    f = ShmemFile(obj, f"/memfd:{text} (deleted)")
    return task.files.install(f, cloexec=bool(flags & MFD_CLOEXEC))


IpcObject = Union[Segment, SemSet]  # both carry key, ids, mode and the owner's ids


def _perm(task: "Task", obj: IpcObject, mask: int) -> None:
    """ipcperms: the object's mode bits, unless the caller holds CAP_IPC_OWNER."""
    if not task.cred.capable(CAP_IPC_OWNER):
        check(obj.mode, obj.uid, obj.gid, task.cred, mask)


def _by_key(task: "Task", objs: Iterable[IpcObject], key: int, flags: int,
            fits: Callable[[IpcObject], bool]) -> int | None:
    """shmget/semget with a key: the id of the live object holding it (EEXIST, EINVAL,
    EACCES as Linux), None when IPC_CREAT may make it, else ENOENT."""
    for obj in objs:
        if obj.key == key and not obj.removed:
            if flags & IPC_CREAT and flags & IPC_EXCL:
                raise KernelError(Errno.EEXIST)
            if not fits(obj):
                raise KernelError(Errno.EINVAL)
            _perm(task, obj, MAY_READ | (MAY_WRITE if flags & 0o222 else 0))
            return obj.id
    if not flags & IPC_CREAT:
        raise KernelError(Errno.ENOENT)
    return None


def _ipc64_perm(obj: IpcObject, mode: int) -> bytes:
    """struct ipc64_perm as IPC_STAT writes it."""
    return struct.pack("<iIIIIIHH20x", obj.key, obj.uid, obj.gid, obj.cuid, obj.cgid, mode, 0, 0)


def _owner(task: "Task", obj: IpcObject) -> None:
    """IPC_SET and IPC_RMID: the owner, the creator, or CAP_SYS_ADMIN (EPERM)."""
    if task.cred.euid not in (obj.uid, obj.cuid) and not task.cred.capable(CAP_SYS_ADMIN):
        raise KernelError(Errno.EPERM)


def _ipc_set(task: "Task", obj: IpcObject, addr: int) -> None:
    raw = read_in(task, addr, 48)  # struct ipc64_perm: uid at 4, gid at 8, mode at 20
    (obj.uid, obj.gid), mode = struct.unpack_from("<II", raw, 4), raw[20:24]
    obj.mode = int.from_bytes(mode, "little") & 0o777
    obj.ctime = task.kernel.clock.realtime // 10**9


@syscall("shmget", "int", "size", "ipcflags")
def sys_shmget(task: "Task", key: int, size: int, flags: int) -> int:
    key, flags = s32(key), s32(flags)
    table = task.kernel.shm
    table.purge(lambda seg: _attachments(task, seg))
    if key != IPC_PRIVATE:
        found = _by_key(task, table.by_id.values(), key, flags,
                        lambda seg: size <= seg.size)  # type: ignore[union-attr]
        if found is not None:
            return found
    if size < 1 or size > SHMMAX:
        raise KernelError(Errno.EINVAL)
    seg = table.create(key, size, flags, task.cred.euid, task.cred.egid, task.tg.tgid,
                       task.kernel.clock.realtime // 10**9)
    return seg.id


@syscall("shmat", "int", "ptr", "ipcflags")
def sys_shmat(task: "Task", shmid: int, addr: int, flags: int) -> int:
    seg = task.kernel.shm.get(shmid)
    flags = s32(flags)
    ro = bool(flags & SHM_RDONLY)
    _perm(task, seg, MAY_READ | (0 if ro else MAY_WRITE))
    if addr & (SHMLBA - 1):
        if not flags & SHM_RND:
            raise KernelError(Errno.EINVAL)
        addr &= ~(SHMLBA - 1)
    length = page_up(seg.size)
    mm = task.mm
    if addr:
        if addr + length > TASK_SIZE:
            raise KernelError(Errno.EINVAL)
        if not flags & SHM_REMAP and any(True for _ in mm.overlapping(addr, addr + length)):
            raise KernelError(Errno.EINVAL)
        start = addr
    else:
        start = mm.find_free(length)
    prot = PROT_READ | (0 if ro else PROT_WRITE) | (PROT_EXEC if flags & SHM_EXEC else 0)
    mm.map(start, length, prot, shared=True, name=f"/SYSV{seg.key & 0xFFFFFFFF:08x} (deleted)",
           backing=seg.obj.backing, inode=seg.id, dev=1)
    seg.lpid, seg.atime = task.tg.tgid, task.kernel.clock.realtime // 10**9
    task.kernel.memory.mapped_changed()
    return start


def _attachments(task: "Task", seg: Segment) -> int:
    """shm_nattch: the mappings of the segment in every address space."""
    spaces = {id(t.mm): t.mm for t in task.kernel.tasks.values() if not t.mm.released}
    return sum(1 for mm in spaces.values() for v in mm.iter_vmas()
               if v.backing is seg.obj.backing)


@syscall("shmdt", "ptr")
def sys_shmdt(task: "Task", addr: int) -> int:
    mm = task.mm
    v = mm.find(addr)
    table = task.kernel.shm
    seg = next((s for s in table.by_id.values() if v is not None and v.start == addr
                and v.backing is s.obj.backing), None)
    if seg is None or v is None:
        raise KernelError(Errno.EINVAL)
    mm.unmap(v.start, v.size)
    seg.lpid, seg.dtime = task.tg.tgid, task.kernel.clock.realtime // 10**9
    if seg.removed and not _attachments(task, seg):
        table.destroy(seg)
    return 0


@syscall("shmctl", "int", "ipccmd", "ptr")
def sys_shmctl(task: "Task", shmid: int, cmd: int, buf: int) -> int:
    cmd = s32(cmd) & ~IPC_64
    table = task.kernel.shm
    seg = table.get(shmid)
    if cmd == IPC_STAT:
        _perm(task, seg, MAY_READ)
        perm = _ipc64_perm(seg, seg.mode | (0o1000 if seg.removed else 0))
        write_out(task, buf, perm + struct.pack("<QqqqiiQ16x", seg.size, seg.atime, seg.dtime,
                                                seg.ctime, seg.cpid, seg.lpid,
                                                _attachments(task, seg)))
        return 0
    if cmd in (IPC_SET, IPC_RMID):
        _owner(task, seg)
        if cmd == IPC_SET:
            _ipc_set(task, seg, buf)
            return 0
        seg.removed = True
        seg.key = IPC_PRIVATE
        if not _attachments(task, seg):
            table.destroy(seg)
        return 0
    raise KernelError(Errno.EINVAL)


# ------------------------------------------------------------ SysV semaphores
SEMID_DS_SIZE = 104


@syscall("semget", "int", "int", "ipcflags")
def sys_semget(task: "Task", key: int, nsems: int, flags: int) -> int:
    key, nsems, flags = s32(key), s32(nsems), s32(flags)
    table = task.kernel.sem
    if key != IPC_PRIVATE:
        found = _by_key(task, table.by_id.values(), key, flags,
                        lambda s: nsems <= len(s.values))  # type: ignore[union-attr]
        if found is not None:
            return found
    if not 0 < nsems <= SEMMSL:
        raise KernelError(Errno.EINVAL)
    return table.create(key, nsems, flags, task.cred.euid, task.cred.egid,
                        task.kernel.clock.realtime // 10**9).id


def _semop(task: "Task", semid: int, sops: int, nsops: int, deadline: int | None) -> int:
    nsops = s32(nsops)
    if nsops < 1:
        raise KernelError(Errno.EINVAL)
    if nsops > SEMOPM:
        raise KernelError(Errno.E2BIG)
    raw = read_in(task, sops, 6 * nsops)
    ops = [struct.unpack_from("<Hhh", raw, 6 * i) for i in range(nsops)]
    table = task.kernel.sem
    s = table.get(s32(semid))
    if any(num >= len(s.values) for num, _op, _fl in ops):
        raise KernelError(Errno.EFBIG)
    alters = any(op for _n, op, _f in ops)
    _perm(task, s, MAY_WRITE if alters else MAY_READ)
    k = task.kernel

    def attempt() -> int:
        s.waiting.pop(task.tid, None)
        if s.removed:
            raise KernelError(Errno.EIDRM)
        now = k.clock.realtime // 10**9
        if s.try_ops(ops, task.tg.tgid, now, task.tg.sem_undo):
            return 0
        if any(fl & IPC_NOWAIT for _n, _o, fl in ops):
            raise KernelError(Errno.EAGAIN)
        if deadline is not None and k.clock.now >= deadline:
            raise KernelError(Errno.EAGAIN)
        blocked = next((num, op) for num, op, _f in ops
                       if op < 0 and s.values[num] < -op or op == 0 and s.values[num])
        s.waiting[task.tid] = blocked
        raise Block([s.wq], deadline=deadline, retry=attempt, restart=Errno.EINTR)
    return attempt()


@syscall("semop", "int", "sembuf:2", "uint")
def sys_semop(task: "Task", semid: int, sops: int, nsops: int) -> int:
    return _semop(task, semid, sops, nsops, None)


@syscall("semtimedop", "int", "sembuf:2", "uint", "timespec")
def sys_semtimedop(task: "Task", semid: int, sops: int, nsops: int, timeout: int) -> int:
    deadline = None
    if timeout:
        sec, nsec = struct.unpack("<qq", read_in(task, timeout, 16))
        if sec < 0 or not 0 <= nsec < 10**9:
            raise KernelError(Errno.EINVAL)
        deadline = task.kernel.clock.now + sec * 10**9 + nsec
    return _semop(task, semid, sops, nsops, deadline)


@syscall("semctl", "int", "int", "ipccmd", "hex")
def sys_semctl(task: "Task", semid: int, num: int, cmd: int, arg: int) -> int:
    cmd = s32(cmd) & ~IPC_64
    table = task.kernel.sem
    s = table.get(s32(semid))
    num = s32(num)
    n = len(s.values)
    if cmd in (GETVAL, SETVAL, GETPID, GETNCNT, GETZCNT) and not 0 <= num < n:
        raise KernelError(Errno.EINVAL)
    if cmd == IPC_RMID or cmd == IPC_SET:
        _owner(task, s)
        if cmd == IPC_RMID:
            table.remove(s)
        else:
            _ipc_set(task, s, arg)
        return 0
    writes = cmd in (SETVAL, SETALL)
    _perm(task, s, MAY_WRITE if writes else MAY_READ)
    if cmd == IPC_STAT:
        write_out(task, arg, _ipc64_perm(s, s.mode)
                  + struct.pack("<qQqQQ16x", s.otime, 0, s.ctime, 0, n))
        return 0
    if cmd == GETVAL:
        return s.values[num]
    if cmd == GETPID:
        return s.pids[num]
    if cmd in (GETNCNT, GETZCNT):
        return s.ncnt_zcnt(num)[0 if cmd == GETNCNT else 1]
    if cmd == GETALL:
        write_out(task, arg, struct.pack(f"<{n}H", *s.values))
        return 0
    if cmd in (SETVAL, SETALL):
        vals = [s32(arg)] if cmd == SETVAL else \
            list(struct.unpack(f"<{n}H", read_in(task, arg, 2 * n)))
        if any(not 0 <= v <= SEMVMX for v in vals):
            raise KernelError(Errno.ERANGE)
        if cmd == SETVAL:
            s.values[num] = vals[0]
        else:
            s.values = vals
        for tg in list(task.kernel.groups.values()):
            for i in ([num] if cmd == SETVAL else range(n)):
                tg.sem_undo.pop((s.id, i), None)  # setting a value clears its adjustments
        s.ctime = task.kernel.clock.realtime // 10**9
        s.wq.wake_all()
        return 0
    raise KernelError(Errno.EINVAL)
