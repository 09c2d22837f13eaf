"""Namespace files (Linux's fs/nsfs.c): what /proc/PID/ns/NAME opens.

Each names one namespace by its inode number (`pid:[4026531836]`).  The ioctls ask
about it: its type, its parent, the user namespace that owns it, that one's owner.
forkdbg makes pid and user namespaces; the other kinds exist once, as the machine's
own, with Linux's fixed inode numbers for the first namespaces.
"""

from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING, Union

from ..abi.clone import (
    CLONE_NEWCGROUP,
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWTIME,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
)
from ..abi.errno import Errno
from ..kernel.errors import KernelError
from ..kernel.pid_namespace import PidNamespace
from ..kernel.user_namespace import UserNamespace
from .file import File
from .stat import Stat

if TYPE_CHECKING:
    from ..kernel.task import Task

NS_GET_USERNS, NS_GET_PARENT, NS_GET_NSTYPE, NS_GET_OWNER_UID = 0xB701, 0xB702, 0xB703, 0xB704
NSFS_DEV = os.makedev(0, 4)

#: the kinds forkdbg has one of: name -> (clone flag, inode of the machine's namespace)
FIXED = {"cgroup": (CLONE_NEWCGROUP, 0xEFFFFFFB), "ipc": (CLONE_NEWIPC, 0xEFFFFFFF),
         "mnt": (CLONE_NEWNS, 0xF0000001), "net": (CLONE_NEWNET, 0xF0000000),
         "time": (CLONE_NEWTIME, 0xEFFFFFFA), "time_for_children": (CLONE_NEWTIME, 0xEFFFFFFA),
         "uts": (CLONE_NEWUTS, 0xEFFFFFFE)}
#: /proc/PID/ns's entries, in Linux's order
NAMES = ["cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
         "time_for_children", "user", "uts"]

Namespace = Union[PidNamespace, UserNamespace, int]  # an int: a fixed kind's inode


def ns_type(ns: Namespace, name: str = "") -> int:
    if isinstance(ns, PidNamespace):
        return CLONE_NEWPID
    if isinstance(ns, UserNamespace):
        return CLONE_NEWUSER
    return FIXED[name][0]


def ns_ino(ns: Namespace) -> int:
    return ns if isinstance(ns, int) else ns.ino


def link_text(name: str, ns: Namespace) -> str:
    """readlink of /proc/PID/ns/NAME: ``pid:[4026531836]``."""
    kind = name.replace("_for_children", "")
    return f"{kind}:[{ns_ino(ns)}]"


class NsFile(File):
    """An open namespace file."""

    kind = "nsfs"
    can_poll = False

    def __init__(self, ns: Namespace, name: str, flags: int, path: str) -> None:
        super().__init__(flags, path)
        self.ns, self.name = ns, name

    def read(self, task: "Task", n: int) -> bytes:
        raise KernelError(Errno.EINVAL)

    def stat(self) -> Stat:
        return Stat(dev=NSFS_DEV, ino=ns_ino(self.ns), mode=0o100444, nlink=1)

    def ioctl(self, task: "Task", req: int, arg: int) -> int:
        req &= 0xFFFFFFFF
        ns = self.ns
        if req == NS_GET_NSTYPE:
            return ns_type(ns, self.name)
        if req == NS_GET_USERNS:  # the user namespace owning this one
            owner = ns.parent if isinstance(ns, UserNamespace) else getattr(ns, "user_ns", None)
            if isinstance(ns, int):
                owner = task.kernel.init_user_ns
            return self._install(task, owner, "user")
        if req == NS_GET_PARENT:
            if isinstance(ns, int):
                raise KernelError(Errno.EINVAL)  # not a hierarchical kind
            return self._install(task, ns.parent, self.name)
        if req == NS_GET_OWNER_UID:
            if not isinstance(ns, UserNamespace):
                raise KernelError(Errno.EINVAL)
            task.mm.write(arg, struct.pack("<I", task.cred.user_ns.uid(ns.owner)))
            return 0
        raise KernelError(Errno.ENOTTY)

    def _install(self, task: "Task", ns: "Namespace | None", name: str) -> int:
        """A descriptor for `ns`: the caller's own namespace or one nested in it (EPERM
        for an ancestor or an unrelated one)."""
        if ns is None:
            raise KernelError(Errno.EPERM)
        if isinstance(ns, PidNamespace):
            ok = ns.is_within(task.tg.pid_ns)
        elif isinstance(ns, UserNamespace):
            ok = ns.is_within(task.cred.user_ns)
        else:
            ok = True  # the machine's one namespace of its kind
        if not ok:
            raise KernelError(Errno.EPERM)
        f = NsFile(ns, name, 0, link_text(name, ns))
        return task.files.install(f, cloexec=True)
