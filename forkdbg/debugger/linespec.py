"""Source locations as gdb's linespecs name them: FILE:LINE, LINE, FUNCTION,
FILE:FUNCTION, resolved through the line table to the addresses gdb picks (a
function's breakpoint goes past its prologue; a line without code moves to the next
line that has some)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ..dwarf.info import Block, Function
from ..dwarf.lines import SourceFile
from .breakpoints import resolve, skip_prologue
from .registry import CommandError
from .source import Scope

if TYPE_CHECKING:
    from .inferiors import Inferior
    from .session import Session

Read = Callable[[int, int], bytes]

#: gdb's location options (a unique prefix names one): -qualified (every C name is),
#: -force-condition, and the explicit location's parts
LOCATION_OPTIONS = ("-qualified", "-force-condition", "-source", "-function", "-line",
                    "-label")


def relative_line(s: "Session", spec: str) -> str:
    """`break +1`, `break -2`: lines after or before the default one (where the program
    stopped, else where `list` is)."""
    if not re.fullmatch(r"[+-]\d+", spec):
        return spec
    view = s.source
    here = None
    if s.running:
        sl = view.line_at(s.task().pc, s.task())
        here = (sl.file, sl.line) if sl is not None else None
    if here is None and view.list_file is not None:
        here = (view.list_file, view.list_center or 1)
    if here is None:
        f = view.default_file()
        if f is None:
            raise CommandError('No symbol table is loaded.  Use the "file" command.')
        here = (f, 1)
    return f"{here[0].name}:{max(here[1] + int(spec), 1)}"


def line_variable(s: "Session", spec: str) -> str:
    """`break $l` and `break FILE:$l`: the convenience variable's value as the line."""
    m = re.fullmatch(r"(?:(.+):)?\$([A-Za-z_]\w*)", spec)
    if m is None or m.group(2) in ("pc", "rip"):
        return spec
    v = s.convenience.get(m.group(2))
    if v is None:
        raise CommandError(f'Undefined convenience variable or function "${m.group(2)}" '
                           "not defined.")
    if v.t.floating or v.t.is_pointer or not isinstance(v.v, int):
        raise CommandError("Convenience variables used in line specs must have integer "
                           "values.")
    return f"{m.group(1)}:{v.v}" if m.group(1) else str(v.v)


def explicit(spec: str) -> str:
    """`spec` as a plain linespec: gdb's options and explicit locations (`-source F -line
    N`, `-function F`, `-q main`) turned into FILE:LINE / FUNCTION, and the quotes
    around a file or function name (`"marker2"`, `'break.c':factorial`) dropped."""
    words = spec.split()
    parts: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        found = [o for o in LOCATION_OPTIONS if o.startswith(w)] \
            if w.startswith("-") and len(w) > 1 and not w[1:2].isdigit() else []
        if len(found) > 1:
            raise CommandError(f"ambiguous option: {w}")
        if not found and w.startswith("-") and len(w) > 1 and not w[1:2].isdigit() \
                and not rest:
            raise CommandError(f'invalid explicit location argument, "{w}"')
        if found and found[0] in ("-qualified", "-force-condition"):
            i += 1
            continue
        if found:
            if i + 1 >= len(words):
                raise CommandError(f"missing argument for \"{found[0]}\"")
            parts[found[0]] = words[i + 1]
            i += 2
            continue
        rest.append(w)
        i += 1
    if parts:
        where = ":".join(parts[k] for k in ("-source", "-function", "-line") if k in parts)
        return " ".join([where] + rest)
    text = " ".join(rest) if rest != words else spec.strip()
    return re.sub(r"""(["'])([^"']*)\1""", r"\2", text) if not text.startswith("*") else text


@dataclass(frozen=True)
class Sal:
    """gdb's symtab_and_line for a resolved location."""

    addr: int
    file: SourceFile
    line: int
    function: str | None


def post_prologue(sc: Scope, fn: Function, read: Read) -> int:
    """Where gdb puts a breakpoint on `fn`: the line table's prologue_end mark (clang),
    else past `push %rbp; mov %rsp,%rbp` and on to the next line's start; at the first
    instruction of optimized GCC code (a CU with location lists)."""
    hi = next((h for lo, h in fn.ranges if lo <= fn.low < h), fn.high)  # the entry's range
    start, end = fn.low + sc.bias, hi + sc.bias
    rows = sc.info.lines.rows_between(fn.low, hi)
    marked = next((r for r in rows if r.prologue_end and r.file is not None), None)
    if marked is not None:
        return marked.addr + sc.bias
    if fn.cu is not None:
        sc.info.scan_loclists(fn.cu)
        if fn.cu.locations_valid:
            return start
    pc = skip_prologue(start, read(start, 8))
    sl = sc.line_at(pc)
    if sl is not None and sl.pc != pc and start <= sl.end < end:
        pc = sl.end
    return pc


def _sal(sc: Scope, addr: int) -> Sal:
    sl = sc.line_at(addr)
    if sl is None:
        raise CommandError(f"No line number information available for address {addr:#x}")
    return Sal(addr, sl.file, sl.line, function_name(sc, addr))


def function_name(sc: Scope, pc: int) -> str | None:
    """The function gdb names at `pc`: the innermost inlined copy there, else the
    function itself."""
    fn = sc.function_at(pc)
    if fn is None:
        return None
    for block in fn.chain(pc - sc.bias):
        if block.inlined:
            return block.inlined
    return fn.name


LINE = re.compile(r"^(?:(?P<file>[^:\s]+):)?(?P<line>\d+)$")
FUNC = re.compile(r"^(?:(?P<file>[^:\s]+):)?(?P<func>[A-Za-z_][\w.$]*)$")


def decode(spec: str, scopes: list[Scope], default: SourceFile | None, read: Read,
           funfirstline: bool = True) -> list[Sal] | None:
    """The locations `spec` names, or None when it is not a source location this
    debug information knows (a plain symbol: the caller resolves it from ELF symbols)."""
    spec = spec.strip()
    if not scopes:
        return None
    m = LINE.match(spec)
    if m is not None:
        return _line(m.group("file"), int(m.group("line")), scopes, default, read,
                     funfirstline)
    m = FUNC.match(spec)
    if m is None:
        return None
    fname, func = m.group("file"), m.group("func")
    out = []
    for sc in scopes:
        for fn in sc.info.functions_named(func):
            if fname and (fn.decl_file is None or not fn.decl_file.matches(fname)):
                continue
            addr = post_prologue(sc, fn, read) if funfirstline else fn.low + sc.bias
            out.append(_sal(sc, addr))
    for sc in scopes if not out else []:  # only inlined copies: their entries, as gdb
        for _fn, block in sc.info.inlined_named(func):
            sal = _sal(sc, block.entry + sc.bias)
            out.append(Sal(sal.addr, sal.file, sal.line, func))
    if not out and fname:
        if not any(sc.info.lines.files(lambda f: f.matches(fname)) for sc in scopes):
            raise CommandError(f"No source file named {fname}.")
        raise CommandError(f'Function "{func}" not defined in "{fname}".')
    return out or None


def _line(fname: str | None, line: int, scopes: list[Scope], default: SourceFile | None,
          read: Read, funfirstline: bool) -> list[Sal]:
    if fname is None and default is None:
        raise CommandError('No symbol table is loaded.  Use the "file" command.')
    found = False
    hits: list[tuple[int, Scope, list[int]]] = []
    for sc in scopes:
        files = sc.info.lines.files(
            (lambda f: f.matches(fname)) if fname else
            (lambda f: default is not None and f.fullname == default.fullname))
        if not files:
            continue
        found = True
        used, addrs = sc.info.lines.line_addresses(files, line)
        if addrs:
            hits.append((used, sc, addrs))
    chosen: list[tuple[Scope, int]] = []
    used = 0
    if hits:  # the line itself where any object has it, else the nearest later line
        used = line if any(u == line for u, _, _ in hits) else min(u for u, _, _ in hits)
        chosen = [(sc, a) for u, sc, addrs in hits if u == used for a in addrs]
    if not found:
        if fname:
            raise CommandError(f"No source file named {fname}.")
        raise CommandError(f"No line {line} in the current file.")
    if not chosen:
        if fname:
            raise CommandError(f'No line {line} in file "{fname}".')
        raise CommandError(f"No line {line} in the current file.")
    out: list[Sal] = []
    for sc, addr in _one_per_block(chosen):
        pc = addr + sc.bias
        if funfirstline:
            fn = sc.function_at(pc)
            if fn is not None and addr == fn.low:
                pc = post_prologue(sc, fn, read)
        sal = _sal(sc, pc)
        # the line asked for (or the next with code), unless the prologue moved it on
        out.append(sal if pc != addr + sc.bias else Sal(pc, sal.file, used, sal.function))
    return out


def _one_per_block(found: list[tuple[Scope, int]]) -> list[tuple[Scope, int]]:
    """gdb's filter for a line scattered over several ranges of one block (a `for`
    line): of two addresses in the same innermost block, the later is dropped."""
    blocks: list[Block | None] = []
    for sc, addr in found:
        fn = sc.function_at(addr + sc.bias)
        blocks.append(fn.chain(addr)[0] if fn is not None else None)
    keep = [True] * len(found)
    for i, b in enumerate(blocks):
        if b is None:
            continue
        for j in range(i + 1, len(found)):
            if blocks[j] is b:
                keep[j] = False
                break
    return [f for f, k in zip(found, keep) if k]


def locate(s: "Session", spec: str, inf: "Inferior | None" = None,
           funfirstline: bool = True) -> tuple[int, Sal | None]:
    """The address `spec` names in `inf` (the current inferior), and its source line when
    debug information knows it (the first, when it names several)."""
    return locate_all(s, spec, inf, funfirstline)[0]


def locate_all(s: "Session", spec: str, inf: "Inferior | None" = None,
               funfirstline: bool = True) -> list[tuple[int, Sal | None]]:
    """Every address `spec` names in `inf` (the current inferior), with its source line
    when debug information knows it: source linespecs first (an inlined function's
    copies, a function of the name in several files, a line in several blocks), then
    ELF symbols and *ADDR."""
    spec = relative_line(s, line_variable(s, explicit(spec)))
    m = re.fullmatch(r"((?:[^:\s]+:)?[+-]?\d+)\s+(.+)", spec)
    if m is not None:  # a line, then words that are no part of a location
        raise CommandError(f'malformed linespec error: unexpected string, "{m.group(2)}"')
    inf = inf or s.inferior
    live = inf.live_tasks() if s.kernel is not None and inf.live else []
    task = live[0] if live else None
    if task is None and inf.exe and s.program and \
            os.path.realpath(inf.exe) != os.path.realpath(s.program):
        scopes: list[Scope] = []  # another program's file: symbols only
    else:
        scopes = s.source.scopes(task)
    read = s.code_reader(inf)
    if not spec.startswith("*"):
        sals = decode(spec, scopes, s.source.default_file(), read, funfirstline)
        if sals:
            return [(sal.addr, sal) for sal in sals]
    m = re.fullmatch(r"([^:*\s]+):(\d+)", spec)
    if m is not None:  # a source line, and no line table has the file
        raise CommandError(f"No source file named {m.group(1)}.")
    syms = s.kernel.symbols_for(inf.tg) if task is not None and s.kernel and inf.tg \
        else s.file_symbols()
    addr = resolve(spec, syms, s.eval_int, read if funfirstline else None)
    return [(addr, sal_at(scopes, addr))]


def sal_at(scopes: list[Scope], addr: int) -> Sal | None:
    """The source line at `addr`, if an object's line table has it."""
    for sc in scopes:
        sl = sc.line_at(addr)
        if sl is not None:
            return Sal(addr, sl.file, sl.line, function_name(sc, addr))
    return None
