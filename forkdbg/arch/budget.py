"""The work budget: how the kernel preempts a running engine at an exact, repeatable point.

unicorn 2.1.1 has no safe asynchronous stop: ``emu_start(timeout=)`` and ``emu_stop()``
from another thread land after a guest load or store with rip at the start of the block,
so resuming there runs part of the block twice (DESIGN.md section 5).  The one point where
a stop is exact is the start of a translated block, before its first instruction.

So an engine that must be stopped on time ("counted") gets a UC_HOOK_BLOCK callback.
It records the address of each block entered and subtracts one from a shared counter;
when the counter goes negative it calls ``uc_emu_stop``: the block's exit check
(compiled right after the hook) then leaves before any of its instructions ran.  The
caller sets rip to the recorded address and may resume there later.  The same record
tells which block a data fault happened in (unicorn leaves rip stale then:
arch/faultpc.py finds the instruction).

Counting blocks is deterministic (the same code entered at the same address is the same
block), so a slice measured in blocks preempts a program at the same points on every run.
A Python callback would cost ~16x on every block; on an x86-64 host the callback is a few
bytes of machine code that unicorn calls directly from translated code.  Even so a call
per block costs ~10% on tight integer loops (docs/performance.md), so an engine that has
no reason to be stopped (its task runs alone, no timer is armed) may run free, on an
engine built without the hook (kernel/cpu.py, mm/engine.py).  Other hosts use the
Python callback: correct, slower.

Another thread (Ctrl-C) stops a counted engine the same exact way by zeroing the counter.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import platform
import time
from typing import Callable

import unicorn
from unicorn import unicorn_const as U

#: a budget that never runs out (2**62 blocks)
UNLIMITED = 1 << 62

_lib = unicorn.unicorn_py3.unicorn.uclib


class _Budget(ctypes.Structure):
    _fields_ = [("left", ctypes.c_int64),      # blocks that may still start
                ("block", ctypes.c_uint64),    # the last block entered (or stopped before)
                ("stop_fn", ctypes.c_void_p)]  # uc_emu_stop


#: The hook for a System V x86-64 host; unicorn passes (uc, address, size, user_data):
#:   mov [rcx+8], rsi ; sub qword ptr [rcx], 1 ; jl stop ; ret
#:   stop: jmp qword ptr [rcx+16]   (a tail call: uc_emu_stop(uc))
_X86_64_HOOK = bytes.fromhex("48897108488329017c01c3ff6110")


class Budget:
    """The counter every engine's block hook draws from (one run loop: one counter)."""

    def __init__(self, native: bool | None = None) -> None:
        self._b = _Budget(UNLIMITED, 0, ctypes.cast(_lib.uc_emu_stop, ctypes.c_void_p).value)
        self._start = UNLIMITED
        if native is None:
            native = os.environ.get("FORKDBG_PY_BLOCK_HOOK") != "1"
        self._code = _native_hook() if native else None
        self._py_hook: Callable[..., None] | None = None
        if self._code is None:
            b = self._b

            def on_block(uc: unicorn.Uc, address: int, _size: int, _ud: object) -> None:
                b.block = address
                b.left -= 1
                if b.left < 0:
                    uc.emu_stop()
            self._py_hook = on_block

    @property
    def native(self) -> bool:
        """True when the hook is machine code (the fast path)."""
        return self._code is not None

    @staticmethod
    def counted(uc: unicorn.Uc) -> bool:
        """Whether `uc` has the block hook."""
        return getattr(uc, "_fdbg_block_hook", None) is not None

    def count(self, uc: unicorn.Uc) -> None:
        """Give a new engine the block hook, before it translates anything: blocks
        translated without it would never count.  (Taking it away again needs a new
        engine too: translated blocks call the hook directly, and dropping unicorn
        2.1.1's translations zeroes its whole 1 GiB code buffer, mm/engine.py.)"""
        if self.counted(uc):
            return
        if self._py_hook is not None:
            handle = uc.hook_add(U.UC_HOOK_BLOCK, self._py_hook)
        else:
            assert self._code is not None
            h = ctypes.c_size_t()
            status = _lib.uc_hook_add(uc._uch, ctypes.byref(h), U.UC_HOOK_BLOCK,
                                      ctypes.c_void_p(self._code.address),
                                      ctypes.c_void_p(ctypes.addressof(self._b)),
                                      ctypes.c_uint64(1), ctypes.c_uint64(0))
            if status != U.UC_ERR_OK:
                raise unicorn.UcError(status)
            handle = h.value
        uc._fdbg_block_hook = handle

    def arm(self, blocks: int) -> None:
        """Let the next run enter at most `blocks` blocks."""
        blocks = max(0, min(blocks, UNLIMITED))
        self._start = blocks
        self._b.left = blocks

    def spent(self) -> int:
        """Blocks entered since `arm` (the one the engine stopped before is not counted)."""
        return self._start - max(self._b.left, 0)

    @property
    def ran_out(self) -> bool:
        """The last run stopped because the budget ran out (rip must be set to `block`)."""
        return self._b.left < 0

    @property
    def block(self) -> int:
        """The start of the block the engine last entered, or stopped before."""
        return int(self._b.block)

    def cut(self, running: Callable[[], bool], tries: int = 200) -> None:
        """From another thread: make the running engine stop at its next block start.
        The hook's decrement is not atomic with this store, so repeat it until the engine
        has stopped (`running` says so) or `tries` milliseconds have passed."""
        self._start -= max(self._b.left, 0)  # what ran so far stays counted by `spent`
        for _ in range(tries):
            self._b.left = 0
            if not running():
                return
            time.sleep(0.001)


class _Code:
    """A page of host machine code, writable once, then read-only and executable."""

    def __init__(self, code: bytes) -> None:
        self._map = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        self._map.write(code)
        self._buf = (ctypes.c_char * mmap.PAGESIZE).from_buffer(self._map)
        self.address = ctypes.addressof(self._buf)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        if libc.mprotect(self.address, mmap.PAGESIZE, mmap.PROT_READ | mmap.PROT_EXEC) != 0:
            raise OSError(ctypes.get_errno(), "mprotect")


def _native_hook() -> _Code | None:
    """The machine-code hook for this host, or None (no code for it, or W^X refused)."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return None
    try:
        return _Code(_X86_64_HOOK)
    except (OSError, ValueError):
        return None


#: the one budget of this process (engines bake its address into translated code)
BUDGET = Budget()
