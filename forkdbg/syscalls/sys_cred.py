"""Credentials: the id calls, supplementary groups and capabilities (kernel/cred.py)."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..kernel.cred import NGROUPS_MAX
from ..kernel.errors import KernelError
from ..kernel.pid_namespace import find_task
from .common import read_in, s32, write_out
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

_LINUX_CAPABILITY_VERSION_1 = 0x19980330
_LINUX_CAPABILITY_VERSION_2 = 0x20071026
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


# ids are read out as the caller's user namespace maps them (65534 where it does not)

@syscall("getuid")
def sys_getuid(task: "Task") -> int:
    return task.cred.user_ns.uid(task.cred.uid)


@syscall("geteuid")
def sys_geteuid(task: "Task") -> int:
    return task.cred.user_ns.uid(task.cred.euid)


@syscall("getgid")
def sys_getgid(task: "Task") -> int:
    return task.cred.user_ns.gid(task.cred.gid)


@syscall("getegid")
def sys_getegid(task: "Task") -> int:
    return task.cred.user_ns.gid(task.cred.egid)


def _put_ids(task: "Task", ptrs: tuple[int, int, int], ids: tuple[int, int, int]) -> int:
    for p, v in zip(ptrs, ids):
        write_out(task, p, struct.pack("<I", v))
    return 0


@syscall("getresuid", "ptr", "ptr", "ptr")
def sys_getresuid(task: "Task", r: int, e: int, s: int) -> int:
    c = task.cred
    ns = c.user_ns
    return _put_ids(task, (r, e, s), (ns.uid(c.uid), ns.uid(c.euid), ns.uid(c.suid)))


@syscall("getresgid", "ptr", "ptr", "ptr")
def sys_getresgid(task: "Task", r: int, e: int, s: int) -> int:
    c = task.cred
    ns = c.user_ns
    return _put_ids(task, (r, e, s), (ns.gid(c.gid), ns.gid(c.egid), ns.gid(c.sgid)))


@syscall("setuid", "int")
def sys_setuid(task: "Task", uid: int) -> int:
    task.cred.setuid(uid)
    return 0


@syscall("setgid", "int")
def sys_setgid(task: "Task", gid: int) -> int:
    task.cred.setgid(gid)
    return 0


@syscall("setreuid", "int", "int")
def sys_setreuid(task: "Task", ruid: int, euid: int) -> int:
    task.cred.setreuid(ruid, euid)
    return 0


@syscall("setregid", "int", "int")
def sys_setregid(task: "Task", rgid: int, egid: int) -> int:
    task.cred.setregid(rgid, egid)
    return 0


@syscall("setresuid", "int", "int", "int")
def sys_setresuid(task: "Task", ruid: int, euid: int, suid: int) -> int:
    task.cred.setresuid(ruid, euid, suid)
    return 0


@syscall("setresgid", "int", "int", "int")
def sys_setresgid(task: "Task", rgid: int, egid: int, sgid: int) -> int:
    task.cred.setresgid(rgid, egid, sgid)
    return 0


@syscall("setfsuid", "int")
def sys_setfsuid(task: "Task", uid: int) -> int:
    return task.cred.setfsuid(uid)


@syscall("setfsgid", "int")
def sys_setfsgid(task: "Task", gid: int) -> int:
    return task.cred.setfsgid(gid)


@syscall("getgroups", "int", "ptr")
def sys_getgroups(task: "Task", size: int, lst: int) -> int:
    groups = [task.cred.user_ns.gid(g) for g in task.cred.groups]
    size = s32(size)
    if size < 0:
        raise KernelError(Errno.EINVAL)
    if size == 0:
        return len(groups)
    if size < len(groups):
        raise KernelError(Errno.EINVAL)
    write_out(task, lst, struct.pack(f"<{len(groups)}I", *groups))
    return len(groups)


@syscall("setgroups", "int", "ptr")
def sys_setgroups(task: "Task", size: int, lst: int) -> int:
    n = s32(size)
    if n < 0 or n > NGROUPS_MAX:
        raise KernelError(Errno.EINVAL)
    groups = list(struct.unpack(f"<{n}I", read_in(task, lst, 4 * n))) if n else []
    task.cred.setgroups(groups)
    return 0


def _cap_target(task: "Task", hdr: int) -> tuple["Task", int]:
    """capget/capset's header: the version (a wrong one is answered with the right one
    and EINVAL, or accepted when `data` is NULL) and the pid."""
    version, pid = struct.unpack("<Ii", read_in(task, hdr, 8))
    if version not in (_LINUX_CAPABILITY_VERSION_1, _LINUX_CAPABILITY_VERSION_2,
                       _LINUX_CAPABILITY_VERSION_3):
        write_out(task, hdr, struct.pack("<I", _LINUX_CAPABILITY_VERSION_3))
        raise KernelError(Errno.EINVAL)
    if pid < 0:
        raise KernelError(Errno.EINVAL)
    target = task if pid == 0 else find_task(task, pid)
    if target is None:
        raise KernelError(Errno.ESRCH)
    return target, version


@syscall("capget", "ptr", "ptr")
def sys_capget(task: "Task", hdr: int, data: int) -> int:
    target, version = _cap_target(task, hdr)
    if not data:
        return 0
    c = target.cred
    words = 1 if version == _LINUX_CAPABILITY_VERSION_1 else 2
    out = b"".join(struct.pack("<III", c.cap_effective >> 32 * i & 0xFFFFFFFF,
                               c.cap_permitted >> 32 * i & 0xFFFFFFFF,
                               c.cap_inheritable >> 32 * i & 0xFFFFFFFF) for i in range(words))
    write_out(task, data, out)
    return 0


@syscall("capset", "ptr", "ptr")
def sys_capset(task: "Task", hdr: int, data: int) -> int:
    target, version = _cap_target(task, hdr)
    if target is not task:
        raise KernelError(Errno.EPERM)
    words = 1 if version == _LINUX_CAPABILITY_VERSION_1 else 2
    raw = read_in(task, data, 12 * words)
    eff = perm = inh = 0
    for i in range(words):
        e, p, h = struct.unpack_from("<III", raw, 12 * i)
        eff |= e << 32 * i
        perm |= p << 32 * i
        inh |= h << 32 * i
    c = task.cred
    # cap_capset: permitted only shrinks, effective within permitted, inheritable within
    # the old inheritable and permitted sets (and the bounding set)
    if perm & ~c.cap_permitted or eff & ~perm or inh & ~(c.cap_inheritable | c.cap_permitted) \
            or inh & ~(c.cap_inheritable | c.cap_bounding):
        raise KernelError(Errno.EPERM)
    c.cap_effective, c.cap_permitted, c.cap_inheritable = eff, perm, inh
    return 0
