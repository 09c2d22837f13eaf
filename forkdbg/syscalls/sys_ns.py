"""unshare(2) and setns(2): leaving the namespaces and resources one shares.

unshare gives the caller its own descriptor table (CLONE_FILES), working directory and
umask (CLONE_FS), a new user namespace (CLONE_NEWUSER) and a new pid namespace for its
next children (CLONE_NEWPID), with kernel/fork.c's rules: the flags one implies, EINVAL
for a multi-threaded caller asking for what threads share.  forkdbg has no mount, UTS,
IPC, network, cgroup or time namespaces to give: those answer EPERM, as to a caller
without the privilege.  setns joins none (EPERM), after Linux's EINVAL checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi.clone import (
    CLONE_FILES,
    CLONE_FS,
    CLONE_NEWCGROUP,
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWTIME,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    CLONE_SIGHAND,
    CLONE_SYSVSEM,
    CLONE_THREAD,
    CLONE_VM,
)
from ..abi.errno import Errno
from ..fs.nsfs import NsFile, ns_type
from ..kernel.cred import CAP_SYS_ADMIN
from ..kernel.errors import KernelError
from ..kernel.fork import NAMESPACES, SUPPORTED_NAMESPACES
from ..kernel.pid_namespace import new_child_ns
from .common import s32
from .table import syscall

if TYPE_CHECKING:
    from ..kernel.task import Task

UNSHARE_VALID = (CLONE_THREAD | CLONE_FS | CLONE_NEWNS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES
                 | CLONE_SYSVSEM | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER
                 | CLONE_NEWPID | CLONE_NEWCGROUP | CLONE_NEWTIME)


@syscall("unshare", "cflags")
def sys_unshare(task: "Task", flags: int) -> int:
    flags &= 0xFFFFFFFF
    if flags & ~UNSHARE_VALID:
        raise KernelError(Errno.EINVAL)
    if flags & CLONE_NEWUSER:
        flags |= CLONE_THREAD | CLONE_FS
    if flags & CLONE_VM:
        flags |= CLONE_SIGHAND
    if flags & CLONE_SIGHAND:
        flags |= CLONE_THREAD
    if flags & CLONE_NEWNS:
        flags |= CLONE_FS
    threads = len(task.tg.live_threads)
    if flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) and threads > 1:
        raise KernelError(Errno.EINVAL)
    if flags & CLONE_NEWUSER and _fs_shared(task):
        raise KernelError(Errno.EINVAL)
    if flags & NAMESPACES & ~SUPPORTED_NAMESPACES or flags & CLONE_NEWTIME:
        raise KernelError(Errno.EPERM)
    cred = task.cred
    if flags & CLONE_NEWUSER:
        cred = cred.copy()
        cred.enter_user_ns()
    if flags & CLONE_NEWPID and not cred.ns_capable(CAP_SYS_ADMIN):
        raise KernelError(Errno.EPERM)
    pid_ns = new_child_ns(task, cred.user_ns) if flags & CLONE_NEWPID \
        else task.pid_ns_for_children
    # nothing can fail from here on
    task.cred = cred
    task.pid_ns_for_children = pid_ns
    if flags & CLONE_FILES and task.files.users > 1:
        old = task.files
        task.files = old.fork()
        task.files.users = 1
        old.users -= 1
    if flags & CLONE_FS and _fs_shared(task):
        task.fs = task.fs.copy()
    return 0


def _fs_shared(task: "Task") -> bool:
    """Whether another task shares the caller's working directory and umask."""
    return any(t is not task and t.fs is task.fs for t in task.kernel.tasks.values())


@syscall("setns", "fd", "cflags")
def sys_setns(task: "Task", fd: int, nstype: int) -> int:
    """Joining another namespace: EINVAL for what is not a namespace file or not of the
    type asked; forkdbg's namespaces are entered only by unshare and clone (EPERM)."""
    f = task.files.get(s32(fd))
    nstype &= 0xFFFFFFFF
    if not isinstance(f, NsFile) or (nstype and nstype != ns_type(f.ns, f.name)):
        raise KernelError(Errno.EINVAL)
    raise KernelError(Errno.EPERM)
