"""/proc as the guest sees it: self, PID directories (exe, fd, cmdline, comm, maps, stat, status)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable

from ..fs.synthetic import SynthNode
from . import procsys
from .procns import id_files, ns_dir
from .procsys import SysctlTree, cpuinfo
from .thread_group import GroupState

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task
    from .thread_group import ThreadGroup


def _ino(pid: int, slot: int) -> int:
    return (pid << 8) | slot


def render_maps(tg: "ThreadGroup") -> bytes:
    """/proc/PID/maps lines for the group's address space."""
    leader = tg.leader
    if leader is None or leader.mm.released:
        return b""
    lines = []
    mm = leader.mm
    for v in mm.iter_vmas():
        dev = (f"{os.major(v.dev):02x}:{os.minor(v.dev):02x}" if v.dev
               else "00:00" if not v.inode else "08:01")
        name = "[heap]" if not v.inode and mm.is_heap(v) else ("" if v.name == "[heap]" else v.name)
        lines.append(f"{v.start:08x}-{v.end:08x} {v.perms()} {v.file_off:08x} {dev} "
                     f"{v.inode if v.inode else 0:<10d}".rstrip() + (" " * 10 if name else "")
                     + (name if name else ""))
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")


class ProcFs:
    """Lookups under /proc for one kernel."""

    def __init__(self, kernel: "Kernel") -> None:
        self.kernel = kernel
        self.sysctl = SysctlTree(kernel)

    def _file(self, ino: int, make: Callable[[], bytes]) -> SynthNode:
        return SynthNode("file", ino, content=make)

    def lookup(self, parts: list[str], task: "Task | None") -> SynthNode | None:
        k = self.kernel
        if not parts:
            return SynthNode("dir", 1, children=self._root_names, child=lambda n: self.lookup([n], task))
        head, rest = parts[0], parts[1:]
        if head == "self":
            if task is None:
                return None
            if not rest:
                return SynthNode("link", 2, target=str(task.tg.tgid))
            return self._pid(task.tg, rest, task)
        if head == "thread-self":
            if task is None:
                return None
            return SynthNode("link", 3, target=f"{task.tg.tgid}/task/{task.tid}") if not rest else \
                self.lookup([str(task.tg.tgid), "task", str(task.tid)] + rest, task)
        if head.isdigit():
            if int(head) == 1:
                return self._init(rest)
            tg = k.groups.get(int(head))
            thread = None
            if tg is None:  # /proc/TID of a thread that leads no process
                thread = k.tasks.get(int(head))
                tg = thread.tg if thread else None
            if tg is None or tg.state is GroupState.REAPED:
                return None
            return self._pid(tg, rest, task, thread)
        if head == "sys":
            return self.sysctl.lookup(rest)
        if head == "mounts" and not rest:
            return SynthNode("link", 0x1FF, target="self/mounts")
        if rest:
            return None
        static = {
            "uptime": lambda: b"%d.00 0.00\n" % (k.clock.now // 10**9),
            "loadavg": lambda: b"0.00 0.00 0.00 1/%d %d\n" % (len(k.tasks), k._next_pid - 1),
            "meminfo": lambda: b"MemTotal:       16777216 kB\nMemFree:        8388608 kB\n"
                               b"MemAvailable:   12582912 kB\n",
            "version": lambda: b"Linux version 6.1.0-forkdbg (forkdbg) #1 SMP\n",
            "cpuinfo": cpuinfo,
            "stat": lambda: procsys.stat(k),
            "filesystems": lambda: procsys.FILESYSTEMS,
        }
        if head in static:
            return self._file(0x100 + list(static).index(head), static[head])
        return None

    def _root_names(self) -> list[str]:
        return ["self", "thread-self", "uptime", "loadavg", "meminfo", "version", "cpuinfo",
                "stat", "filesystems", "mounts", "sys", "1"] + \
            [str(p) for p in sorted(self.kernel.groups)]

    def _init(self, rest: list[str]) -> SynthNode | None:
        """/proc/1: the virtual init, which adopts orphans and runs no program here."""
        names = ["cmdline", "comm", "stat", "status"]
        if not rest:
            return SynthNode("dir", _ino(1, 0), children=lambda: names,
                             child=lambda n: self._init([n]))
        if len(rest) != 1:
            return None
        files = {"cmdline": lambda: b"/sbin/init\0", "comm": lambda: b"init\n",
                 "stat": lambda: b"1 (init) S 0 1 1 " + b"0 " * 13 + b"1" + b" 0" * 32 + b"\n",
                 "status": lambda: b"Name:\tinit\nState:\tS (sleeping)\nTgid:\t1\nPid:\t1\n"
                                   b"PPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
                                   b"Threads:\t1\n"}
        make = files.get(rest[0])
        return None if make is None else self._file(_ino(1, 3 + names.index(rest[0])), make)

    def _pid(self, tg: "ThreadGroup", rest: list[str], asker: "Task | None",
             thread: "Task | None" = None) -> SynthNode | None:
        """/proc/PID/... of process `tg`; with `thread`, /proc/PID/task/TID/..., whose
        stat and status describe that thread."""
        pid = tg.tgid if thread is None else thread.tid
        leader = tg.leader
        names = ["exe", "cwd", "root", "fd", "cmdline", "comm", "maps", "stat", "status", "task",
                 "environ", "auxv", "limits", "mounts", "mountinfo", "timerslack_ns",
                 "oom_score_adj", "ns", "uid_map", "gid_map", "setgroups"]
        if not rest:
            return SynthNode("dir", _ino(pid, 0), children=lambda: names,
                             child=lambda n: self._pid(tg, [n], asker, thread),
                             owner=tg if thread is None else None)
        what, more = rest[0], rest[1:]
        # magic links: following one lands on the object itself, wherever it is now
        if what == "exe" and not more:
            exe = tg.exe_file
            if exe is None:
                return None
            return SynthNode("link", _ino(pid, 1), target=tg.exe, jump=lambda: exe)
        if what == "cwd" and not more and leader is not None:
            vfs = self.kernel.vfs
            cwd = leader.fs.cwd
            return SynthNode("link", _ino(pid, 2), target=vfs.path_of(cwd), jump=lambda: cwd)
        if what == "root" and not more:
            root = self.kernel.vfs.root
            return SynthNode("link", _ino(pid, 10), target="/", jump=lambda: root)
        if what == "fd" and leader is not None:
            return self._fd(tg, leader, more)
        who = thread or leader
        if what == "ns" and who is not None:
            return ns_dir(tg, who, more, lambda slot: _ino(pid, slot))
        if what in ("uid_map", "gid_map", "setgroups") and who is not None and not more:
            return id_files(who, what, asker, _ino(pid, 11 + names.index(what)))
        if what == "task":
            def member(name: str) -> "Task | None":
                t = self.kernel.tasks.get(int(name)) if name.isdigit() else None
                return t if t is not None and t.tg is tg else None
            if not more:
                return SynthNode("dir", _ino(pid, 9),
                                 children=lambda: [str(t.tid) for t in tg.live_threads],
                                 child=lambda n: self._pid(tg, [], asker, member(n))
                                 if member(n) else None)
            t = member(more[0])
            return self._pid(tg, more[1:], asker, t) if t is not None else None
        if more:
            return None
        if what == "cmdline":
            return self._file(_ino(pid, 3), lambda: b"".join(a + b"\0" for a in tg.argv))
        if what == "comm":
            return self._file(_ino(pid, 4), lambda: tg.comm + b"\n")
        if what == "maps":
            return self._file(_ino(pid, 5), lambda: render_maps(tg))
        if what == "stat":
            return self._file(_ino(pid, 6), lambda: self._stat(tg, thread))
        if what == "status":
            return self._file(_ino(pid, 7), lambda: self._status(tg, thread))
        return self._more(tg, thread, what, _ino(pid, 11 + names.index(what))
                          if what in names else 0)

    def _more(self, tg: "ThreadGroup", thread: "Task | None", what: str,
              ino: int) -> SynthNode | None:
        """environ, auxv, limits, mounts, mountinfo, timerslack_ns and oom_score_adj."""
        files: dict[str, Callable[[], bytes]] = {
            "environ": lambda: procsys.environ(tg), "auxv": lambda: procsys.auxv(tg),
            "limits": lambda: procsys.limits(tg), "mounts": lambda: procsys.MOUNTS,
            "mountinfo": lambda: procsys.MOUNTINFO}
        if what in files:
            return self._file(ino, files[what])
        who = thread or tg.leader
        if what == "timerslack_ns" and who is not None:
            def slack(v: int) -> None:
                who.timer_slack_ns = v or who.default_timer_slack_ns
            return SynthNode("file", ino, content=lambda: b"%d\n" % who.timer_slack_ns,
                             writer=procsys._int_writer(0, (1 << 63) - 1, slack))
        if what == "oom_score_adj":
            return SynthNode("file", ino, content=lambda: b"%d\n" % tg.oom_score_adj,
                             writer=procsys._int_writer(-1000, 1000,
                                                        lambda v: setattr(tg, "oom_score_adj", v)))
        return None

    def _fd(self, tg: "ThreadGroup", leader: "Task", more: list[str]) -> SynthNode | None:
        pid = tg.tgid
        table = leader.files
        if not more:
            return SynthNode("dir", _ino(pid, 8), children=lambda: [str(fd) for fd, _e in table],
                             child=lambda n: self._fd(tg, leader, [n]))
        if len(more) != 1 or not more[0].isdigit():
            return None
        e = table.fds.get(int(more[0]))
        if e is None:
            return None
        f = e.file
        place = getattr(f, "place", None)
        return SynthNode("link", (pid << 16) | int(more[0]), target=f.path,
                         jump=lambda: place if place is not None else f)

    def _stat(self, tg: "ThreadGroup", thread: "Task | None") -> bytes:
        ppid = tg.parent.tgid if tg.parent else 0
        state = _state(tg, thread)
        pid = tg.tgid if thread is None else thread.tid
        comm = (tg.comm if thread is None else thread.comm).decode(errors="replace")
        fields = [str(pid), f"({comm})", state, str(ppid),
                  str(tg.pgid), str(tg.sid)] + ["0"] * 13 + [str(len(tg.live_threads))] + ["0"] * 32
        return (" ".join(fields) + "\n").encode()

    def _status(self, tg: "ThreadGroup", thread: "Task | None") -> bytes:
        ppid = tg.parent.tgid if tg.parent else 0
        state = _state(tg, thread)
        state = f"{state} ({STATE_NAMES[state]})"
        who = thread or tg.leader or (tg.threads[0] if tg.threads else None)
        c = who.cred if who is not None else self.kernel.host_cred
        pid = tg.tgid if thread is None else thread.tid
        comm = (tg.comm if thread is None else thread.comm).decode(errors="replace")
        return (f"Name:\t{comm}\nState:\t{state}\nTgid:\t{tg.tgid}\n"
                f"Pid:\t{pid}\nPPid:\t{ppid}\n"
                f"NStgid:\t{_ns_ids(tg, tg.tgid)}\nNSpid:\t{_ns_ids(tg, pid)}\n"
                f"NSpgid:\t{_ns_ids(tg, tg.pgid)}\nNSsid:\t{_ns_ids(tg, tg.sid)}\n"
                f"Uid:\t{c.uid}\t{c.euid}\t{c.suid}\t{c.fsuid}\n"
                f"Gid:\t{c.gid}\t{c.egid}\t{c.sgid}\t{c.fsgid}\n"
                f"Groups:\t{' '.join(map(str, c.groups))}{' ' if c.groups else ''}\n"
                f"Threads:\t{len(tg.live_threads)}\n"
                f"CapInh:\t{c.cap_inheritable:016x}\nCapPrm:\t{c.cap_permitted:016x}\n"
                f"CapEff:\t{c.cap_effective:016x}\nCapBnd:\t{c.cap_bounding:016x}\n").encode()


def _ns_ids(tg: "ThreadGroup", pid: int) -> str:
    """The numbers of `pid` in the process's pid namespace and each one above it (the
    machine's first), outermost first, as /proc/PID/status's NSpid shows them."""
    nums = [str(pid)]
    for ns in reversed(list(tg.pid_ns.chain())):
        nr = ns.vnr(pid)
        if not nr:
            break
        nums.append(str(nr))
    return "\t".join(nums)


#: the words /proc/PID/status adds to each state letter
STATE_NAMES = {"R": "running", "S": "sleeping", "T": "stopped", "Z": "zombie", "X": "dead"}


def _state(tg: "ThreadGroup", thread: "Task | None" = None) -> str:
    """The state letter /proc/PID/stat shows: the thread's, or the process's leader's."""
    t = thread or tg.leader
    if thread is None and tg.state is GroupState.ZOMBIE:
        return "Z"
    if t is None:
        return "R"
    if not t.alive:
        return "Z" if thread is None else "X"
    return t.state.value
