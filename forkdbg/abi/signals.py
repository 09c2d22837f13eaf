"""Linux signal numbers, names, default actions and si_code names (x86-64)."""

from __future__ import annotations

import enum


class Sig(enum.IntEnum):
    """Standard signal numbers on x86-64 Linux."""

    SIGHUP = 1
    SIGINT = 2
    SIGQUIT = 3
    SIGILL = 4
    SIGTRAP = 5
    SIGABRT = 6
    SIGBUS = 7
    SIGFPE = 8
    SIGKILL = 9
    SIGUSR1 = 10
    SIGSEGV = 11
    SIGUSR2 = 12
    SIGPIPE = 13
    SIGALRM = 14
    SIGTERM = 15
    SIGSTKFLT = 16
    SIGCHLD = 17
    SIGCONT = 18
    SIGSTOP = 19
    SIGTSTP = 20
    SIGTTIN = 21
    SIGTTOU = 22
    SIGURG = 23
    SIGXCPU = 24
    SIGXFSZ = 25
    SIGVTALRM = 26
    SIGPROF = 27
    SIGWINCH = 28
    SIGIO = 29
    SIGPWR = 30
    SIGSYS = 31


SIGRTMIN = 32
SIGRTMAX = 64
NSIG = 64


class Action(enum.Enum):
    """What a signal does when its disposition is SIG_DFL."""

    TERM = "terminate"
    CORE = "core"
    IGNORE = "ignore"
    STOP = "stop"
    CONT = "continue"


_CORE = {Sig.SIGQUIT, Sig.SIGILL, Sig.SIGTRAP, Sig.SIGABRT, Sig.SIGBUS, Sig.SIGFPE,
         Sig.SIGSEGV, Sig.SIGXCPU, Sig.SIGXFSZ, Sig.SIGSYS}
_IGNORE = {Sig.SIGCHLD, Sig.SIGURG, Sig.SIGWINCH}
_STOP = {Sig.SIGSTOP, Sig.SIGTSTP, Sig.SIGTTIN, Sig.SIGTTOU}


def default_action(sig: int) -> Action:
    """The default action of signal `sig` (signal(7))."""
    if sig in _CORE:
        return Action.CORE
    if sig in _IGNORE:
        return Action.IGNORE
    if sig in _STOP:
        return Action.STOP
    if sig == Sig.SIGCONT:
        return Action.CONT
    return Action.TERM


#: strsignal() text as glibc prints it.
DESCRIPTIONS: dict[int, str] = {
    1: "Hangup", 2: "Interrupt", 3: "Quit", 4: "Illegal instruction",
    5: "Trace/breakpoint trap", 6: "Aborted", 7: "Bus error",
    8: "Floating point exception", 9: "Killed", 10: "User defined signal 1",
    11: "Segmentation fault", 12: "User defined signal 2", 13: "Broken pipe",
    14: "Alarm clock", 15: "Terminated", 16: "Stack fault", 17: "Child exited",
    18: "Continued", 19: "Stopped (signal)", 20: "Stopped", 21: "Stopped (tty input)",
    22: "Stopped (tty output)", 23: "Urgent I/O condition", 24: "CPU time limit exceeded",
    25: "File size limit exceeded", 26: "Virtual timer expired",
    27: "Profiling timer expired", 28: "Window changed", 29: "I/O possible",
    30: "Power failure", 31: "Bad system call",
}


def signal_name(sig: int) -> str:
    """``SIGCHLD`` for 17, ``SIGRTMIN+3`` / ``SIGRT_3`` style for real-time ones."""
    try:
        return Sig(sig).name
    except ValueError:
        pass
    if sig == SIGRTMIN:
        return "SIGRTMIN"
    if SIGRTMIN < sig <= SIGRTMAX:
        return f"SIGRT_{sig - SIGRTMIN}"
    return str(sig)


def signal_description(sig: int) -> str:
    """strsignal(sig)."""
    if sig in DESCRIPTIONS:
        return DESCRIPTIONS[sig]
    if SIGRTMIN <= sig <= SIGRTMAX:
        return f"Real-time signal {sig - SIGRTMIN}"
    return f"Unknown signal {sig}"


def parse_signal(text: str) -> int:
    """Accept ``SIGCHLD``, ``CHLD``, ``chld`` or ``17``; raise ValueError otherwise."""
    t = text.strip().upper()
    if t.isdigit():
        n = int(t)
        if 1 <= n <= SIGRTMAX:
            return n
        raise ValueError(f"invalid signal number {text!r}")
    if not t.startswith("SIG"):
        t = "SIG" + t
    if t in Sig.__members__:
        return int(Sig[t])
    if t == "SIGRTMIN":
        return SIGRTMIN
    if t == "SIGRTMAX":
        return SIGRTMAX
    if t == "SIGIOT":
        return int(Sig.SIGABRT)
    if t == "SIGPOLL":
        return int(Sig.SIGIO)
    raise ValueError(f"unknown signal {text!r}")


# si_code values
SI_USER = 0
SI_KERNEL = 0x80
SI_QUEUE = -1
SI_MESGQ = -3
SI_TIMER = -2
SI_SIGIO = -5
SI_TKILL = -6
CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_TRAPPED, CLD_STOPPED, CLD_CONTINUED = 1, 2, 3, 4, 5, 6
SEGV_MAPERR, SEGV_ACCERR = 1, 2
ILL_ILLOPC, ILL_ILLOPN = 1, 2
FPE_INTDIV = 1
BUS_ADRERR = 2

_SI_CODES_GENERIC = {SI_USER: "SI_USER", SI_KERNEL: "SI_KERNEL", SI_QUEUE: "SI_QUEUE",
                     SI_TKILL: "SI_TKILL", -2: "SI_TIMER", SI_MESGQ: "SI_MESGQ", -4: "SI_ASYNCIO",
                     -5: "SI_SIGIO"}
_SI_CODES = {
    Sig.SIGCHLD: {1: "CLD_EXITED", 2: "CLD_KILLED", 3: "CLD_DUMPED", 4: "CLD_TRAPPED",
                  5: "CLD_STOPPED", 6: "CLD_CONTINUED"},
    Sig.SIGSEGV: {1: "SEGV_MAPERR", 2: "SEGV_ACCERR"},
    Sig.SIGILL: {1: "ILL_ILLOPC", 2: "ILL_ILLOPN", 3: "ILL_ILLADR", 4: "ILL_ILLTRP",
                 5: "ILL_PRVOPC", 6: "ILL_PRVREG", 7: "ILL_COPROC", 8: "ILL_BADSTK"},
    Sig.SIGFPE: {1: "FPE_INTDIV", 2: "FPE_INTOVF", 3: "FPE_FLTDIV", 4: "FPE_FLTOVF",
                 5: "FPE_FLTUND", 6: "FPE_FLTRES", 7: "FPE_FLTINV", 8: "FPE_FLTSUB"},
    Sig.SIGBUS: {1: "BUS_ADRALN", 2: "BUS_ADRERR", 3: "BUS_OBJERR"},
    Sig.SIGTRAP: {1: "TRAP_BRKPT", 2: "TRAP_TRACE"},
}


def si_code_name(sig: int, code: int) -> str:
    """strace's name for the si_code of a siginfo of signal `sig`."""
    if code in _SI_CODES_GENERIC and code <= 0 or code == SI_KERNEL:
        return _SI_CODES_GENERIC[code]
    names = _SI_CODES.get(sig, {})
    return names.get(code, str(code))
