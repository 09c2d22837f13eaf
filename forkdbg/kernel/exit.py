"""exit and exit_group: do_exit, do_group_exit, exit_notify, reparenting; group stop/continue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi.procflags import SA_NOCLDSTOP, SA_NOCLDWAIT, SIG_IGN
from ..abi.signals import (
    CLD_CONTINUED,
    CLD_DUMPED,
    CLD_EXITED,
    CLD_KILLED,
    CLD_STOPPED,
    SI_KERNEL,
    Sig,
)
from . import pid_namespace
from .events import TaskExited
from .posix_timers import exit_itimers
from .signal import uid_seen_by
from .task import TaskState
from .thread_group import GroupState

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task
    from .thread_group import ThreadGroup


def wait_status(code: int, sig: int, core: bool) -> int:
    """Linux's wait status word: exit code << 8, or the signal with 0x80 for a core dump."""
    if sig:
        return (sig & 0x7F) | (0x80 if core else 0)
    return (code & 0xFF) << 8


def mm_release(kernel: "Kernel", task: "Task", exec_: bool = False) -> None:
    """The task leaves its address space (exit or exec): robust locks, clear_child_tid, vfork."""
    kernel.futexes.exit_robust_list(task)
    if task.clear_child_tid:
        addr = task.clear_child_tid
        task.clear_child_tid = 0
        if task.mm.users > 1:
            try:
                task.mm.write_u32(addr, 0)
                kernel.futexes.wake(task, addr, 1, private=False)
            except Exception:  # noqa: BLE001 - a bad pointer is the guest's problem, as in Linux
                pass
    parent = task.vfork_parent
    if parent is not None:
        task.vfork_parent = None
        parent.vfork_done.wake_all()
        if exec_:
            kernel.sched.boost(parent)  # the parent resumes while the new image starts


def do_exit(kernel: "Kernel", task: "Task", code: int, sig: int = 0, core: bool = False,
            superseded_by: int = 0) -> None:
    """One thread ends.  The last thread of a group makes the process a zombie.
    `superseded_by`: the thread whose execve is replacing this leader."""
    if not task.alive:
        return
    task.exit_code, task.exit_sig = code, sig
    if task.sleep is not None:
        for q in task.sleep.queues:
            q.remove(task)
        task.sleep = None
    kernel.futexes._forget(task)
    kernel.sched.remove(task)
    kernel.held.discard(task)
    mm_release(kernel, task)
    task.state = TaskState.DEAD
    task.resume = None
    files = task.files
    files.users -= 1
    if files.users == 0:
        files.close_all()
    mm = task.mm
    if mm.loaded is task:
        mm.loaded = None
    mm.users -= 1
    if mm.users == 0:
        kernel.engines.release(mm)
    kernel.tasks.pop(task.tid, None)
    if task.tid in kernel.pid_owner:
        pid_namespace.release(kernel, task.tid)  # a thread's number (a leader's stays)
    tg = task.tg
    last = not tg.live_threads
    if last:
        if not tg.group_exiting:
            tg.exit_code, tg.exit_sig, tg.core = code, sig, core
        exit_notify(kernel, tg)
    kernel.bus.emit(TaskExited(task, tg.exit_code if last else code,
                               tg.exit_sig if last else sig, tg.core if last else core, last,
                               superseded_by))


def do_group_exit(kernel: "Kernel", task: "Task", code: int, sig: int = 0,
                  core: bool = False) -> None:
    """exit_group(2) or a fatal signal: every thread of the process ends."""
    tg = task.tg
    if not tg.group_exiting:
        tg.group_exiting = True
        tg.exit_code, tg.exit_sig, tg.core = code, sig, core
    for t in list(tg.threads):
        if t is not task and t.alive:
            do_exit(kernel, t, code, sig, core)
    do_exit(kernel, task, code, sig, core)


def _reaper(kernel: "Kernel", tg: "ThreadGroup") -> "ThreadGroup":
    """find_new_reaper: the nearest live subreaper above `tg` in its pid namespace, else
    the namespace's init, else the virtual init (which reaps at once)."""
    ns = tg.pid_ns
    p = tg.parent
    while p is not None and p is not kernel.init and p.pid_ns.is_within(ns):
        if p.is_subreaper and p.state is GroupState.ALIVE:
            return p
        p = p.parent
    init = ns.reaper
    if init is not None and init is not tg and init.state is GroupState.ALIVE:
        return init
    return kernel.init


def _zap_pid_ns(kernel: "Kernel", tg: "ThreadGroup") -> None:
    """zap_pid_ns_processes: a namespace's init exits; every process in the namespace
    (nested ones too) gets SIGKILL, and no process may join it any more."""
    ns = tg.pid_ns
    ns.dead = True
    for g in list(kernel.groups.values()):
        if g is not tg and g.live_threads and g.pid_ns.is_within(ns):
            kernel.signals.send_to_group(g, Sig.SIGKILL, code=SI_KERNEL)


def exit_notify(kernel: "Kernel", tg: "ThreadGroup") -> None:
    """The process is gone: reparent its children, become a zombie, signal the parent."""
    if tg.pid_ns.reaper is tg:
        _zap_pid_ns(kernel, tg)
    for child in list(tg.children):
        new = _reaper(kernel, tg)
        child.parent = new
        child.real_parent = new
        tg.children.remove(child)
        if new is kernel.init:
            if child.state is GroupState.ZOMBIE:
                release_group(kernel, child)
        else:
            new.children.append(child)
            if child.state is GroupState.ZOMBIE:
                new.child_wait.wake_all()
    tg.state = GroupState.ZOMBIE
    exit_itimers(tg)
    kernel.sem.exit_undo(tg)
    tg.image = kernel.image_for(tg)  # symbols stay for reports about the dead process
    tg.set_exe_file(None)  # the program file goes with the address space
    tg.wait_status = wait_status(tg.exit_code, tg.exit_sig, tg.core)
    tg.exit_wait.wake_all()  # do_notify_pidfd
    parent = tg.parent
    if parent is None or parent is kernel.init or parent.state is not GroupState.ALIVE:
        release_group(kernel, tg)
        return
    leader = parent.leader or (parent.threads[0] if parent.threads else None)
    autoreap = False
    if tg.exit_signal == Sig.SIGCHLD and leader is not None:
        act = leader.sighand.actions[Sig.SIGCHLD]
        autoreap = act.handler == SIG_IGN or bool(act.flags & SA_NOCLDWAIT)
    if tg.exit_signal > 0:
        if tg.exit_sig:
            code = CLD_DUMPED if tg.core else CLD_KILLED
            status = tg.exit_sig
        else:
            code, status = CLD_EXITED, tg.exit_code
        kernel.signals.send_to_group(parent, tg.exit_signal, code=code,
                                     pid=parent.pid_ns.vnr(tg.tgid),
                                     uid=uid_seen_by(parent, tg.uid), status=status,
                                     utime=tg.utime_ns // 10**7, stime=0)
    parent.child_wait.wake_all()
    if autoreap:
        release_group(kernel, tg)


def release_group(kernel: "Kernel", tg: "ThreadGroup") -> None:
    """Reap a zombie: its pid is free and it leaves its parent's children."""
    tg.state = GroupState.REAPED
    tg.exit_wait.wake_all()  # a pidfd now polls POLLHUP too
    if tg.parent is not None and tg in tg.parent.children:
        tg.parent.children.remove(tg)
        tg.parent.children_utime_ns += tg.utime_ns + tg.children_utime_ns
    kernel.groups.pop(tg.tgid, None)
    if kernel.pid_owner:
        for pid in {tg.tgid, tg.pgid, tg.sid}:  # numbers nothing may be named by now
            pid_namespace.release(kernel, pid)


def stop_group(kernel: "Kernel", tg: "ThreadGroup", sig: int) -> None:
    """A stop signal's default action: every thread stops; the parent hears CLD_STOPPED."""
    for t in tg.live_threads:
        if t.state is TaskState.RUNNABLE:
            kernel.sched.remove(t)
        t.state = TaskState.STOPPED
    tg.stopped_sig = sig
    tg.stop_reported = False
    parent = tg.parent
    if parent is not None and parent is not kernel.init and parent.state is GroupState.ALIVE:
        leader = parent.leader
        if leader is not None and not leader.sighand.actions[Sig.SIGCHLD].flags & SA_NOCLDSTOP:
            kernel.signals.send_to_group(parent, Sig.SIGCHLD, code=CLD_STOPPED,
                                         pid=parent.pid_ns.vnr(tg.tgid),
                                         uid=uid_seen_by(parent, tg.uid), status=sig)
        parent.child_wait.wake_all()


def continue_group(kernel: "Kernel", tg: "ThreadGroup") -> None:
    """SIGCONT (or SIGKILL): stopped threads run again."""
    was_stopped = False
    for t in tg.live_threads:
        if t.state is TaskState.STOPPED:
            was_stopped = True
            t.state = TaskState.SLEEPING if t.sleep is not None and t.sleep.reason is None \
                else TaskState.RUNNABLE
            if t.state is TaskState.RUNNABLE:
                kernel.sched.enqueue(t)
    if was_stopped:
        tg.stopped_sig = 0
        tg.continued = True
        parent = tg.parent
        if parent is not None and parent is not kernel.init and parent.state is GroupState.ALIVE:
            leader = parent.leader
            if leader is not None and not leader.sighand.actions[Sig.SIGCHLD].flags & SA_NOCLDSTOP:
                kernel.signals.send_to_group(parent, Sig.SIGCHLD, code=CLD_CONTINUED,
                                             pid=parent.pid_ns.vnr(tg.tgid),
                                             uid=uid_seen_by(parent, tg.uid),
                                             status=Sig.SIGCONT)
            parent.child_wait.wake_all()
