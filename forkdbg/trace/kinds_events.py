"""Argument kinds of timers and event descriptors: itimerval, itimerspec, sigevent,
epoll_event and the flag words of eventfd, timerfd, signalfd and epoll, as strace 6.1
prints them."""

from __future__ import annotations

import struct
from typing import Callable

from ..abi import eventflags as E
from ..abi.fileflags import FADV_NAMES, FALLOC_FLAGS
from ..abi.flagset import FlagSet
from ..abi.procflags import TIMER_FLAGS
from ..abi.signals import NSIG, signal_name
from ..fs.flock import FLOCK_CMDS
from .ctx import Call
from .describe import const, flags, ptr, signame

U64 = 0xFFFFFFFFFFFFFFFF


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


def timespec_text(sec: int, nsec: int, unit: str = "tv_nsec") -> str:
    """strace's timespec/timeval: seconds signed, the fraction unsigned."""
    return f"{{tv_sec={sec}, {unit}={nsec & U64}}}"


def _pair(c: Call, v: int, out: bool, unit: str) -> str:
    b = c.mem(v, 32)
    if not v or b is None or (out and c.failed):
        return ptr(v)
    isec, ifrac, vsec, vfrac = struct.unpack("<qqqq", b)
    return (f"{{it_interval={timespec_text(isec, ifrac, unit)}, "
            f"it_value={timespec_text(vsec, vfrac, unit)}}}")


def itimerval(c: Call, v: int, param: str, out: bool = False) -> str:
    return _pair(c, v, out, "tv_usec")


def itimerspec(c: Call, v: int, param: str, out: bool = False) -> str:
    return _pair(c, v, out, "tv_nsec")


def sigevent(c: Call, v: int, param: str, out: bool = False) -> str:
    b = c.mem(v, 32)
    if not v or b is None:
        return ptr(v)
    value, signo, notify, tid = struct.unpack_from("<Qiii", b)
    fn, attr = struct.unpack_from("<QQ", b, 16)
    parts = []
    if value:
        parts.append(f"sigev_value={{sival_int={_s32(value)}, sival_ptr={ptr(value)}}}")
    if notify in (E.SIGEV_SIGNAL, E.SIGEV_THREAD, E.SIGEV_THREAD_ID):
        parts.append(f"sigev_signo={signame(signo, c.style)}")
    else:
        parts.append(f"sigev_signo={signo & 0xFFFFFFFF}")
    parts.append("sigev_notify=" + const(E.SIGEV_NAMES, notify & 0xFFFFFFFF, c.style,
                                         "{:#x} /* SIGEV_??? */"))
    if notify == E.SIGEV_THREAD_ID:
        parts.append(f"sigev_notify_thread_id={tid}")
    elif notify == E.SIGEV_THREAD:
        parts += [f"sigev_notify_function={ptr(fn)}", f"sigev_notify_attributes={ptr(attr)}"]
    return "{" + ", ".join(parts) + "}"


def timezone(c: Call, v: int, param: str, out: bool = False) -> str:
    b = None if out and c.failed else c.mem(v, 8)
    if not v or b is None:
        return ptr(v)
    west, dst = struct.unpack("<ii", b)
    return f"{{tz_minuteswest={west}, tz_dsttime={dst}}}"


def int_out(c: Call, v: int, param: str, out: bool = True) -> str:
    """``[N]``: an int the kernel stored (timer_create's id)."""
    b = None if c.failed else c.mem(v, 4)
    return ptr(v) if b is None else f"[{struct.unpack('<i', b)[0]}]"


def loff_in(c: Call, v: int, param: str, out: bool = False) -> str:
    """``[N]``: a 64-bit file offset the call reads (copy_file_range's), NULL when none."""
    b = c.mem(v, 8) if v else None
    return ptr(v) if b is None else f"[{struct.unpack('<q', b)[0]}]"


def epoll_event_text(c: Call, b: bytes, off: int = 0) -> str:
    events, data = struct.unpack_from("<IQ", b, off)
    return (f"{{events={flags(E.EPOLL_EVENTS, events, c.style, unknown='EPOLL???')}, "
            f"data={{u32={data & 0xFFFFFFFF}, u64={data}}}}}")


def epoll_event(c: Call, v: int, param: str, out: bool = False) -> str:
    b = c.mem(v, E.EPOLL_EVENT_SIZE)
    return ptr(v) if not v or b is None else epoll_event_text(c, b)


def epoll_events(c: Call, v: int, param: str, out: bool = True) -> str:
    """epoll_wait's array: the events the call returned, at most -s of them."""
    if c.failed or c.ret is None or not v:
        return ptr(v)
    n = c.ret
    shown = min(n, c.style.strsize)
    b = c.mem(v, shown * E.EPOLL_EVENT_SIZE)
    if b is None:
        return ptr(v)
    items = [epoll_event_text(c, b, i * E.EPOLL_EVENT_SIZE) for i in range(shown)]
    return "[" + ", ".join(items + (["..."] if n > shown else [])) + "]"


def _flagword(fs: FlagSet, unknown: str) -> Callable[[Call, int, str], str]:
    def render(c: Call, v: int, param: str, out: bool = False) -> str:
        return flags(fs, v & 0xFFFFFFFF, c.style, unknown=unknown)
    return render


def _constant(table: dict[int, str], unknown: str) -> Callable[[Call, int, str], str]:
    def render(c: Call, v: int, param: str, out: bool = False) -> str:
        return const(table, v & 0xFFFFFFFF, c.style, "{:#x} /* " + unknown + " */")
    return render


def flock_op(c: Call, v: int, param: str, out: bool = False) -> str:
    """strace's flock operation: ``LOCK_EX|LOCK_NB``."""
    return flags(FLOCK_CMDS, v & 0xFFFFFFFF, c.style, unknown="LOCK_???")


def signo_out(r: int) -> str:
    """rt_sigtimedwait's result: ``10 (SIGUSR1)``."""
    return f"{r} ({signal_name(r)})" if 0 < r <= NSIG else str(r)


#: kind -> renderer(call, value, parameter); output kinds are listed in OUT
KINDS: dict[str, Callable[..., str]] = {
    "itimerwhich": _constant(E.ITIMER_NAMES, "ITIMER_???"),
    "itimerval": itimerval,
    "oitimerval": lambda c, v, p: itimerval(c, v, p, out=True),
    "itimerspec": itimerspec,
    "oitimerspec": lambda c, v, p: itimerspec(c, v, p, out=True),
    "sigevent": sigevent,
    "timezone": timezone,
    "otimezone": lambda c, v, p: timezone(c, v, p, out=True),
    "otimerid": int_out,
    "timerflags": _flagword(TIMER_FLAGS, "TIMER_???"),
    "epollctl": _constant(E.EPOLL_CTL_NAMES, "EPOLL_CTL_???"),
    "epoll_event": epoll_event,
    "epoll_events": epoll_events,
    "epollflags": _flagword(E.EPOLL_CREATE_FLAGS, "EPOLL_???"),
    "efdflags": _flagword(E.EFD_FLAGS, "EFD_???"),
    "tfdflags": _flagword(E.TFD_FLAGS, "TFD_???"),
    "sfdflags": _flagword(E.SFD_FLAGS, "SFD_???"),
    "inflags": _flagword(E.IN_INIT_FLAGS, "IN_???"),
    "inmask": _flagword(E.IN_MASK_FLAGS, "IN_???"),
    "flockop": flock_op,
    "fallocmode": _flagword(FALLOC_FLAGS, "FALLOC_FL_???"),
    "loffp": loff_in,
    "fadvice": _constant(FADV_NAMES, "POSIX_FADV_???"),
}
OUT = {"otimezone", "oitimerval", "oitimerspec", "otimerid", "epoll_events"}
#: calls whose result strace prints with a meaning: name -> formatter
RETFMT: dict[str, Callable[[int], str]] = {"rt_sigtimedwait": signo_out}
