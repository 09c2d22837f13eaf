"""PID namespaces (Linux's kernel/pid_namespace.c and the numbering side of kernel/pid.c).

forkdbg's pids are the numbers of the machine's first namespace (what a tracer sees, and
what the kernel's tables use).  A process made in a nested namespace also gets a number
in that namespace and in each one between it and the first, allocated from 1 upwards
there; the first process numbered 1 is the namespace's init, the reaper of its orphans.
System calls take and give numbers in the caller's own namespace: `vnr` turns a machine
pid into the caller's number (0 when the caller cannot see it), `find` the reverse.

A number stays taken while a task has it or a process group or session is named by it
(`release` is asked again whenever one of those goes).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Iterator

from ..abi.errno import Errno
from .errors import KernelError
from .user_namespace import INIT_USER_NS, UserNamespace

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task
    from .thread_group import ThreadGroup

MAX_PID_NS_LEVEL = 32
PID_MAX = 4 * 1024 * 1024
#: /proc/PID/ns/pid's inode for the first namespace (PROC_PID_INIT_INO)
PROC_PID_INIT_INO = 0xEFFFFFFC
_inodes = itertools.count(0xF0000100)  # later namespaces: proc_alloc_inum's range


class PidNamespace:
    """One namespace: its numbers for the machine pids it can see."""

    def __init__(self, parent: "PidNamespace | None" = None,
                 user_ns: "UserNamespace" = INIT_USER_NS) -> None:
        self.parent = parent
        self.user_ns = user_ns  # its owner, for NS_GET_USERNS and privilege inside
        self.level: int = parent.level + 1 if parent is not None else 0
        self.ino = PROC_PID_INIT_INO if parent is None else next(_inodes)
        self.local: dict[int, int] = {}  # machine pid -> number here
        self.machine: dict[int, int] = {}  # number here -> machine pid
        self.last = 0
        self.reaper: "ThreadGroup | None" = None  # its init (child_reaper)
        self.dead = False  # its init has exited: no process may join it (ENOMEM)

    def chain(self) -> Iterator["PidNamespace"]:
        """This namespace and its ancestors up to, not including, the first."""
        ns: PidNamespace | None = self
        while ns is not None and ns.level > 0:
            yield ns
            ns = ns.parent

    def is_within(self, other: "PidNamespace") -> bool:
        """Whether this namespace is `other` or nested inside it."""
        ns: PidNamespace | None = self
        while ns is not None:
            if ns is other:
                return True
            ns = ns.parent
        return False

    def vnr(self, pid: int) -> int:
        """The number of machine pid `pid` here (0: not visible from here)."""
        return pid if self.level == 0 else self.local.get(pid, 0)

    def find(self, nr: int) -> int | None:
        """The machine pid of number `nr` here (None: no such number)."""
        if self.level == 0:
            return nr
        return self.machine.get(nr)

    def _alloc(self, pid: int, wanted: int = 0) -> None:
        if wanted:
            if wanted in self.machine:
                raise KernelError(Errno.EEXIST)
            nr = wanted
        else:
            nr = self.last + 1
            while nr in self.machine:
                nr += 1
            if nr >= PID_MAX:
                nr = 2
                while nr in self.machine:
                    nr += 1
        self.last = nr
        self.local[pid], self.machine[nr] = nr, pid

    def check(self, wanted: list[int]) -> None:
        """Whether a process may join: ENOMEM once its init is gone, EEXIST for a number
        wanted (clone3's set_tid, innermost first) that is taken."""
        if self.dead:
            raise KernelError(Errno.ENOMEM)
        for i, ns in enumerate(self.chain()):
            if i < len(wanted) and wanted[i] in ns.machine:
                raise KernelError(Errno.EEXIST)

    def attach(self, pid: int, wanted: list[int] | None = None) -> None:
        """Number the new machine pid `pid` here and in every ancestor (clone3's
        set_tid: the numbers wanted, innermost first, 0 for any)."""
        if self.dead:
            raise KernelError(Errno.ENOMEM)  # its init is gone (PIDNS_ADDING cleared)
        wanted = wanted or []
        done = []
        try:
            for i, ns in enumerate(self.chain()):
                ns._alloc(pid, wanted[i] if i < len(wanted) else 0)
                done.append(ns)
        except KernelError:
            for ns in done:
                ns._free(pid)
            raise

    def _free(self, pid: int) -> None:
        nr = self.local.pop(pid, None)
        if nr is not None:
            self.machine.pop(nr, None)

    def detach(self, pid: int) -> None:
        for ns in self.chain():
            ns._free(pid)


def ns_of(task: "Task") -> PidNamespace:
    """The caller's own namespace (task_active_pid_ns)."""
    return task.tg.pid_ns


def vnr(task: "Task", pid: int) -> int:
    """Machine pid `pid` as `task` numbers it (0 if it cannot see it)."""
    return task.tg.pid_ns.vnr(pid)


def find_group(task: "Task", nr: int) -> "ThreadGroup | None":
    """The process `task` calls `nr` (the virtual init is 1 in the first namespace)."""
    k = task.kernel
    ns = task.tg.pid_ns
    if ns.level == 0:
        return k.init if nr == 1 else k.group(nr)
    pid = ns.find(nr)
    return k.group(pid) if pid is not None else None


def find_task(task: "Task", nr: int) -> "Task | None":
    """The thread `task` calls `nr`."""
    pid = task.tg.pid_ns.find(nr)
    return task.kernel.tasks.get(pid) if pid is not None else None


def find_pgid(task: "Task", nr: int) -> int | None:
    """The machine number of the process group `task` calls `nr`."""
    return task.tg.pid_ns.find(nr)


def visible(task: "Task", tg: "ThreadGroup") -> bool:
    """Whether `task` can see the process `tg` (it lives in its namespace or below)."""
    return tg.pid_ns.is_within(task.tg.pid_ns)


def release(kernel: "Kernel", pid: int) -> None:
    """Free `pid`'s numbers in nested namespaces once nothing is named by it."""
    ns = kernel.pid_owner.get(pid)
    if ns is None:
        return
    if pid in kernel.tasks or pid in kernel.groups or any(
            g.pgid == pid or g.sid == pid for g in kernel.groups.values()):
        return
    ns.detach(pid)
    del kernel.pid_owner[pid]


def child_ns(task: "Task", newpid: bool) -> PidNamespace:
    """The namespace a child of `task` is numbered in (copy_pid_ns)."""
    return new_child_ns(task) if newpid else task.pid_ns_for_children


def new_child_ns(task: "Task", user_ns: UserNamespace | None = None) -> PidNamespace:
    """create_pid_namespace for `task`'s next children (unshare or clone CLONE_NEWPID),
    owned by `user_ns` (the caller's)."""
    parent = task.pid_ns_for_children
    if task.pid_ns_for_children is not task.tg.pid_ns:
        raise KernelError(Errno.EINVAL)  # copy_pid_ns: once per process until it forks
    if parent.level + 1 >= MAX_PID_NS_LEVEL:
        raise KernelError(Errno.ENOSPC)
    return PidNamespace(parent, user_ns or task.cred.user_ns)
