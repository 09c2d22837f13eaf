"""Decoders for the system calls whose arguments depend on each other (clone, fcntl, futex...).

Each is a generator over a Call (see ctx.py); the rest use kinds.generic.
"""

from __future__ import annotations

import struct
from typing import Generator

from ..abi import fileflags as F
from ..abi import procflags as P
from ..abi.clone import (
    CLONE3_FLAGS,
    CLONE_CHILD_CLEARTID,
    CLONE_CHILD_SETTID,
    CLONE_FLAGS,
    CLONE_INTO_CGROUP,
    CLONE_PARENT_SETTID,
    CLONE_PIDFD,
    CLONE_SETTLS,
    CSIGNAL,
)
from .ctx import Call, Decoder
from .describe import chex, const, flags, ptr, quote, signame, sigset
from .kinds import buf, fd_text, path, render_arg
from .kinds_signal import pgid_arg_text, pid_text, siginfo_text

Gen = Generator[None, None, None]
DECODERS: dict[str, Decoder] = {}


def decoder(*names: str):  # type: ignore[no-untyped-def]
    def deco(fn: Decoder) -> Decoder:
        for n in names:
            DECODERS[n] = fn
        return fn
    return deco


def _clone_flags(c: Call, value: int) -> str:
    st = c.style
    sig = value & CSIGNAL
    rest = value & ~CSIGNAL
    if st.xlat == "raw":
        return chex(rest) + (f"|{sig}" if sig else "")
    text = flags(CLONE_FLAGS, rest, st) if rest else ""
    if sig:
        s = signame(sig, st)
        text = f"{text}|{s}" if text else s
    return text or "0"


@decoder("clone")
def dec_clone(c: Call) -> Gen:
    fl = c.args[0]
    c.put(f"child_stack={ptr(c.args[1])}")
    c.put(f"flags={_clone_flags(c, fl)}")
    if not fl & (CLONE_PARENT_SETTID | CLONE_PIDFD | CLONE_SETTLS | CLONE_CHILD_SETTID
                 | CLONE_CHILD_CLEARTID):
        return
    yield
    c.sep_pending = True
    if fl & (CLONE_PARENT_SETTID | CLONE_PIDFD):  # the tid, or (CLONE_PIDFD alone) an fd
        c.put("parent_tid=" + _int_out(c, c.args[2], fd=not fl & CLONE_PARENT_SETTID))
    if fl & CLONE_SETTLS:
        c.put(f"tls={ptr(c.args[4])}")
    if fl & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID):
        c.put(f"child_tidptr={ptr(c.args[3])}")


MAX_ARG_COUNT = 1 << 20  # more pointers than any execve takes: stop counting there
CLONE_ARGS_SIZE = 88  # struct clone_args in Linux 6.1 (VER0 64, VER1 80, VER2 88)


@decoder("clone3")
def dec_clone3(c: Call) -> Gen:
    addr, size = c.args[0], c.args[1]
    raw = c.mem(addr, min(size, CLONE_ARGS_SIZE))
    if raw is None or size < 64:
        c.put(ptr(addr))
        c.put(str(size))
        return
    raw = raw.ljust(CLONE_ARGS_SIZE, b"\0")
    fl, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, \
        set_tid_size, cgroup = struct.unpack_from("<11Q", raw)
    st = c.style
    parts = [f"flags={flags(CLONE3_FLAGS, fl, st, unknown='CLONE_???')}"]
    if fl & CLONE_PIDFD:
        parts.append(f"pidfd={ptr(pidfd)}")
    if fl & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID):
        parts.append(f"child_tid={ptr(child_tid)}")
    if fl & CLONE_PARENT_SETTID:
        parts.append(f"parent_tid={ptr(parent_tid)}")
    parts.append(f"exit_signal={signame(exit_signal, st) if exit_signal else '0'}")
    parts += [f"stack={ptr(stack)}", f"stack_size={chex(stack_size)}"]
    if fl & CLONE_SETTLS:
        parts.append(f"tls={ptr(tls)}")
    if size >= 80 and (set_tid or set_tid_size):
        parts += [f"set_tid={_int_array(c, set_tid, set_tid_size)}",
                  f"set_tid_size={set_tid_size}"]
    if size >= CLONE_ARGS_SIZE and (cgroup or fl & CLONE_INTO_CGROUP):
        parts.append(f"cgroup={cgroup}")
    tail = _clone_args_tail(c, addr, size)
    c.put("{" + ", ".join(parts + ([tail] if tail else [])) + "}")
    if not fl & (CLONE_PARENT_SETTID | CLONE_PIDFD) and not tail:
        c.put(str(size))
        return
    yield
    c.sep_pending = True
    if not c.failed:  # what the kernel wrote, and the unknown tail again (strace re-reads it)
        filled = ([f"pidfd={_int_out(c, pidfd, fd=True)}"] if fl & CLONE_PIDFD else []) + \
            ([f"parent_tid={_int_out(c, parent_tid)}"] if fl & CLONE_PARENT_SETTID else [])
        tail = _clone_args_tail(c, addr, size)
        c.parts.append(f" => {{{', '.join(filled + ([tail] if tail else []))}}}")
        c.sep_pending = False
    c.put(str(size))


def _clone_args_tail(c: Call, addr: int, size: int) -> str:
    """clone_args past the fields Linux knows, which must be zero: ``???`` when it cannot
    be read, the bytes when some are not zero, else nothing."""
    if size <= CLONE_ARGS_SIZE:
        return ""
    tail = c.mem(addr + CLONE_ARGS_SIZE, size - CLONE_ARGS_SIZE)
    if tail is None:
        return "???"
    if not tail.strip(b"\0"):
        return ""
    hexed = "".join(f"\\x{b:02x}" for b in tail)
    return f'/* bytes {CLONE_ARGS_SIZE}..{size - 1} */ "{hexed}"'


def _int_array(c: Call, addr: int, n: int) -> str:
    """``[1, 2, 3]`` from guest memory (at most -s elements, then ``...``), or the
    address when there is nothing to show or it cannot be read."""
    shown = min(n, c.style.strsize)
    b = c.mem(addr, 4 * shown) if n and addr else None
    if b is None:
        return ptr(addr)
    items = [str(v) for v in struct.unpack(f"<{shown}i", b)]
    return "[" + ", ".join(items + (["..."] if n > shown else [])) + "]"


def _int_out(c: Call, addr: int, fd: bool = False) -> str:
    """An int the kernel stored, ``[N]`` (a descriptor with its path under -y); the
    pointer if the call failed or the memory cannot be read, as strace's printnum."""
    b = None if c.failed else c.mem(addr, 4)
    if b is None:
        return ptr(addr)
    v = struct.unpack("<i", b)[0]
    return f"[{fd_text(c, v) if fd else v}]"


def _strarray(c: Call, addr: int, env: bool) -> str:
    """execve's argv as strace's printargv prints it (at most -s strings, then ``...``;
    an unreadable slot ends it with ``... /* ADDR */``), or envp as printargc (the
    address and ``/* N vars */``, ``unterminated`` when the array runs into a hole)."""
    if addr == 0:
        return "NULL"
    if env and not c.style.verbose:
        n = 0
        while n < MAX_ARG_COUNT:
            p = c.u64(addr + 8 * n)
            if p is None:
                if not n:
                    return ptr(addr)
                return f"{ptr(addr)} /* {n} var{'s' if n != 1 else ''}, unterminated */"
            if p == 0:
                break
            n += 1
        return f"{ptr(addr)} /* {n} var{'s' if n != 1 else ''} */"
    out: list[str] = []
    while True:
        slot = addr + 8 * len(out)
        p = c.u64(slot)
        if p is None:
            if not out:
                return ptr(addr)
            out.append(f"... /* {ptr(slot)} */")
            break
        if p == 0:
            break
        if not c.style.verbose and len(out) >= c.style.strsize:
            out.append("...")
            break
        got = c.cstr(p, c.style.strsize)
        out.append(quote(got[0], c.style, complete=got[1]) if got else ptr(p))
    return "[" + ", ".join(out) + "]"


@decoder("execve")
def dec_execve(c: Call) -> Gen:
    c.put(path(c, c.args[0]))
    c.put(_strarray(c, c.args[1], False))
    c.put(_strarray(c, c.args[2], True))
    return
    yield


@decoder("execveat")
def dec_execveat(c: Call) -> Gen:
    c.put(render_arg(c, "dirfd", 0))
    c.put(path(c, c.args[1]))
    c.put(_strarray(c, c.args[2], False))
    c.put(_strarray(c, c.args[3], True))
    c.put(flags(F.AT_FLAGS, c.args[4], c.style))
    return
    yield


@decoder("fcntl")
def dec_fcntl(c: Call) -> Gen:
    cmd = c.args[1]
    c.put(fd_text(c, c.s32(0)))
    c.put(const(F.FCNTL_CMDS, cmd, c.style))
    arg = c.args[2]
    if cmd == F.F_SETFD:
        c.put("FD_CLOEXEC" if arg & 1 else "0")
    elif cmd == F.F_SETFL:
        c.put(F.render_open_flags(arg & 0xFFFFFFFF))
    elif cmd in (F.F_DUPFD, F.F_DUPFD_CLOEXEC, F.F_SETOWN):
        c.put(str(c.s32(2)))
    elif cmd == F.F_SETPIPE_SZ:  # strace prints the whole register, unsigned
        c.put(str(arg))
    elif cmd in (F.F_GETLK, F.F_SETLK, F.F_SETLKW):
        c.put(ptr(arg))
    elif cmd == F.F_ADD_SEALS:
        c.put(flags(F.SEAL_FLAGS, arg & 0xFFFFFFFF, c.style))
    if cmd == F.F_GET_SEALS:
        c.retfmt = lambda r: f"{r:#x} (seals {F.SEAL_FLAGS.render(r)})" if r else "0"
    elif cmd == F.F_GETFL:
        c.retfmt = lambda r: f"{r:#x} (flags {F.render_open_flags(r)})"
    elif cmd == F.F_GETFD:
        c.retfmt = lambda r: f"{r:#x} (flags FD_CLOEXEC)" if r else "0"
    return
    yield


@decoder("ioctl")
def dec_ioctl(c: Call) -> Gen:
    req = c.args[1] & 0xFFFFFFFF
    c.put(fd_text(c, c.s32(0)))
    c.put(const(F.IOCTL_NAMES, req, c.style, "{:#x}"))
    if req in (F.FIONBIO,):
        b = c.mem(c.args[2], 4)
        c.put(f"[{struct.unpack('<i', b)[0]}]" if b else ptr(c.args[2]))
        return
    c.sep()
    yield
    if req == F.TIOCGWINSZ and not c.failed:
        b = c.mem(c.args[2], 8)
        if b:
            r, col, x, y = struct.unpack("<HHHH", b)
            c.parts.append(f"{{ws_row={r}, ws_col={col}, ws_xpixel={x}, ws_ypixel={y}}}")
            return
    if req == F.FIONREAD and not c.failed:
        b = c.mem(c.args[2], 4)
        if b:
            c.parts.append(f"[{struct.unpack('<i', b)[0]}]")
            return
    c.parts.append(ptr(c.args[2]))


@decoder("futex")
def dec_futex(c: Call) -> Gen:
    op = c.args[1]
    cmd = op & 0x7F
    c.put(ptr(c.args[0]))
    c.put(P.render_futex_op(op) if c.style.xlat != "raw" else hex(op))
    c.put(str(c.args[2] & 0xFFFFFFFF if cmd not in (P.FUTEX_WAKE, P.FUTEX_WAKE_BITSET,
                                                    P.FUTEX_REQUEUE, P.FUTEX_CMP_REQUEUE)
              else c.s32(2)))
    if cmd in (P.FUTEX_WAIT, P.FUTEX_WAIT_BITSET, P.FUTEX_LOCK_PI):
        c.put(render_arg(c, "timespec", 3))
    if cmd in (P.FUTEX_WAIT_BITSET, P.FUTEX_WAKE_BITSET):
        v = c.args[5] & 0xFFFFFFFF
        c.put("FUTEX_BITSET_MATCH_ANY" if v == 0xFFFFFFFF else hex(v))
    elif cmd in (P.FUTEX_REQUEUE, P.FUTEX_CMP_REQUEUE):
        c.put(str(c.args[3] & 0x7FFFFFFF))
        c.put(ptr(c.args[4]))
        if cmd == P.FUTEX_CMP_REQUEUE:
            c.put(str(c.args[5] & 0xFFFFFFFF))
    elif cmd == P.FUTEX_WAKE_OP:
        c.put(str(c.args[3] & 0x7FFFFFFF))
        c.put(ptr(c.args[4]))
        c.put(hex(c.args[5] & 0xFFFFFFFF))
    return
    yield


@decoder("arch_prctl")
def dec_arch_prctl(c: Call) -> Gen:
    code = c.args[0]
    c.put(const(P.ARCH_PRCTL_CODES, code, c.style, "{:#x}"))
    if code in (P.ARCH_GET_FS, P.ARCH_GET_GS):
        c.sep()
        yield
        v = c.u64(c.args[1])
        c.parts.append(f"[{v:#x}]" if v is not None and not c.failed else ptr(c.args[1]))
        return
    c.put(hex(c.args[1]))


@decoder("prctl")
def dec_prctl(c: Call) -> Gen:
    op = c.s32(0)
    c.put(const(P.PRCTL_OPTIONS, op, c.style))
    if op == P.PR_SET_NAME:
        got = c.cstr(c.args[1], 16)
        c.put(quote(got[0][:15], c.style) if got else ptr(c.args[1]))
    elif op == P.PR_GET_NAME:
        c.sep()
        yield
        got = c.cstr(c.args[1], 16)
        c.parts.append(quote(got[0], c.style) if got and not c.failed else ptr(c.args[1]))
    elif op in (P.PR_SET_PDEATHSIG,):
        c.put(signame(c.args[1], c.style))
    elif op in (P.PR_SET_DUMPABLE, P.PR_SET_CHILD_SUBREAPER, P.PR_SET_NO_NEW_PRIVS):
        c.put(str(c.args[1]))
    elif op in (P.PR_GET_DUMPABLE, P.PR_GET_NO_NEW_PRIVS):
        pass
    else:
        for i in range(1, 5):
            c.put(hex(c.args[i]))


@decoder("rt_sigreturn")
def dec_rt_sigreturn(c: Call) -> Gen:
    from ..arch.x86_64 import RSP
    from ..kernel.sigframe import SIGMASK_OFF
    b = c.mem(c.task.reg(RSP) - 8 + SIGMASK_OFF, 8) if c.task.alive else None
    c.put("{mask=" + (sigset(struct.unpack("<Q", b)[0]) if b else "[]") + "}")
    return
    yield


@decoder("rt_sigaction")
def dec_rt_sigaction(c: Call) -> Gen:
    c.put(signame(c.s32(0), c.style))
    c.put(render_arg(c, "sigaction", 1))
    c.sep()
    yield
    c.parts.append(render_arg(c, "osigaction", 2))
    c.put(str(c.args[3]))


@decoder("open", "openat")
def dec_open(c: Call) -> Gen:
    i = 0
    if c.name == "openat":
        c.put(render_arg(c, "dirfd", 0))
        i = 1
    c.put(path(c, c.args[i]))
    fl = c.args[i + 1] & 0xFFFFFFFF
    c.put(render_arg(c, "oflags", i + 1))
    if fl & (F.O_CREAT | F.O_TMPFILE_BIT):  # strace prints the mode for either
        c.put(render_arg(c, "mode", i + 2))
    return
    yield


@decoder("mmap")
def dec_mmap(c: Call) -> Gen:
    for kind, i in (("ptr", 0), ("size", 1), ("prot", 2), ("mflags", 3)):
        c.put(render_arg(c, kind, i))
    c.put(fd_text(c, c.s32(4)))
    c.put(hex(c.args[5]) if c.args[5] else "0")
    c.retfmt = "hex"
    return
    yield


@decoder("brk")
def dec_brk(c: Call) -> Gen:
    c.put(ptr(c.args[0]))
    c.retfmt = "hex"
    return
    yield


@decoder("mremap")
def dec_mremap(c: Call) -> Gen:
    for kind, i in (("ptr", 0), ("size", 1), ("size", 2), ("mremapflags", 3)):
        c.put(render_arg(c, kind, i))
    if c.args[3] & 2:
        c.put(ptr(c.args[4]))
    c.retfmt = "hex"
    return
    yield


@decoder("exit", "exit_group")
def dec_exit(c: Call) -> Gen:
    c.put(str(c.s32(0)))
    return
    yield


@decoder("kill", "tkill")
def dec_kill(c: Call) -> Gen:
    c.put(pgid_arg_text(c, c.s32(0)) if c.name == "kill" else pid_text(c, c.s32(0)))
    c.put(signame(c.s32(1), c.style))
    return
    yield


@decoder("tgkill")
def dec_tgkill(c: Call) -> Gen:
    c.put(pid_text(c, c.s32(0)))
    c.put(pid_text(c, c.s32(1)))
    c.put(signame(c.s32(2), c.style))
    return
    yield


@decoder("wait4")
def dec_wait4(c: Call) -> Gen:
    c.put(pgid_arg_text(c, c.s32(0)))
    c.sep()
    yield
    c.parts.append(render_arg(c, "wstatus", 1))
    c.put(render_arg(c, "wopts", 2))
    c.put(render_arg(c, "rusage", 3))


@decoder("waitid")
def dec_waitid(c: Call) -> Gen:
    c.put(const(P.IDTYPES, c.args[0], c.style))
    c.put(pid_text(c, c.s32(1)) if c.args[0] in (1, 2) else str(c.s32(1)))  # P_PID, P_PGID
    c.sep()
    yield
    c.parts.append(render_arg(c, "siginfo", 2))
    c.put(flags(P.WAITID_OPTIONS, c.args[3] & 0xFFFFFFFF, c.style))
    c.put(render_arg(c, "rusage", 4))


@decoder("rseq")
def dec_rseq(c: Call) -> Gen:
    c.put(ptr(c.args[0]))  # strace 6.1 has no rseq decoder: the rest is raw %#x
    for v in c.args[1:4]:
        c.put(chex(v & 0xFFFFFFFF))
    return
    yield


@decoder("getrandom")
def dec_getrandom(c: Call) -> Gen:
    yield
    c.put(buf(c, c.args[0], c.ret, force_hex=True) if c.ret and c.ret > 0 else ptr(c.args[0]))
    c.put(str(c.args[1]))
    c.put(render_arg(c, "grndflags", 2))


@decoder("lseek")
def dec_lseek(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.put(str(c.s64(1)))
    c.put(render_arg(c, "whence", 2))
    return
    yield


def _pipe_flags(fl: int) -> str:
    names = [n for bit, n in ((F.O_NONBLOCK, "O_NONBLOCK"), (F.O_CLOEXEC, "O_CLOEXEC"),
                              (0o40000, "O_DIRECT")) if fl & bit]
    return "|".join(names) if names else "0"


@decoder("pipe2")
def dec_pipe2(c: Call) -> Gen:
    yield
    c.put(render_arg(c, "pipefds", 0))
    c.put(_pipe_flags(c.args[1]))


@decoder("dup3")
def dec_dup3(c: Call) -> Gen:
    c.put(fd_text(c, c.s32(0)))
    c.put(str(c.s32(1)))
    c.put(_pipe_flags(c.args[2]))
    return
    yield


@decoder("sched_getaffinity")
def dec_sched_getaffinity(c: Call) -> Gen:
    c.put(str(c.s32(0)))
    c.put(str(c.args[1]))
    c.sep()
    yield
    if not c.failed and c.ret:
        raw = c.mem(c.args[2], c.ret) or b""
        bits = int.from_bytes(raw, "little")
        c.parts.append("[" + " ".join(str(i) for i in range(len(raw) * 8) if bits >> i & 1) + "]")
    else:
        c.parts.append(ptr(c.args[2]))


__all__ = ["DECODERS", "siginfo_text"]


from . import (
    decode_events,  # noqa: E402,F401  (registers rt_sigpending, epoll_ctl)
    decode_ipc,  # noqa: E402,F401  (registers memfd_create and the shm calls)
    decode_sched,  # noqa: E402,F401  (registers sched_*, mincore, membarrier)
    decode_socket,  # noqa: E402,F401  (registers the socket calls)
    decode_wait,  # noqa: E402,F401  (registers poll, select, nanosleep)
)
