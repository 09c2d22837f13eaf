"""Kernel: the task table, the pid allocator, the scheduler loop and syscall dispatch.

The loop picks a task, lets its engine run until a hook traps (syscall, fault,
breakpoint) or its work budget runs out (the end of its time slice, or the next timer
on the virtual clock), and handles the trap here, outside the emulator.  Front-ends
subscribe to ``kernel.bus`` and may ``request_stop``.
"""

from __future__ import annotations

import os
import random
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import unicorn

from ..abi.errno import Errno
from ..abi.signals import Sig
from ..abi.sysnums import syscall_name
from ..arch.uc_compat import RegBatch, write64
from ..arch.x86_64 import AT_BASE, RAX, SYSCALL_CLOBBERS, SYSCALL_INSN_LEN, SYSCALL_REGS
from ..fs.devices import device_nodes
from ..fs.flock import FlockTable
from ..fs.inet import Ports
from ..fs.inotify import FsNotify
from ..fs.pagecache import PageCache
from ..fs.socket import UnixNames
from ..fs.vfs import Vfs
from ..mm.address_space import Fault as MemFault
from . import sysfs
from .clock import SYSCALL_STEP_NS, VirtualClock
from .cpu import interrupt_engine, run_user
from .cred import Cred
from .engines import Engines
from .errors import Block, KernelError, NoReturn
from .events import EventBus, Note, SyscallBlocked, SyscallEnter, SyscallExit
from .futex import Futexes
from .hrtimer import HrTimer
from .idle import idle
from .images import Image, ImageCache
from .objfiles import object_map
from .oom import MemoryGuard
from .pid_namespace import PidNamespace
from .posix_timers import check_cpu_timers
from .sched import Scheduler
from .sem import SemTable
from .shm import ShmTable
from .signal import Signals
from .task import Sleep, Task, TaskState
from .thread_group import GroupState, ThreadGroup
from .user_namespace import INIT_USER_NS
from .watch import Watchers

if TYPE_CHECKING:
    from ..elf.symbols import Symbols
    from ..fs.vfs import Place
    from ..syscalls.table import SyscallDef



_SYSCALL_BATCH = RegBatch(tuple(SYSCALL_REGS))  # rax, the six arguments, rip, eflags, rcx, r11
_CLOBBER_BATCH = RegBatch(tuple(SYSCALL_CLOBBERS))  # rcx, r11


def _close_all(fds: tuple[int, ...]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


@dataclass
class Config:
    """How a kernel is set up (the CLI's options)."""

    root: str = "/"
    cwd: str = "/"
    seed: int = 0
    child_first: bool = False
    max_procs: int = 512
    pid_base: int = 1000
    #: virtual time a task may run while another waits for the CPU (0: until it blocks)
    slice_ns: int = 4_000_000
    epoch: int | None = None  # CLOCK_REALTIME at start, in seconds (None: the host's now)
    max_memory: int = 4 << 30  # host memory the guest may hold (mm/limits.py)
    host_fds: tuple[int, ...] = (0, 1, 2)  # host descriptors the first process starts with
    #: the virtual clock's value at which `run` stops for good (--vtime-limit)
    vtime_limit_ns: int = 1 << 63
    #: processes whose threads all sleep that keep their engine; beyond this the
    #: longest-idle ones give it back (~3 MiB each; rebuilt in ~1 ms when they wake)
    park_keep: int = 8


@dataclass
class Stop:
    """Why `Kernel.run` returned before every task finished."""

    reason: str
    task: Task | None = None
    data: dict[str, Any] = field(default_factory=dict)


class Kernel:
    """One emulated machine running one process tree."""

    def __init__(self, table: dict[int, "SyscallDef"], config: Config | None = None) -> None:
        self.table = table
        self.config = config or Config()
        self.bus = EventBus()
        self.sched = Scheduler(self.config.child_first, self.config.slice_ns)
        self.clock = VirtualClock(self.config.epoch)
        self.rng = random.Random(self.config.seed)
        self.vfs = Vfs(self.config.root, device_nodes(random.Random(self.config.seed + 1)))
        from .procfs import ProcFs
        self.vfs.synthetic = {"proc": ProcFs(self).lookup, "sys": sysfs.lookup}
        self.signals = Signals(self)
        self.futexes = Futexes(self)
        self.host_cred = Cred.of_host()  # the first process's credentials
        self.tasks: dict[int, Task] = {}
        self.groups: dict[int, ThreadGroup] = {}
        self.init_pid_ns = PidNamespace()  # the machine's first pid namespace
        self.init_user_ns = INIT_USER_NS  # and its first user namespace
        #: machine pids numbered in nested namespaces too: the innermost one
        self.pid_owner: dict[int, PidNamespace] = {}
        self.init = ThreadGroup(1, None)  # the virtual init: parent of the first process, reaper
        self.init.pid_ns = self.init_pid_ns
        self.first: ThreadGroup | None = None
        self._next_pid = self.config.pid_base
        self.next_pid_wanted = 0
        self.reported: set[int] = set()
        self.reported_notes: set[str] = set()
        self.images = ImageCache()
        self.held: set[Task] = set()  # runnable but frozen by a debugger (gdb's held inferiors)
        self.engines = Engines(self)  # parking and recycling (engines.py)
        self.memory = MemoryGuard(self, self.config.max_memory)
        self.stop_request: Stop | None = None
        self.running: unicorn.Uc | None = None
        self.on_cpu: Task | None = None  # the last task that ran user code (rseq.py)
        self.interrupted = False
        self.interrupt_reason = "interrupt"
        #: a pipe that interrupt() writes to, so that an idle kernel waiting on host
        #: descriptors looks at `interrupted` at once
        self.wakeup = os.pipe()
        for fd in self.wakeup:
            os.set_blocking(fd, False)
        weakref.finalize(self, _close_all, self.wakeup)
        self.hostname = os.uname().nodename.encode()
        self.watchers = Watchers()
        self.flocks = FlockTable()  # flock(2)'s locks, per file
        self.unix_names = UnixNames()  # bound AF_UNIX sockets
        self.ports = Ports()  # the loopback network's TCP and UDP ports
        self.shm = ShmTable()  # SysV shared memory segments
        self.sem = SemTable()  # SysV semaphore sets
        self.fsnotify = FsNotify()  # inotify watches
        self.page_cache = PageCache()  # host files' pages that MAP_SHARED mappings hold

    # ------------------------------------------------------------ creation
    @property
    def last_pid(self) -> int:
        """The highest pid handed out so far (the configured base - 1 before any)."""
        return self._next_pid - 1

    def alloc_pid(self) -> int:
        if self.next_pid_wanted:  # clone3's set_tid (checked free by the caller)
            pid, self.next_pid_wanted = self.next_pid_wanted, 0
            return pid
        pid = self._next_pid
        while pid in self.tasks or pid in self.groups:
            pid += 1
        self._next_pid = pid + 1
        return pid

    def spawn(self, path: str, argv: list[bytes], envp: list[bytes]) -> Task:
        """Create the first process running the program at guest `path` (raises on bad input)."""
        from .exec import spawn_first
        return spawn_first(self, path, argv, envp)

    def live_count(self) -> int:
        return len(self.tasks)

    # ----------------------------------------------------------- the loop
    def request_stop(self, reason: str, task: Task | None = None, **data: Any) -> None:
        """Ask `run` to return at the next clean point (front-ends call this from events)."""
        if self.stop_request is None:
            self.stop_request = Stop(reason, task, data)

    def interrupt(self, reason: str = "interrupt") -> None:
        """From another thread (Ctrl-C, SIGTERM, a timeout): make `run` return soon with a
        Stop of that reason; a running engine stops at its next block start (cpu.py)."""
        self.interrupt_reason = reason
        self.interrupted = True
        try:
            os.write(self.wakeup[1], b"!")  # out of a select() in idle()
        except OSError:
            pass
        interrupt_engine(self)

    def run(self) -> Stop | None:
        """Run tasks until a stop is requested (returned) or none is left (None).  Shared
        file mappings' stores reach the host files whenever it returns."""
        try:
            return self._run()
        finally:
            if self.page_cache.files:
                self.page_cache.sync_all()

    def _run(self) -> Stop | None:
        self.stop_request = None
        sched = self.sched
        while self.stop_request is None:
            if self.interrupted:
                self.interrupted = False
                return Stop(self.interrupt_reason, sched.current)
            if self.clock.now >= self.config.vtime_limit_ns:
                return Stop("vtime-limit", sched.current)
            timers = sched._timers
            if timers and timers[0][0] <= self.clock.now:
                self._fire_timers()
            task = sched.pick()
            if task is None:
                if not idle(self):
                    return self.stop_request
                continue
            self._run_task(task)
        return self.stop_request

    def _run_task(self, task: Task) -> None:
        if task.resume is not None:
            work, task.resume = task.resume, None
            work()
            return
        if task.sleep is not None:
            self._resume_sleeper(task)
            return
        if (task.pending.bits or task.tg.shared_pending.bits) and self.signals.deliverable(task):
            if not self.signals.deliver(task) or self.stop_request is not None:
                return
        run_user(self, task)

    def charge(self, task: Task, ns: int) -> None:
        """`task` ran for `ns` of virtual time: the clock, its CPU time and slice move."""
        self.clock.mono_ns += ns
        task.cpu_ns += ns
        task.tg.utime_ns += ns
        task.slice_left -= ns
        if task.tg.cpu_timers:
            check_cpu_timers(task.tg)

    def _breakpoint(self, task: Task, addr: int) -> None:
        task.skip_break = addr  # resuming at `addr` must not stop there again
        self.watchers.dispatch(task, addr)

    # ------------------------------------------------------------ syscalls
    def syscall(self, task: Task) -> None:
        """Handle the syscall instruction `task` just trapped on."""
        uc = task.mm.uc
        vals = _SYSCALL_BATCH.read(uc)
        if vals[9] != vals[7] or vals[10] != vals[8]:  # as the CPU's syscall instruction
            _CLOBBER_BATCH.write(uc, (vals[7], vals[8]))
        self.charge(task, SYSCALL_STEP_NS)
        task.syscall_count += 1
        enter = SyscallEnter(task, vals[0], tuple(vals[1:7]), vals[7] - SYSCALL_INSN_LEN,
                             self.clock.mono_ns)
        task.in_syscall = task.last_call = enter
        if SyscallEnter in self.bus._subs:
            self.bus.emit(enter)
            if self.stop_request is not None:
                task.resume = lambda: self.execute(task, enter)
                return
        self.execute(task, enter)

    def execute(self, task: Task, enter: SyscallEnter, retry: Callable[[], int] | None = None) -> None:
        """Run the handler (or `retry`) and finish the call, or put the task to sleep."""
        if enter.inject is not None and retry is None:
            enter.injected = True
            self.finish(task, enter, enter.inject)
            return
        try:
            if retry is not None:
                ret = retry()
            else:
                sd = self.table.get(enter.nr)
                if sd is None:
                    ret = self._unsupported(task, enter.nr)
                else:
                    ret = sd.handler(task, *sd.arguments(enter.args))
        except KernelError as e:
            ret = -e.errno
        except MemFault:
            ret = -int(Errno.EFAULT)
        except MemoryError:  # the host would not back the guest's memory
            ret = -int(Errno.ENOMEM)
        except Block as b:
            if task.event_stop:  # stopped at an event, then asleep in the call (vfork)
                task.event_stop = False
                task.set_reg(RAX, -int(Errno.ENOSYS))
            self._sleep(task, enter, b)
            return
        except NoReturn:
            self.finish(task, enter, None)
            return
        except Exception as e:  # noqa: BLE001 - a forkdbg bug must not take the session down
            ret = self._internal_error(task, enter.nr, e)
        if task.event_stop:
            from .ptrace import hold_call
            hold_call(self, task, enter, ret)
            return
        self.finish(task, enter, ret)

    def _unsupported(self, task: Task, nr: int) -> int:
        if nr not in self.reported:
            self.reported.add(nr)
            self.bus.emit(Note(task, "enosys",
                               f"syscall {syscall_name(nr)} ({nr}) is not implemented; "
                               "returning ENOSYS"))
        return -int(Errno.ENOSYS)

    def _internal_error(self, task: Task, nr: int, e: Exception) -> int:
        key = f"internal:{nr}:{type(e).__name__}"
        if key not in self.reported_notes:
            self.reported_notes.add(key)
            self.bus.emit(Note(task, "internal",
                               f"internal error in {syscall_name(nr)}: {type(e).__name__}: {e}; "
                               "returning ENOSYS (please report this)"))
        return -int(Errno.ENOSYS)

    def finish(self, task: Task, enter: SyscallEnter, ret: int | None) -> None:
        """Write the result to rax and tell the subscribers the call returned."""
        if ret is not None and ret >= 1 << 63:
            ret -= 1 << 64  # results are signed (rt_sigreturn hands back a saved -errno)
        if ret is not None and task.alive:
            if task.mm.loaded is task:
                write64(task.mm.uc, RAX, ret & 0xFFFFFFFFFFFFFFFF)
            else:
                task.set_reg(RAX, ret)
        task.in_syscall = None
        if task.saved_sigmask is not None:  # ppoll/pselect6's temporary mask ends with the call
            task.blocked, task.saved_sigmask = task.saved_sigmask, None
        if SyscallExit in self.bus._subs:
            self.bus.emit(SyscallExit(task, enter.nr, enter.args, ret, enter, self.clock.mono_ns))

    # ------------------------------------------------------------- sleeping
    def _sleep(self, task: Task, enter: SyscallEnter, b: Block) -> None:
        task.sleep = Sleep(enter, b.queues, b.deadline, b.restart, b.host_fds, b.interruptible,
                           host_wfds=b.host_wfds)
        task.sleep_retry = b.retry
        task.state = TaskState.SLEEPING
        for q in b.queues:
            q.add(task)
        if b.deadline is not None:
            self.sched.add_timer(b.deadline, task)
        self.sched.remove(task)
        if SyscallBlocked in self.bus._subs:
            self.bus.emit(SyscallBlocked(task, enter))
        self.engines.slept(task.mm)
        if self.signals.deliverable(task) and (b.interruptible or self.signals.fatal_pending(task)):
            self.wake(task, "signal")

    def wake(self, task: Task, reason: str = "event") -> None:
        """Make a sleeping task runnable; it re-runs its call (or sees `reason`)."""
        s = task.sleep
        if s is None or s.reason is not None or not task.alive:
            return
        s.reason = reason
        for q in s.queues:
            q.remove(task)
        if task.state is TaskState.SLEEPING:
            task.state = TaskState.RUNNABLE
            if task.frozen:
                self.held.add(task)
            else:
                self.sched.enqueue(task)

    def _resume_sleeper(self, task: Task) -> None:
        s = task.sleep
        assert s is not None
        task.sleep = None
        enter = s.call
        if self.stop_request is not None:
            return
        task.in_syscall = enter
        task.wake_reason = s.reason
        if s.reason == "signal" and self.signals.deliverable(task) and (
                s.interruptible or self.signals.fatal_pending(task)):
            # as Linux's wait loops: the condition first, then the pending signal
            try:
                try:
                    retry = task.sleep_retry
                    if retry is not None:
                        ret = retry()
                    else:
                        sd = self.table[enter.nr]
                        ret = sd.handler(task, *sd.arguments(enter.args))
                except KernelError as e:
                    ret = -e.errno
                except MemFault:
                    ret = -int(Errno.EFAULT)
                except Block:
                    self._interrupted(task, enter, s.restart)
                    return
                except NoReturn:
                    ret = None
                self.finish(task, enter, ret)
            finally:
                task.wake_reason = None
            return
        try:
            self.execute(task, enter, task.sleep_retry)
        finally:
            task.wake_reason = None

    def _interrupted(self, task: Task, enter: SyscallEnter, restart: int) -> None:
        """A signal cut a sleeping call short: -ERESTART*, then EINTR or a restart."""
        ret = -restart
        task.real_blocked = 0
        task.set_reg(RAX, ret)
        if SyscallExit in self.bus._subs:
            # SIGKILL ends the task inside the call: it never returns (ptrace sees no exit)
            killed = (task.pending.bits | task.tg.shared_pending.bits) >> (Sig.SIGKILL - 1) & 1
            self.bus.emit(SyscallExit(task, enter.nr, enter.args, None if killed else ret,
                                      enter, self.clock.mono_ns, restarted=not killed))
        self.signals.deliver(task, interrupted=restart)
        task.in_syscall = None

    def _fire_timers(self) -> None:
        now = self.clock.now
        while True:
            nd = self.sched.next_deadline()
            if nd is None or nd[0] > now:
                return
            self.sched.pop_timer()
            what = nd[1]
            if type(what) is HrTimer:
                what.expires = None
                what.fn()
            else:
                self.wake(what, "timeout")

    # ------------------------------------------------------ process control
    def freeze(self, task: Task) -> None:
        """Hold `task`: it does not run until thawed (a debugger's held process)."""
        if task.frozen or not task.alive:
            return
        task.frozen = True
        if task.state is TaskState.RUNNABLE and task.sleep is None:
            self.sched.remove(task)
            self.held.add(task)

    def thaw(self, task: Task) -> None:
        if not task.frozen:
            return
        task.frozen = False
        if task in self.held:
            self.held.discard(task)
            if task.alive:
                self.sched.enqueue(task)

    def group_exit(self, task: Task, code: int, sig: int = 0, core: bool = False) -> None:
        from .exit import do_group_exit
        do_group_exit(self, task, code, sig, core)

    def stop_group(self, tg: ThreadGroup, sig: int) -> None:
        from .exit import stop_group
        stop_group(self, tg, sig)

    def continue_group(self, tg: ThreadGroup) -> None:
        from .exit import continue_group
        continue_group(self, tg)

    def image_for(self, tg: ThreadGroup | int) -> "Image | None":
        """The program image of a process (for symbols and unwinding)."""
        if isinstance(tg, int):
            found = self.groups.get(tg) or (self.tasks[tg].tg if tg in self.tasks else None)
            if found is None:
                return None
            tg = found
        exe = tg.exe_file
        if exe is None:
            return tg.image
        if not tg.exe:
            return None
        bias = tg.leader.mm.load_bias if tg.leader is not None else 0
        return self.images.get(exe, tg.exe, bias)

    def initial_cwd(self) -> "Place":
        """The first process's working directory (--cwd), held open."""
        node = self.vfs.resolve(None, self.config.cwd)
        return self.vfs.opendir(node)

    def symbols_for(self, tg: ThreadGroup | int) -> "Symbols | None":
        """The symbols of a process: its program's table (loaded on first use, then
        cached), or every object it maps once a loader has mapped more than one."""
        img = self.image_for(tg)
        group = tg if isinstance(tg, ThreadGroup) else self.group(tg)
        leader = group.leader if group is not None else None
        if leader is not None and not leader.mm.released and \
                dict(leader.mm.auxv).get(AT_BASE):
            objs = object_map(self, leader.mm)
            if len(objs) > 1:
                return objs
        return img.symbols if img is not None else None

    def group(self, pid: int) -> ThreadGroup | None:
        tg = self.groups.get(pid)
        if tg is None or tg.state is GroupState.REAPED:
            return None
        return tg
