"""The TUI on a terminal: prompt_toolkit's full-screen application with the layout's
windows, gdb's status line and the command window.

The command window is a small terminal of its own: forkdbg's standard streams, which the
program inherits, become a pseudo-terminal while the TUI is on, and what comes out of it
(forkdbg's messages and the program's output, in the order they were written) fills the
window.  Commands run on a worker thread, so the screen stays live while the program
runs: keys typed then go to the program's terminal, Ctrl-C stops the machine.  The
worker is the only thread that touches the session; the windows show what it last
snapshotted (windows.py).
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from typing import TYPE_CHECKING, Any, Callable

from prompt_toolkit.application import Application
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import ANSI, StyleAndTextTuples
from prompt_toolkit.input import create_input
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
from prompt_toolkit.key_binding.defaults import load_key_bindings
from prompt_toolkit.keys import Keys
from prompt_toolkit.layout import (Dimension, DynamicContainer, Float,
                                   FloatContainer, FormattedTextControl, HSplit, Layout,
                                   VSplit, Window)
from prompt_toolkit.layout.controls import BufferControl
from prompt_toolkit.layout.menus import CompletionsMenu
from prompt_toolkit.layout.processors import BeforeInput
from prompt_toolkit.output import create_output
from prompt_toolkit.styles import Style

from .. import annotate
from ...interrupts import Interrupts
from ..detached import run_detached_slice
from ..repl import end_of_input, history, install_questions, run_line, session_completer
from .terminal import CommandLog, Terminal, visible_text
from .windows import Pane, asm_pane, regs_pane, source_pane, status_line

if TYPE_CHECKING:
    from ..session import Session

#: the worker's jobs besides command lines (control characters no line can hold)
STOP, SNAPSHOT, EOF = "\x00stop", "\x00snapshot", "\x04"
STYLE = Style.from_dict({
    "border": "", "border.focused": "bold ansicyan",
    "current": "reverse", "status": "reverse", "empty": "italic",
})


class Tui:
    """One stretch of TUI: from `tui enable` (or -tui) to Ctrl-X A, `tui disable` or
    quit."""

    def __init__(self, s: "Session", term: Terminal) -> None:
        self.s = s
        self.term = term
        self.busy = False  # a command is running on the worker
        self.question: str | None = None  # a command asks: the command line answers
        self.answers: "queue.Queue[str | None]" = queue.Queue()
        self.jobs: "queue.Queue[str]" = queue.Queue()  # command lines, or STOP / SNAPSHOT
        self.panes: dict[str, Pane] = {}
        self.status = ("", "")
        self.prompt_text = ""
        self.offsets: dict[str, int] = {}  # windows scrolled away from their own line
        self.kept: dict[str, tuple[str, int]] = {}  # (title, top line) each window shows
        self.log_back = 0  # the command window scrolled back this many lines
        self.winsize = (0, 0)
        self.input = create_input(os.fdopen(os.dup(term.saved[0]), "r"))
        self.output = create_output(os.fdopen(os.dup(term.saved[1]), "w"))
        self.app: Application[int | None] = self._application()
        self.log = CommandLog(term.master, self.app.invalidate)

    # ---------------------------------------------------------------- worker
    def snapshot(self) -> None:
        """Read everything the windows show from the session (worker thread only)."""
        s = self.s
        builders = {"src": source_pane, "asm": asm_pane, "regs": regs_pane}
        panes = {}
        for name in s.tui.windows():
            if name in builders:
                try:
                    panes[name] = builders[name](s)
                except Exception as e:  # noqa: BLE001 - a window that fails says why
                    panes[name] = Pane(empty=f"[ {e} ]")
        self.panes = panes
        try:
            self.status = status_line(s)
        except Exception:  # noqa: BLE001 - the status line is best effort, as gdb's
            self.status = ("", "")
        self.prompt_text = annotate.prompt(s, s.settings["prompt"])
        self.offsets = {}

    def work(self) -> None:
        """The worker: run each command line, let detached processes run while idle."""
        while True:
            try:
                job = self.jobs.get(timeout=0.05)
            except queue.Empty:
                while self.jobs.empty() and run_detached_slice(self.s):
                    pass
                continue
            if job == STOP:
                return
            self.busy = True
            code = None
            if job == EOF:
                sys.stdout.write(self.prompt_text)
                code = end_of_input(self.s)
            elif job != SNAPSHOT:
                sys.stdout.write(self.prompt_text + job + "\n")  # the line, as typed
                code = run_line(self.s, job)
            sys.stdout.flush()
            self.snapshot()
            self.busy = not self.jobs.empty()
            if self.s.tui.refresh:
                self.s.tui.refresh = False
                self._in_ui(self._redraw)
            if code is not None or not self.s.tui.wanted:  # quit, or back to the prompt:
                self._in_ui(lambda result=code: self.app.exit(result=result))
                return  # lines typed ahead are not run in a TUI that is going
            self.app.invalidate()

    def _in_ui(self, fn: Any) -> None:
        loop = self.app.loop
        if loop is not None:
            loop.call_soon_threadsafe(fn)

    def _redraw(self) -> None:
        self.app.renderer.clear()
        self.app.invalidate()

    def prompt_for(self, message: str) -> str:
        """A command's question (worker thread): the command line asks it and returns
        the answer typed (EOFError on Ctrl-D)."""
        head, nl, last = message.rpartition("\n")
        if nl:  # the lines before the question go to the window; the command line asks
            sys.stdout.write(head + nl)
            sys.stdout.flush()
        self.question = last
        self.app.invalidate()
        answer = self.answers.get()
        self.question = None
        if answer is None:
            raise EOFError
        return answer

    # ---------------------------------------------------------------- UI
    def submit(self, text: str) -> None:
        """Enter on the command line: an answer to a question, or a command to run."""
        if self.question is not None:
            os.write(1, (self.question + text + "\n").encode())
            self.answers.put(text)
            return
        self.busy = True
        self.log_back = 0
        self.jobs.put(text)

    def _application(self) -> "Application[int | None]":
        self.buffer = Buffer(completer=session_completer(self.s), history=history(),
                             multiline=False, accept_handler=self._accept)
        idle = Condition(lambda: not self.busy or self.question is not None)
        # the program's terminal has the keyboard while the machine runs; otherwise keys
        # edit the command line, and lines typed ahead wait for the worker in order
        program = Condition(lambda: self.busy and self.question is None and
                            Interrupts.running > 0)
        body = HSplit([
            DynamicContainer(self._windows),
            Window(FormattedTextControl(self._status_fragments), height=1, style="class:status"),
            Window(FormattedTextControl(self._log_fragments), wrap_lines=True,
                   height=self._log_height),
            Window(BufferControl(self.buffer, input_processors=[BeforeInput(
                lambda: self.question if self.question is not None else
                "" if self.busy else self.prompt_text)]), height=1),
            Window(),
        ])
        root = FloatContainer(body, floats=[Float(xcursor=True, ycursor=True,
                                                  content=CompletionsMenu(max_height=8))])
        return Application(layout=Layout(root, focused_element=self.buffer),
                           key_bindings=merge_key_bindings([load_key_bindings(),
                                                            self._keys(idle, program)]),
                           style=STYLE, full_screen=True, input=self.input,
                           output=self.output)

    def _accept(self, buf: Buffer) -> bool:
        self.submit(buf.text)
        return False  # the buffer is reset (and the line goes to the history)

    def _keys(self, idle: Condition, program: Condition) -> KeyBindings:
        kb = KeyBindings()
        s = self.s
        scrolls = Condition(lambda: s.tui.focus != "cmd")

        @kb.add(Keys.Any, filter=program, eager=True)
        def _(event: Any) -> None:  # the program's terminal has the keys while it runs
            os.write(self.term.master, event.data.encode())

        @kb.add("c-c", filter=~idle, eager=True)
        def _(event: Any) -> None:  # a command at work: stop the machine (if it runs)
            if s.kernel is not None:
                s.kernel.interrupt("interrupt")

        @kb.add("c-c", filter=idle)
        def _(event: Any) -> None:
            if self.question is not None:
                self.buffer.reset()
                self.answers.put(None)
                return
            self.buffer.reset()
            os.write(1, b"Quit\n")

        @kb.add("c-d", filter=idle)
        def _(event: Any) -> None:
            if self.buffer.text:
                self.buffer.delete()
            elif self.question is not None:
                self.answers.put(None)
            else:
                self.busy = True
                self.jobs.put(EOF)

        for keys in (("c-x", "a"), ("c-x", "A"), ("c-x", "c-a")):
            @kb.add(*keys, filter=idle)
            def _(event: Any) -> None:
                s.tui.wanted = False
                event.app.exit(result=None)

        @kb.add("c-x", "1", filter=idle)
        def _(event: Any) -> None:
            if len(s.tui.windows()) > 3:
                self._relayout("src" if "src" in s.tui.windows() else "asm")

        @kb.add("c-x", "2", filter=idle)
        def _(event: Any) -> None:
            self._relayout("split" if s.tui.layout != "split" else "regs")

        @kb.add("c-x", "o", filter=idle)
        def _(event: Any) -> None:
            s.tui.move_focus("next")

        @kb.add("c-l")
        def _(event: Any) -> None:
            self._redraw()

        @kb.add("pageup")
        def _(event: Any) -> None:
            self._scroll(-self._page())

        @kb.add("pagedown")
        def _(event: Any) -> None:
            self._scroll(self._page())

        @kb.add("up", filter=scrolls)
        def _(event: Any) -> None:
            self._scroll(-1)

        @kb.add("down", filter=scrolls)
        def _(event: Any) -> None:
            self._scroll(1)
        return kb

    def _relayout(self, name: str) -> None:
        """A key changed the layout: the worker reads the new windows' contents."""
        self.s.tui.set_layout(name)
        self.busy = True
        self.jobs.put(SNAPSHOT)

    def _page(self) -> int:
        return max(1, self._heights().get(self.s.tui.focus, 3) - 3)

    def _scroll(self, n: int) -> None:
        name = self.s.tui.focus
        if name == "cmd":
            self.log_back = max(0, self.log_back - n)
            return
        pane = self.panes.get(name)
        if pane is None or not pane.lines:
            return
        top = self.offsets.get(name, self._top(name, pane))
        self.offsets[name] = min(max(top + n, 0), len(pane.lines) - 1)

    # ---------------------------------------------------------------- drawing
    def _size(self) -> tuple[int, int]:
        size = self.output.get_size()
        rows, cols = size.rows, size.columns
        if (rows, cols) != self.winsize:
            self.winsize = (rows, cols)
            self.s.tui.size = (rows, cols)
            self.term.resize(max(self._heights()["cmd"], 1), cols)
        return rows, cols

    def _heights(self) -> dict[str, int]:
        return self.s.tui.heights_for(self.s.tui.size[0])

    def _windows(self) -> Any:
        self._size()
        heights = self._heights()
        return HSplit([self._box(name, heights[name]) for name in self.s.tui.windows()[:-2]])

    def _box(self, name: str, height: int) -> HSplit:
        """A window in gdb's box: its title on the top border, left-aligned."""
        pane = self.panes.get(name, Pane())
        style = "class:border.focused" if name == self.s.tui.focus else "class:border"
        _rows, cols = self._size()
        title = f"\u2500{pane.title}" if pane.title else ""
        top = "\u250c" + title + "\u2500" * max(cols - 2 - len(title), 0) + "\u2510"
        side = Window(width=1, char="\u2502", style=style)
        return HSplit([
            Window(FormattedTextControl([(style, top)]), height=1),
            VSplit([side, Window(FormattedTextControl(self._fragments_of(name))), side]),
            Window(FormattedTextControl([(style, "\u2514" + "\u2500" * max(cols - 2, 0)
                                          + "\u2518")]), height=1),
        ], height=Dimension.exact(height))

    def _top(self, name: str, pane: Pane) -> int:
        """The first line shown: `list`'s, else the current line a little above the
        middle, as gdb centers it."""
        if pane.top is not None:
            return pane.top
        rows = self._heights()[name] - 2
        kept = self.kept.get(name)
        title, top = kept if kept is not None else ("", 0)
        if kept is None or title != pane.title or not top <= pane.focus < top + rows:
            top = max(pane.focus - max((rows - 1) // 2 - 1, 0), 0)
            self.kept[name] = (pane.title, top)
        return top

    def _fragments_of(self, name: str) -> Callable[[], StyleAndTextTuples]:
        return lambda: self._pane_fragments(name)

    def _pane_fragments(self, name: str) -> StyleAndTextTuples:
        pane = self.panes.get(name, Pane())
        rows = self._heights()[name] - 2
        if not pane.lines:
            pad = "\n" * max(rows // 2 - 1, 0)
            return [("class:empty", pad + " " * 16 + (pane.empty or ""))]
        top = self.offsets.get(name, self._top(name, pane))
        out: StyleAndTextTuples = []
        for i, line in enumerate(pane.lines[top:top + rows]):
            current = " class:current" if line[2:3] == ">" else ""
            if "\x1b" in line:  # coloured disassembly
                out.extend((style + current, text) for style, text, *_ in
                           ANSI(line).__pt_formatted_text__())
            else:
                out.append((current, line))
            if i < rows - 1:
                out.append(("", "\n"))
        return out

    def _status_fragments(self) -> StyleAndTextTuples:
        _rows, cols = self._size()
        left, right = self.status
        gap = max(cols - len(left) - len(right), 1)
        return [("", left + " " * gap + right)]

    def _log_rows(self) -> tuple[list[str], int]:
        """The command window's visible lines and the rows they take, wrapped."""
        _rows, cols = self._size()
        room = self._heights()["cmd"] - 1
        lines = self.log.tail(room, self.log_back)
        used = sum(max(1, -(-len(visible_text(ln)) // max(cols, 1))) for ln in lines)
        while used > room and lines:
            used -= max(1, -(-len(visible_text(lines[0])) // max(cols, 1)))
            lines = lines[1:]
        return lines, used

    def _log_height(self) -> Dimension:
        return Dimension.exact(self._log_rows()[1])

    def _log_fragments(self) -> StyleAndTextTuples:
        lines, _used = self._log_rows()
        return ANSI("\n".join(lines)).__pt_formatted_text__()

    def run(self) -> int | None:
        self.snapshot()
        self.s.tui.active = True
        worker = threading.Thread(target=self.work, daemon=True)
        install_questions(self.s, self)
        worker.start()
        try:
            return self.app.run(handle_sigint=False)
        finally:
            self.jobs.put(STOP)
            worker.join()
            self.s.tui.active = False
            self.log.stop()

    def prompt(self, message: str) -> str:
        """What install_questions reads a command's answers from."""
        return self.prompt_for(message)


def run_tui(s: "Session") -> int | None:
    """Show the TUI until it is disabled (None: back to the command line) or forkdbg
    quits (its exit status)."""
    with Terminal() as term:
        code = Tui(s, term).run()
    s.tui.wanted = False
    return code
