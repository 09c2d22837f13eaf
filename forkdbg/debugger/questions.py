"""What the debugger asks the person at the terminal: gdb's y/n questions and the
lines of a `commands` block, answered as gdb answers them without a terminal."""

from __future__ import annotations

from typing import Callable

from .control import read_block


class Questions:
    """Mixed into Session."""

    settings: dict[str, str]
    batch: bool
    ask: Callable[[str], bool] | None
    line_source: Callable[[], str | None] | None

    def say(self, text: str = "") -> None:
        raise NotImplementedError  # Session's

    def read_block(self, intro: str) -> list[str]:
        """Lines up to `end` (for `commands`; nested if/while blocks kept whole), from the
        file or the terminal."""
        if self.line_source is None:
            self.say(intro)
            return []
        return read_block(self.line_source)

    def confirm(self, question: str) -> bool:
        """gdb's y/n question; `set confirm off` answers yes, and so does a run without a
        terminal, saying so as gdb does."""
        if self.settings["confirm"] == "off":
            return True
        if self.batch or self.ask is None:
            self.say(question + "[answered Y; input not from terminal]")
            return True
        return self.ask(question)

    def nquery(self, question: str) -> bool:
        """gdb's y/[n] question, whose default is no: `set confirm off` answers it so
        silently, a run without a terminal says so."""
        if self.settings["confirm"] == "off":
            return False
        if self.batch or self.ask is None:
            self.say(question + "[answered N; input not from terminal]")
            return False
        return self.ask(question)
