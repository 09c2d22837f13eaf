"""ThreadGroup: a process (Linux's signal_struct plus the tgid and family links)."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from ..abi.procflags import RLIM_INFINITY, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_STACK
from .sched import WaitQueue

if TYPE_CHECKING:
    from ..fs.file import File
    from .images import Image
    from .pid_namespace import PidNamespace
    from .posix_timers import KTimer
    from .task import Task


class GroupState(enum.Enum):
    ALIVE = "alive"
    ZOMBIE = "zombie"  # every thread exited; waiting to be reaped
    REAPED = "reaped"


DEFAULT_RLIMITS = {
    0: (RLIM_INFINITY, RLIM_INFINITY), 1: (RLIM_INFINITY, RLIM_INFINITY),
    2: (RLIM_INFINITY, RLIM_INFINITY), RLIMIT_STACK: (8 << 20, RLIM_INFINITY),
    4: (0, RLIM_INFINITY), 5: (RLIM_INFINITY, RLIM_INFINITY), RLIMIT_NPROC: (4096, 4096),
    RLIMIT_NOFILE: (1024, 1048576), 8: (8 << 20, 8 << 20), 9: (RLIM_INFINITY, RLIM_INFINITY),
    10: (RLIM_INFINITY, RLIM_INFINITY), 11: (63382, 63382), 12: (819200, 819200),
    13: (0, 0), 14: (0, 0), 15: (RLIM_INFINITY, RLIM_INFINITY),
}


class ThreadGroup:
    """The threads of one process, its parent and children, and how it ended."""

    def __init__(self, tgid: int, parent: "ThreadGroup | None") -> None:
        from .signal import SigPending

        self.tgid = tgid
        #: the namespace the process lives in (task_active_pid_ns); kernel/pid_namespace.py
        self.pid_ns: "PidNamespace" = parent.pid_ns if parent is not None else None  # type: ignore[assignment]
        self.leader: "Task | None" = None
        self.threads: list["Task"] = []
        self.parent = parent
        self.real_parent = parent
        self.children: list[ThreadGroup] = []
        self.state = GroupState.ALIVE
        self.exit_signal = 17
        self.wait_status = 0  # Linux's encoding, valid once a zombie
        self.exit_code = 0
        self.exit_sig = 0
        self.core = False
        self.group_exiting = False
        self.shared_pending: SigPending = SigPending()
        self.child_wait = WaitQueue("wait4")
        self.exit_wait = WaitQueue("pidfd")  # pollers of a pidfd: woken when it exits
        self.signalfd_wq = WaitQueue("signalfd")  # woken by every signal sent to the process
        self.pgid = tgid
        self.sid = tgid
        self.rlimits: dict[int, tuple[int, int]] = dict(DEFAULT_RLIMITS)
        self.exe = ""  # the program's resolved guest path (/proc/PID/exe)
        self.exec_path = ""  # the path as given to execve
        self.argv: list[bytes] = []
        self.comm = b""
        self.utime_ns = 0
        self.children_utime_ns = 0
        self.notified = False  # exit already reported to the parent
        self.is_subreaper = False
        self.stopped_sig = 0  # the stop signal while group-stopped
        self.stop_reported = True  # wait4(WUNTRACED) already saw this stop
        self.continued = False  # resumed by SIGCONT, not yet reported to WCONTINUED
        self.execed = False  # has exec'd since fork (setpgid by its parent: EACCES)
        self.launcher = False  # the first process, still to exec the program (launcher.py)
        self.exe_file: "File | None" = None  # the program file, held open (/proc/PID/exe)
        self.image: "Image | None" = None  # its symbols, kept once the process is gone
        self.dumpable = 1  # prctl(PR_SET_DUMPABLE)
        self.tsc_mode = 1  # prctl(PR_SET_TSC): PR_TSC_ENABLE
        self.personality = 0  # PER_LINUX (personality(2); kept across fork and exec)
        self.sem_undo: dict[tuple[int, int], int] = {}  # SEM_UNDO: (semid, num) -> adjustment
        self.oom_score_adj = 0  # /proc/PID/oom_score_adj (inherited by fork)
        self.itimers: dict[int, "KTimer"] = {}  # setitimer's, by ITIMER_*
        self.posix_timers: dict[int, "KTimer"] = {}  # timer_create's, by id
        self.next_timer_id = 0
        self.cpu_timers: list["KTimer"] = []  # armed timers that count CPU time (charge())

    def __repr__(self) -> str:
        return f"<ThreadGroup {self.tgid} {self.state.value}>"

    def set_exe_file(self, f: "File | None") -> None:
        """Hold `f` as the program file (a reference), letting the previous one go."""
        old, self.exe_file = self.exe_file, f.get() if f is not None else None
        if old is not None:
            old.put()

    @property
    def uid(self) -> int:
        """The real uid of the process (its leader's): what a SIGCHLD's si_uid says."""
        return self.leader.cred.uid if self.leader is not None else 0

    @property
    def live_threads(self) -> list["Task"]:
        return [t for t in self.threads if t.alive]

    def rlimit(self, res: int) -> tuple[int, int]:
        return self.rlimits.get(res, (RLIM_INFINITY, RLIM_INFINITY))
