"""fork, vfork, clone and clone3: kernel_clone and copy_process, as in Linux's kernel/fork.c.

copy_process gives the child a copy or a share of each resource by its flag:
CLONE_VM (the address space), CLONE_FILES (the descriptor table), CLONE_FS
(cwd and umask), CLONE_SIGHAND (dispositions), CLONE_THREAD (the thread group).
The child's registers are the parent's at the syscall, with rax = 0: that is how
fork returns twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..abi.clone import (
    CLONE_CHILD_CLEARTID,
    CLONE_CHILD_SETTID,
    CLONE_CLEAR_SIGHAND,
    CLONE_DETACHED,
    CLONE_FILES,
    CLONE_FS,
    CLONE_NEWCGROUP,
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    CLONE_PARENT,
    CLONE_PARENT_SETTID,
    CLONE_PIDFD,
    CLONE_SETTLS,
    CLONE_SIGHAND,
    CLONE_THREAD,
    CLONE_VFORK,
    CLONE_VM,
)
from ..abi.errno import Errno
from ..abi.mmflags import PROT_WRITE
from ..abi.procflags import RLIMIT_NPROC
from ..abi.signals import NSIG
from ..arch.x86_64 import FS_BASE, RAX, RSP
from ..mm.address_space import Fault as MemFault
from . import pidfd, rseq
from .cred import CAP_SYS_ADMIN
from .errors import Block, KernelError
from .events import TaskCreated
from .pid_namespace import child_ns
from .task import Task
from .thread_group import ThreadGroup

if TYPE_CHECKING:
    from .kernel import Kernel

NAMESPACES = (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID
              | CLONE_NEWNET | CLONE_NEWCGROUP)
#: the kinds of namespace forkdbg makes (pid_namespace.py, user_namespace.py)
SUPPORTED_NAMESPACES = CLONE_NEWPID | CLONE_NEWUSER


@dataclass
class CloneArgs:
    """kernel_clone_args: what every fork-family syscall boils down to."""

    flags: int
    exit_signal: int
    stack: int = 0
    stack_size: int = 0
    parent_tid: int = 0
    child_tid: int = 0
    tls: int = 0
    via: str = "clone"
    pidfd: int = 0  # where CLONE_PIDFD stores the descriptor (clone: parent_tid)
    #: clone3's set_tid: the numbers wanted, the child's namespace first
    set_tid: list[int] = field(default_factory=list)


def check_flags(a: CloneArgs) -> None:
    """Linux's EINVAL rules for flag combinations (copy_process's first checks)."""
    f = a.flags
    if f & (CLONE_NEWNS | CLONE_FS) == (CLONE_NEWNS | CLONE_FS):
        raise KernelError(Errno.EINVAL)
    if f & (CLONE_NEWUSER | CLONE_FS) == (CLONE_NEWUSER | CLONE_FS):
        raise KernelError(Errno.EINVAL)
    if f & CLONE_THREAD and not f & CLONE_SIGHAND:
        raise KernelError(Errno.EINVAL)
    if f & CLONE_SIGHAND and not f & CLONE_VM:
        raise KernelError(Errno.EINVAL)
    if f & CLONE_PIDFD and (f & (CLONE_DETACHED | CLONE_THREAD)
                            or f & CLONE_PARENT_SETTID and a.pidfd == a.parent_tid):
        raise KernelError(Errno.EINVAL)
    if f & CLONE_THREAD and f & (CLONE_NEWUSER | CLONE_NEWPID):
        raise KernelError(Errno.EINVAL)
    if not 0 <= a.exit_signal <= NSIG:
        raise KernelError(Errno.EINVAL)


def kernel_clone(kernel: "Kernel", parent: Task, a: CloneArgs) -> int:
    """Create a task as `a` says; returns the child's tid to the parent."""
    check_flags(a)
    if a.flags & NAMESPACES & ~SUPPORTED_NAMESPACES:
        raise KernelError(Errno.EPERM)  # forkdbg has no namespaces of these kinds to give
    if a.flags & CLONE_NEWPID and not (a.flags & CLONE_NEWUSER
                                       or parent.cred.ns_capable(CAP_SYS_ADMIN)):
        raise KernelError(Errno.EPERM)
    limit = min(parent.tg.rlimit(RLIMIT_NPROC)[0], kernel.config.max_procs)
    if kernel.live_count() >= limit:
        raise KernelError(Errno.EAGAIN)
    if a.flags & CLONE_PIDFD:  # fail before there is a child to undo: EMFILE, EFAULT
        parent.files.lowest_free()
        try:
            parent.mm.check(a.pidfd, 4, PROT_WRITE)
        except MemFault:
            raise KernelError(Errno.EFAULT) from None
    child = copy_process(kernel, parent, a)
    if not a.flags & CLONE_VM:
        kernel.memory.mapped_changed()
    if a.flags & CLONE_PIDFD:
        parent.mm.write_u32(a.pidfd, pidfd.install(parent, child.tg))
    tid = parent.tg.pid_ns.vnr(child.tid)  # the child's pid as the parent numbers it
    if a.flags & CLONE_PARENT_SETTID:
        try:
            parent.mm.write_u32(a.parent_tid, tid)
        except MemFault:
            pass
    kernel.sched.new_child(parent, child)
    kernel.bus.emit(TaskCreated(parent, child, a.flags, a.exit_signal, a.via))
    if a.flags & CLONE_VFORK:
        child.vfork_parent = parent

        def vfork_wait() -> int:
            if child.vfork_parent is parent:
                raise Block([parent.vfork_done], retry=vfork_wait, interruptible=False)
            return tid
        return vfork_wait()
    return tid


def copy_process(kernel: "Kernel", parent: Task, a: CloneArgs) -> Task:
    """Build the child task, copying or sharing each resource by its flag."""
    f = a.flags
    if f & CLONE_THREAD and parent.pid_ns_for_children is not parent.tg.pid_ns:
        raise KernelError(Errno.EINVAL)  # a thread cannot live in another namespace
    ns = parent.tg.pid_ns if f & CLONE_THREAD else child_ns(parent, bool(f & CLONE_NEWPID))
    if len(a.set_tid) > ns.level + 1:
        raise KernelError(Errno.EINVAL)
    ns.check(a.set_tid)
    if parent.mm.loaded is parent:
        parent.save_context()
    if f & CLONE_VM:
        mm = parent.mm
    else:  # first, so that running out of memory leaves nothing half made
        kernel.memory.request(sum(v.size for v in parent.mm.vmas
                                  if v.prot & PROT_WRITE and not v.shared))
        try:
            mm = parent.mm.fork(kernel.engines.shells)
        except MemoryError:
            raise KernelError(Errno.ENOMEM) from None
    if ns.level + 1 == len(a.set_tid):  # the first namespace's number is asked for too
        kernel.next_pid_wanted = a.set_tid[-1]
    tid = kernel.alloc_pid()
    if ns.level:
        ns.attach(tid, a.set_tid)
        kernel.pid_owner[tid] = ns
    if f & CLONE_THREAD:
        tg = parent.tg
    else:
        real_parent = parent.tg.parent if f & CLONE_PARENT else parent.tg
        tg = ThreadGroup(tid, real_parent)
        tg.pid_ns = ns
        if ns.level and ns.vnr(tid) == 1:
            ns.reaper = tg  # the namespace's init
        tg.exit_signal = parent.tg.exit_signal if f & CLONE_PARENT else a.exit_signal
        tg.pgid, tg.sid = parent.tg.pgid, parent.tg.sid
        tg.rlimits = dict(parent.tg.rlimits)
        tg.oom_score_adj, tg.personality = parent.tg.oom_score_adj, parent.tg.personality
        tg.exe, tg.argv, tg.comm = parent.tg.exe, parent.tg.argv, parent.tg.comm
        tg.exec_path = parent.tg.exec_path
        tg.dumpable = parent.tg.dumpable
        tg.set_exe_file(parent.tg.exe_file)
        assert real_parent is not None
        real_parent.children.append(tg)
        kernel.groups[tid] = tg
    files = parent.files if f & CLONE_FILES else parent.files.fork()
    fs = parent.fs if f & CLONE_FS else parent.fs.copy()
    sighand = parent.sighand if f & CLONE_SIGHAND else parent.sighand.copy()
    if f & CLONE_CLEAR_SIGHAND:
        sighand.reset_for_exec()  # handled signals back to SIG_DFL, ignored ones stay
    child = Task(kernel, tid, tg, mm, files, fs, sighand)
    child.pid_ns_for_children = ns if f & CLONE_NEWPID else parent.pid_ns_for_children
    files.users += 1
    tg.threads.append(child)
    if tg.leader is None:
        tg.leader = child
    child.exit_signal = -1 if f & CLONE_THREAD else a.exit_signal
    child.blocked = parent.blocked
    child.cred = parent.cred.copy()
    if f & CLONE_NEWUSER:
        child.cred.enter_user_ns()
        if f & CLONE_NEWPID:
            ns.user_ns = child.cred.user_ns  # the new pid namespace is the new user's
    child.no_new_privs = parent.no_new_privs
    child.timer_slack_ns = child.default_timer_slack_ns = parent.timer_slack_ns
    if not parent.sched_reset_on_fork:  # SCHED_RESET_ON_FORK: the child starts as SCHED_OTHER
        child.sched_policy, child.rt_priority = parent.sched_policy, parent.rt_priority
    child.comm = parent.comm
    if not (f & CLONE_VM and not f & CLONE_VFORK):
        child.altstack.sp, child.altstack.flags, child.altstack.size = (
            parent.altstack.sp, parent.altstack.flags, parent.altstack.size)
    # registers: the parent's at the syscall, rax = 0 (copy_thread)
    assert parent.ctx is not None
    child.ctx = _copy_context(parent)
    child.set_reg(RAX, 0)
    if a.stack:
        child.set_reg(RSP, a.stack + a.stack_size)
    if f & CLONE_SETTLS:
        child.set_reg(FS_BASE, a.tls)
    kernel.tasks[tid] = child
    if not f & CLONE_VM:
        kernel.watchers.install(child)
    if f & CLONE_CHILD_SETTID:
        child.set_child_tid = a.child_tid
        try:
            mm.write_u32(a.child_tid, ns.vnr(tid))
        except MemFault:
            pass
    if f & CLONE_CHILD_CLEARTID:
        child.clear_child_tid = a.child_tid
    rseq.inherit(parent, child, bool(f & CLONE_VM))
    return child


def _copy_context(parent: Task):  # type: ignore[no-untyped-def]
    """A copy of the parent's saved register context (contexts restore into any engine)."""
    import copy
    return copy.copy(parent.ctx)


def checkpoint(kernel: "Kernel", task: Task) -> Task:
    """A frozen copy of `task`'s process for a debugger to return to (gdb's `checkpoint`,
    which forks the inferior): fork's copy of memory, descriptors and the one thread, with
    every register as it is, owned by the virtual init so no wait() of the program sees it."""
    if task.in_syscall is not None or task.resume is not None or task.sleep is not None:
        raise KernelError(Errno.EBUSY)  # inside a system call: no user-mode state to copy
    rax = task.reg(RAX)
    child = copy_process(kernel, task, CloneArgs(0, 0, via="checkpoint"))
    child.set_reg(RAX, rax)
    child.clear_child_tid, child.robust_list = task.clear_child_tid, task.robust_list
    tg = child.tg
    task.tg.children.remove(tg)
    tg.parent = tg.real_parent = kernel.init
    kernel.sched.enqueue(child)
    kernel.freeze(child)
    return child
