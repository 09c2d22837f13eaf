"""Call: the state of one syscall line while it is decoded (entry, then exit).

A decoder is a generator over a Call: it `put`s arguments at entry, `yield`s where
strace stops printing at syscall entry, and puts the rest when the call returns.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Callable, Generator

from ..abi.sysprotos import narrow_args
from .describe import Style

if TYPE_CHECKING:
    from ..kernel.task import Task

Decoder = Callable[["Call"], Generator[None, None, None]]


class Call:
    """One system call being rendered."""

    __slots__ = ("task", "nr", "name", "args", "raw_args", "style", "ret", "parts", "sep_pending",
                 "retfmt", "retnote", "fdpath", "kernel", "_entry_done", "exit_prefix")

    def __init__(self, task: "Task", nr: int, name: str, args: tuple[int, ...], style: Style,
                 fdpath: frozenset[str] = frozenset()) -> None:
        self.task = task
        self.kernel = task.kernel
        self.nr = nr
        self.name = name
        self.raw_args = args  # the registers (-e raw= prints them)
        # the arguments as the kernel reads them (an `int` sees the low 32 bits), which is
        # how strace's decoders cast them
        self.args = narrow_args(name, args)
        self.style = style
        self.ret: int | None = None
        self.parts: list[str] = []
        self.sep_pending = False
        self.retfmt: str | Callable[[int], str] = "dec"
        self.retnote = ""
        self.fdpath = fdpath  # the decode-fd items: path, dev, pidfd, socket
        self.exit_prefix = ""

    # -------------------------------------------------------------- output
    def put(self, text: str) -> None:
        """Add one argument (a comma goes before it unless it is the first)."""
        if (self.parts and self.parts[-1] != ", ") or self.sep_pending:  # not twice (sep())
            self.parts.append(", ")
        self.sep_pending = False
        self.parts.append(text)

    def sep(self) -> None:
        """Print the comma before the next argument now (at entry), as strace does."""
        self.parts.append(", ")
        self.sep_pending = False

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts = []
        return text

    @property
    def failed(self) -> bool:
        return self.ret is not None and -4095 <= self.ret < 0

    # ------------------------------------------------------------- reading
    def mem(self, addr: int, n: int) -> bytes | None:
        """Guest bytes, or None if any of them is unreadable."""
        if not addr or n < 0:
            return None
        mm = self.task.mm
        if mm.released:
            return None
        data = mm.readable_prefix(addr, n)
        return data if len(data) == n else None

    def cstr(self, addr: int, limit: int) -> tuple[bytes, bool] | None:
        """(string, complete) at `addr`, read up to `limit` bytes."""
        if not addr:
            return None
        data = self.task.mm.readable_prefix(addr, limit + 1)
        if not data:
            return None
        i = data.find(b"\0")
        if i >= 0:
            return data[:i], True
        return data[:limit], False

    def array(self, addr: int, n: int, size: int, item: "Callable[[bytes], str]") -> str:
        """strace's print_array: NULL, ``[]``, the elements (at most -s of them unless -v,
        then ``...``), and ``... /* ADDR */`` where the memory ends; the address alone if
        not even the first element can be read."""
        if not addr:
            return "NULL"
        if not n:
            return "[]"
        limit = n if self.style.verbose else self.style.strsize
        out: list[str] = []
        for i in range(n):
            b = self.mem(addr + i * size, size)
            if b is None:
                if not i:
                    return f"{addr:#x}"
                out.append(f"... /* {addr + i * size:#x} */")
                break
            if i >= limit:
                out.append("...")
                break
            out.append(item(b))
        return "[" + ", ".join(out) + "]"

    def u64(self, addr: int) -> int | None:
        b = self.mem(addr, 8)
        return struct.unpack("<Q", b)[0] if b is not None else None

    def s32(self, i: int) -> int:
        v = self.args[i] & 0xFFFFFFFF
        return v - (1 << 32) if v & 0x80000000 else v

    def s64(self, i: int) -> int:
        v = self.args[i]
        return v - (1 << 64) if v >> 63 else v
