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
from .registry import COMMANDS, CommandError, all_names, lookup
from .settings import BOOLEAN, CHOICES

if TYPE_CHECKING:
    from .session import Session

SYMBOL_COMMANDS = {"break", "tbreak", "until", "advance", "disassemble", "print", "x",
                   "display", "watch", "rwatch", "awatch", "output", "patch", "list",
                   "clear", "call", "ptype", "whatis"}
#: commands whose argument is a location: source files and FILE:FUNCTION complete too
LOCATION_COMMANDS = {"break", "tbreak", "until", "advance", "list", "clear"}
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
    if args and args[-1] in ("struct", "union"):  # a tag: ptype struct po<TAB>
        return sorted({n for sc in s.source.scopes() for n in sc.info.tag_names(args[-1])
                       if n.startswith(current)})
    located = cmd.name in LOCATION_COMMANDS or (cmd.name == "info" and bool(args)
                                                 and args[0] in ("line", "scope"))
    if cmd.name in SYMBOL_COMMANDS or located or (cmd.name == "info" and args
                                                  and args[0] == "symbol"):
        m = re.fullmatch(r"(.*?)(\.|->)(\w*)", current)
        if m is not None and not located:  # EXPR.MEMBER or EXPR->MEMBER
            return [m.group(1) + m.group(2) + n for n in _members(s, m.group(1), m.group(2))
                    if n.startswith(m.group(3))]
        stem = current.lstrip("*&")
        lead = current[:len(current) - len(stem)]
        file, colon, name = stem.rpartition(":")
        if located and colon:  # FILE:FUNCTION
            return sorted(f"{lead}{file}:{n}" for n in _functions_in(s, file)
                          if n.startswith(name))[:MAX_CANDIDATES]
        if not stem:
            return []
        known = set(_source_names(s, located))
        syms = s.symbols()
        if syms is not None:
            known.update(syms.names())
        return sorted(lead + n for n in known if n.startswith(stem))[:MAX_CANDIDATES]
    return []


MAX_CANDIDATES = 200


def _source_names(s: "Session", files: bool) -> list[str]:
    """Names debug information adds: the selected frame's locals and parameters, the
    functions, and the source files (for a location)."""
    out: list[str] = []
    view = s.source
    try:
        scopes = view.scopes()
        if s.running:
            frames = view.frames(s.task(), s.frame_level + 1)
            fs = frames[min(s.frame_level, len(frames) - 1)]
            if fs.function is not None and fs.scope is not None:
                for block in fs.function.chain(fs.lookup - fs.scope.bias):
                    out.extend(v.name for v in block.variables)
                out.extend(v.name for v in fs.function.params)
    except CommandError:
        return out
    for sc in scopes:
        out.extend(f.name for f in sc.info.functions())
        if files:
            out.extend(os.path.basename(f.name) for f in sc.info.source_files())
    return out


def _functions_in(s: "Session", file: str) -> list[str]:
    """The functions defined in the source file `file` (gdb's FILE:FUNCTION)."""
    out = []
    for sc in s.source.scopes():
        for fn in sc.info.functions():
            if fn.decl_file is not None and fn.decl_file.matches(file):
                out.append(fn.name)
    return out


def _members(s: "Session", expr: str, op: str) -> list[str]:
    """The member names of the struct or union `expr` is (`.`) or points to (`->`);
    nothing for an expression that calls a function (a Tab must not run the program)."""
    if re.search(r"\w\s*\(", expr):
        return []
    try:
        v = s.evaluate(expr)
    except CommandError:
        return []
    t = v.t.dwarf.strip() if v.t.dwarf is not None else None
    if t is not None and op == "->" and t.kind == "pointer" and t.target is not None:
        t = t.target.strip()
    if t is None or t.kind not in ("struct", "union"):
        return []
    return sorted(m.name for m in t.members if m.name)


def _files(prefix: str) -> list[str]:
    out = []
    for p in sorted(glob.glob(os.path.expanduser(prefix) + "*")):
        out.append(p + ("/" if os.path.isdir(p) else ""))
    return out
