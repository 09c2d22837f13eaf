"""The unicorn 2.1.1 binding's rough edges, kept in one place.

forkdbg pins unicorn 2.1.1: 2.1.2-2.1.4 take a slow path on every guest store
(DESIGN.md section 3).  This module hides what that release's Python binding gets
wrong: ``ctl_flush_tb()`` asserts, ``unicorn.__version__`` says 2.1.0, and
``Uc.__new__`` hands back an architecture subclass.
"""

from __future__ import annotations

import ctypes

import unicorn
from unicorn import unicorn_const as uc_const

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

    def read(self, uc: unicorn.Uc) -> list[int]:
        status = self._read(uc._uch, self._ids, self._ptrs, self._n)
        if status != uc_const.UC_ERR_OK:
            raise unicorn.UcError(status)
        return self._vals[:]


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
