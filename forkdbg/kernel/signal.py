"""Signals: dispositions (SigHand), pending sets, sending, and picking what to deliver.

Delivery itself (the rt_sigframe on the user stack) is in sigframe.py; the
kernel's run loop calls ``Signals.deliver`` before a task returns to user mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..abi.procflags import SA_NODEFER, SA_RESETHAND, SA_RESTART, SIG_DFL, SIG_IGN
from ..abi.signals import NSIG, SI_USER, Action, Sig, default_action
from .events import SignalDelivered, SignalDelivering

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task
    from .thread_group import ThreadGroup

UNBLOCKABLE = (1 << (Sig.SIGKILL - 1)) | (1 << (Sig.SIGSTOP - 1))


def sigbit(sig: int) -> int:
    return 1 << (sig - 1)


@dataclass
class SigAction:
    handler: int = SIG_DFL
    flags: int = 0
    restorer: int = 0
    mask: int = 0


_DEFAULT = SigAction()  # shared and never modified: tables replace entries, not fields


class SigHand:
    """The 64 dispositions of a process: shared by CLONE_SIGHAND, copied by fork."""

    def __init__(self) -> None:
        self.actions = [_DEFAULT] * (NSIG + 1)

    def copy(self) -> "SigHand":
        h = SigHand.__new__(SigHand)
        h.actions = [a if a.handler == SIG_DFL and not a.flags else
                     SigAction(a.handler, a.flags, a.restorer, a.mask) for a in self.actions]
        return h

    def reset_for_exec(self) -> None:
        """execve: handled signals go back to SIG_DFL; ignored ones stay ignored."""
        self.actions = [a if a.handler in (SIG_DFL, SIG_IGN) else _DEFAULT for a in self.actions]

    def ignored(self, sig: int) -> bool:
        """Would `sig` be discarded on arrival (SIG_IGN, or SIG_DFL with an ignore default)?"""
        h = self.actions[sig].handler
        if sig in (Sig.SIGKILL, Sig.SIGSTOP):
            return False
        return h == SIG_IGN or (h == SIG_DFL and default_action(sig) is Action.IGNORE)


@dataclass
class SigPending:
    """Pending signals: a bit set plus the siginfo of each queued instance."""

    bits: int = 0
    queue: list[tuple[int, dict[str, int]]] = field(default_factory=list)

    def add(self, sig: int, info: dict[str, int]) -> bool:
        """Queue `sig`; a standard signal already pending is not queued twice."""
        if sig < 32 and self.bits & sigbit(sig):
            return False
        self.bits |= sigbit(sig)
        self.queue.append((sig, info))
        return True

    def take(self, allowed: int) -> tuple[int, dict[str, int]] | None:
        """Dequeue the lowest-numbered pending signal within `allowed`."""
        ready = self.bits & allowed
        if not ready:
            return None
        sig = (ready & -ready).bit_length()
        for i, (s, info) in enumerate(self.queue):
            if s == sig:
                del self.queue[i]
                break
        else:
            info = {"signo": sig, "code": SI_USER}
        if not any(s == sig for s, _ in self.queue):
            self.bits &= ~sigbit(sig)
        return sig, info

    def discard(self, sig: int) -> None:
        self.bits &= ~sigbit(sig)
        self.queue = [(s, i) for s, i in self.queue if s != sig]


def uid_seen_by(tg: "ThreadGroup", kuid: int) -> int:
    """A siginfo's si_uid as the receiver's user namespace maps it (65534 if it does not)."""
    who = tg.leader or (tg.threads[0] if tg.threads else None)
    return who.cred.user_ns.uid(kuid) if who is not None else kuid


def unkillable(tg: "ThreadGroup") -> bool:
    """Whether `tg` is the init of a nested pid namespace (SIGNAL_UNKILLABLE)."""
    return tg.pid_ns.level > 0 and tg.pid_ns.reaper is tg


class Signals:
    """Sending and delivering signals for one kernel."""

    def __init__(self, kernel: "Kernel") -> None:
        self.kernel = kernel
        #: a tracer is attached: ignored signals are queued and reported, as under ptrace
        self.trace_ignored = False

    # ------------------------------------------------------------- sending
    def _info(self, sig: int, code: int, sender: "Task | None", to: "ThreadGroup",
              **extra: int) -> dict[str, int]:
        """The siginfo of a signal `sender` sends to `to`: the sender's pid as the
        receiver's namespace numbers it (0 if it cannot see the sender)."""
        info = {"signo": sig, "code": code, "errno": 0}
        if sender is not None:
            info["pid"] = to.pid_ns.vnr(sender.tg.tgid)
            info["uid"] = uid_seen_by(to, sender.cred.uid)
        info.update(extra)
        return info

    def send_to_group(self, tg: "ThreadGroup", sig: int, code: int = SI_USER,
                      sender: "Task | None" = None, **extra: int) -> dict[str, int] | None:
        """kill(2): the signal is pending for the process; one thread that can take it
        wakes.  Returns the siginfo queued (None: discarded, or merged into a pending one)."""
        if sig == 0 or not tg.live_threads:
            return None
        leader = tg.leader or tg.live_threads[0]
        self._prepare(tg, sig)
        if self._ignored(leader, sig) or self._unkillable(tg, sig, sender):
            return None
        info = self._info(sig, code, sender, tg, **extra)
        queued = tg.shared_pending.add(sig, info)
        self._wake_one(tg, sig)
        self._wake_signalfd(tg)
        return info if queued else None

    def send_to_task(self, task: "Task", sig: int, code: int = SI_USER,
                     sender: "Task | None" = None, **extra: int) -> dict[str, int] | None:
        """tgkill(2), faults, SIGPIPE: pending for one thread (returns as send_to_group)."""
        if sig == 0 or not task.alive:
            return None
        self._prepare(task.tg, sig)
        if code <= 0 and (self._ignored(task, sig) or self._unkillable(task.tg, sig, sender)):
            return None
        info = self._info(sig, code, sender, task.tg, **extra)
        queued = task.pending.add(sig, info)
        self._wake_task(task, sig)
        self._wake_signalfd(task.tg)
        return info if queued else None

    def _ignored(self, t: "Task", sig: int) -> bool:
        """sig_ignored: discarded on arrival, unless blocked (it may be waited for) or a
        tracer wants to see it."""
        if (t.blocked | t.real_blocked) & sigbit(sig) or self.trace_ignored:
            return False
        return t.sighand.ignored(sig)

    def _unkillable(self, tg: "ThreadGroup", sig: int, sender: "Task | None") -> bool:
        """SIGNAL_UNKILLABLE: a pid namespace's init discards, on arrival, the signals it
        has no handler for, unless a tracer is watching (ptrace sees them; delivery then
        drops them) or an ancestor namespace forces SIGKILL or SIGSTOP."""
        if self.trace_ignored or not unkillable(tg) or sig == 0:
            return False
        if sig in (Sig.SIGKILL, Sig.SIGSTOP) and (sender is None or
                                                   sender.tg.pid_ns is not tg.pid_ns):
            return False
        leader = tg.leader or tg.live_threads[0]
        return leader.sighand.actions[sig].handler == SIG_DFL

    def _prepare(self, tg: "ThreadGroup", sig: int) -> None:
        """SIGCONT discards pending stop signals and resumes; stop signals discard SIGCONT."""
        if sig == Sig.SIGCONT:
            for s in (Sig.SIGSTOP, Sig.SIGTSTP, Sig.SIGTTIN, Sig.SIGTTOU):
                tg.shared_pending.discard(s)
                for t in tg.threads:
                    t.pending.discard(s)
            self.kernel.continue_group(tg)
        elif sig in (Sig.SIGSTOP, Sig.SIGTSTP, Sig.SIGTTIN, Sig.SIGTTOU):
            tg.shared_pending.discard(Sig.SIGCONT)
        elif sig == Sig.SIGKILL:
            self.kernel.continue_group(tg)

    @staticmethod
    def _wake_signalfd(tg: "ThreadGroup") -> None:
        q = tg.signalfd_wq
        if q.waiters or q.callbacks:
            q.wake_all()

    def _wake_one(self, tg: "ThreadGroup", sig: int) -> None:
        for t in tg.live_threads:
            if not t.blocked & sigbit(sig) or sig == Sig.SIGKILL:
                self._wake_task(t, sig)
                return

    def _wake_task(self, task: "Task", sig: int) -> None:
        if task.blocked & sigbit(sig) and sig != Sig.SIGKILL:
            return
        s = task.sleep
        if s is not None and (s.interruptible or sig == Sig.SIGKILL):
            self.kernel.wake(task, "signal")

    # ------------------------------------------------------------ pending
    def deliverable(self, task: "Task") -> bool:
        """Is a signal pending that `task` would act on now?"""
        allowed = ~task.blocked | UNBLOCKABLE
        return bool((task.pending.bits | task.tg.shared_pending.bits) & allowed)

    def discard_reported(self, task: "Task") -> None:
        """The debugger swallowed the signal it stopped for (gdb's nopass / `signal 0`)."""
        sig = task.reported_signal
        if sig:
            task.pending.take(sigbit(sig))
            task.reported_signal = 0

    def fatal_pending(self, task: "Task") -> bool:
        """Is SIGKILL pending (it ends even uninterruptible sleeps)?"""
        bit = sigbit(Sig.SIGKILL)
        return bool((task.pending.bits | task.tg.shared_pending.bits) & bit)

    def dequeue(self, task: "Task") -> tuple[int, dict[str, int]] | None:
        allowed = (~task.blocked | UNBLOCKABLE) & ((1 << NSIG) - 1)
        got = task.pending.take(allowed)
        if got is None:
            got = task.tg.shared_pending.take(allowed)
        return got

    # ------------------------------------------------------------ delivery
    def deliver(self, task: "Task", interrupted: int | None = None) -> bool:
        """Act on pending signals before `task` returns to user mode.

        `interrupted` is the -ERESTART* code of a syscall a signal cut short; it is
        turned into EINTR or a restart here, as Linux's arch signal code does.
        Returns False if the task no longer runs (it died or stopped).
        """
        from .rseq import signal_deliver as rseq_signal_deliver
        from .sigframe import restart_syscall, setup_rt_frame

        while True:
            got = self.dequeue(task)
            if got is None:
                if interrupted is not None:
                    restart_syscall(task, interrupted, None)
                if task.saved_sigmask is not None:
                    task.blocked, task.saved_sigmask = task.saved_sigmask, None
                return True
            sig, info = got
            if SignalDelivering in self.kernel.bus._subs and task.reported_signal != sig:
                self.kernel.bus.emit(SignalDelivering(task, sig, info))
                if self.kernel.stop_request is not None:
                    # stopped before delivery: the signal waits for the resume
                    task.pending.bits |= sigbit(sig)
                    task.pending.queue.insert(0, (sig, info))
                    task.reported_signal = sig
                    if interrupted is not None:
                        restart_syscall(task, interrupted, None)
                    return False
            task.reported_signal = 0
            act = task.sighand.actions[sig]
            if act.handler == SIG_IGN and sig not in (Sig.SIGKILL, Sig.SIGSTOP):
                self.kernel.bus.emit(SignalDelivered(task, sig, info, False))
                continue
            if act.handler == SIG_DFL or sig in (Sig.SIGKILL, Sig.SIGSTOP):
                action = default_action(sig)
                if sig == Sig.SIGKILL:
                    action = Action.TERM  # never reported: it kills before any stop
                else:
                    self.kernel.bus.emit(SignalDelivered(task, sig, info, False))
                if action in (Action.IGNORE, Action.CONT) or (
                        unkillable(task.tg) and sig not in (Sig.SIGKILL, Sig.SIGSTOP)):
                    continue
                if action is Action.STOP:
                    self.kernel.stop_group(task.tg, sig)
                    if interrupted is not None:
                        restart_syscall(task, interrupted, None)
                    return False
                core = action is Action.CORE and task.tg.rlimit(4)[0] > 0
                self.kernel.group_exit(task, 0, sig, core)
                return False
            self.kernel.bus.emit(SignalDelivered(task, sig, info, True))
            if interrupted is not None:
                restart_syscall(task, interrupted, act)
                interrupted = None
            if task.rseq is not None:
                rseq_signal_deliver(self.kernel, task, sig)
            setup_rt_frame(task, sig, info, act)
            task.blocked |= act.mask & ~UNBLOCKABLE
            if not act.flags & SA_NODEFER:
                task.blocked |= sigbit(sig)
            if act.flags & SA_RESETHAND:
                task.sighand.actions[sig] = SigAction()
            return True

    def restartable(self, act: SigAction | None) -> bool:
        return act is None or bool(act.flags & SA_RESTART)
