"""The debugger core's view of kernel events: forks followed or detached (follow-fork-mode,
detach-on-fork), execs, exits, signals, catchpoints, breakpoint and watchpoint hits.

It decides what stops the program and keeps gdb's bookkeeping (inferiors, threads, hit
counts), and says what happened only as typed events (stops.py): the stop of a resume
through `stop`, everything else through `Session.notify`.  It prints nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..abi.clone import CLONE_THREAD, CLONE_VFORK
from ..kernel.events import (
    CodeMapped,
    Exec,
    MemoryWatch,
    SignalDelivering,
    SyscallEnter,
    SyscallExit,
    TaskCreated,
    TaskExited,
)
from ..arch.x86_64 import RSP
from . import dummy, gdbsignals
from .breakpoints import Breakpoint, Catchpoint, Point, Watchpoint, locations
from .expr import INT, Value
from .forks import next_checkpoint
from .gdbsignals import GdbSignal, default_policy
from .inferiors import Inferior, thread_target_id
from .solib import thread_db_library
from .watchpoints import left_scope, watch_hit
from .stops import (
    WatchpointScopeEvent,
    BreakpointEvent,
    DummyReturnEvent,
    ConditionError,
    ExecCaught,
    ExecEvent,
    ExitedEvent,
    ForkAttached,
    ForkCaught,
    ForkDetached,
    InferiorDetached,
    InternalEvent,
    NewInferiorEvent,
    NewThreadEvent,
    SignalCaught,
    SignalEvent,
    SignalPassed,
    StopEvent,
    SyscallCaught,
    ThreadDbLoaded,
    ThreadExitedEvent,
    ThreadRef,
    VforkParentDetached,
    VforkRefusedEvent,
)

#: after a library's code is mapped, how many system calls to look for it in the link map
SOLIB_CHECK_CALLS = 32

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel, Stop
    from ..kernel.task import Task
    from .session import Session



class EventHandlers:
    def __init__(self, s: "Session") -> None:
        self.s = s
        self.handle: dict[int, list[bool]] = {}  # gdb signal number -> [stop, print, pass]
        self.labels: dict[int, str] = {}
        #: forks a catchpoint stopped at, followed when the program resumes: (the forking
        #: task, its child, what following does)
        self.pending_follow: list[tuple["Task", "Task", Callable[[], None]]] = []
        #: a followed fork child's tid -> the task that forked it (a step goes on there)
        self.followed_from: dict[int, "Task"] = {}
        self.quiet = False  # a kill in progress: no exit messages

    def policy(self, g: GdbSignal) -> list[bool]:
        """[stop, print, pass] for a gdb signal (mutable: `handle` changes it)."""
        if g.num not in self.handle:
            self.handle[g.num] = default_policy(g)
        return self.handle[g.num]

    def signal_policy(self, sig: int) -> list[bool]:
        """The policy for a Linux signal."""
        return self.policy(gdbsignals.of_linux(sig))

    def attach(self, k: "Kernel") -> None:
        bus = k.bus
        bus.subscribe(TaskCreated, self.on_created)
        bus.subscribe(Exec, self.on_exec)
        bus.subscribe(TaskExited, self.on_exited)
        bus.subscribe(SignalDelivering, self.on_signal)
        bus.subscribe(SyscallEnter, self.on_enter)
        bus.subscribe(SyscallExit, self.on_exit)
        bus.subscribe(MemoryWatch, self.on_watch)
        bus.subscribe(CodeMapped, self.on_code_mapped)

    # ------------------------------------------------------------ helpers
    def who(self, task: "Task") -> ThreadRef | None:
        """The thread that stopped, when gdb would say which (several threads or
        inferiors)."""
        inf = self.s.inferior_of(task)
        if inf is None or (len(self.s.inferiors) <= 1 and len(inf.live_tasks()) <= 1):
            return None
        return self.thread_ref(task)

    def syscall_name(self, nr: int) -> str | None:
        return self.s.syscall_table().name(nr)

    def thread_ref(self, task: "Task") -> ThreadRef:
        return ThreadRef(self._thread_num(task), task.comm.decode(errors="replace"))

    def stop(self, event: StopEvent, point: "Point | None" = None) -> None:
        """Stop the program for `event`, unless something already stopped it (a step
        that ended on the way is no stop)."""
        s = self.s
        if s.kernel is None:
            return
        if s.stop_task is None or s.stop_kind == "step":
            s.stop = event
            if point is not None:
                s.hit_point = point  # a temporary one goes, its commands run
            s.stop_log.append(event)
        s.kernel.request_stop(event.kind, event.task)

    def catchpoints(self, event: str, task: "Task") -> list[Catchpoint]:
        inf = self.s.inferior_of(task)
        if inf is None:
            return []
        return [p for p in self.s.points if isinstance(p, Catchpoint) and p.enabled
                and p.event == event and (not p.inferiors or inf.num in p.inferiors)]

    def _new_inferior(self, tg, exe: str) -> Inferior:  # type: ignore[no-untyped-def]
        s = self.s
        n = max(s.inferiors) + 1
        inf = Inferior(n, exe, tg)
        s.inferiors[n] = inf
        return inf

    # ------------------------------------------------------------- events
    def on_created(self, e: TaskCreated) -> None:
        s = self.s
        pinf = s.inferior_of(e.parent)
        if pinf is None:
            return
        child = e.child
        s.last_clone = {"parent": e.parent.tid, "child": child.tid, "flags": e.flags,
                        "exit_signal": e.exit_signal, "via": e.via}
        if e.flags & CLONE_THREAD:
            pinf.add_thread(child.tid)
            # gdb names threads by their pointer once libthread_db serves the process
            # (glibc, musl); without it (Go) by their LWP alone
            label = thread_target_id(child) if pinf.thread_db else f"LWP {child.tid}"
            self.labels[child.tid] = label
            s.notify(NewThreadEvent(label))
            return
        what = "vfork" if e.flags & CLONE_VFORK else "fork"
        cps = self.catchpoints(what, e.parent)
        if cps:  # gdb stops inside the call first, and follows the fork when it resumes
            for cp in cps:
                cp.hits += 1
            for cp in cps:
                cp.last = f"process {child.tg.tgid}"
            e.parent.event_stop = True
            self.stop(ForkCaught(e.parent, self.who(e.parent), cps[0], child_pid=child.tid,
                                 vfork=what == "vfork"), cps[0])
            self.pending_follow.append((e.parent, child, lambda: self._follow(e, pinf, what)))
            return
        self._follow(e, pinf, what)

    def switched_from_fork_event(self) -> bool:
        """Whether the user switched threads since a caught fork stopped the program;
        if so the fork's thread becomes current again (gdb follows from it, then does
        not resume)."""
        s = self.s
        if not self.pending_follow:
            return False
        parent = self.pending_follow[0][0]
        if s.current_tid == parent.tid or not parent.alive:
            return False
        inf = s.inferior_of(parent)
        if inf is not None:
            s.current_inferior = inf.num
        s.current_tid = parent.tid
        return True

    def run_pending_follow(self) -> None:
        """What a fork catchpoint put off: following the fork, as the program resumes."""
        todo, self.pending_follow = self.pending_follow, []
        for _parent, _child, follow in todo:
            follow()

    def _follow(self, e: TaskCreated, pinf: Inferior, what: str) -> None:
        """follow-fork-mode and detach-on-fork: keep or detach each side of a fork."""
        s = self.s
        child = e.child
        mode = s.settings["follow-fork-mode"]
        if mode == "ask":
            mode = s.ask_fork() if s.ask_fork is not None else "parent"
        detach = s.settings["detach-on-fork"] == "on"
        ppid, cpid = e.parent.tg.tgid, child.tg.tgid
        if what == "vfork" and mode == "parent" and not detach and \
                s.settings["schedule-multiple"] == "off":
            # the parent cannot run until the child execs or exits, and gdb would hold
            # the child: it refuses, and tries again at the next resume
            self.stop(VforkRefusedEvent(e.parent))
            self.pending_follow.append((e.parent, child, lambda: self._follow(e, pinf, what)))
            return
        if mode == "parent" and detach:
            s.notify(ForkDetached(what, "child", cpid))
            return
        if mode == "child":
            parent = thread_target_id(e.parent) if pinf.thread_db else f"process {ppid}"
            s.notify(ForkAttached(parent, what, cpid))
        inf = self._new_inferior(child.tg, child.tg.exe)
        inf.add_thread(child.tid)
        s.notify(NewInferiorEvent(inf.num, cpid))
        for p in s.points:
            if pinf.num in p.inferiors:
                p.inferiors.add(inf.num)
        if child.mm is not e.parent.mm:
            for a in s.watcher.addresses(child):
                s.kernel.watchers.hook(child.mm, a, s.watcher)  # type: ignore[union-attr]
            for p in s.points:
                if isinstance(p, Watchpoint) and inf.num in p.inferiors:
                    s.insert_watch(p)
        if what == "vfork":
            inf.vfork_parent = pinf  # until the child execs or exits (info inferiors)
        if mode == "child":
            if detach and what == "vfork":
                inf.detach_vfork_parent = True  # kept until then, as gdb
                self._inherit_thread_db(pinf, inf)
            elif detach:
                s.notify(ForkDetached(what, "parent", ppid))
                pinf.detached = True
                for p in s.points:  # gdb moves the parent's program space to the child
                    p.inferiors.discard(pinf.num)
                s.notify(InferiorDetached(pinf.num, ppid))
                self._inherit_thread_db(pinf, inf)
            else:
                s.kernel.freeze(e.parent)  # type: ignore[union-attr]
            s.current_inferior = inf.num
            s.current_tid = child.tid
            self.followed_from[child.tid] = e.parent
        elif s.settings["schedule-multiple"] == "off":
            s.kernel.freeze(child)  # type: ignore[union-attr]  # gdb holds the other side
        if not (mode == "child" and detach):
            self._inherit_thread_db(pinf, inf)
        self._child_syscall_return(e, inf)

    def _release_vfork_parent(self, inf: Inferior, why: str) -> None:
        """The vfork child execs or exits: the parent runs again, and gdb detaches it if
        it kept it only for the vfork."""
        pinf, inf.vfork_parent = inf.vfork_parent, None
        detach, inf.detach_vfork_parent = inf.detach_vfork_parent, False
        if pinf is None or not detach:
            return
        s = self.s
        pid = pinf.pid
        assert pid is not None
        s.notify(VforkParentDetached(pid, why))
        pinf.detached = True
        s.notify(InferiorDetached(pinf.num, pid))
        if s.kernel is not None and pinf.tg is not None:
            for t in pinf.tg.live_threads:
                s.kernel.thaw(t)

    def _inherit_thread_db(self, pinf: Inferior, inf: Inferior) -> None:
        """A kept fork child runs the parent's libc: gdb loads libthread_db for it too."""
        if pinf.thread_db is not None:
            inf.thread_db = pinf.thread_db
            self.s.notify(ThreadDbLoaded(inf.thread_db))

    def _child_syscall_return(self, e: TaskCreated, inf: Inferior) -> None:
        """Beyond gdb: a kept child stops at its own return from the fork, with rax = 0."""
        nr = {"fork": 57, "vfork": 58, "clone": 56, "clone3": 435}[e.via]
        cps = [c for c in self.catchpoints("syscall", e.parent)
               if c.syscalls is None or nr in c.syscalls]
        if not cps:
            return
        child = e.child
        prev = child.resume

        def report() -> None:
            cps[0].hits += 1
            self.stop(SyscallCaught(child, self.who(child), cps[0], nr=nr, returning=True,
                                    name=self.syscall_name(nr)))
            child.resume = prev
        child.resume = report

    def on_exec(self, e: Exec) -> None:
        s = self.s
        inf = s.inferior_of(e.task)
        if inf is None:
            return
        if inf.vfork_parent is not None:
            if inf.detach_vfork_parent:  # gdb shows it so: they shared a program space
                inf.vfork_parent.exe = e.path
            self._release_vfork_parent(inf, "exec")
        s.notify(ExecEvent(e.task.tg.tgid, e.path))
        inf.thread_db = None  # the new program loads its own libc (or is static)
        inf.solib_check = SOLIB_CHECK_CALLS
        if s.settings["follow-exec-mode"] == "new":
            new = self._new_inferior(e.task.tg, e.path)
            inf.tg, inf.detached = None, True
            new.add_thread(e.task.tid)
            for p in s.points:
                if inf.num in p.inferiors:
                    p.inferiors.add(new.num)
            s.current_inferior = new.num
            s.notify(NewInferiorEvent(new.num))
        else:
            inf.exe = e.path
        cps = self.catchpoints("exec", e.task)
        for cp in cps:
            cp.hits += 1
            cp.last = f'program "{e.path}"'
        if cps:
            e.task.event_stop = True  # inside execve, which returns when the task resumes
            self.stop(ExecCaught(e.task, self.who(e.task), cps[0], path=e.path), cps[0])

    def on_exited(self, e: TaskExited) -> None:
        s = self.s
        inf = s.inferior_of(e.task)
        if inf is None or self.quiet:
            return
        if not e.group_exit:
            s.notify(ThreadExitedEvent(self.labels.pop(e.task.tid, f"LWP {e.task.tid}")))
            return
        pid = e.task.tg.tgid
        self._release_vfork_parent(inf, "exit")
        code = 128 + e.sig if e.sig else e.code
        exited = ExitedEvent(e.task, None, inferior=inf.num, pid=pid, code=code,
                             signal=gdbsignals.of_linux(e.sig) if e.sig else None)
        s.stop_log.append(exited)
        if inf.num == 1 or s.exit_code is None:
            s.exit_code = code
        s.convenience["_exitcode"] = Value(code, INT)
        if next_checkpoint(s, inf, e.task):
            s.kernel.request_stop("exited", e.task)  # type: ignore[union-attr]
            return
        if s.stop_task is None:
            s.stop = exited
        s.kernel.request_stop("exited", e.task)  # type: ignore[union-attr]

    def on_signal(self, e: SignalDelivering) -> None:
        s = self.s
        if s.inferior_of(e.task) is None:
            return
        for cp in self.catchpoints("signal", e.task):
            if cp.catches(e.sig):
                cp.hits += 1
                self.stop(SignalCaught(e.task, self.who(e.task), cp, sig=e.sig), cp)
                return
        stop, show, _pass = self.signal_policy(e.sig)
        if not stop and not show:
            return
        who = None if len(s.inferior.live_tasks()) <= 1 else self.thread_ref(e.task)
        g = gdbsignals.of_linux(e.sig)
        if stop:
            self.stop(SignalEvent(e.task, who, signal=g))
            s.stop_signal = g  # what `info program` says it stopped at
        else:
            s.notify(SignalPassed(g, who))

    def _thread_num(self, task: "Task") -> str:
        inf = self.s.inferior_of(task)
        n = inf.threads.get(task.tid, 0) if inf else 0
        return f"{inf.num}.{n}" if inf and len(self.s.inferiors) > 1 else str(n)

    def on_code_mapped(self, e: CodeMapped) -> None:
        inf = self.s.inferior_of(e.task)
        if inf is not None and inf.thread_db is None:
            # the loader enters the object in its link map a few calls later
            inf.solib_check = SOLIB_CHECK_CALLS

    def _check_thread_db(self, task: "Task", inf: Inferior) -> None:
        """gdb's libthread_db lines, once glibc's libc.so.6 is in the loader's link map."""
        inf.solib_check -= 1
        k = self.s.kernel
        path = thread_db_library(k, task) if k is not None else None
        if path is not None:
            inf.thread_db, inf.solib_check = path, 0
            self.s.notify(ThreadDbLoaded(path))

    def on_enter(self, e: SyscallEnter) -> None:
        inf = self.s.inferior_of(e.task)
        if inf is not None and inf.solib_check:
            self._check_thread_db(e.task, inf)
        for cp in self.catchpoints("syscall", e.task):
            if cp.syscalls is None or e.nr in cp.syscalls:
                cp.hits += 1
                self.stop(SyscallCaught(e.task, self.who(e.task), cp, nr=e.nr,
                                        name=self.syscall_name(e.nr)), cp)
                return

    def on_exit(self, e: SyscallExit) -> None:
        if e.ret is None:
            return
        for cp in self.catchpoints("syscall", e.task):
            if cp.syscalls is None or e.nr in cp.syscalls:
                self.stop(SyscallCaught(e.task, self.who(e.task), cp, nr=e.nr, returning=True,
                                        name=self.syscall_name(e.nr)),
                          cp)
                return

    def on_watch(self, e: MemoryWatch) -> None:
        inf = self.s.inferior_of(e.task)
        event = watch_hit(self.s, e, inf) if inf is not None else None
        if event is not None:
            self.stop(event)

    # --------------------------------------------------------- code hits
    def on_code(self, task: "Task", addr: int) -> None:
        s = self.s
        inf = s.inferior_of(task)
        if inf is None:
            return
        if self.breakpoint_hit(task, addr):
            return
        gone = left_scope(s, task, inf, addr)
        if gone is not None:
            self.stop(WatchpointScopeEvent(task, self.who(task), gone))
            return
        internal = s.internal_stops.get(addr)
        if internal is not None and internal(task):
            self.stop(InternalEvent(task))
            return
        frame = dummy.returned_to(s, task, addr, task.reg(RSP))
        if frame is not None:
            self.stop(DummyReturnEvent(task, frame=frame))

    def breakpoint_hit(self, task: "Task", addr: int) -> bool:
        """Whether a user breakpoint at `addr` stops `task` there (counted, its condition
        true, not ignored): reported as gdb reports a hit, also when a step ends on it."""
        s = self.s
        inf = s.inferior_of(task)
        if inf is None:
            return False
        for p in s.points:
            if not (isinstance(p, Breakpoint) and p.enabled and inf.num in p.inferiors):
                continue
            if inf.num not in p.addrs:
                s.resolve_for(p, inf)
            if not p.at(inf.num, addr):
                continue
            if p.thread is not None and p.thread != (inf.num, inf.threads.get(task.tid)):
                continue
            if p.condition and not self._cond(task, p.condition):
                continue
            p.hits += 1
            if p.ignore > 0:
                p.ignore -= 1
                continue
            num = str(p.num)
            locs = locations(s, p)
            if len(locs) > 1 and (inf.num, addr) in locs:  # several locations: gdb's N.M
                num += f".{locs.index((inf.num, addr)) + 1}"
            self.stop(BreakpointEvent(task, self.who(task), p, location=num))
            s.hit_point = p
            # gdb's $_hit_bpnum and $_hit_locno: the breakpoint and location just hit
            s.convenience["_hit_bpnum"] = Value(p.num, INT)
            s.convenience["_hit_locno"] = Value(int(num.partition(".")[2] or 1), INT)
            return True
        return False

    def _cond(self, task: "Task", cond: str) -> bool:
        s = self.s
        saved = s.current_tid
        s.current_tid = task.tid
        try:
            return bool(s.eval_int(cond))
        except Exception as e:  # noqa: BLE001 - gdb stops and reports a broken condition
            s.notify(ConditionError(str(e)))
            return True
        finally:
            s.current_tid = saved

    # ------------------------------------------------------------ report
    def report(self, stop: "Stop | None") -> None:
        """Print what made the program stop, as gdb does, and where."""
        from .report import report_stop
        report_stop(self.s, stop)
