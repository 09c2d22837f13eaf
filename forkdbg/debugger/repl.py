"""The interactive prompt: prompt_toolkit with history, completion, Enter-repeat, Ctrl-C, Ctrl-D.

The completion engine is complete.py; this is only the adapter and the loop.
"""

from __future__ import annotations

import os
import select
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterable

from . import annotate
from .detached import run_detached_slice
from .registry import CommandError
from .tui.state import NOT_A_TERMINAL

if TYPE_CHECKING:
    from .session import Session



def _history_path() -> str:
    return os.environ.get("FORKDBG_HISTORY") or os.path.expanduser("~/.forkdbg_history")


class PlainPrompt:
    """Commands from a pipe or file on stdin: no line editing, as gdb reads them."""

    def __init__(self, out: Any, idle: Callable[[], bool] | None = None) -> None:
        self.out = out
        self.idle = idle  # work to do while no command has come (on a terminal)

    def prompt(self, message: str) -> str:
        self.out.write(message)
        self.out.flush()
        if self.idle is not None and sys.stdin.isatty():
            while not select.select([sys.stdin], [], [], 0)[0] and self.idle():
                pass
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        if not sys.stdin.isatty():  # a terminal echoes what it is sent itself
            self.out.write(line if line.endswith("\n") else line + "\n")
        return line.rstrip("\n")


def session_completer(s: "Session"):  # type: ignore[no-untyped-def]
    """A prompt_toolkit Completer over the session's command and source names."""
    from prompt_toolkit.completion import Completer, Completion

    from .complete import complete

    class SessionCompleter(Completer):
        def get_completions(self, document, event) -> Iterable[Completion]:  # type: ignore[no-untyped-def]
            before = document.text_before_cursor
            word = "" if before.endswith(" ") else (before.split() or [""])[-1]
            for cand in complete(s, before):
                yield Completion(cand, start_position=-len(word))
    return SessionCompleter()


def history():  # type: ignore[no-untyped-def]
    """The command history shared by the prompt and the TUI (in memory if the file
    cannot be used)."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory
    try:
        return FileHistory(_history_path())
    except OSError:
        return InMemoryHistory()


def make_prompt(s: "Session", **kwargs: Any):  # type: ignore[no-untyped-def]
    """A prompt_toolkit PromptSession wired to the session's completer and history; plain
    lines from a pipe or a dumb terminal (gdb's testsuite drives gdb with TERM=dumb)."""
    if (not sys.stdin.isatty() or os.environ.get("TERM") == "dumb") and not kwargs:
        return PlainPrompt(s.out, lambda: run_detached_slice(s))
    from prompt_toolkit import PromptSession
    return PromptSession(completer=session_completer(s), history=history(), **kwargs)


def install_questions(s: "Session", ps: Any) -> None:
    """Questions a command asks (y/n, follow-fork-mode ask, `commands` blocks) are read
    from `ps.prompt(message)`: the prompt's line editor or the TUI's command line."""
    def ask(question: str) -> bool:
        while True:
            try:
                ans = ps.prompt(question).strip().lower()
            except (EOFError, KeyboardInterrupt):
                s.say("EOF [answered Y; input not from terminal]")
                return True
            if ans in ("y", "yes"):
                return True
            if ans in ("n", "no"):
                return False
            s.say("Please answer y or n.")

    def ask_fork() -> str:
        while True:
            try:
                ans = ps.prompt("Follow which side of the fork? (parent or child) ").strip()
            except (EOFError, KeyboardInterrupt):
                return "parent"
            if ans in ("parent", "child"):
                return ans
            s.say("Please answer parent or child.")

    if isinstance(ps, PlainPrompt) and not sys.stdin.isatty():
        s.ask = None  # no terminal: gdb answers its own questions with "y" and says so
    else:
        s.ask = ask
        s.ask_fork = ask_fork

    def block_line() -> str | None:
        try:
            return ps.prompt(">")
        except (EOFError, KeyboardInterrupt):
            return None
    s.line_source = block_line


def run_line(s: "Session", line: str) -> int | None:
    """Run one line typed at the prompt (an empty one repeats the last command); the
    exit status when it quits forkdbg."""
    if not line.strip():
        line = s.last_command
        if not line:
            return None
    try:
        s.execute(line)
    except CommandError as e:
        s.error(str(e))
    except SystemExit as e:
        return int(e.code or 0)
    except KeyboardInterrupt:
        s.say("Quit")
    sys.stdout.flush()
    return None


def end_of_input(s: "Session") -> int | None:
    """Ctrl-D at the prompt: `quit` (which may ask, or refuse); the exit status."""
    s.say("quit")
    try:
        s.execute("quit")
    except CommandError as e:
        s.error(str(e))
        return None
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def _terminal(ps: Any) -> bool:
    """Whether the TUI can be drawn: a line editor on a terminal both ways."""
    return not isinstance(ps, PlainPrompt) and sys.stdin.isatty() and sys.stdout.isatty() \
        and os.environ.get("TERM") != "dumb"


def repl(s: "Session", prompt_session: Any = None) -> int:
    """Read and run commands until `quit` or Ctrl-D; returns forkdbg's exit status."""
    ps = prompt_session or make_prompt(s)
    s.from_tty = True
    if getattr(s.out, "isatty", lambda: False)() and os.environ.get("TERM") != "dumb":
        s.settings["style enabled"] = "on"  # gdb styles what goes to a (capable) terminal
    s.tui.terminal = _terminal(ps)
    install_questions(s, ps)

    def idle_hook(context: Any) -> None:
        while not context.input_is_ready() and run_detached_slice(s):
            pass
    while True:
        if s.tui.wanted and not s.tui.active:
            if not s.tui.terminal:
                s.error(NOT_A_TERMINAL)
                s.tui.wanted = False
            else:
                from .tui.app import run_tui  # prompt_toolkit's full-screen parts: on demand
                code = run_tui(s)
                install_questions(s, ps)
                if code is not None:
                    return code
                continue
        try:
            message = annotate.prompt(s, s.settings["prompt"])
            if isinstance(ps, PlainPrompt):
                line = ps.prompt(message)
            else:  # the detached processes run while the prompt waits, as on a host
                line = ps.prompt(message, inputhook=idle_hook)
            post = annotate.post_prompt(s)
            if post is not None:
                s.say(post)
        except KeyboardInterrupt:
            s.say("Quit")
            continue
        except EOFError:
            code = end_of_input(s)
            if code is None:
                continue
            return code
        code = run_line(s, line)
        if code is not None:
            return code
