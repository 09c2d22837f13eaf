"""`python -m forkdbg.debugger.docs`: docs/commands.md from the command registry."""

from __future__ import annotations

import sys

from . import commands  # noqa: F401 - registers the commands
from .commands.info import INFO
from .registry import CATEGORIES, COMMANDS


def render() -> str:
    lines = ["# forkdbg debugger commands", "",
             "Generated from the command registry by `python -m forkdbg.debugger.docs`; "
             "`help` and `help COMMAND` print the same text.", ""]
    for cat, desc in CATEGORIES.items():
        cmds = sorted((c for c in COMMANDS.values() if c.category == cat), key=lambda c: c.name)
        if not cmds:
            continue
        lines += [f"## {cat}", "", desc, "", "| command | aliases | what it does |",
                  "| --- | --- | --- |"]
        for c in cmds:
            text = " ".join(c.help.split()).replace("|", "\\|")
            lines.append(f"| `{c.name}` | {', '.join(f'`{a}`' for a in c.aliases)} | {text} |")
        lines.append("")
    subs = sorted({n for n in INFO if len(n) > 2})
    lines += ["## info subcommands", "", ", ".join(f"`info {n}`" for n in subs), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(render())
