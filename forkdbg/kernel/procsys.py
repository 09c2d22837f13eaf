"""The /proc files programs read about the machine and themselves, beyond the process
tree: /proc/sys (sysctls, some writable as root may write them), cpuinfo, stat, mounts,
and a process's environ, auxv, limits, mounts, timerslack_ns and oom_score_adj.

The machine they describe is the emulated one: one CPU, the virtual clock, forkdbg's
limits, and the root the guest was given.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Callable

from ..abi.errno import Errno
from ..abi.procflags import RLIMIT_NAMES
from ..fs.pipe import PIPE_MAX_SIZE
from ..fs.synthetic import SynthNode
from .errors import KernelError

if TYPE_CHECKING:
    from .kernel import Kernel
    from .thread_group import ThreadGroup

PID_MAX = 4194304
NR_OPEN = 1048576
SYSCTL_INO = 0x200000


def _int_writer(lo: int, hi: int, store: Callable[[int], None]) -> Callable[[bytes], None]:
    """proc_dointvec_minmax: one integer in range, or EINVAL."""
    def write(data: bytes) -> None:
        try:
            v = int(data.split()[0]) if data.split() else None
        except ValueError:
            v = None
        if v is None or not lo <= v <= hi:
            raise KernelError(Errno.EINVAL)
        store(v)
    return write


def _set_last_pid(kernel: "Kernel", v: int) -> None:
    kernel._next_pid = v + 1  # the next fork takes the pid after it, if free


def _set_hostname(kernel: "Kernel", data: bytes) -> None:
    name = data.rstrip(b"\n")
    if len(name) > 64:
        raise KernelError(Errno.EINVAL)
    kernel.hostname = name


class SysctlTree:
    """/proc/sys: directories of one-value files."""

    def __init__(self, kernel: "Kernel") -> None:
        k = self.kernel = kernel
        #: tunables root may write: kept and read back (the emulated kernel's behaviour
        #: does not follow them, except ns_last_pid and hostname)
        self.values = {"pid_max": PID_MAX, "threads-max": k.config.max_procs, "tainted": 0,
                       "overcommit_memory": 0, "max_map_count": 65530,
                       "pipe-max-size": PIPE_MAX_SIZE, "nr_open": NR_OPEN}
        self.core_pattern = b"core"  # no core files are written; the pattern is kept
        ranges = {"pid_max": (301, PID_MAX), "threads-max": (20, 1 << 30), "tainted": (0, 0),
                  "overcommit_memory": (0, 2), "max_map_count": (0, (1 << 31) - 1),
                  "pipe-max-size": (4096, 1 << 30), "nr_open": (64, NR_OPEN)}

        def tunable(name: str) -> tuple[Callable[[], bytes], Callable[[bytes], None] | None]:
            lo, hi = ranges[name]
            return (lambda: b"%d\n" % self.values[name],
                    _int_writer(lo, hi, lambda v: self.values.__setitem__(name, v)))
        self.tree: dict[str, dict[str, tuple[Callable[[], bytes],
                                             Callable[[bytes], None] | None]]] = {
            "kernel": {
                "pid_max": tunable("pid_max"),
                "ns_last_pid": (lambda: b"%d\n" % (k._next_pid - 1),
                                _int_writer(0, PID_MAX - 1, lambda v: _set_last_pid(k, v))),
                "osrelease": (lambda: b"6.1.0-forkdbg\n", None),
                "ostype": (lambda: b"Linux\n", None),
                "hostname": (lambda: k.hostname + b"\n", lambda d: _set_hostname(k, d)),
                "tainted": tunable("tainted"),
                "core_pattern": (lambda: self.core_pattern + b"\n", self._set_core_pattern),
                "threads-max": tunable("threads-max"),
            },
            "vm": {"overcommit_memory": tunable("overcommit_memory"),
                   "max_map_count": tunable("max_map_count")},
            "fs": {"pipe-max-size": tunable("pipe-max-size"), "nr_open": tunable("nr_open")},
        }

    def _set_core_pattern(self, data: bytes) -> None:
        if len(data) > 127:
            raise KernelError(Errno.EINVAL)
        self.core_pattern = data.split(b"\n")[0]

    def lookup(self, rest: list[str]) -> SynthNode | None:
        if not rest:
            return SynthNode("dir", SYSCTL_INO, children=lambda: list(self.tree),
                             child=lambda n: self.lookup([n]))
        names = list(self.tree)
        d = self.tree.get(rest[0])
        if d is None:
            return None
        base = SYSCTL_INO + 0x100 * (names.index(rest[0]) + 1)
        if len(rest) == 1:
            return SynthNode("dir", base, children=lambda: list(d),
                             child=lambda n: self.lookup([rest[0], n]))
        entry = d.get(rest[1])
        if entry is None or len(rest) > 2:
            return None
        content, writer = entry
        return SynthNode("file", base + list(d).index(rest[1]) + 1, content=content,
                         writer=writer)


def cpuinfo() -> bytes:
    """One CPU, as the emulated one."""
    return (b"processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n"
            b"model name\t: forkdbg virtual CPU\nstepping\t: 4\ncpu MHz\t\t: 1000.000\n"
            b"cache size\t: 1024 KB\nphysical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\n"
            b"cpu cores\t: 1\napicid\t\t: 0\nfpu\t\t: yes\nfpu_exception\t: yes\n"
            b"cpuid level\t: 13\nwp\t\t: yes\nflags\t\t: fpu tsc cx8 cmov mmx fxsr sse sse2 "
            b"syscall nx lm constant_tsc pni ssse3 cx16 sse4_1 sse4_2 popcnt\n"
            b"bogomips\t: 2000.00\nclflush size\t: 64\ncache_alignment\t: 64\n"
            b"address sizes\t: 46 bits physical, 48 bits virtual\n\n")


def stat(kernel: "Kernel") -> bytes:
    """/proc/stat: the one CPU's ticks (user time of every process), boot time, counts."""
    ticks = sum(tg.utime_ns for tg in kernel.groups.values()) // 10**7
    idle = max(kernel.clock.now // 10**7 - ticks, 0)
    cpu = f"{ticks} 0 0 {idle} 0 0 0 0 0 0"
    boot = (kernel.clock.realtime - kernel.clock.now) // 10**9
    running = sum(1 for t in kernel.tasks.values() if t.sleep is None)
    return (f"cpu  {cpu}\ncpu0 {cpu}\nintr 0\nctxt 0\nbtime {boot}\n"
            f"processes {kernel._next_pid - kernel.config.pid_base}\n"
            f"procs_running {running}\nprocs_blocked 0\n").encode()


MOUNTS = (b"/dev/root / ext4 rw,relatime 0 0\nproc /proc proc rw,nosuid,nodev,noexec 0 0\n"
          b"sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"
          b"tmpfs /dev/shm tmpfs rw,nosuid,nodev,inode64 0 0\n")
#: /proc/filesystems: the file system types this kernel has (those mounted, and the
#: internal ones behind sockets and pipes)
FILESYSTEMS = b"nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tsockfs\nnodev\tpipefs\n\text4\n"
MOUNTINFO = (b"1 0 8:1 / / rw,relatime shared:1 - ext4 /dev/root rw\n"
             b"2 1 0:4 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw\n"
             b"3 1 0:5 / /sys rw,nosuid,nodev,noexec,relatime shared:3 - sysfs sysfs rw\n"
             b"4 1 0:6 / /dev/shm rw,nosuid,nodev shared:4 - tmpfs tmpfs rw,inode64\n")


def limits(tg: "ThreadGroup") -> bytes:
    """/proc/PID/limits: the process's resource limits in Linux's table."""
    units = {0: "seconds", 1: "bytes", 2: "bytes", 3: "bytes", 4: "bytes", 5: "bytes",
             6: "processes", 7: "files", 8: "bytes", 9: "bytes", 10: "locks", 11: "signals",
             12: "bytes", 15: "us"}
    lines = [f"{'Limit':<25} {'Soft Limit':<20} {'Hard Limit':<20} {'Units':<10}"]
    for res, name in RLIMIT_NAMES.items():
        cur, mx = tg.rlimit(res)
        show = lambda v: "unlimited" if v >= 1 << 63 else str(v)  # noqa: E731
        unit = f"{units[res]:<10}" if res in units else ""
        lines.append(f"{_LIMIT_LABELS[name]:<25} {show(cur):<20} {show(mx):<20} {unit}")
    return ("\n".join(lines) + "\n").encode()


_LIMIT_LABELS = {
    "RLIMIT_CPU": "Max cpu time", "RLIMIT_FSIZE": "Max file size", "RLIMIT_DATA": "Max data size",
    "RLIMIT_STACK": "Max stack size", "RLIMIT_CORE": "Max core file size",
    "RLIMIT_RSS": "Max resident set", "RLIMIT_NPROC": "Max processes",
    "RLIMIT_NOFILE": "Max open files", "RLIMIT_MEMLOCK": "Max locked memory",
    "RLIMIT_AS": "Max address space", "RLIMIT_LOCKS": "Max file locks",
    "RLIMIT_SIGPENDING": "Max pending signals", "RLIMIT_MSGQUEUE": "Max msgqueue size",
    "RLIMIT_NICE": "Max nice priority", "RLIMIT_RTPRIO": "Max realtime priority",
    "RLIMIT_RTTIME": "Max realtime timeout"}


def environ(tg: "ThreadGroup") -> bytes:
    """The initial environment block of the process's stack (what exec put there)."""
    leader = tg.leader
    if leader is None or leader.mm.released:
        return b""
    mm = leader.mm
    _argv, envp, count = mm.start_args
    out = b""
    for i in range(count):
        try:
            ptr = struct.unpack("<Q", mm.read(envp + 8 * i, 8))[0]
            out += mm.read_cstr(ptr) + b"\0"
        except Exception:  # noqa: BLE001 - a program may have overwritten its stack
            break
    return out


def auxv(tg: "ThreadGroup") -> bytes:
    leader = tg.leader
    if leader is None:
        return b""
    return b"".join(struct.pack("<QQ", k, v) for k, v in leader.mm.auxv)
