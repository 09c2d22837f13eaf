"""The rest of what static programs ask at startup: uname, limits, randomness, prctl, arch_prctl."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.procflags import (
    ARCH_GET_FS,
    ARCH_GET_GS,
    ARCH_SET_FS,
    ARCH_SET_GS,
    GRND_INSECURE,
    GRND_NONBLOCK,
    GRND_RANDOM,
    PR_GET_CHILD_SUBREAPER,
    PR_GET_DUMPABLE,
    PR_GET_NAME,
    PR_GET_NO_NEW_PRIVS,
    PR_GET_PDEATHSIG,
    PR_GET_TIMERSLACK,
    PR_GET_TSC,
    PR_SET_CHILD_SUBREAPER,
    PR_SET_DUMPABLE,
    PR_SET_NAME,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_PDEATHSIG,
    PR_SET_TIMERSLACK,
    PR_SET_TSC,
    PR_SET_VMA,
    PR_TSC_ENABLE,
    PR_TSC_SIGSEGV,
    RLIM_INFINITY,
    RLIMIT_NOFILE,
)
from ..arch.x86_64 import FS_BASE, GS_BASE
from ..kernel.cred import CAP_SYS_RESOURCE
from ..kernel.errors import KernelError
from ..kernel.pid_namespace import find_group
from ..mm.address_space import TASK_SIZE
from .common import read_in, s32, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

UTS_FIELDS = (b"Linux", None, b"6.1.0-forkdbg", b"#1 SMP PREEMPT_DYNAMIC forkdbg", b"x86_64",
              b"(none)")


@syscall("uname", "utsname")
def sys_uname(task: "Task", buf: int) -> int:
    fields = list(UTS_FIELDS)
    fields[1] = task.kernel.hostname
    write_out(task, buf, b"".join(f.ljust(65, b"\0")[:65] for f in fields))  # type: ignore[union-attr]
    return 0


@syscall("sethostname", "buf:1", "size")
def sys_sethostname(task: "Task", name: int, length: int) -> int:
    if length > 64:
        raise KernelError(Errno.EINVAL)
    task.kernel.hostname = read_in(task, name, length)
    return 0


@syscall("sysinfo", "sysinfo")
def sys_sysinfo(task: "Task", info: int) -> int:
    k = task.kernel
    uptime = k.clock.now // 10**9
    data = struct.pack("<q3Q6QH6xQQI", uptime, 0, 0, 0, 16 << 30, 8 << 30, 0, 0, 0, 0,
                       len(k.tasks), 0, 0, 1)
    write_out(task, info, data.ljust(112, b"\0"))
    return 0


@syscall("getrandom", "obuf:ret", "size", "grndflags")
def sys_getrandom(task: "Task", buf: int, count: int, flags: int) -> int:
    if flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) or \
            flags & (GRND_RANDOM | GRND_INSECURE) == (GRND_RANDOM | GRND_INSECURE):
        raise KernelError(Errno.EINVAL)
    n = min(count, 33554431)
    write_out(task, buf, task.kernel.rng.randbytes(n))
    return n


def _rlimit(task: "Task", pid: int, resource: int, new: int, old: int) -> int:
    tg = task.tg if pid == 0 else find_group(task, pid)
    if tg is None:
        raise KernelError(Errno.ESRCH)
    if resource >= 16:
        raise KernelError(Errno.EINVAL)
    cur = tg.rlimit(resource)
    if new:
        soft, hard = struct.unpack("<QQ", read_in(task, new, 16))
        if soft > hard and hard != RLIM_INFINITY:
            raise KernelError(Errno.EINVAL)
        if hard > cur[1] and not task.cred.capable(CAP_SYS_RESOURCE):
            raise KernelError(Errno.EPERM)
        if resource == RLIMIT_NOFILE and hard > 1048576:  # nr_open; RLIM_INFINITY too
            raise KernelError(Errno.EPERM)
    if old:
        write_out(task, old, struct.pack("<QQ", *cur))
    if new:
        tg.rlimits[resource] = (soft, hard)
        if resource == RLIMIT_NOFILE:
            for t in tg.threads:
                t.files.limit = min(soft, 1 << 20)
    return 0


@syscall("prlimit64", "int", "rlimres", "rlimit", "orlimit")
def sys_prlimit64(task: "Task", pid: int, resource: int, new: int, old: int) -> int:
    return _rlimit(task, s32(pid), resource, new, old)


@syscall("getrlimit", "rlimres", "orlimit")
def sys_getrlimit(task: "Task", resource: int, old: int) -> int:
    return _rlimit(task, 0, resource, 0, old)


@syscall("setrlimit", "rlimres", "rlimit")
def sys_setrlimit(task: "Task", resource: int, new: int) -> int:
    return _rlimit(task, 0, resource, new, 0)


@syscall("sched_getaffinity", "int", "size", "ptr")
def sys_sched_getaffinity(task: "Task", pid: int, size: int, mask: int) -> int:
    if size < 8 or size & 7:
        raise KernelError(Errno.EINVAL)
    write_out(task, mask, struct.pack("<Q", 1))
    return 8


@syscall("sched_setaffinity", "int", "size", "ptr")
def sys_sched_setaffinity(task: "Task", pid: int, size: int, mask: int) -> int:
    return 0


@syscall("sched_yield")
def sys_sched_yield(task: "Task") -> int:
    task.kernel.sched.yield_current()
    return 0


@syscall("getcpu", "ptr", "ptr", "ptr")
def sys_getcpu(task: "Task", cpu: int, node: int, cache: int) -> int:
    if cpu:
        write_out(task, cpu, struct.pack("<I", 0))
    if node:
        write_out(task, node, struct.pack("<I", 0))
    return 0


@syscall("getpriority", "int", "int")
def sys_getpriority(task: "Task", which: int, who: int) -> int:
    return 20


@syscall("setpriority", "int", "int", "int")
def sys_setpriority(task: "Task", which: int, who: int, prio: int) -> int:
    return 0


@syscall("arch_prctl", "archcode", "ptr")
def sys_arch_prctl(task: "Task", code: int, addr: int) -> int:
    if code == ARCH_SET_FS:
        if addr >= TASK_SIZE:
            raise KernelError(Errno.EPERM)
        task.set_reg(FS_BASE, addr)
        return 0
    if code == ARCH_SET_GS:
        if addr >= TASK_SIZE:
            raise KernelError(Errno.EPERM)
        task.set_reg(GS_BASE, addr)
        return 0
    if code in (ARCH_GET_FS, ARCH_GET_GS):
        write_out(task, addr, struct.pack("<Q", task.reg(FS_BASE if code == ARCH_GET_FS else GS_BASE)))
        return 0
    raise KernelError(Errno.EINVAL)


@syscall("prctl", "prctlop", "hex", "hex", "hex", "hex", support="partial",
         notes="names, dumpable, death signal, no_new_privs, child subreaper")
def sys_prctl(task: "Task", option: int, a2: int, a3: int, a4: int, a5: int) -> int:
    option = s32(option)
    if option == PR_SET_NAME:
        name = task.mm.read_cstr(a2, 16)[:15]
        task.comm = name
        if task.is_leader:
            task.tg.comm = name
        return 0
    if option == PR_GET_NAME:
        write_out(task, a2, task.comm[:15].ljust(16, b"\0"))
        return 0
    if option == PR_SET_DUMPABLE:
        if a2 > 1:
            raise KernelError(Errno.EINVAL)
        task.tg.dumpable = a2
        return 0
    if option == PR_GET_DUMPABLE:
        return task.tg.dumpable
    if option == PR_SET_PDEATHSIG:
        if a2 > 64:
            raise KernelError(Errno.EINVAL)
        task.pdeath_signal = a2
        return 0
    if option == PR_GET_PDEATHSIG:
        write_out(task, a2, struct.pack("<i", task.pdeath_signal))
        return 0
    if option == PR_SET_NO_NEW_PRIVS:
        if a2 != 1 or a3 or a4 or a5:
            raise KernelError(Errno.EINVAL)
        task.no_new_privs = True
        return 0
    if option == PR_GET_NO_NEW_PRIVS:
        if a2 or a3 or a4 or a5:
            raise KernelError(Errno.EINVAL)
        return int(task.no_new_privs)
    if option == PR_SET_TIMERSLACK:
        task.timer_slack_ns = a2 if a2 else task.default_timer_slack_ns
        return 0
    if option == PR_GET_TIMERSLACK:
        return task.timer_slack_ns
    if option == PR_GET_TSC:
        write_out(task, a2, struct.pack("<i", task.tg.tsc_mode))
        return 0
    if option == PR_SET_TSC:
        if a2 not in (PR_TSC_ENABLE, PR_TSC_SIGSEGV):
            raise KernelError(Errno.EINVAL)
        task.tg.tsc_mode = a2
        return 0
    if option == PR_SET_CHILD_SUBREAPER:
        task.tg.is_subreaper = bool(a2)
        return 0
    if option == PR_GET_CHILD_SUBREAPER:
        write_out(task, a2, struct.pack("<i", int(task.tg.is_subreaper)))
        return 0
    if option == PR_SET_VMA:
        return 0
    raise KernelError(Errno.EINVAL)


@syscall("personality", "hex")
def sys_personality(task: "Task", persona: int) -> int:
    """The execution domain: 0xffffffff asks, anything else sets; the old one comes back."""
    old = task.tg.personality
    persona &= 0xFFFFFFFF
    if persona != 0xFFFFFFFF:
        task.tg.personality = persona
    return old


@syscall("sync")
def sys_sync(task: "Task") -> int:
    return 0  # guest writes are the host's at once: there is nothing to flush here


@syscall("syncfs", "fd")
def sys_syncfs(task: "Task", fd: int) -> int:
    task.files.get(s32(fd))
    return 0


KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND, KCMP_IO, KCMP_SYSVSEM = range(7)
KCMP_EPOLL_TFD = 7


@syscall("kcmp", "int", "int", "int", "hex", "hex")
def sys_kcmp(task: "Task", pid1: int, pid2: int, type_: int, idx1: int, idx2: int) -> int:
    """0 when both processes share the resource; otherwise 1 (Linux orders by a per-boot
    scrambled address: any fixed answer is one it could give)."""
    k = task.kernel
    t1, t2 = k.tasks.get(s32(pid1)), k.tasks.get(s32(pid2))
    if t1 is None or t2 is None:
        raise KernelError(Errno.ESRCH)
    type_ = s32(type_)
    a: object
    b: object
    if type_ == KCMP_FILE:
        a, b = t1.files.get(s32(idx1)), t2.files.get(s32(idx2))
    elif type_ in (KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND):
        attr = {KCMP_VM: "mm", KCMP_FILES: "files", KCMP_FS: "fs",
                KCMP_SIGHAND: "sighand"}[type_]
        a, b = getattr(t1, attr), getattr(t2, attr)
    elif type_ in (KCMP_IO, KCMP_SYSVSEM):
        a, b = t1.tg, t2.tg  # no I/O contexts or semaphore undo lists apart from processes
    else:
        raise KernelError(Errno.EINVAL)
    return 0 if a is b else 1
