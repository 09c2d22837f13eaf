"""Renderers for the argument kinds the syscall table declares, and the generic decoder.

Kinds whose value the kernel fills in (``obuf``, ``stat``, ``wstatus``...) are output
kinds: strace prints them when the call returns, so the generic decoder stops at the
first one at entry.
"""

from __future__ import annotations

import os
import stat as stat_mod
import struct
from typing import TYPE_CHECKING, Callable, Generator

from ..abi import fileflags as F
from ..abi import mmflags as M
from ..abi import procflags as P
from ..abi.clone import CLONE_FLAGS
from ..abi.signals import signal_name
from ..kernel.errors import KernelError
from .ctx import Call
from .describe import (
    Style,
    chex,
    const,
    flags,
    makedev,
    ptr,
    quote,
    rlim,
    signame,
    sigset,
    timespec,
)
from .kinds_events import KINDS as EVENT_KINDS
from .kinds_events import OUT as EVENT_OUT
from .kinds_events import timespec_text
from .kinds_signal import pgid_arg_text, pid_text, siginfo_at

if TYPE_CHECKING:
    from ..fs.file import File

OUT_KINDS = {"obuf", "ocstr", "otimespec", "osigset", "osigaction", "orlimit", "oiovec",
             "ostack_t", "otimeval", "stat", "statx", "utsname", "sysinfo", "rusage", "wstatus",
             "siginfo", "dirents", "pipefds"} | EVENT_OUT


#: structures strace reads with umove_or_printaddr: printed when a call returns, a failed
#: call shows their address
STRUCT_KINDS = {"timespec", "timeval", "sigset", "itimerspec", "itimerval", "sigevent",
                "epoll_event", "rlimit", "sigaction", "siginfo_in", "stack_t"}

SIGSET_SIZE = 8  # strace decodes a set only of the kernel's size (NSIG / 8)


def fd_text(c: Call, fd: int) -> str:
    """A descriptor, decorated as -y / -yy / -e decode-fd= ask."""
    if c.fdpath and fd >= 0:
        e = c.task.files.fds.get(fd) if c.task.alive else None
        text = file_text(e.file, c.fdpath) if e is not None else None
        if text is not None:
            return f"{fd}<{text}>"
    return str(fd)


def file_text(f: "File", items: frozenset[str]) -> str | None:
    """What strace puts between the angle brackets, or None: `pid:N` for a pidfd
    (decode-fd=pidfd), the path (path; dev for a device, socket for a socket) and
    `<char 1:7>` after a device's path (dev)."""
    tg = getattr(f, "tg", None)
    if "pidfd" in items and tg is not None:
        return f"pid:{tg.tgid}"
    kind = ""
    if "dev" in items:
        try:
            st = f.stat()
            mode, rdev = st.mode, st.rdev
        except KernelError:
            mode, rdev = 0, 0
        kind = "char" if stat_mod.S_ISCHR(mode) else "block" if stat_mod.S_ISBLK(mode) else ""
    if kind:
        return f"{f.path}<{kind} {os.major(rdev)}:{os.minor(rdev)}>"
    is_socket = f.path.startswith("socket:")
    if "path" in items or ("socket" in items and is_socket):
        return f.path
    return None


def target_fd_text(c: Call, pidfd: int, fd: int) -> str:
    """pidfd_getfd's descriptor of another process, with that process's path under -y."""
    if c.fdpath and fd >= 0 and c.task.alive:
        e = c.task.files.fds.get(pidfd)
        tg = getattr(e.file, "tg", None) if e is not None else None
        leader = tg.leader if tg is not None else None
        other = leader.files.fds.get(fd) if leader is not None and leader.alive else None
        text = file_text(other.file, c.fdpath) if other is not None else None
        if text is not None:
            return f"{fd}<{text}>"
    return str(fd)


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def _s64(v: int) -> int:
    return v - (1 << 64) if v >> 63 else v


def path(c: Call, addr: int) -> str:
    got = c.cstr(addr, 4096)
    if got is None:
        return ptr(addr)
    s, complete = got
    return quote(s, c.style, limit=4096, complete=complete)


def buf(c: Call, addr: int, n: int, force_hex: bool = False) -> str:
    """A buffer of `n` bytes, cut at -s."""
    if n <= 0:
        return '""' if addr else ptr(addr)
    data = c.mem(addr, min(n, c.style.strsize))
    if data is None:
        return ptr(addr)
    s = quote(data, c.style, force_hex=force_hex)
    return s + "..." if n > c.style.strsize else s


def sigset_at(c: Call, addr: int) -> str:
    b = c.mem(addr, 8)
    return sigset(struct.unpack("<Q", b)[0]) if b is not None else ptr(addr)


def sigaction_at(c: Call, addr: int) -> str:
    b = c.mem(addr, 32)
    if b is None:
        return ptr(addr)
    handler, fl, restorer, mask = struct.unpack("<QQQQ", b)
    h = {0: "SIG_DFL", 1: "SIG_IGN"}.get(handler, f"{handler:#x}")
    order = [(P.SA_RESTORER, "SA_RESTORER"), (P.SA_ONSTACK, "SA_ONSTACK"),
             (P.SA_RESTART, "SA_RESTART"), (P.SA_NODEFER, "SA_NODEFER"),
             (P.SA_RESETHAND, "SA_RESETHAND"), (P.SA_SIGINFO, "SA_SIGINFO"),
             (P.SA_NOCLDSTOP, "SA_NOCLDSTOP"), (P.SA_NOCLDWAIT, "SA_NOCLDWAIT")]
    names = [n for bit, n in order if fl & bit]
    rest = fl & ~sum(bit for bit, _n in order)
    if rest:
        names.append(hex(rest))
    text = f"{{sa_handler={h}, sa_mask={sigset(mask)}, sa_flags={'|'.join(names) or '0'}"
    if fl & P.SA_RESTORER:
        text += f", sa_restorer={restorer:#x}"
    return text + "}"


def stat_at(c: Call, addr: int) -> str:
    b = c.mem(addr, 144)
    if b is None:
        return ptr(addr)
    (dev, ino, nlink, mode, uid, gid, _pad, rdev, size, blksize, blocks,
     at, atn, mt, mtn, ct, ctn) = struct.unpack_from("<QQQIIIIQqqqqqqqqq", b)
    mode_s = F.render_mode(mode)
    if c.style.verbose:
        return (f"{{st_dev={makedev(dev)}, st_ino={ino}, st_mode={mode_s}, st_nlink={nlink}, "
                f"st_uid={uid}, st_gid={gid}, st_blksize={blksize}, st_blocks={blocks}, "
                f"st_size={size}, st_atime={at}, st_mtime={mt}, st_ctime={ct}}}")
    if (mode & F.S_IFMT) in (F.S_IFCHR, F.S_IFBLK):
        return f"{{st_mode={mode_s}, st_rdev={makedev(rdev)}, ...}}"
    return f"{{st_mode={mode_s}, st_size={size}, ...}}"


def statx_at(c: Call, addr: int) -> str:
    b = c.mem(addr, 256)
    if b is None:
        return ptr(addr)
    mask, _blksize, _attrs, _nlink, _uid, _gid, mode = struct.unpack_from("<IIQIIIH", b)
    size = struct.unpack_from("<Q", b, 40)[0]
    return (f"{{stx_mask={F.STATX_MASK.render(mask) if mask != 0x7FF else 'STATX_BASIC_STATS'}"
            f", stx_attributes=0, stx_mode={F.render_mode(mode)}, stx_size={size}, ...}}")


RUSAGE_LONGS = ("ru_maxrss", "ru_ixrss", "ru_idrss", "ru_isrss", "ru_minflt", "ru_majflt",
                "ru_nswap", "ru_inblock", "ru_oublock", "ru_msgsnd", "ru_msgrcv",
                "ru_nsignals", "ru_nvcsw", "ru_nivcsw")


def rusage_at(c: Call, addr: int) -> str:
    """A struct rusage as strace prints it: the two times, the rest with -v."""
    b = c.mem(addr, 32 + 8 * len(RUSAGE_LONGS))
    if b is None:
        return ptr(addr)
    us, uu, ss, su = struct.unpack_from("<qqqq", b)
    out = [f"ru_utime={{tv_sec={us}, tv_usec={uu}}}", f"ru_stime={{tv_sec={ss}, tv_usec={su}}}"]
    if c.style.verbose:
        longs = struct.unpack_from(f"<{len(RUSAGE_LONGS)}q", b, 32)
        out += [f"{n}={v}" for n, v in zip(RUSAGE_LONGS, longs)]
    else:
        out.append("...")
    return "{" + ", ".join(out) + "}"


def wstatus_text(st: int) -> str:
    """``[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]`` and friends."""
    sig = st & 0x7F
    if st == 0xFFFF:  # before WIFSTOPPED, whose low byte it shares
        body = "WIFCONTINUED(s)"
    elif sig == 0:
        body = f"WIFEXITED(s) && WEXITSTATUS(s) == {(st >> 8) & 0xFF}"
    elif sig == 0x7F:
        body = f"WIFSTOPPED(s) && WSTOPSIG(s) == {signal_name((st >> 8) & 0xFF)}"
    else:
        body = f"WIFSIGNALED(s) && WTERMSIG(s) == {signal_name(sig)}"
        if st & 0x80:
            body += " && WCOREDUMP(s)"
    return f"[{{{body}}}]"


def iovec(c: Call, addr: int, n: int, total: int | None, addresses: bool = False) -> str:
    """An iovec array as strace prints it: at most -s entries then ``...``; with
    `addresses` (a failed read), each buffer as its address."""
    shown_n = min(n, c.style.strsize)
    raw = c.mem(addr, 16 * shown_n) if shown_n > 0 else b""
    if raw is None:
        return ptr(addr)
    items = []
    left = total
    for i in range(shown_n):
        base, ln = struct.unpack_from("<QQ", raw, 16 * i)
        shown = ln if left is None else max(0, min(ln, left))
        if left is not None:
            left -= shown
        text = ptr(base) if addresses else buf(c, base, shown)
        items.append(f"{{iov_base={text}, iov_len={ln}}}")
    if n > shown_n:
        items.append("...")
    return "[" + ", ".join(items) + "]"


def clock_text(clock: int, st: Style) -> str:
    """strace's printclockname: a name, or a CPU clock by pid for a negative id."""
    if clock >= 0:
        return const(P.CLOCK_NAMES, clock, st, "{:#x} /* CLOCK_??? */")
    pid, thread, which = P.cpuclock_split(clock)
    if which == P.CLOCKFD:
        text = f"FD_TO_CLOCKID({pid})"
    else:
        text = (f"MAKE_{'THREAD' if thread else 'PROCESS'}_CPUCLOCK({pid}, "
                + const(P.CPUCLOCK_NAMES, which, st, "{:#x} /* CPUCLOCK_??? */") + ")")
    if st.xlat == "raw":
        return str(clock)
    return f"{clock} /* {text} */" if st.xlat == "verbose" else text


def _render(c: Call, kind: str, v: int, i: int) -> str:  # noqa: C901 - one dispatch table
    param = ""
    if ":" in kind:
        kind, param = kind.split(":", 1)
    st = c.style
    if kind == "fd":
        return fd_text(c, _s32(v))
    if kind == "dirfd":
        return "AT_FDCWD" if _s32(v) == F.AT_FDCWD else fd_text(c, _s32(v))
    if kind == "int":
        return str(_s32(v))
    if kind in ("pid", "pgid"):
        return pid_text(c, _s32(v)) if _s32(v) > 0 else str(_s32(v))
    if kind == "killpid":  # a pid, or a process group as its negation
        return pgid_arg_text(c, _s32(v))
    if kind == "targetfd":  # param: the argument holding the pidfd
        return target_fd_text(c, _s32(c.args[int(param)]), _s32(v))
    if kind == "uint":
        return str(v & 0xFFFFFFFF)
    if kind in ("size", "long"):
        return str(v if kind == "size" else _s64(v))
    if kind == "off":
        return str(_s64(v))
    if kind == "hex":
        return chex(v)
    if kind == "pidfdflags":
        names, rest = P.PIDFD_FLAGS.split(v)
        return f"{rest:#x} /* PIDFD_??? */" if rest and not names else flags(P.PIDFD_FLAGS, v, st)
    if kind == "ptr":
        return ptr(v)
    if kind == "path":
        return path(c, v)
    if kind == "buf":
        return buf(c, v, c.args[int(param)])
    if kind == "obuf":
        if c.failed or c.ret is None:
            return ptr(v)
        return buf(c, v, c.ret, force_hex=c.name == "getrandom")
    if kind == "ocstr":
        if c.failed:
            return ptr(v)
        got = c.cstr(v, 4096)
        return quote(got[0], st, limit=4096) if got else ptr(v)
    if kind == "oflags":
        return F.render_open_flags(v & 0xFFFFFFFF) if st.xlat != "raw" else f"{v:#x}"
    if kind == "mode":
        return F.octal_mode(v & 0o7777)
    if kind == "prot":
        return flags(M.PROT_FLAGS, v, st, "PROT_NONE")
    if kind == "msync":
        return flags(M.MSYNC_FLAGS, v, st, "0")
    if kind == "mflags":
        return M.render_mmap_flags(v & 0xFFFFFFFF) if st.xlat != "raw" else f"{v:#x}"
    if kind == "whence":
        return const(F.SEEK_NAMES, v, st)
    if kind == "xattrflags":
        return flags(F.XATTR_FLAGS, v & 0xFFFFFFFF, st, unknown="XATTR_???")
    if kind == "xattrval":  # strace shows no value past XATTR_SIZE_MAX
        n = c.args[int(param)]
        return ptr(v) if n > F.XATTR_SIZE_MAX else buf(c, v, n)
    if kind == "atflags":
        return flags(F.AT_FLAGS, v & 0xFFFFFFFF, st)
    if kind == "statxflags":  # the sync type first, always named
        v &= 0xFFFFFFFF
        sync = flags(F.STATX_SYNC_TYPES, v & F.AT_STATX_SYNC_TYPE, st, "AT_STATX_SYNC_AS_STAT")
        rest = v & ~F.AT_STATX_SYNC_TYPE
        return sync + ("|" + flags(F.AT_FLAGS, rest, st) if rest else "")
    if kind == "accessmode":
        return flags(F.ACCESS_BITS, v, st, "F_OK")
    if kind == "sig":
        return signame(_s32(v), st)
    if kind == "how":
        return const(P.SIGPROCMASK_HOW, v, st)
    if kind in ("sigset", "osigset"):  # param: the argument holding the set's size
        if param and c.args[int(param)] != SIGSET_SIZE:  # the kernel's is 8 bytes
            return ptr(v)
        return ptr(v) if not v or (kind == "osigset" and c.failed) else sigset_at(c, v)
    if kind in ("sigaction", "osigaction"):
        return ptr(v) if not v or (kind == "osigaction" and c.failed) else sigaction_at(c, v)
    if kind == "cflags":
        return flags(CLONE_FLAGS, v, st)
    if kind == "wopts":
        return flags(P.WAIT4_OPTIONS, v & 0xFFFFFFFF, st)
    if kind == "wstatus":
        b = c.mem(v, 4)
        if not v or c.failed or c.ret == 0 or b is None:
            return ptr(v)
        return wstatus_text(struct.unpack("<i", b)[0])
    if kind == "rusage":  # wait4 fills it only when it reaps something
        if not v or c.failed or (c.name == "wait4" and not c.ret):
            return ptr(v)
        return rusage_at(c, v)
    if kind in ("timespec", "otimespec"):
        b = c.mem(v, 16)
        if not v or b is None or (kind == "otimespec" and c.failed):
            return ptr(v)
        return timespec_text(*struct.unpack("<qq", b))
    if kind in ("timeval", "otimeval"):
        b = c.mem(v, 16)
        if not v or b is None or (kind == "otimeval" and c.failed):
            return ptr(v)
        sec, usec = struct.unpack("<qq", b)
        return timespec_text(sec, usec, unit="tv_usec")
    if kind == "stat":
        return ptr(v) if c.failed else stat_at(c, v)
    if kind == "statx":
        return ptr(v) if c.failed else statx_at(c, v)
    if kind == "statxmask":
        return "STATX_BASIC_STATS" if v == 0x7FF else flags(F.STATX_MASK, v, st)
    if kind == "utsname":
        b = c.mem(v, 390)
        if b is None or c.failed:
            return ptr(v)
        f = [b[i * 65:(i + 1) * 65].split(b"\0")[0] for i in range(6)]
        return f"{{sysname={quote(f[0], st)}, nodename={quote(f[1], st)}, ...}}"
    if kind == "sysinfo":
        b = c.mem(v, 112)
        if b is None or c.failed:
            return ptr(v)
        up, l1, l2, l3, tr, fr, sr, br, ts, fs, procs, th, fh, mu = \
            struct.unpack_from("<q3Q6QH6xQQI", b)
        return (f"{{uptime={up}, loads=[{l1}, {l2}, {l3}], totalram={tr}, freeram={fr}, "
                f"sharedram={sr}, bufferram={br}, totalswap={ts}, freeswap={fs}, procs={procs}, "
                f"totalhigh={th}, freehigh={fh}, mem_unit={mu}}}")
    if kind == "rlimres":
        return const(P.RLIMIT_NAMES, v, st)
    if kind in ("rlimit", "orlimit"):
        b = c.mem(v, 16)
        if not v or b is None or (kind == "orlimit" and c.failed):
            return ptr(v)
        cur, mx = struct.unpack("<QQ", b)
        return f"{{rlim_cur={rlim(cur)}, rlim_max={rlim(mx)}}}"
    if kind in ("iovec", "oiovec"):
        n = c.args[int(param)]  # unsigned long, as the kernel takes it
        total = None if kind == "iovec" else (c.ret if c.ret and c.ret > 0 else 0)
        return iovec(c, v, n, total, addresses=kind == "oiovec" and c.failed)
    if kind == "clockid":
        return clock_text(_s32(v), st)
    if kind == "idtype":
        return const(P.IDTYPES, v, st)
    if kind == "siginfo":
        return ptr(v) if not v or c.failed else siginfo_at(c, v)
    if kind == "siginfo_in":
        return siginfo_at(c, v) if v else ptr(v)
    if kind == "madvise":
        return const(M.MADV_NAMES, v, st)
    if kind == "mremapflags":
        return flags(M.MREMAP_FLAGS, v, st)
    if kind == "grndflags":
        return flags(P.GETRANDOM_FLAGS, v, st)
    if kind == "archcode":
        return const(P.ARCH_PRCTL_CODES, v, st, "{:#x}")
    if kind == "pipefds":
        b = c.mem(v, 8)
        return ptr(v) if c.failed or b is None else "[%d, %d]" % struct.unpack("<ii", b)
    if kind == "dirents":
        if c.failed or c.ret is None:
            return ptr(v)
        data = c.mem(v, c.ret) or b""
        n, off = 0, 0
        while off + 19 <= len(data):
            reclen = struct.unpack_from("<H", data, off + 16)[0]
            if reclen == 0:
                break
            n += 1
            off += reclen
        return f"{ptr(v)} /* {n} entries */"
    if kind in ("stack_t", "ostack_t"):
        b = c.mem(v, 24)
        if not v or b is None or (kind == "ostack_t" and c.failed):
            return ptr(v)
        sp, fl, _p, size = struct.unpack("<QiiQ", b)
        fls = {0: "0", 1: "SS_ONSTACK", 2: "SS_DISABLE"}.get(fl, hex(fl))
        return f"{{ss_sp={ptr(sp)}, ss_flags={fls}, ss_size={size}}}"
    more = EVENT_KINDS.get(kind)
    if more is not None:
        return more(c, v, param)
    return hex(v)


def render_arg(c: Call, kind: str, i: int) -> str:
    return _render(c, kind, c.args[i], i)


def is_output(kind: str) -> bool:
    return kind.split(":", 1)[0] in OUT_KINDS


def generic(kinds: tuple[str, ...]) -> Callable[[Call], Generator[None, None, None]]:
    """A decoder from the table's kinds: inputs at entry, outputs (and what follows) at exit."""
    def decode(c: Call) -> Generator[None, None, None]:
        split = next((i for i, k in enumerate(kinds) if is_output(k)), len(kinds))
        for i in range(split):
            c.put(render_arg(c, kinds[i], i))
        if split < len(kinds):
            if split:
                c.sep()
            yield
            for i in range(split, len(kinds)):
                if c.failed and kinds[i].split(":", 1)[0] in STRUCT_KINDS:
                    c.put(ptr(c.args[i]))  # umove_or_printaddr: a failed call's address
                else:
                    c.put(render_arg(c, kinds[i], i))
    return decode


__all__ = ["generic", "render_arg", "fd_text", "buf", "path", "sigset_at", "wstatus_text",
           "iovec", "timespec", "signame", "const", "flags", "ptr"]
