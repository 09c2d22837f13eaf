"""What the TUI commands change: whether it is on, the layout, the focused window, the
windows' heights and where the source window looks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...dwarf.lines import SourceFile

#: gdb's layouts in `layout next` order, and the windows each stacks above `status`/`cmd`
LAYOUTS: dict[str, tuple[str, ...]] = {
    "src": ("src",), "asm": ("asm",), "split": ("src", "asm"), "regs": ("regs", "src"),
}
NOT_A_TERMINAL = "Cannot enable the TUI when output is not a terminal"
NOT_ACTIVE = "The TUI is not active."


@dataclass
class TuiState:
    """The TUI's settings for one session; the front-end (app.py) acts on `wanted`."""

    terminal: bool = False  # a front-end that can show the TUI is in charge
    active: bool = False  # the TUI is on the screen
    wanted: bool = False  # a command asked for it (the front-end switches)
    refresh: bool = False  # `refresh`: redraw the whole screen
    layout: str = "src"
    focus: str = "src"
    heights: dict[str, int] = field(default_factory=dict)  # `winheight` choices
    #: the source window's place when a command (list) moved it; None: the current frame
    source_at: "tuple[SourceFile, int] | None" = None
    #: the size the front-end last drew (rows, columns), for `info win`
    size: tuple[int, int] = (24, 80)

    def show_source(self, f: "SourceFile", top: int) -> None:
        """`list` in the TUI: the source window from line `top` (the src layout if the
        current one has no source window)."""
        if "src" not in LAYOUTS[self.layout]:
            self.set_layout("src")
        self.source_at = (f, top)

    def windows(self) -> tuple[str, ...]:
        """The windows on the screen, top to bottom."""
        return LAYOUTS[self.layout] + ("status", "cmd")

    def focusable(self) -> tuple[str, ...]:
        return LAYOUTS[self.layout] + ("cmd",)

    def set_layout(self, name: str) -> None:
        """Apply `name` (or next/prev); focus moves to the new layout's first window
        when the focused one is gone, as gdb does."""
        names = list(LAYOUTS)
        if name in ("next", "prev"):
            step = 1 if name == "next" else -1
            name = names[(names.index(self.layout) + step) % len(names)]
        self.layout = name
        if self.focus not in self.focusable():
            self.focus = LAYOUTS[name][0]
        self.heights = {}

    def move_focus(self, name: str) -> str:
        """Focus `name` (or next/prev); returns the focused window's name."""
        order = list(self.focusable())
        if name in ("next", "prev"):
            step = 1 if name == "next" else -1
            name = order[(order.index(self.focus) + step) % len(order)]
        self.focus = name
        return name

    def heights_for(self, rows: int) -> dict[str, int]:
        """Each window's height in `rows` terminal rows: the command window a third, the
        status line one row, the rest shared by the layout's windows (gdb's split);
        `winheight` choices override and the command window absorbs the difference."""
        wins = LAYOUTS[self.layout]
        cmd = max(3, rows // 3)
        status = 1
        free = max(len(wins) * 3, rows - cmd - status)
        out: dict[str, int] = {}
        for i, w in enumerate(wins):
            share = free // len(wins) + (1 if i < free % len(wins) else 0)
            out[w] = self.heights.get(w, share)
        out["status"] = status
        out["cmd"] = max(2, rows - status - sum(out[w] for w in wins))
        return out
