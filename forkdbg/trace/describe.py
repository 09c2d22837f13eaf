"""Pure renderers of values as strace 6.1 prints them: strings, flags, sigsets, times.

Every function takes plain values (ints, bytes) and a Style, and returns text.
Nothing here reads guest memory or knows about tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..abi.errno import errno_message, errno_name
from ..abi.flagset import FlagSet
from ..abi.signals import SIGRTMIN, signal_name


@dataclass
class Style:
    """Rendering options: -s, -x/-xx, -X, -v, -Y."""

    strsize: int = 32
    hex: int = 0  # 1: -x (non-printable strings in hex), 2: -xx (all strings in hex)
    xlat: str = "abbrev"  # 'raw', 'abbrev', 'verbose' (-X)
    verbose: bool = False  # -v: full structures
    pid_comm: bool = False  # -Y: a pid of a live process is followed by <its comm>
    #: --pidns-translation: a pid the tracee numbers in a nested pid namespace is followed
    #: by /* N in strace's PID NS */
    pidns: bool = False


_ESC = {ord("\t"): "\\t", ord("\n"): "\\n", 11: "\\v", 12: "\\f", ord("\r"): "\\r",
        ord('"'): '\\"', ord("\\"): "\\\\"}


def _needs_hex(data: bytes) -> bool:
    return any(c > 0x7E or (c < 0x20 and not 9 <= c <= 13) for c in data)


def quote(data: bytes, style: Style, limit: int | None = None, force_hex: bool = False,
          complete: bool = True) -> str:
    """A quoted string, cut at `limit` (default -s) with ``...`` after it."""
    limit = style.strsize if limit is None else limit
    cut = len(data) > limit
    data = data[:limit]
    if force_hex or style.hex > 1 or (style.hex and _needs_hex(data)):
        body = "".join(f"\\x{c:02x}" for c in data)
    else:
        out = []
        n = len(data)
        for i, c in enumerate(data):
            if c in _ESC:
                out.append(_ESC[c])
            elif 0x20 <= c <= 0x7E:
                out.append(chr(c))
            else:
                nxt = data[i + 1] if i + 1 < n else None
                if nxt is not None and 0x30 <= nxt <= 0x37:
                    out.append(f"\\{c:03o}")
                else:
                    out.append(f"\\{c:o}")
        body = "".join(out)
    return f'"{body}"' + ("..." if cut or not complete else "")


def chex(value: int) -> str:
    """C's ``%#x``: 0 stays ``0``, anything else gets ``0x``."""
    return f"{value:#x}" if value else "0"


def ptr(value: int) -> str:
    """NULL or 0x... as strace prints pointers."""
    return "NULL" if value == 0 else f"{value:#x}"


def flags(fs: FlagSet, value: int, style: Style, zero: str = "0", unknown: str = "") -> str:
    """A flags word in the -X style; with `unknown` (``CLONE_???``), a word no name
    covers any bit of is ``0x... /* CLONE_??? */`` as strace's printflags prints it."""
    if style.xlat == "raw":
        return chex(value)
    if unknown and value and not fs.split(value)[0]:
        return f"{chex(value)} /* {unknown} */"
    text = fs.render(value, zero)
    if style.xlat == "verbose" and value:
        return f"{value:#x} /* {text} */"
    return text


def const(table: dict[int, str], value: int, style: Style, fmt: str = "{}") -> str:
    """A named constant in the -X style; unknown values in `fmt`."""
    name = table.get(value)
    if style.xlat == "raw" or name is None:
        return fmt.format(value)
    if style.xlat == "verbose":
        return f"{fmt.format(value)} /* {name} */"
    return name


def signame(sig: int, style: Style) -> str:
    """``SIGCHLD`` (or its number with -X raw)."""
    if style.xlat == "raw":
        return str(sig)
    name = signal_name(sig)
    if style.xlat == "verbose" and name != str(sig):
        return f"{sig} /* {name} */"
    return name


def _set_name(sig: int) -> str:
    if sig == SIGRTMIN:
        return "RTMIN"
    if sig > SIGRTMIN:
        return f"RT_{sig - SIGRTMIN}"
    return signal_name(sig)[3:]


def sigset(bits: int, nsig: int = 64) -> str:
    """``[INT USR1]``, or ``~[RT_1]`` when most signals are in the set."""
    members = [s for s in range(1, nsig + 1) if bits >> (s - 1) & 1]
    if len(members) > nsig // 2:
        missing = [s for s in range(1, nsig + 1) if not bits >> (s - 1) & 1]
        return "~[" + " ".join(_set_name(s) for s in missing) + "]"
    return "[" + " ".join(_set_name(s) for s in members) + "]"


def errno_suffix(err: int) -> str:
    """``ENOENT (No such file or directory)``."""
    return f"{errno_name(err)} ({errno_message(err)})"


def timespec(sec: int, nsec: int) -> str:
    return f"{{tv_sec={sec}, tv_nsec={nsec}}}"


def rlim(v: int) -> str:
    """strace's rlimit value: RLIM64_INFINITY, 8192*1024 for whole KiB, else the number."""
    if v == 0xFFFFFFFFFFFFFFFF:
        return "RLIM64_INFINITY"
    if v and v % 1024 == 0:
        return f"{v // 1024}*1024"
    return str(v)


def makedev(dev: int) -> str:
    major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF)
    minor = (dev & 0xFF) | ((dev >> 12) & ~0xFF)
    return f"makedev({major:#x}, {minor:#x})"
