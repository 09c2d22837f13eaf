"""gdb's dummy frames (dummy-frame.c): what is left of a function call from an
expression that stopped before returning (a breakpoint inside the function, a signal).

The thread stays in the called function; its backtrace shows `<function called from
gdb>` where the call began, then the frames the thread was in. When the function
returns to the dummy return address, the thread silently gets back the registers it had
before the call, as gdb pops the dummy frame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..kernel.task import Task
    from .session import Session


@dataclass
class DummyFrame:
    """One abandoned call of one thread."""

    tid: int
    return_pc: int  # where the called function returns to
    sp: int  # where its return address is: rsp is sp + 8 once it has returned
    context: Any  # the thread's registers before the call (a unicorn context)
    name: str

    def reg(self, rid: int) -> int:
        """A register as it was before the call (by unicorn id)."""
        return int(self.context.reg_read(rid))

    def returned(self, task: "Task", rsp: int) -> bool:
        """Whether `task` at `return_pc` with `rsp` has come back from this call."""
        return task.tid == self.tid and rsp == self.sp + 8


def push(s: "Session", d: DummyFrame) -> None:
    s.dummy_frames.append(d)


def of_task(s: "Session", task: "Task") -> list[DummyFrame]:
    """`task`'s dummy frames, the innermost (the latest call) first."""
    return [d for d in reversed(s.dummy_frames) if d.tid == task.tid]


def return_addresses(s: "Session") -> list[int]:
    return [d.return_pc for d in s.dummy_frames]


def returned_to(s: "Session", task: "Task", addr: int, rsp: int) -> DummyFrame | None:
    """The dummy frame `task` has just returned to at `addr`, if any (the innermost)."""
    for d in of_task(s, task):
        if d.return_pc == addr and d.returned(task, rsp):
            return d
    return None


def pop(s: "Session", task: "Task", d: DummyFrame) -> None:
    """The thread back as it was before the call; this dummy frame and any later one of
    the thread's gone."""
    k = s.kernel
    assert k is not None
    k.engines.switch_to(task)
    uc = task.mm.uc
    assert uc is not None
    uc.context_restore(d.context)
    i = s.dummy_frames.index(d)
    s.dummy_frames[i:] = [x for x in s.dummy_frames[i + 1:] if x.tid != task.tid]


def forget(s: "Session", alive: set[int]) -> None:
    """Drop the dummy frames of threads that are gone."""
    s.dummy_frames = [d for d in s.dummy_frames if d.tid in alive]
