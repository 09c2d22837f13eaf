"""Decoders for shared memory calls as strace 6.1 prints them: memfd_create, shmget,
shmat, shmdt and shmctl (with IPC_STAT's struct shmid_ds)."""

from __future__ import annotations

import struct

from ..abi import fileflags as F
from ..abi.ipcflags import IPC_64, IPC_FLAGS, SEM_CMDS, SEM_FLG, SHM_CMDS, SHM_FLAGS
from .ctx import Call
from .decoders import Gen, decoder
from .describe import chex, const, flags, ptr, quote


def _key(k: int) -> str:
    k &= 0xFFFFFFFF
    return "IPC_PRIVATE" if k == 0 else f"{k:#x}"


@decoder("memfd_create")
def dec_memfd_create(c: Call) -> Gen:
    got = c.cstr(c.args[0], 255)
    c.put(quote(got[0], c.style, limit=255) if got else ptr(c.args[0]))
    c.put(flags(F.MFD_FLAGS, c.args[1] & 0xFFFFFFFF, c.style, unknown="MFD_???"))
    yield


@decoder("shmget")
def dec_shmget(c: Call) -> Gen:
    c.put(_key(c.args[0]))
    c.put(str(c.args[1]))
    fl = c.args[2] & 0xFFFFFFFF
    names, _rest = IPC_FLAGS.split(fl & ~0o777)
    c.put("|".join(names + [f"0{fl & 0o777:03o}" if fl & 0o777 else "000"]))
    yield


@decoder("shmat")
def dec_shmat(c: Call) -> Gen:
    c.put(str(c.s32(0)))
    c.put(ptr(c.args[1]))
    c.put(flags(SHM_FLAGS, c.args[2] & 0xFFFFFFFF, c.style, unknown="SHM_???"))
    c.retfmt = chex
    yield


@decoder("shmdt")
def dec_shmdt(c: Call) -> Gen:
    c.put(ptr(c.args[0]))
    yield


@decoder("shmctl")
def dec_shmctl(c: Call) -> Gen:
    c.put(str(c.s32(0)))
    cmd = c.s32(1) & ~IPC_64
    c.put(const(SHM_CMDS, cmd, c.style, "{:#x} /* IPC_??? */"))
    if cmd != 2:
        c.put(ptr(c.args[2]))
        yield
        return
    c.sep()
    yield
    b = None if c.failed else c.mem(c.args[2], 112)
    if b is None:
        c.put(ptr(c.args[2]))
        return
    key, uid, gid, cuid, cgid, mode = struct.unpack_from("<iIIIII", b)
    size, atime, dtime, ctime, cpid, lpid, nattch = struct.unpack_from("<QqqqiiQ", b, 48)
    c.put(f"{{shm_perm={{uid={uid}, gid={gid}, mode=0{mode & 0o777:03o}, key={key}, "
          f"cuid={cuid}, cgid={cgid}}}, shm_segsz={size}, shm_cpid={cpid}, "
          f"shm_lpid={lpid}, shm_nattch={nattch}, shm_atime={atime}, shm_dtime={dtime}, "
          f"shm_ctime={ctime}}}")




@decoder("semget")
def dec_semget(c: Call) -> Gen:
    c.put(_key(c.args[0]))
    c.put(str(c.s32(1)))
    fl = c.args[2] & 0xFFFFFFFF
    names, _rest = IPC_FLAGS.split(fl & ~0o777)
    c.put("|".join(names + [f"0{fl & 0o777:03o}" if fl & 0o777 else "000"]))
    yield


def _sembufs(c: Call, addr: int, n: int) -> str:
    def one(b: bytes) -> str:
        num, op, fl = struct.unpack("<Hhh", b)
        return (f"{{sem_num={num}, sem_op={op}, "
                f"sem_flg={flags(SEM_FLG, fl & 0xFFFF, c.style, unknown='SEM_???')}}}")
    return c.array(addr, n, 6, one)


@decoder("semop", "semtimedop")
def dec_semop(c: Call) -> Gen:
    c.put(str(c.s32(0)))
    n = c.args[2] & 0xFFFFFFFF
    c.put(_sembufs(c, c.args[1], n))
    c.put(str(n))
    if c.name == "semtimedop":
        b = c.mem(c.args[3], 16) if c.args[3] else None
        c.put(ptr(c.args[3]) if b is None else
              "{tv_sec=%d, tv_nsec=%d}" % struct.unpack("<qq", b))
    yield


@decoder("semctl")
def dec_semctl(c: Call) -> Gen:
    c.put(str(c.s32(0)))
    c.put(str(c.s32(1)))
    cmd = c.s32(2) & ~IPC_64
    c.put(const(SEM_CMDS, cmd, c.style, "{:#x} /* SEM_??? */"))
    c.put(ptr(c.args[3]))  # the union semun, printed as strace does: its register
    yield
