"""Task: one thread of execution (Linux's task_struct, trimmed to what forkdbg needs)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..arch.x86_64 import RAX, RIP
from .sched import WaitQueue

if TYPE_CHECKING:
    from unicorn.unicorn_py3.unicorn import UcContext

    from ..fs.file import FdTable
    from ..fs.vfs import Place
    from ..mm.address_space import AddressSpace
    from .cred import Cred
    from .events import SyscallEnter
    from .kernel import Kernel
    from .rseq import Rseq
    from .signal import SigHand
    from .thread_group import ThreadGroup


class TaskState(enum.Enum):
    RUNNABLE = "R"
    SLEEPING = "S"
    STOPPED = "T"
    DEAD = "X"


@dataclass
class FsContext:
    """cwd and umask: shared by CLONE_FS, copied otherwise.  The cwd is a directory held
    open on the host (fs/hostdir.py), or the guest path of a synthetic one (/proc/...);
    copies share it, as Linux's copy_fs_struct shares the dentry."""

    cwd: "Place"
    umask: int = 0o022

    def copy(self) -> "FsContext":
        return FsContext(self.cwd, self.umask)


@dataclass
class Sleep:
    """A task asleep inside a syscall: what to re-run and what can wake it."""

    call: "SyscallEnter"
    queues: list["WaitQueue"]
    deadline: int | None
    restart: int
    host_fds: list[int]
    interruptible: bool = True
    reason: str | None = None  # 'event', 'futex', 'timeout', 'signal'
    host_wfds: list[int] = field(default_factory=list)  # woken when writable


@dataclass
class SigAltStack:
    sp: int = 0
    flags: int = 2  # SS_DISABLE
    size: int = 0


class Task:
    """A thread: registers (in the engine or saved), signal state, and its shared resources."""

    def __init__(self, kernel: "Kernel", tid: int, tg: "ThreadGroup", mm: "AddressSpace",
                 files: "FdTable", fs: FsContext, sighand: "SigHand") -> None:
        from .signal import SigPending

        self.kernel = kernel
        self.tid = tid
        self.tg = tg
        #: where this task's next children are numbered (nsproxy->pid_ns_for_children)
        self.pid_ns_for_children = tg.pid_ns
        self.mm = mm
        self.files = files
        self.fs = fs
        self.sighand = sighand
        self.blocked = 0
        self.pending: SigPending = SigPending()
        self.saved_sigmask: int | None = None
        self.real_blocked = 0  # the mask before rt_sigtimedwait unblocked what it awaits
        self.altstack = SigAltStack()
        self.ctx: "UcContext | None" = None
        self.state = TaskState.RUNNABLE
        self.set_child_tid = 0
        self.clear_child_tid = 0
        self.robust_list = (0, 0)
        self.rseq: "Rseq | None" = None
        self.comm = b""
        self.sleep: Sleep | None = None
        self.sleep_retry: Callable[[], int] | None = None
        self.wake_reason: str | None = None  # why a re-run handler was woken ('futex', 'timeout'...)
        self.resume: Any = None  # work to do before returning to user mode (a stopped syscall)
        self.vfork_parent: Task | None = None
        self.vfork_done = WaitQueue("vfork")  # this task, as a vfork parent, sleeps here
        self.exit_signal = 17
        self.exit_code = 0
        self.exit_sig = 0
        self.syscall_count = 0
        self.in_syscall: "SyscallEnter | None" = None
        #: the call the task is in or stopped at the return of (a debugger's $orig_rax)
        self.last_call: "SyscallEnter | None" = None
        self.event_stop = False  # a front-end stops inside the current call (ptrace events)
        self.held_call = False  # stopped inside a call that returns when the task resumes
        self.stop_reason: str | None = None
        self.detached = False  # the debugger let this task go
        self.cpu_ns = 0  # virtual CPU time: blocks run and system calls made (clock.py)
        self.slice_left = 0  # of the current turn on the CPU (sched.py)
        self.skip_break: int | None = None  # resume past a breakpoint at this address
        self.pdeath_signal = 0
        self.cred: "Cred" = kernel.host_cred.copy()  # the caller of Task() may give others
        self.no_new_privs = False  # prctl; inherited by clone, kept by exec
        self.default_timer_slack_ns = 50_000
        self.timer_slack_ns = 50_000
        self.sched_policy = 0  # SCHED_OTHER; kept for sched_getscheduler (sys_sched.py)
        self.rt_priority = 0
        self.sched_reset_on_fork = False
        self.frozen = False  # held by a debugger
        self.reported_signal = 0  # a signal a debugger stopped for, delivered at resume
        mm.users += 1

    def __repr__(self) -> str:
        return f"<Task {self.tid} tgid={self.tg.tgid} {self.state.value}>"

    @property
    def pid(self) -> int:
        return self.tg.tgid

    @property
    def is_leader(self) -> bool:
        return self.tg.leader is self

    @property
    def alive(self) -> bool:
        return self.state is not TaskState.DEAD

    @property
    def loaded(self) -> bool:
        return self.mm.loaded is self

    # ----------------------------------------------------------- registers
    def reg(self, rid: int) -> int:
        """A register of this task, wherever it is kept now."""
        if self.mm.loaded is self or self.ctx is None:
            return self.mm.engine().reg_read(rid)
        return self.ctx.reg_read(rid)

    def set_reg(self, rid: int, value: int) -> None:
        value &= 0xFFFFFFFFFFFFFFFF
        if self.mm.loaded is self or self.ctx is None:
            self.mm.engine().reg_write(rid, value)
        else:
            self.ctx.reg_write(rid, value)

    @property
    def pc(self) -> int:
        return self.reg(RIP)

    @pc.setter
    def pc(self, value: int) -> None:
        self.set_reg(RIP, value)

    def set_return(self, value: int) -> None:
        self.set_reg(RAX, value)

    def save_context(self) -> None:
        """Copy the engine's registers into this task (before another task of the mm runs)."""
        uc = self.mm.uc
        if self.ctx is None:
            self.ctx = uc.context_save()
        else:
            uc.context_update(self.ctx)
