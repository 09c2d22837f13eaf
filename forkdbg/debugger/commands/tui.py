"""The TUI's commands: tui enable|disable, layout, focus (fs), refresh, winheight (wh) and
info win.  They change the session's TuiState; the terminal front-end (tui/app.py) acts
on it.  Without a terminal they answer as gdb does without one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..registry import CommandError, command
from ..tui.state import LAYOUTS, NOT_A_TERMINAL, NOT_ACTIVE
from .info import info

if TYPE_CHECKING:
    from ..session import Session

MORE = ('Type "help {0}" followed by {0} subcommand name for full documentation.\n'
        'Type "apropos word" to search for commands related to "word".\n'
        'Type "apropos -v word" for full documentation of commands related to "word".\n'
        'Command name abbreviations are allowed if unambiguous.')
LAYOUT_LIST = """List of tui layout subcommands:

tui layout asm -- Apply the "asm" layout.
tui layout next -- Apply the next TUI layout.
tui layout prev -- Apply the previous TUI layout.
tui layout regs -- Apply the TUI register layout.
tui layout split -- Apply the "split" layout.
tui layout src -- Apply the "src" layout.

""" + MORE.format("tui layout")
TUI_LIST = """List of tui subcommands:

tui disable -- Disable TUI display mode.
tui enable -- Enable TUI display mode.
tui focus, fs, focus -- Set focus to named window or next/prev window.
tui layout, layout -- Change the layout of windows.
tui refresh, refresh -- Refresh the terminal display.

""" + MORE.format("tui")


def _need_terminal(s: "Session") -> None:
    """Every TUI command but `tui disable` and `info win` turns the TUI on."""
    if not s.tui.terminal:
        raise CommandError(NOT_A_TERMINAL)
    s.tui.wanted = True


@command("tui", category="support", subcommands=("enable", "disable", "layout", "focus",
                                                 "refresh"))
def cmd_tui(s: "Session", arg: str) -> None:
    """Text User Interface commands: `tui enable`, `tui disable`, `tui layout NAME`,
    `tui focus NAME`, `tui refresh`.  The TUI shows the source (or the assembly, or the
    registers) above the command window and follows the inferior being debugged."""
    word, _, rest = arg.strip().partition(" ")
    if word == "enable":
        _need_terminal(s)
    elif word == "disable":
        s.tui.wanted = False
    elif word == "layout":
        cmd_layout(s, rest)
    elif word in ("focus", "fs"):
        cmd_focus(s, rest)
    elif word == "refresh":
        cmd_refresh(s, rest)
    elif not word:
        s.say(TUI_LIST)
    else:
        raise CommandError(f'Undefined tui command: "{word}".  Try "help tui".')


@command("layout", category="support")
def cmd_layout(s: "Session", arg: str) -> None:
    """Change the layout of windows: `layout src|asm|split|regs|next|prev`."""
    name = arg.strip()
    if not name:
        s.say(LAYOUT_LIST)
        return
    if name not in LAYOUTS and name not in ("next", "prev"):
        raise CommandError(f'Undefined tui layout command: "{name}".  '
                           'Try "help tui layout".')
    _need_terminal(s)
    s.tui.set_layout(name)
    s.tui.source_at = None


@command("focus", "fs", category="support")
def cmd_focus(s: "Session", arg: str) -> None:
    """Set focus to a window: `focus src|asm|regs|cmd|next|prev`.  The focused window
    scrolls with the arrow and page keys."""
    name = arg.strip()
    _need_terminal(s)
    if name not in s.tui.focusable() and name not in ("next", "prev"):
        raise CommandError(f'Unrecognized window name "{name}"')
    s.say(f"Focus set to {s.tui.move_focus(name)} window.")


@command("refresh", category="support")
def cmd_refresh(s: "Session", arg: str) -> None:
    """Redraw the whole terminal (Ctrl-L too)."""
    _need_terminal(s)
    s.tui.refresh = True


@command("winheight", "wh", category="support")
def cmd_winheight(s: "Session", arg: str) -> None:
    """Set a window's height: `winheight NAME [+|-]LINES`."""
    _need_terminal(s)
    name, _, amount = arg.strip().rpartition(" ")
    if not name or name not in s.tui.windows() or name in ("status", "cmd"):
        raise CommandError(f'Unrecognized window name "{arg.strip()}"')
    rows = s.tui.size[0]
    now = s.tui.heights_for(rows)[name]
    try:
        n = int(amount)
    except ValueError:
        raise CommandError(f"Invalid window height specified: {amount}") from None
    want = now + n if amount[0] in "+-" else n
    if not 3 <= want <= rows - 4:
        raise CommandError(f"Invalid window height specified: {amount}")
    s.tui.heights[name] = want


@info("win")
def info_win(s: "Session", arg: str) -> None:
    """The TUI's windows: name, lines, columns and which has the focus."""
    if not s.tui.active:  # gdb says so as output, not as an error
        s.say(NOT_ACTIVE)
        return
    rows, cols = s.tui.size
    heights = s.tui.heights_for(rows)
    s.say("Name       Lines Columns Focus")
    for w in s.tui.windows():
        focus = " (has focus)" if w == s.tui.focus else ""
        s.say(f"{w:<10}{heights[w]:>6}{cols:>8}{focus}")
