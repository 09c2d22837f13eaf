"""How strace prints a signal's information: siginfo_t by signal and code, pids with their
command names under -Y, and errno values by name."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Callable

from ..abi.errno import Errno
from ..abi.signals import (
    CLD_EXITED,
    SI_SIGIO,
    SI_TIMER,
    SI_TKILL,
    SI_USER,
    Sig,
    si_code_name,
    signal_name,
)
from ..kernel.sigframe import siginfo_fields
from .ctx import Call
from .describe import Style, chex, ptr

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task


def errno_text(e: int) -> str:
    """strace's PRINT_FIELD_ERR_U: the errno's name, else the number."""
    e &= 0xFFFFFFFF
    try:
        return Errno(e).name
    except ValueError:
        return str(e)


def _sigval(info: dict[str, int]) -> list[str]:
    v = info.get("value", 0)
    s32 = v & 0xFFFFFFFF
    return [f"si_int={s32 - (1 << 32) if s32 >> 31 else s32}", f"si_ptr={ptr(v)}"]


FAULT_SIGNALS = (Sig.SIGILL, Sig.SIGFPE, Sig.SIGBUS, Sig.SIGSEGV, Sig.SIGTRAP)


def pid_comm(kernel: "Kernel", pid: int) -> str:
    """``1001<name>`` while process or thread 1001 exists (a zombie too), else ``1001``."""
    t = kernel.tasks.get(pid) if pid > 0 else None
    g = kernel.group(pid) if pid > 0 else None
    comm = (t.comm or t.tg.comm) if t is not None else (g.comm if g is not None else None)
    return f"{pid}<{comm.decode(errors='replace')}>" if comm is not None else str(pid)


def pid_text(c: Call, pid: int) -> str:
    """A pid in a call of `c.task` (pid_seen_by)."""
    return pid_seen_by(c.task, c.style, pid)


def pid_seen_by(task: "Task", style: Style, pid: int) -> str:
    """A pid as `task` numbers it, with its command name under -Y, and under
    --pidns-translation the machine's number when the task's namespace differs."""
    machine = task.tg.pid_ns.find(pid) if pid > 0 else None
    text = pid_comm(task.kernel, machine or pid) if style.pid_comm else str(pid)
    if style.pidns and machine is not None and machine != pid:
        text = text.replace(str(machine), str(pid), 1) if style.pid_comm else text
        text += f" /* {machine} in strace's PID NS */"
    return text


def pgid_arg_text(c: Call, pid: int) -> str:
    """kill's and wait4's first argument: a pid, or a process group as its negation."""
    if pid < -1:
        return "-" + pid_text(c, -pid)
    return pid_text(c, pid) if pid > 0 else str(pid)


#: calls whose result is a pid in the caller's namespace (strace's RVAL_TGID and kin)
PID_RESULTS = frozenset({"getpid", "gettid", "getppid", "getpgid", "getpgrp", "getsid",
                         "setsid", "fork", "vfork", "clone", "clone3", "wait4",
                         "set_tid_address"})


def siginfo_text(info: dict[str, int], pid_fmt: Callable[[int], str] = str) -> str:
    """``{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=..., ...}``: the fields strace's
    printsiginfo shows for the signal and code."""
    sig = info.get("signo", 0)
    code = info.get("code", 0)
    parts = [f"si_signo={signal_name(sig)}", f"si_code={si_code_name(sig, code)}"]
    if info.get("errno"):
        parts.append(f"si_errno={errno_text(info['errno'])}")
    uid = info.get("uid", 0)
    uid_text = "-1" if uid in (-1, 0xFFFFFFFF) else str(uid)
    source = [f"si_pid={pid_fmt(info.get('pid', 0))}", f"si_uid={uid_text}"]
    if code <= 0:  # sent by a process (SI_FROMUSER)
        if code == SI_TIMER:
            parts += [f"si_timerid={chex(info.get('timerid', 0) & 0xFFFFFFFF)}",
                      f"si_overrun={info.get('overrun', 0)}"] + _sigval(info)
        elif code == SI_SIGIO:
            parts += [f"si_band={info.get('band', 0)}", f"si_fd={info.get('fd', 0)}"]
        else:
            parts += source
            if code not in (SI_USER, SI_TKILL) and info.get("value"):
                parts += _sigval(info)
    elif sig == Sig.SIGCHLD:
        status = info.get("status", 0)
        st = str(status) if code == CLD_EXITED else signal_name(status)
        parts += source + [f"si_status={st}", f"si_utime={info.get('utime', 0)}",
                           f"si_stime={info.get('stime', 0)}"]
    elif sig in FAULT_SIGNALS:
        parts.append(f"si_addr={ptr(info.get('addr', 0))}")
    elif sig == Sig.SIGIO:
        parts += [f"si_band={info.get('band', 0)}", f"si_fd={info.get('fd', 0)}"]
    return "{" + ", ".join(parts) + "}"


def siginfo_at(c: Call, addr: int) -> str:
    b = c.mem(addr, 128)
    if b is None:
        return ptr(addr)
    signo, errno, code = struct.unpack_from("<iii", b)
    if signo == 0:
        return "{}"
    return siginfo_text(siginfo_fields(b), lambda p: pid_text(c, p))
