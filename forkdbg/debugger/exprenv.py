"""The expression environment of a session: what gdb expressions read (registers,
memory, symbols, program variables and types) and call (gdb's internal functions, the
program's functions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..arch.x86_64 import REG_IDS
from .expr import Env
from .functions import internal_function
from .infcall import call_function
from .registry import CommandError

if TYPE_CHECKING:
    from .session import Session


def expression_env(s: "Session") -> Env:
    """The Env for evaluating an expression in `s` as it stands."""
    def reg(name: str) -> int | None:
        rid = REG_IDS.get(name)
        if rid is None and name != "orig_rax":
            return None  # a convenience variable
        if not s.running:
            raise CommandError("No registers.")
        if rid is None:  # orig_rax: the call the task is in, or was last in; else -1
            call = s.task().last_call
            return call.nr if call is not None else (1 << 64) - 1
        return s.task().reg(rid)

    def read(addr: int, n: int) -> bytes:
        if not s.running:  # the program file's bytes
            data = s.code_reader()(addr, n)
            if len(data) < n:
                raise CommandError(f"Cannot access memory at address {addr:#x}")
            return data
        t = s.task()
        data = t.mm.readable_prefix(addr, n) if not t.mm.released else b""
        if len(data) < n:
            data2 = b""
            try:
                data2 = t.mm.read(addr, n, force=True)
            except Exception:  # noqa: BLE001
                pass
            if len(data2) < n:
                raise CommandError(f"Cannot access memory at address {addr:#x}")
            data = data2
        return data

    def symbol(name: str) -> tuple[int, bool] | None:
        syms = s.symbols()
        sym = syms.lookup(name) if syms is not None else None
        if sym is None:
            raise CommandError('No symbol table is loaded.  Use the "file" command.'
                               if not s.has_debug_info() else
                               f'No symbol "{name}" in current context.')
        return sym.addr, sym.kind in ("func", "text")  # gdb: a text variable
    return Env(reg, read, symbol, s.history, s.convenience,
               lambda m: s.error("warning: " + m), s.source.variable,
               s.source.ctype, s.source.type_named,
               lambda name, args: internal_function(s, name, args),
               lambda addr, args, ret, name: call_function(s, addr, args, ret, name),
               s.source.entry_variable, s.source.scoped_variable)
