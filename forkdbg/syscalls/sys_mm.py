"""Memory: brk, mmap (anonymous, file and shared mappings), munmap, mprotect, mremap, madvise,
msync and the mlock family."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import O_ACCMODE, O_RDWR, O_WRONLY
from ..abi.mmflags import (
    MADV_DONTNEED,
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_FIXED_NOREPLACE,
    MAP_PRIVATE,
    MAP_SHARED,
    MAP_SHARED_VALIDATE,
    MAP_TYPE,
    MREMAP_FIXED,
    MREMAP_MAYMOVE,
    MS_ASYNC,
    MS_INVALIDATE,
    MS_SYNC,
    PROT_EXEC,
    PROT_READ,
    PROT_WRITE,
)
from ..fs.hostfile import HostFile
from ..fs.pagecache import CACHE_MAX
from ..fs.shmem import F_SEAL_FUTURE_WRITE, F_SEAL_WRITE, SHMEM_MAX, ShmemFile
from ..kernel.errors import KernelError
from ..kernel.events import CodeMapped
from ..mm.address_space import TASK_SIZE, Fault, NoMemory, page_up
from ..mm.hostmem import PAGE, Backing, memmove
from .common import s32, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task


@syscall("brk", "ptr")
def sys_brk(task: "Task", addr: int) -> int:
    mm = task.mm
    memory = task.kernel.memory
    if page_up(addr) - page_up(mm.brk) > memory.cap and addr > mm.brk:
        return mm.brk
    brk = mm.set_brk(addr)
    if brk == addr:
        memory.mapped_changed()
    return brk


def _place(task: "Task", addr: int, length: int, flags: int) -> int:
    mm = task.mm
    if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE):
        if addr & (PAGE - 1) or addr + length > TASK_SIZE or addr < PAGE:
            raise KernelError(Errno.EINVAL if addr & (PAGE - 1) else Errno.EPERM)
        if flags & MAP_FIXED_NOREPLACE and not flags & MAP_FIXED and not mm.is_free(addr, addr + length):
            raise KernelError(Errno.EEXIST)
        return addr
    if addr and addr & ~(PAGE - 1) >= 0x10000 and addr + length <= TASK_SIZE:
        hint = addr & ~(PAGE - 1)
        if mm.is_free(hint, hint + length):
            return hint
    try:
        return mm.find_free(length)
    except NoMemory:
        raise KernelError(Errno.ENOMEM) from None


@syscall("mmap", "ptr", "size", "prot", "mflags", "fd", "hex")
def sys_mmap(task: "Task", addr: int, length: int, prot: int, flags: int, fd: int, off: int) -> int:
    flags &= 0xFFFFFFFF
    typ = flags & MAP_TYPE
    if length == 0 or typ not in (MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE):
        raise KernelError(Errno.EINVAL)
    if off & (PAGE - 1):
        raise KernelError(Errno.EINVAL)
    length = page_up(length)
    if length == 0 or length > TASK_SIZE:
        raise KernelError(Errno.ENOMEM)
    shared = typ != MAP_PRIVATE
    prot &= PROT_READ | PROT_WRITE | PROT_EXEC
    file = None
    if not flags & MAP_ANONYMOUS:
        file = task.files.get(s32(fd))
        acc = file.flags & O_ACCMODE
        if acc == O_WRONLY or (shared and prot & PROT_WRITE and acc != O_RDWR):
            raise KernelError(Errno.EACCES)
        if file.kind == "chr" and file.path == "/dev/zero":
            file = None
        elif file.kind not in ("host", "proc", "shmem"):
            raise KernelError(Errno.ENODEV)
    task.kernel.memory.request(length)
    if isinstance(file, ShmemFile) and shared:  # the object's own pages: one copy for all
        return _map_shmem(task, file, addr, length, prot, flags, off)
    if isinstance(file, HostFile) and shared and file.key is not None:
        return _map_file_shared(task, file, addr, length, prot, flags, off)
    if isinstance(file, HostFile) and not prot & PROT_WRITE and file.key is not None \
            and task.kernel.page_cache.get(file.key) is None:
        return _map_file_readonly(task, file, addr, length, prot, flags, off)
    start = _place(task, addr, length, flags)
    data, name, inode, dev = None, "", 0, 0
    if file is not None:
        data = file.pread(task, length, off)
        name = file.path
        try:
            st = file.stat()
            inode, dev = st.ino or 1, st.dev
        except KernelError:
            inode = 1
    task.mm.map(start, length, prot, shared=shared, name=name, data=data, file_off=off,
                inode=inode, dev=dev)
    task.kernel.memory.mapped_changed()
    return start


def _map_file_readonly(task: "Task", f: HostFile, addr: int, length: int, prot: int,
                       flags: int, off: int) -> int:
    """A private mapping nobody can write of a host file nobody maps shared: the same
    host buffer as every other such mapping of these pages of the unchanged file (a
    shared library's text in every process that loads it)."""
    try:
        st = os.fstat(f.fd)
    except OSError as e:
        raise KernelError(e.errno or Errno.EBADF) from None
    start = _place(task, addr, length, flags)

    def build() -> Backing:
        data = f.pread(task, length, off)
        b = Backing(length)
        memmove(b.addr, data, len(data))
        return b
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, off, length)
    backing = task.kernel.images.file_pages(key, build)
    task.mm.map(start, length, prot, name=f.path, backing=backing, file_off=off,
                inode=st.st_ino or 1, dev=st.st_dev)
    task.kernel.memory.mapped_changed()
    if prot & PROT_EXEC:
        code_mapped(task, start, length, f.path)
    return start


def code_mapped(task: "Task", start: int, length: int, path: str) -> None:
    """A library's code is mapped (the kernel's solib event): the code watchers hook what
    it holds (breakpoints, --calls), front-ends hear of it."""
    k = task.kernel
    if k.watchers.watchers:
        k.watchers.install(task)
    k.bus.emit(CodeMapped(task, start, start + length, path))


def _map_file_shared(task: "Task", f: HostFile, addr: int, length: int, prot: int, flags: int,
                     off: int) -> int:
    """A shared mapping of a host file: the pages of its cache (fs/pagecache.py)."""
    assert f.key is not None
    if off + length > CACHE_MAX:
        raise KernelError(Errno.EOVERFLOW)
    start = _place(task, addr, length, flags)
    cache = task.kernel.page_cache.for_mapping(f.key, f.fd, f.writable, off, length)
    task.mm.map(start, length, prot, shared=True, name=f.path, backing=cache.backing, boff=off,
                file_off=off, inode=f.key[1], dev=f.key[0])
    task.kernel.memory.mapped_changed()
    return start


def _map_shmem(task: "Task", f: ShmemFile, addr: int, length: int, prot: int, flags: int,
               off: int) -> int:
    obj = f.obj
    if prot & PROT_WRITE and obj.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE):
        raise KernelError(Errno.EPERM)
    if off + length > SHMEM_MAX:
        raise KernelError(Errno.EINVAL)
    start = _place(task, addr, length, flags)
    task.mm.map(start, length, prot, shared=True, name=f.path, backing=obj.backing, boff=off,
                file_off=off, inode=obj.ino, dev=1)
    task.kernel.memory.mapped_changed()
    return start


@syscall("munmap", "ptr", "size")
def sys_munmap(task: "Task", addr: int, length: int) -> int:
    if addr & (PAGE - 1) or length == 0 or addr + length > TASK_SIZE:
        raise KernelError(Errno.EINVAL)
    task.mm.unmap(addr, length)
    if task.kernel.page_cache.files:
        task.kernel.page_cache.sweep()  # a file's last shared mapping writes it back
    return 0


@syscall("mprotect", "ptr", "size", "prot")
def sys_mprotect(task: "Task", addr: int, length: int, prot: int) -> int:
    if addr & (PAGE - 1):
        raise KernelError(Errno.EINVAL)
    if prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | 0x03000000):
        raise KernelError(Errno.EINVAL)
    if length == 0:
        return 0
    try:
        task.mm.protect(addr, length, prot & 7)
    except Fault:
        raise KernelError(Errno.ENOMEM) from None
    if prot & PROT_EXEC and task.kernel.watchers.watchers:
        task.kernel.watchers.install(task)  # code made executable (a loader's TEXTREL)
    return 0


@syscall("mremap", "ptr", "size", "size", "mremapflags", "ptr")
def sys_mremap(task: "Task", old: int, old_size: int, new_size: int, flags: int, new_addr: int) -> int:
    mm = task.mm
    if old & (PAGE - 1) or flags & ~7 or (flags & MREMAP_FIXED and not flags & MREMAP_MAYMOVE):
        raise KernelError(Errno.EINVAL)
    old_size, new_size = page_up(old_size), page_up(new_size)
    if new_size == 0:
        raise KernelError(Errno.EINVAL)
    v = mm.find(old)
    if v is None or old + old_size > v.end:
        raise KernelError(Errno.EFAULT)
    if new_size <= old_size and not flags & MREMAP_FIXED:
        if new_size < old_size:
            mm.unmap(old + new_size, old_size - new_size)
        return old
    in_place = not flags & MREMAP_FIXED and mm.is_free(old + old_size, old + new_size) \
        and old + new_size <= TASK_SIZE
    if not in_place and not flags & MREMAP_MAYMOVE:
        raise KernelError(Errno.ENOMEM)
    task.kernel.memory.request(new_size)
    boff = v.boff + (old - v.start)
    prot, shared, name = v.prot, v.shared, v.name
    file_off, inode, dev = v.file_off + (old - v.start), v.inode, v.dev
    if shared and boff + new_size <= v.backing.size:
        nb, nboff = v.backing.get(), boff  # shared pages move, they are not copied
        cache = task.kernel.page_cache.get((dev, inode))
        if cache is not None and cache.backing is v.backing:
            cache.populate(file_off, new_size)  # a file mapping grown: read the new pages
    else:
        nb, nboff = Backing(new_size).get(), 0
        for roff, n in v.backing.resident_runs(boff, min(old_size, new_size)):
            memmove(nb.addr + roff - boff, v.backing.addr + roff, n)
    if in_place:
        target = old
    elif flags & MREMAP_FIXED:
        target = new_addr
    else:
        try:
            target = mm.find_free(new_size)
        except NoMemory:
            raise KernelError(Errno.ENOMEM) from None
    mm.unmap(old, old_size)
    mm.map(target, new_size, prot, shared=shared, name=name, backing=nb, boff=nboff,
           file_off=file_off, inode=inode, dev=dev)
    nb.put()  # the new area holds its own reference
    task.kernel.memory.mapped_changed()
    return target


@syscall("madvise", "ptr", "size", "madvise")
def sys_madvise(task: "Task", addr: int, length: int, advice: int) -> int:
    if addr & (PAGE - 1):
        raise KernelError(Errno.EINVAL)
    if advice == MADV_DONTNEED:
        end = addr + page_up(length)
        for v in task.mm.overlapping(addr, end):
            if not v.shared:
                lo, hi = max(v.start, addr), min(v.end, end)
                if v.backing.refs > 1:
                    task.mm.write(lo, bytes(hi - lo), force=True)
                else:
                    v.backing.discard(v.boff + lo - v.start, hi - lo)
    return 0


@syscall("msync", "ptr", "size", "msync")
def sys_msync(task: "Task", addr: int, length: int, flags: int) -> int:
    """Write the shared file mappings' stores in [addr, addr+length) to their files."""
    if addr & (PAGE - 1) or flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC) \
            or (flags & MS_ASYNC and flags & MS_SYNC):
        raise KernelError(Errno.EINVAL)
    end = addr + page_up(length)
    covered = addr
    for v in task.mm.overlapping(addr, end):
        if v.start > covered:
            break
        covered = v.end
        cache = task.kernel.page_cache.get((v.dev, v.inode)) if v.shared else None
        if cache is not None and cache.backing is v.backing:
            lo = max(v.start, addr)
            cache.writeback(v.file_off + lo - v.start, min(v.end, end) - lo)
    if covered < end:
        raise KernelError(Errno.ENOMEM)  # part of the range is not mapped
    return 0


@syscall("mlock", "ptr", "size", alias="munlock")
def sys_mlock(task: "Task", addr: int, length: int) -> int:
    return 0  # every page is resident: locking changes nothing


MLOCK_ONFAULT = 1
MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT = 1, 2, 4


@syscall("mlock2", "ptr", "size", "hex")
def sys_mlock2(task: "Task", addr: int, length: int, flags: int) -> int:
    if flags & ~MLOCK_ONFAULT:
        raise KernelError(Errno.EINVAL)
    return 0


@syscall("mlockall", "hex")
def sys_mlockall(task: "Task", flags: int) -> int:
    flags &= 0xFFFFFFFF
    if not flags or flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) or flags == MCL_ONFAULT:
        raise KernelError(Errno.EINVAL)
    return 0


@syscall("munlockall")
def sys_munlockall(task: "Task") -> int:
    return 0


@syscall("mincore", "ptr", "size", "ptr")
def sys_mincore(task: "Task", addr: int, length: int, vec: int) -> int:
    """Every mapped page is in memory; a hole in the range is ENOMEM."""
    if addr & 0xFFF:
        raise KernelError(Errno.EINVAL)
    pages = (length + 0xFFF) >> 12
    for i in range(pages):
        if task.mm.find(addr + (i << 12)) is None:
            raise KernelError(Errno.ENOMEM)
    write_out(task, vec, b"\x01" * pages)
    return 0


# membarrier: with one CPU every barrier has happened by the time the call returns
MEMBARRIER_QUERY = 0
MEMBARRIER_ALL = 0x1FF  # GLOBAL ... REGISTER_PRIVATE_EXPEDITED_RSEQ
MEMBARRIER_REGISTER = {4: 2, 16: 8, 64: 32, 256: 128}  # REGISTER_* -> the command it enables


@syscall("membarrier", "hex", "hex", "int")
def sys_membarrier(task: "Task", cmd: int, flags: int, cpu: int) -> int:
    cmd &= 0xFFFFFFFF
    if flags & ~1 or (flags and cmd != 128):  # MEMBARRIER_CMD_FLAG_CPU is for RSEQ only
        raise KernelError(Errno.EINVAL)
    if cmd == MEMBARRIER_QUERY:
        return MEMBARRIER_ALL
    if cmd not in (1, 2, 4, 8, 16, 32, 64, 128, 256):
        raise KernelError(Errno.EINVAL)
    if cmd in MEMBARRIER_REGISTER:
        task.mm.membarrier |= MEMBARRIER_REGISTER[cmd]
        return 0
    if cmd in (8, 32, 128) and not task.mm.membarrier & cmd:
        raise KernelError(Errno.EPERM)  # expedited without registering first
    return 0
