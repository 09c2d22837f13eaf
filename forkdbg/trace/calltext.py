"""One call's strace text from its entry and exit events, for printers that do not lay out
lines (--json, --timeline): the decoder runs at entry, and again at exit for what only
then exists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generator

from ..abi.sysnums import syscall_name
from .ctx import Call
from .decoders import DECODERS
from .describe import Style
from .kinds import generic

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task


class CallText:
    """A call being decoded: `entered` at entry, `finish(ret)` at exit."""

    __slots__ = ("call", "gen", "entry")

    def __init__(self, kernel: "Kernel", task: "Task", nr: int, args: tuple[int, ...],
                 style: Style, fdpaths: frozenset[str] = frozenset()) -> None:
        name = syscall_name(nr)
        self.call = Call(task, nr, name, args, style, fdpaths)
        d = DECODERS.get(name)
        if d is None:
            sd = kernel.table.get(nr)
            d = generic(sd.args if sd is not None else ("hex",) * 6)
        gen: Generator[None, None, None] | None = d(self.call)
        try:
            next(gen)  # type: ignore[arg-type]
        except StopIteration:
            gen = None
        self.gen = gen
        self.entry = "".join(self.call.parts)
        self.call.parts = []

    def finish(self, ret: int | None) -> str:
        """The arguments as strace prints them, now that the call returned `ret`."""
        c = self.call
        c.ret = ret
        if self.gen is not None:
            try:
                next(self.gen)
            except StopIteration:
                pass
        return self.entry + "".join(c.parts)
