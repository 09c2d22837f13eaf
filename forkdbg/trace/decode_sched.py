"""Decoders for scheduling and memory-policy calls as strace 6.1 prints them:
sched_* (policies by name, ``[prio]`` parameters), personality, mlockall, mincore and
membarrier."""

from __future__ import annotations

import struct

from ..abi.flagset import FlagSet
from .ctx import Call
from .decoders import Gen, decoder
from .describe import chex, const, flags, ptr

SCHED_NAMES = {0: "SCHED_OTHER", 1: "SCHED_FIFO", 2: "SCHED_RR", 3: "SCHED_BATCH",
               4: "SCHED_ISO", 5: "SCHED_IDLE", 6: "SCHED_DEADLINE"}
SCHED_RESET_ON_FORK = 0x40000000
MCL_FLAGS = FlagSet.of(MCL_CURRENT=1, MCL_FUTURE=2, MCL_ONFAULT=4)
MEMBARRIER_NAMES = {0: "MEMBARRIER_CMD_QUERY", **{1 << i: n for i, n in enumerate((
    "MEMBARRIER_CMD_GLOBAL", "MEMBARRIER_CMD_GLOBAL_EXPEDITED",
    "MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED", "MEMBARRIER_CMD_PRIVATE_EXPEDITED",
    "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED", "MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE",
    "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE",
    "MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ",
    "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ"))}}
MEMBARRIER_CMDS = FlagSet(tuple((v, n) for v, n in MEMBARRIER_NAMES.items() if v))
PER_NAMES = {0: "PER_LINUX", 0x0008: "PER_BSD", 0x0010: "PER_LINUX32", 0x0006: "PER_WYSEV386"}
PER_MASK = 0xFF


def _policy(c: Call, v: int) -> str:
    v &= 0xFFFFFFFF
    text = const(SCHED_NAMES, v & ~SCHED_RESET_ON_FORK, c.style, "{:#x} /* SCHED_??? */")
    return text + "|SCHED_RESET_ON_FORK" if v & SCHED_RESET_ON_FORK else text


def _param(c: Call, addr: int) -> str:
    b = c.mem(addr, 4)
    return ptr(addr) if b is None else f"[{struct.unpack('<i', b)[0]}]"


@decoder("sched_get_priority_max", "sched_get_priority_min")
def dec_priority_range(c: Call) -> Gen:
    c.put(_policy(c, c.args[0]))
    yield


@decoder("sched_getscheduler")
def dec_sched_getscheduler(c: Call) -> Gen:
    c.put(str(c.s32(0)))
    c.retfmt = lambda r: f"{r} ({_policy(c, r)})"
    yield


@decoder("sched_setscheduler")
def dec_sched_setscheduler(c: Call) -> Gen:
    c.put(str(c.s32(0)))
    c.put(_policy(c, c.args[1]))
    c.put(_param(c, c.args[2]))
    yield


@decoder("sched_setparam")
def dec_sched_setparam(c: Call) -> Gen:
    c.put(str(c.s32(0)))
    c.put(_param(c, c.args[1]))
    yield


@decoder("sched_getparam")
def dec_sched_getparam(c: Call) -> Gen:
    c.put(str(c.s32(0)))
    c.sep()
    yield
    c.put(ptr(c.args[1]) if c.failed else _param(c, c.args[1]))


def _persona(v: int) -> str:
    return PER_NAMES.get(v & PER_MASK, "PER_???") + (
        f"|{v & ~PER_MASK:#x}" if v & ~PER_MASK else "")


@decoder("personality")
def dec_personality(c: Call) -> Gen:
    v = c.args[0] & 0xFFFFFFFF
    c.put("0xffffffff" if v == 0xFFFFFFFF else _persona(v))
    c.retfmt = lambda r: f"{chex(r)} ({_persona(r)})"
    yield


@decoder("mlockall")
def dec_mlockall(c: Call) -> Gen:
    c.put(flags(MCL_FLAGS, c.args[0] & 0xFFFFFFFF, c.style, unknown="MCL_???"))
    yield


@decoder("mincore")
def dec_mincore(c: Call) -> Gen:
    c.put(ptr(c.args[0]))
    c.put(str(c.args[1]))
    c.sep()
    yield
    pages = (c.args[1] + 0xFFF) >> 12
    c.put(ptr(c.args[2]) if c.failed else c.array(c.args[2], pages, 1, lambda b: str(b[0] & 1)))


@decoder("membarrier")
def dec_membarrier(c: Call) -> Gen:
    cmd = c.args[0] & 0xFFFFFFFF
    c.put(const(MEMBARRIER_NAMES, cmd, c.style, "{:#x} /* MEMBARRIER_CMD_??? */"))
    fl = c.args[1] & 0xFFFFFFFF
    c.put(flags(FlagSet(((1, "MEMBARRIER_CMD_FLAG_CPU"),)), fl, c.style,
                unknown="MEMBARRIER_CMD_FLAG_???"))
    if fl & 1:
        c.put(str(c.s32(2)))
    if cmd == 0:
        c.retfmt = lambda r: f"{chex(r)} ({flags(MEMBARRIER_CMDS, r, c.style)})" if r else "0"
    yield


KCMP_NAMES = {0: "KCMP_FILE", 1: "KCMP_VM", 2: "KCMP_FILES", 3: "KCMP_FS", 4: "KCMP_SIGHAND",
              5: "KCMP_IO", 6: "KCMP_SYSVSEM", 7: "KCMP_EPOLL_TFD"}


@decoder("kcmp")
def dec_kcmp(c: Call) -> Gen:
    c.put(str(c.s32(0)))
    c.put(str(c.s32(1)))
    kind = c.s32(2)
    c.put(const(KCMP_NAMES, kind, c.style, "{:#x} /* KCMP_??? */"))
    if kind == 0:
        c.put(str(c.args[3]))
        c.put(str(c.args[4]))
    elif kind not in KCMP_NAMES:
        c.put(chex(c.args[3]))
        c.put(chex(c.args[4]))
    yield
