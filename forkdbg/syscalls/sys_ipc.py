"""Shared memory: memfd_create, and SysV shared memory segments (shmget, shmat, shmdt,
shmctl), both on fs/shmem.py's objects.

A segment lives until IPC_RMID and its last detach; attachments are MAP_SHARED
mappings of its pages, so fork children share them and exec drops them, as in Linux.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..fs.perm import MAY_READ, MAY_WRITE, check
from ..fs.shmem import F_SEAL_SEAL, SHMEM_MAX, ShmemFile, ShmemObject
from ..kernel.shm import Segment
from ..kernel.cred import CAP_SYS_ADMIN
from ..kernel.errors import KernelError
from ..kernel.shm import IPC_PRIVATE
from ..mm.address_space import TASK_SIZE, page_up
from ..mm.vma import PROT_EXEC, PROT_READ, PROT_WRITE
from .common import read_in, read_path, s32, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB = 1, 2, 4
MFD_NAME_MAX = 249

IPC_CREAT, IPC_EXCL = 0o1000, 0o2000
IPC_RMID, IPC_SET, IPC_STAT = 0, 1, 2
SHM_RDONLY, SHM_RND, SHM_REMAP, SHM_EXEC = 0o10000, 0o20000, 0o40000, 0o100000
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


def _perm(task: "Task", seg: Segment, mask: int) -> None:
    if task.cred.capable(CAP_SYS_ADMIN) and task.cred.euid == 0:
        return
    check(seg.mode, seg.uid, seg.gid, task.cred, mask)


@syscall("shmget", "int", "size", "ipcflags")
def sys_shmget(task: "Task", key: int, size: int, flags: int) -> int:
    key, flags = s32(key), s32(flags)
    table = task.kernel.shm
    table.purge(lambda seg: _attachments(task, seg))
    if key != IPC_PRIVATE:
        for seg in table.by_id.values():
            if seg.key == key and not seg.removed:
                if flags & IPC_CREAT and flags & IPC_EXCL:
                    raise KernelError(Errno.EEXIST)
                if size > seg.size:
                    raise KernelError(Errno.EINVAL)
                _perm(task, seg, MAY_READ | (MAY_WRITE if flags & 0o222 else 0))
                return seg.id
        if not flags & IPC_CREAT:
            raise KernelError(Errno.ENOENT)
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
    cmd = s32(cmd) & ~0x100  # IPC_64
    table = task.kernel.shm
    seg = table.get(shmid)
    if cmd == IPC_STAT:
        _perm(task, seg, MAY_READ)
        perm = struct.pack("<iIIIIIHH20x", seg.key, seg.uid, seg.gid, seg.cuid, seg.cgid,
                           seg.mode | (0o1000 if seg.removed else 0), 0, 0)
        write_out(task, buf, perm + struct.pack("<QqqqiiQ16x", seg.size, seg.atime, seg.dtime,
                                                seg.ctime, seg.cpid, seg.lpid,
                                                _attachments(task, seg)))
        return 0
    if cmd in (IPC_SET, IPC_RMID):
        if task.cred.euid not in (seg.uid, seg.cuid) and not task.cred.capable(CAP_SYS_ADMIN):
            raise KernelError(Errno.EPERM)
        if cmd == IPC_SET:
            raw = read_in(task, buf, 48)  # struct ipc64_perm: uid at 4, gid at 8, mode at 20
            (seg.uid, seg.gid), mode = struct.unpack_from("<II", raw, 4), raw[20:24]
            seg.mode = int.from_bytes(mode, "little") & 0o777
            seg.ctime = task.kernel.clock.realtime // 10**9
            return 0
        seg.removed = True
        seg.key = IPC_PRIVATE
        if not _attachments(task, seg):
            table.destroy(seg)
        return 0
    raise KernelError(Errno.EINVAL)
