"""gdb's own signal numbering, names, words and defaults, and its `handle` rules.

gdb does not number signals as Linux does: its enum (gdbsupport/signals.def) lists every
system's signals in one order, and `info signals`, `handle 1-15` and the words in stop
messages ("SIG34", "Real-time event 34") follow it.  Linux numbers map onto it by name;
SIGSTKFLT has no gdb signal and is reported as "?", "Unknown signal".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..abi.signals import SIGRTMAX, Sig
from .registry import CommandError


@dataclass(frozen=True)
class GdbSignal:
    num: int  # gdb's enum value
    name: str
    description: str
    linux: int | None  # the Linux signal it stands for on x86-64, if any


def _table() -> list[GdbSignal]:
    named = [
        ("SIGHUP", "Hangup"), ("SIGINT", "Interrupt"), ("SIGQUIT", "Quit"),
        ("SIGILL", "Illegal instruction"), ("SIGTRAP", "Trace/breakpoint trap"),
        ("SIGABRT", "Aborted"), ("SIGEMT", "Emulation trap"), ("SIGFPE", "Arithmetic exception"),
        ("SIGKILL", "Killed"), ("SIGBUS", "Bus error"), ("SIGSEGV", "Segmentation fault"),
        ("SIGSYS", "Bad system call"), ("SIGPIPE", "Broken pipe"), ("SIGALRM", "Alarm clock"),
        ("SIGTERM", "Terminated"), ("SIGURG", "Urgent I/O condition"),
        ("SIGSTOP", "Stopped (signal)"), ("SIGTSTP", "Stopped (user)"), ("SIGCONT", "Continued"),
        ("SIGCHLD", "Child status changed"), ("SIGTTIN", "Stopped (tty input)"),
        ("SIGTTOU", "Stopped (tty output)"), ("SIGIO", "I/O possible"),
        ("SIGXCPU", "CPU time limit exceeded"), ("SIGXFSZ", "File size limit exceeded"),
        ("SIGVTALRM", "Virtual timer expired"), ("SIGPROF", "Profiling timer expired"),
        ("SIGWINCH", "Window size changed"), ("SIGLOST", "Resource lost"),
        ("SIGUSR1", "User defined signal 1"), ("SIGUSR2", "User defined signal 2"),
        ("SIGPWR", "Power fail/restart"), ("SIGPOLL", "Pollable event occurred"),
        ("SIGWIND", "SIGWIND"), ("SIGPHONE", "SIGPHONE"),
        ("SIGWAITING", "Process's LWPs are blocked"), ("SIGLWP", "Signal LWP"),
        ("SIGDANGER", "Swap space dangerously low"), ("SIGGRANT", "Monitor mode granted"),
        ("SIGRETRACT", "Need to relinquish monitor mode"),
        ("SIGMSG", "Monitor mode data available"), ("SIGSOUND", "Sound completed"),
        ("SIGSAK", "Secure attention"), ("SIGPRIO", "SIGPRIO"),
        *[(f"SIG{n}", "") for n in range(33, 64)],
        ("SIGCANCEL", "LWP internal signal"), ("SIG32", ""),
        *[(f"SIG{n}", "") for n in range(64, 128)],
        ("SIGINFO", "Information request"), ("EXC_BAD_ACCESS", "Could not access memory"),
        ("EXC_BAD_INSTRUCTION", "Illegal instruction/operand"),
        ("EXC_ARITHMETIC", "Arithmetic exception"), ("EXC_EMULATION", "Emulation instruction"),
        ("EXC_SOFTWARE", "Software generated exception"), ("EXC_BREAKPOINT", "Breakpoint"),
        ("SIGLIBRT", "librt internal signal"),
    ]
    out = []
    for i, (name, desc) in enumerate(named, 1):
        linux: int | None = None
        if name in Sig.__members__ and name != "SIGSTKFLT":
            linux = int(Sig[name])
        elif name[3:].isascii() and name[3:].isdigit() and int(name[3:]) <= SIGRTMAX:
            linux = int(name[3:])
        if not desc:
            desc = f"Real-time event {name[3:]}"
        out.append(GdbSignal(i, name, desc, linux))
    return out


SIGNALS = _table()
BY_NAME = {g.name: g for g in SIGNALS}
BY_LINUX: dict[int, GdbSignal] = {}
for _g in SIGNALS:  # SIGIO before its alias SIGPOLL, SIGABRT before SIGIOT
    if _g.linux is not None:
        BY_LINUX.setdefault(_g.linux, _g)
UNKNOWN = GdbSignal(len(SIGNALS) + 1, "?", "Unknown signal", None)
QUIET = {"SIGALRM", "SIGURG", "SIGCHLD", "SIGIO", "SIGVTALRM", "SIGPROF", "SIGWINCH",
         "SIGPOLL", "SIGWAITING", "SIGLWP", "SIGPRIO", "SIGCANCEL", "SIGLIBRT"}
INTERNAL = {"SIGINT", "SIGTRAP"}  # the debugger's own: not passed, not caught by default
NUMERIC_ERROR = ("Only signals 1-15 are valid as numeric signals.\n"
                 "Use \"info signals\" for a list of symbolic signals.")


def of_linux(sig: int) -> GdbSignal:
    """The gdb signal a Linux signal number is reported as."""
    return BY_LINUX.get(sig, UNKNOWN)


def name_of(sig: int) -> str:
    return of_linux(sig).name


def description_of(sig: int) -> str:
    return of_linux(sig).description


def default_policy(g: GdbSignal) -> list[bool]:
    """[stop, print, pass] as gdb starts."""
    quiet = g.name in QUIET
    return [not quiet, not quiet, g.name not in INTERNAL]


def from_command(n: int) -> GdbSignal:
    """A number typed as a signal: only gdb's 1-15, which are the same everywhere."""
    if not 1 <= n <= 15:
        raise CommandError(NUMERIC_ERROR)
    return SIGNALS[n - 1]


def from_name(word: str) -> GdbSignal | None:
    """gdb's exact names (SIGINT, SIG34, EXC_BAD_ACCESS); nothing else."""
    return BY_NAME.get(word)


ACTIONS = [  # (word, shortest prefix accepted, [(policy index, value)])
    ("stop", 1, [(0, True), (1, True)]), ("ignore", 1, [(2, False)]),
    ("print", 2, [(1, True)]), ("pass", 2, [(2, True)]),
    ("nostop", 3, [(0, False)]), ("noignore", 3, [(2, True)]),
    ("noprint", 4, [(1, False), (0, False)]), ("nopass", 4, [(2, False)]),
]


def action_of(word: str) -> list[tuple[int, bool]] | None:
    for name, shortest, effects in ACTIONS:
        if len(word) >= shortest and name.startswith(word):
            return effects
    return None


def digits_prefix(word: str) -> int:
    """int(leading digits) as C's atoi reads them (0 when there are none)."""
    i = 0
    while i < len(word) and word[i] in "0123456789":
        i += 1
    return int(word[:i]) if i else 0


def parse_arg(word: str, evaluate: Callable[[str], int]) -> GdbSignal | None:
    """A signal as `signal`, `info signals` and `catch signal` take one: a gdb name, else
    an expression whose value is 0 (None: no signal) or one of gdb's numbers 1-15."""
    g = from_name(word)
    if g is not None:
        return g
    n = evaluate(word)
    return None if n == 0 else from_command(n)


def linux_number(g: GdbSignal) -> int:
    """The Linux signal to deliver for a gdb signal."""
    if g.linux is None:
        raise CommandError(f"Signal {g.name} does not exist on this system.")
    return g.linux
