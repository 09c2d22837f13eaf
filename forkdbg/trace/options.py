"""strace's qualifying expressions: -e trace=, signal=, status=, inject= (and -e NAME)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..abi.errno import Errno
from ..abi.signals import NSIG, parse_signal
from ..abi.sysclasses import CLASSES
from ..abi.sysnums import SYSCALL_NAMES, SYSCALL_NUMBERS
from .describe import Style

DECODE_FDS = ("path", "socket", "dev", "pidfd")
STATUSES = ("successful", "failed", "unfinished", "unavailable", "detached")
#: what -e quiet= can silence (-q: attach and personality; -qq: and exit; -qqq: all)
QUIET = ("attach", "exit", "path-resolution", "personality", "thread-execve")
QUIET_ALIASES = {"exits": "exit", "superseded": "thread-execve"}  # strace 6.1 takes both
QUIET_LEVELS = {0: set(), 1: {"attach", "personality"}, 2: {"attach", "personality", "exit"},
                3: set(QUIET)}
SORT_KEYS = {"time": "time", "time_total": "time", "total_time": "time", "calls": "calls",
             "count": "calls", "errors": "errors", "error": "errors", "name": "name",
             "syscall": "name", "syscall_name": "name", "nothing": "nothing", "none": "nothing"}


class OptionError(ValueError):
    """A qualifying expression forkdbg cannot understand (a one-line usage error)."""


def _split(value: str) -> tuple[bool, list[str]]:
    neg = value.startswith("!")
    if neg:
        value = value[1:]
    return neg, [v for v in value.split(",") if v]


#: the classes strace still takes without their % (trace=process, fault=!file)
LEGACY_CLASSES = ("desc", "file", "ipc", "memory", "network", "process", "signal")


def syscall_set(value: str, known: set[int] | None = None) -> set[int]:
    """The syscall numbers a `trace=` value selects."""
    neg, items = _split(value)
    chosen: set[int] = set()
    for it in items:
        if it in ("all",):
            chosen |= set(SYSCALL_NAMES)
        elif it == "none":
            pass
        elif it.lstrip("?") in LEGACY_CLASSES or it.startswith("%") or it.startswith("?%"):
            cls = it.lstrip("?%")
            if it.startswith("%%"):
                cls = "%" + it[2:]
            if cls not in CLASSES:
                raise OptionError(f"invalid system call class {it!r}")
            chosen |= {SYSCALL_NUMBERS[n] for n in CLASSES[cls] if n in SYSCALL_NUMBERS}
        elif it.startswith("/"):
            try:
                rx = re.compile(it[1:])
            except re.error as e:
                raise OptionError(f"invalid regular expression {it[1:]!r}: {e}") from None
            chosen |= {nr for nr, n in SYSCALL_NAMES.items() if rx.search(n)}
        else:
            opt = it.startswith("?")
            name = it.lstrip("?")
            if name.isdigit():
                chosen.add(int(name))
            elif name in SYSCALL_NUMBERS:
                chosen.add(SYSCALL_NUMBERS[name])
            elif not opt:
                raise OptionError(f"invalid system call {name!r}")
    return set(SYSCALL_NAMES) - chosen if neg else chosen


@dataclass(frozen=True)
class FdSet:
    """Descriptors chosen by read= or write=: a few, or all but a few."""

    fds: frozenset[int] = frozenset()
    invert: bool = False

    def __contains__(self, fd: object) -> bool:
        return (fd in self.fds) != self.invert

    def __bool__(self) -> bool:
        return self.invert or bool(self.fds)


def fd_set(value: str) -> FdSet:
    """The descriptors a read= or write= value selects."""
    neg, items = _split(value)
    chosen: set[int] = set()
    everything = False
    for it in items:
        if it == "all":
            everything = True
        elif it.isdigit():
            chosen.add(int(it))
        elif it != "none":
            raise OptionError(f"invalid descriptor {it!r}")
    if everything:
        return FdSet(frozenset(), not neg)
    return FdSet(frozenset(chosen), neg)


def word_set(value: str, words: tuple[str, ...], what: str) -> set[str]:
    """A set of named items (quiet=, status=) with all, none and !negation."""
    neg, items = _split(value)
    for it in items:
        if it not in words and it not in ("all", "none"):
            raise OptionError(f"invalid {what} {it!r}")
    chosen = set(words) if "all" in items else {i for i in items if i != "none"}
    return set(words) - chosen if neg else chosen


def signal_set(value: str) -> set[int]:
    neg, items = _split(value)
    chosen: set[int] = set()
    for it in items:
        if it == "all":
            chosen |= set(range(1, NSIG + 1))
        elif it != "none":
            try:
                chosen.add(parse_signal(it))
            except ValueError as e:
                raise OptionError(str(e)) from None
    return set(range(1, NSIG + 1)) - chosen if neg else chosen


@dataclass
class Inject:
    """-e inject=SET:error=E|retval=N[:when=EXPR]."""

    nrs: set[int]
    value: int  # what the call returns (-errno for error=)
    first: int = 1
    last: int | None = None
    step: int = 0  # 0: only `first` (and up to `last`), else every `step` from `first`

    def fires(self, n: int) -> bool:
        """Does the n-th (1-based) matching call get the injected result?"""
        if n < self.first or (self.last is not None and n > self.last):
            return False
        if self.step == 0:
            return self.last is not None or n == self.first
        return (n - self.first) % self.step == 0


MAX_WHEN = 65535  # strace counts calls in 16 bits
MAX_ERRNO = 4095
WHEN = re.compile(r"([1-9]\d*)(?:\.\.([1-9]\d*))?(?:\+([1-9]\d*)?)?")


def parse_inject(value: str, fault: bool = False) -> Inject:
    """strace 6.1's inject/fault grammar: SET:error=E|retval=N[:when=EXPR][:syscall=NAME]
    (fault: error= only, ENOSYS by default); anything else is refused whole."""
    parts = value.split(":")
    nrs = syscall_set(parts[0])
    result = None
    first, last, step = 1, None, 1
    seen: set[str] = set()
    for p in parts[1:]:
        key, eq, arg = p.partition("=")
        if not eq or key in seen or (fault and key not in ("error", "when", "syscall")):
            raise OptionError(p)
        seen.add(key)
        if key == "error":
            result = -_errno(arg)
        elif key == "retval":
            try:
                result = int(arg, 0)
            except ValueError:
                raise OptionError(p) from None
        elif key == "when":
            m = WHEN.fullmatch(arg)
            if not m:
                raise OptionError(p)
            first = int(m.group(1))
            last = int(m.group(2)) if m.group(2) else None
            has_step = m.group(0).endswith("+") or m.group(3) is not None
            step = int(m.group(3) or 1) if has_step else 0
            if first > MAX_WHEN or step > MAX_WHEN or (
                    last is not None and not first <= last < MAX_WHEN):
                raise OptionError(p)
        elif key == "syscall":  # run this harmless call in place of the faulted one
            if arg not in CLASSES["pure"]:
                raise OptionError(p)
        else:
            raise OptionError(p)
    if result is None:
        if not fault:
            raise OptionError("inject needs error= or retval=")
        result = -int(Errno.ENOSYS)
    if "when" not in seen:
        first, last, step = 1, None, 1
    return Inject(nrs, result, first, last, step)


def _errno(arg: str) -> int:
    """An error= value: a name (ENOENT) or a number from 1 to 4095."""
    if arg.isdigit() and 1 <= int(arg) <= MAX_ERRNO:
        return int(arg)
    if arg.upper() in Errno.__members__:
        return int(Errno[arg.upper()])
    raise OptionError(f"error={arg}")


@dataclass
class TraceOptions:
    """Everything -f, -o, -e, -s ... ask of the tracer."""

    follow: bool = False
    per_pid: bool = False
    append: bool = False  # -A: -o files are appended to
    progname: str = "forkdbg"  # the name on forkdbg's own messages (FORKDBG_PROGNAME)
    output: str | None = None
    syscalls: set[int] | None = None  # None: all
    signals: set[int] | None = None
    statuses: set[str] | None = None
    inject: list[Inject] = field(default_factory=list)
    style: Style = field(default_factory=Style)
    column: int = 40
    quiet: set[str] = field(default_factory=set)  # QUIET items
    timestamps: int = 0
    relative: bool = False
    durations: bool = False
    ip: bool = False
    stack: bool = False
    fdpaths: frozenset[str] = frozenset()  # -y: path; -yy: all of DECODE_FDS
    summary: int = 0  # 1: -c (summary only), 2: -C (lines and summary)
    json: bool = False
    calls: list[str] | None = None
    numbers: bool = False  # -n: [NR] before each call
    detach_on_execve: bool = False  # -b execve: a process that execs is followed no more
    raw: set[int] = field(default_factory=set)  # -e raw=: arguments undecoded, in hex
    verbose_calls: set[int] | None = None  # -e abbrev=: the calls not cut short (None: -v)
    dump_read: FdSet = field(default_factory=FdSet)  # -e read=: hex dumps of reads
    dump_write: FdSet = field(default_factory=FdSet)  # -e write=: hex dumps of writes
    paths: list[str] = field(default_factory=list)  # -P: only calls that touch these
    sort_by: str = "time"  # -S for the -c table
    vdso_calls: bool = False  # show the calls the vDSO makes (strace cannot see them)

    def qualify(self, expr: str) -> None:
        """Apply one -e expression."""
        key, eq, value = expr.partition("=")
        if not eq:
            key, value = "trace", expr
        key = {"t": "trace", "s": "signal", "signals": "signal", "v": "verbose",
               "a": "abbrev", "x": "raw", "r": "read", "w": "write", "q": "quiet",
               "silent": "quiet", "silence": "quiet"}.get(key, key)
        if key == "trace":
            got = syscall_set(value)
            self.syscalls = got if self.syscalls is None else (self.syscalls | got)
        elif key == "signal":
            self.signals = signal_set(value)
        elif key == "status":
            self.statuses = word_set(value, STATUSES, "status")
        elif key in ("inject", "fault"):
            try:
                self.inject.append(parse_inject(value, fault=key == "fault"))
            except OptionError:
                raise OptionError(f"invalid {key} argument '{value}'") from None
        elif key == "abbrev":  # the calls whose big structures are cut short (-v: none)
            self.verbose_calls = set(SYSCALL_NAMES) - syscall_set(value)
        elif key == "verbose":
            if set(syscall_set(value)) != set(SYSCALL_NAMES):  # verbose=all is the default
                raise OptionError("verbose= (printing structures as bare addresses) is not "
                                  "supported; abbrev=SET and -v are")
        elif key == "raw":
            self.raw = syscall_set(value)
        elif key == "read":
            self.dump_read = fd_set(value)
        elif key == "write":
            self.dump_write = fd_set(value)
        elif key == "quiet":
            neg, items = _split(value)
            value = ("!" if neg else "") + ",".join(QUIET_ALIASES.get(i, i) for i in items)
            self.quiet = word_set(value, QUIET, "quiet item")
        elif key in ("decode-fd", "decode-fds"):
            self.fdpaths = frozenset(word_set(value, DECODE_FDS, "decode-fd item"))
        else:
            raise OptionError(f"invalid -e qualifier {key!r}")
