"""The unicorn 2.1.1 binding's rough edges, kept in one place.

forkdbg pins unicorn 2.1.1: 2.1.2-2.1.4 take a slow path on every guest store
(DESIGN.md section 3).  This module hides what that release's Python binding gets
wrong: ``ctl_flush_tb()`` asserts, ``unicorn.__version__`` says 2.1.0, and
``Uc.__new__`` hands back an architecture subclass; and it reaches the one switch
unicorn has no API for (`stop_only_at_block_starts`).
"""

from __future__ import annotations

import ctypes
import struct

import unicorn
from unicorn import unicorn_const as uc_const
from unicorn.x86_const import UC_X86_REG_RIP as X86_RIP

PINNED_VERSION = "2.1.1"


def new_x86_64() -> unicorn.Uc:
    """A fresh x86-64 engine."""
    return unicorn.Uc(uc_const.UC_ARCH_X86, uc_const.UC_MODE_64)


def _ctl(uc: unicorn.Uc, ctl: int, io: int, nargs: int, *args: int) -> None:
    """Call uc_ctl in the C library directly (the binding mis-encodes zero-argument calls)."""
    lib = unicorn.unicorn_py3.unicorn.uclib
    code = (io << 30) | (nargs << 26) | ctl
    status = lib.uc_ctl(uc._uch, ctypes.c_int(code), *[ctypes.c_uint64(a) for a in args])
    if status != uc_const.UC_ERR_OK:
        raise unicorn.UcError(status)


def _no_exit_request_offset(uc: unicorn.Uc) -> int | None:
    """Where uc_struct keeps `no_exit_request` in this build of unicorn 2.1.1, found by the
    fields around it (target_page_size 4096, target_page_align 4095, the host's page size
    twice; then icache line, context mode and size, next_pc, hook_insert, first_tb,
    no_exit_request, init_done == 1), so a different layout is noticed, not poked."""
    base = ctypes.cast(uc._uch, ctypes.c_void_p).value
    if not base:
        return None
    raw = ctypes.string_at(base, 8192)
    for off in range(0, len(raw) - 56, 4):
        if struct.unpack_from("<IIQQ", raw, off) == (4096, 4095, 4096, 4096) \
                and raw[off + 51] == 1 and raw[off + 48:off + 51] in (b"\0\0\0", b"\0\1\0"):
            return off + 50
    return None


_NO_EXIT_OFFSET: list[int | None] = []


def stop_only_at_block_starts(uc: unicorn.Uc) -> bool:
    """Make `uc` translate blocks without an exit check after each load and store (the
    switch unicorn uses for ARM's IT blocks).  Then ``emu_stop`` from another thread
    stops it only at the start of a block, with rip synced to it: an exact stop.  Such
    an engine must not get code hooks (a breakpoint's stop also relies on the check).
    Call before it translates anything; False if this build's layout is not the known
    one (the caller keeps the engine counted instead)."""
    uc.reg_read(X86_RIP)  # unicorn initializes lazily: make sure the struct is filled in
    if not _NO_EXIT_OFFSET:
        _NO_EXIT_OFFSET.append(_no_exit_request_offset(uc))
    off = _NO_EXIT_OFFSET[0]
    if off is None:
        return False
    flag = ctypes.c_bool.from_address(ctypes.cast(uc._uch, ctypes.c_void_p).value + off)
    flag.value = True
    return True


def flush_tb(uc: unicorn.Uc) -> None:
    """Drop every translated block (after code in guest memory changed under the engine)."""
    _ctl(uc, uc_const.UC_CTL_TB_FLUSH, uc_const.UC_CTL_IO_WRITE, 0)


def remove_tb_cache(uc: unicorn.Uc, start: int, end: int) -> None:
    """Drop translated blocks covering [start, end)."""
    uc.ctl_remove_cache(start, end)


def flush_tlb(uc: unicorn.Uc) -> None:
    """Drop the soft TLB (after host memory under a mapping was replaced)."""
    _ctl(uc, uc_const.UC_CTL_TLB_FLUSH, uc_const.UC_CTL_IO_WRITE, 0)


def dispose(uc: unicorn.Uc) -> None:
    """Close an engine now.  The binding's hook wrappers hold the Uc in reference cycles
    (ctypes.cast links a callback and its cast), so without this the engine's memory
    would wait for the cyclic garbage collector.  The Uc must not be used afterwards."""
    for handle in list(getattr(uc, "_callbacks", {})):
        try:
            uc.hook_del(handle)
        except unicorn.UcError:
            pass
    finalizer = getattr(uc, "_Uc__finalizer", None)
    if finalizer is not None:
        finalizer()  # uc_close, once


class RegBatch:
    """Reads a fixed list of 64-bit registers with one C call.

    The binding's reg_read_batch builds ctypes arrays and looks up each register's type
    on every call (~11 us for the nine a syscall needs); this keeps the arrays (~1 us).
    """

    def __init__(self, reg_ids: tuple[int, ...]) -> None:
        n = len(reg_ids)
        self._n = ctypes.c_int(n)
        self._ids = (ctypes.c_int * n)(*reg_ids)
        self._vals = (ctypes.c_uint64 * n)()
        base = ctypes.addressof(self._vals)
        self._ptrs = (ctypes.c_void_p * n)(*(base + 8 * i for i in range(n)))
        self._read = unicorn.unicorn_py3.unicorn.uclib.uc_reg_read_batch
        self._write = unicorn.unicorn_py3.unicorn.uclib.uc_reg_write_batch

    def read(self, uc: unicorn.Uc) -> list[int]:
        status = self._read(uc._uch, self._ids, self._ptrs, self._n)
        if status != uc_const.UC_ERR_OK:
            raise unicorn.UcError(status)
        return self._vals[:]

    def write(self, uc: unicorn.Uc, values: tuple[int, ...] | list[int]) -> None:
        self._vals[:] = [v & 0xFFFFFFFFFFFFFFFF for v in values]
        status = self._write(uc._uch, self._ids, self._ptrs, self._n)
        if status != uc_const.UC_ERR_OK:
            raise unicorn.UcError(status)


_lib = unicorn.unicorn_py3.unicorn.uclib
_one = ctypes.c_uint64()
_one_ref = ctypes.byref(_one)


def read64(uc: unicorn.Uc, reg_id: int) -> int:
    """One 64-bit general register, without the binding's per-call type lookup."""
    status = _lib.uc_reg_read(uc._uch, reg_id, _one_ref)
    if status != uc_const.UC_ERR_OK:
        raise unicorn.UcError(status)
    return _one.value


def write64(uc: unicorn.Uc, reg_id: int, value: int) -> None:
    """Set one 64-bit general register (see read64)."""
    _one.value = value
    status = _lib.uc_reg_write(uc._uch, reg_id, _one_ref)
    if status != uc_const.UC_ERR_OK:
        raise unicorn.UcError(status)


_emu_start = _lib.uc_emu_start


def emu_start(uc: unicorn.Uc, begin: int, until: int) -> None:
    """uc.emu_start(begin, until) without the binding's frame (once per system call)."""
    uc._hook_exception = None
    status = _emu_start(uc._uch, begin, until, 0, 0)
    if status != uc_const.UC_ERR_OK:
        raise unicorn.UcError(status)
    if uc._hook_exception is not None:
        raise uc._hook_exception
