"""The command registry: one table of gdb-style commands, aliases, categories and help.

Lookup follows gdb: an exact name or alias wins, then a unique prefix; an ambiguous
prefix and an unknown word give gdb's messages.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .session import Session


class CommandError(Exception):
    """A command failed: its message is printed (one line, as gdb prints errors)."""


class ErrorLine(str):
    """A line of output that goes to stderr where it is said (gdb's print_sys_errmsg:
    `41\tfork.c: No such file or directory.`), among lines that go to stdout."""


@dataclass
class Command:
    name: str
    fn: Callable[["Session", str], None]
    aliases: tuple[str, ...]
    category: str
    help: str
    repeat: bool = False  # an empty line repeats it (stepping commands)
    subcommands: tuple[str, ...] = field(default_factory=tuple)
    trailing: bool = False  # its argument keeps trailing blanks (`set prompt (gdb) `)

    @property
    def summary(self) -> str:
        return self.help.strip().splitlines()[0] if self.help.strip() else ""


CATEGORIES = {
    "running": "Running the program.",
    "breakpoints": "Making program stop at certain points.",
    "data": "Examining data.",
    "stack": "Examining the stack.",
    "status": "Status inquiries.",
    "inferiors": "Processes, threads and forks.",
    "support": "Support facilities.",
    "forkdbg": "What forkdbg shows beyond gdb.",
}

COMMANDS: dict[str, Command] = {}
ALIASES: dict[str, str] = {}


def command(name: str, *aliases: str, category: str, repeat: bool = False,
            subcommands: tuple[str, ...] = (), trailing: bool = False) -> Callable:
    """Register a command; its docstring is its help text."""
    def deco(fn: Callable[["Session", str], None]) -> Callable[["Session", str], None]:
        COMMANDS[name] = Command(name, fn, tuple(aliases), category,
                                 inspect.cleandoc(fn.__doc__ or ""), repeat, subcommands,
                                 trailing)
        for a in aliases:
            ALIASES[a] = name
        return fn
    return deco


def lookup(word: str) -> Command:
    """The command `word` names (gdb's rules for aliases and unique prefixes)."""
    if word in COMMANDS:
        return COMMANDS[word]
    if word in ALIASES:
        return COMMANDS[ALIASES[word]]
    hits = sorted({n for n in COMMANDS if n.startswith(word)} |
                  {ALIASES[a] for a in ALIASES if a.startswith(word)})
    if len(hits) == 1:
        return COMMANDS[hits[0]]
    if len(hits) > 1:
        raise CommandError(f'Ambiguous command "{word}": {", ".join(hits)}.')
    raise CommandError(f'Undefined command: "{word}".  Try "help".')


def all_names() -> list[str]:
    return sorted(set(COMMANDS) | set(ALIASES))
