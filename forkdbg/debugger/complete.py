"""Completion as a pure function of the session and the text before the cursor.

repl.py adapts it to prompt_toolkit; tests call it directly.
"""

from __future__ import annotations

import glob
import os
import re
from typing import TYPE_CHECKING

from ..abi.sysnums import SYSCALL_NUMBERS
from ..arch.x86_64 import REG_IDS
from . import commands  # noqa: F401 - the registry fills as the command modules load
from .registry import COMMANDS, all_names, lookup
from .settings import BOOLEAN, CHOICES

if TYPE_CHECKING:
    from .session import Session

SYMBOL_COMMANDS = {"break", "tbreak", "until", "advance", "disassemble", "print", "x",
                   "display", "watch", "rwatch", "awatch", "output", "patch"}
FILE_COMMANDS = {"file", "source", "cd"}


def complete(s: "Session", before: str) -> list[str]:
    """Candidates for the word being typed at the end of `before`."""
    words = before.split()
    if not words or (len(words) == 1 and not before.endswith(" ")):
        prefix = words[0] if words else ""
        return [n for n in all_names() if n.startswith(prefix)]
    try:
        cmd = lookup(re.match(r"[\w-]*", words[0]).group(0))  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - nothing to complete after an unknown command
        return []
    current = "" if before.endswith(" ") else words[-1]
    args = words[1:] if before.endswith(" ") else words[1:-1]
    if cmd.subcommands and not args:
        return [w for w in cmd.subcommands if w.startswith(current)]
    if cmd.name == "set" and len(args) == 1:
        if args[0] in CHOICES:
            return [c for c in CHOICES[args[0]] if c.startswith(current)]
        if args[0] in BOOLEAN:
            return [c for c in ("on", "off") if c.startswith(current)]
    if cmd.name == "show" and not args:
        return [k for k in list(s.settings) + ["args", "version"] if k.startswith(current)]
    if cmd.name in ("catch", "tcatch") and args and args[0] == "syscall":
        groups = ["descriptor", "file", "ipc", "memory", "network", "process", "signal"]
        if current.startswith("g:"):  # gdb's short spelling of group:
            return [f"g:{g}" for g in groups if g.startswith(current[2:])]
        names = list(SYSCALL_NUMBERS) + [f"group:{g}" for g in groups]
        return sorted(n for n in names if n.startswith(current))
    if cmd.name == "help":
        return [n for n in sorted(COMMANDS) if n.startswith(current)]
    if cmd.name in FILE_COMMANDS:
        return _files(current)
    if current.startswith("$"):
        regs = ["$" + r for r in sorted([*REG_IDS, "orig_rax"])]
        return [r for r in regs if r.startswith(current)]
    if cmd.name in SYMBOL_COMMANDS or (cmd.name == "info" and args and args[0] == "symbol"):
        stem = current.lstrip("*&")
        lead = current[:len(current) - len(stem)]
        syms = s.symbols()
        if syms is None or not stem:
            return []
        return sorted(lead + n for n in syms.names() if n.startswith(stem))[:200]
    return []


def _files(prefix: str) -> list[str]:
    out = []
    for p in sorted(glob.glob(os.path.expanduser(prefix) + "*")):
        out.append(p + ("/" if os.path.isdir(p) else ""))
    return out
