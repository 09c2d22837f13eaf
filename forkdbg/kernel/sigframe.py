"""The x86-64 rt_sigframe: building it on the user stack, rt_sigreturn, and syscall restarts.

Layout (arch/x86/include/asm/sigframe.h): pretcode (the SA_RESTORER trampoline),
a ucontext (flags, link, stack_t, sigcontext, sigmask) and a siginfo, with a
512-byte fxsave area 64-byte aligned below the pretcode's slot's region.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from unicorn import x86_const as X

from ..abi.errno import Errno
from ..abi.procflags import SA_ONSTACK, SA_RESTART, SS_DISABLE, SS_ONSTACK
from ..arch.x86_64 import RAX, RIP, XMM_IDS
from .signal import UNBLOCKABLE

if TYPE_CHECKING:
    from .signal import SigAction
    from .task import Task

#: sigcontext's general registers, in its order
SIGCONTEXT_REGS = [X.UC_X86_REG_R8, X.UC_X86_REG_R9, X.UC_X86_REG_R10, X.UC_X86_REG_R11,
                   X.UC_X86_REG_R12, X.UC_X86_REG_R13, X.UC_X86_REG_R14, X.UC_X86_REG_R15,
                   X.UC_X86_REG_RDI, X.UC_X86_REG_RSI, X.UC_X86_REG_RBP, X.UC_X86_REG_RBX,
                   X.UC_X86_REG_RDX, X.UC_X86_REG_RAX, X.UC_X86_REG_RCX, X.UC_X86_REG_RSP,
                   X.UC_X86_REG_RIP, X.UC_X86_REG_EFLAGS]
UC_OFF = 8  # ucontext inside the frame
MCTX_OFF = UC_OFF + 40  # sigcontext inside the frame
SIGMASK_OFF = UC_OFF + 296
INFO_OFF = UC_OFF + 304
FRAME_SIZE = INFO_OFF + 128
FPSTATE_SIZE = 512
UC_SIGCONTEXT_SS, UC_STRICT_RESTORE_SS = 2, 4


def pack_siginfo(info: dict[str, int]) -> bytes:
    """A 128-byte siginfo_t from forkdbg's dict form."""
    sig = info.get("signo", 0)
    b = bytearray(128)
    struct.pack_into("<iii", b, 0, sig, info.get("errno", 0), info.get("code", 0))
    if "addr" in info:
        struct.pack_into("<Q", b, 16, info["addr"] & 0xFFFFFFFFFFFFFFFF)
    elif "timerid" in info:  # SI_TIMER: si_tid, si_overrun, si_value
        struct.pack_into("<iiQ", b, 16, info["timerid"], info["overrun"], info["value"])
    else:
        struct.pack_into("<iI", b, 16, info.get("pid", 0), info.get("uid", 0))
        if "status" in info:
            struct.pack_into("<iqq", b, 24, info["status"], info.get("utime", 0),
                             info.get("stime", 0))
        elif "value" in info:
            struct.pack_into("<Q", b, 24, info["value"])
    return bytes(b)


def unpack_siginfo(b: bytes) -> dict[str, int]:
    """The fields of a siginfo_t a program wrote (the kill/sigqueue layout)."""
    signo, err, code, pid, uid = struct.unpack_from("<iii4xiI", b)
    return {"signo": signo, "errno": err, "code": code, "pid": pid, "uid": uid,
            "value": struct.unpack_from("<Q", b, 24)[0]}


def siginfo_fields(b: bytes) -> dict[str, int]:
    """Every reading of a siginfo_t's union, for a printer that picks by signal and code."""
    info = unpack_siginfo(b)
    info["addr"] = struct.unpack_from("<Q", b, 16)[0]
    info["timerid"], info["overrun"] = struct.unpack_from("<ii", b, 16)
    info["band"], info["fd"] = struct.unpack_from("<qi", b, 16)
    info["status"], info["utime"], info["stime"] = struct.unpack_from("<iqq", b, 24)
    return info


def _on_altstack(task: "Task", sp: int) -> bool:
    a = task.altstack
    return not a.flags & SS_DISABLE and a.sp < sp <= a.sp + a.size


def setup_rt_frame(task: "Task", sig: int, info: dict[str, int], act: "SigAction") -> None:
    """Push an rt_sigframe and point the task at the handler (handle_signal + setup_rt_frame)."""
    mm = task.mm
    regs = [task.reg(r) for r in SIGCONTEXT_REGS]
    sp = regs[15]
    on_alt = _on_altstack(task, sp)
    if act.flags & SA_ONSTACK and not task.altstack.flags & SS_DISABLE and not on_alt:
        sp = task.altstack.sp + task.altstack.size
    else:
        sp -= 128  # the red zone
    fp_addr = (sp - FPSTATE_SIZE) & ~63
    frame = ((fp_addr - FRAME_SIZE + 8) & ~15) - 8
    fx = bytearray(FPSTATE_SIZE)
    struct.pack_into("<HH", fx, 0, task.reg(X.UC_X86_REG_FPCW) & 0xFFFF,
                     task.reg(X.UC_X86_REG_FPSW) & 0xFFFF)
    struct.pack_into("<I", fx, 24, task.reg(X.UC_X86_REG_MXCSR))
    struct.pack_into("<I", fx, 28, 0xFFFF)
    for i, rid in enumerate(XMM_IDS):
        fx[160 + 16 * i:176 + 16 * i] = (task.reg(rid) & ((1 << 128) - 1)).to_bytes(16, "little")
    f = bytearray(FRAME_SIZE)
    saved = task.blocked if task.saved_sigmask is None else task.saved_sigmask
    task.saved_sigmask = None  # sigsuspend's mask comes back at rt_sigreturn
    struct.pack_into("<Q", f, 0, act.restorer)
    alt = task.altstack
    ss_flags = SS_ONSTACK if on_alt else alt.flags
    struct.pack_into("<QQQiiQ", f, UC_OFF, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS, 0, alt.sp,
                     ss_flags, 0, alt.size)
    struct.pack_into("<18Q", f, MCTX_OFF, *[r & 0xFFFFFFFFFFFFFFFF for r in regs])
    struct.pack_into("<HHHH", f, MCTX_OFF + 144, 0x33, 0, 0, 0x2B)
    trapno = {11: 14, 4: 6, 8: 0, 7: 17, 5: 3}.get(sig, 0) if info.get("code", 0) > 0 else 0
    struct.pack_into("<QQQQQ", f, MCTX_OFF + 152, 4 if sig == 11 else 0, trapno,
                     saved & 0xFFFFFFFF, info.get("addr", 0) & 0xFFFFFFFFFFFFFFFF, fp_addr)
    struct.pack_into("<Q", f, SIGMASK_OFF, saved)
    f[INFO_OFF:INFO_OFF + 128] = pack_siginfo(info)
    mm.write(fp_addr, bytes(fx))
    mm.write(frame, bytes(f))
    task.set_reg(X.UC_X86_REG_RSP, frame)
    task.set_reg(X.UC_X86_REG_RDI, sig)
    task.set_reg(X.UC_X86_REG_RSI, frame + INFO_OFF)
    task.set_reg(X.UC_X86_REG_RDX, frame + UC_OFF)
    task.set_reg(RAX, 0)
    task.set_reg(X.UC_X86_REG_EFLAGS, regs[17] & ~(0x100 | 0x400 | 0x40000))
    task.set_reg(RIP, act.handler)


def rt_sigreturn(task: "Task") -> int:
    """Restore the registers and mask saved by setup_rt_frame; returns the restored rax."""
    mm = task.mm
    frame = task.reg(X.UC_X86_REG_RSP) - 8
    f = mm.read(frame, FRAME_SIZE)
    regs = struct.unpack_from("<18Q", f, MCTX_OFF)
    fp_addr = struct.unpack_from("<Q", f, MCTX_OFF + 176)[0]
    mask = struct.unpack_from("<Q", f, SIGMASK_OFF)[0]
    ss_sp, ss_flags, _pad, ss_size = struct.unpack_from("<QiiQ", f, UC_OFF + 16)
    for rid, v in zip(SIGCONTEXT_REGS, regs):
        if rid == X.UC_X86_REG_EFLAGS:
            cur = task.reg(rid)
            v = (cur & ~0x40DD5) | (v & 0x40DD5)  # FIX_EFLAGS: user-changeable bits only
        task.set_reg(rid, v)
    if fp_addr:
        fx = mm.read(fp_addr, FPSTATE_SIZE)
        task.set_reg(X.UC_X86_REG_FPCW, struct.unpack_from("<H", fx, 0)[0])
        task.set_reg(X.UC_X86_REG_MXCSR, struct.unpack_from("<I", fx, 24)[0])
        for i, rid in enumerate(XMM_IDS):
            task.set_reg(rid, int.from_bytes(fx[160 + 16 * i:176 + 16 * i], "little"))
    task.blocked = mask & ~UNBLOCKABLE
    if not ss_flags & SS_DISABLE and ss_size:
        task.altstack.sp, task.altstack.size = ss_sp, ss_size
    return regs[13]


def restart_syscall(task: "Task", code: int, act: "SigAction | None") -> None:
    """Turn an interrupted call's -ERESTART* into EINTR or a re-execution of the syscall.

    `act` is the handler about to run (None: no handler runs).
    """
    call = task.in_syscall
    restart = False
    if code == Errno.ERESTARTNOINTR:
        restart = True
    elif code == Errno.ERESTARTSYS:
        restart = act is None or bool(act.flags & SA_RESTART)
    elif code in (Errno.ERESTARTNOHAND, Errno.ERESTART_RESTARTBLOCK):
        restart = act is None
    if restart and call is not None:
        task.set_reg(RAX, call.nr)
        task.set_reg(RIP, call.pc)
    else:
        task.set_reg(RAX, -int(Errno.EINTR))
