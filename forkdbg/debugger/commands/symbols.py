"""info functions, info variables, info types [REGEX]: the program's symbols as gdb
lists them, those with debug information by source file, then the others by address."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...arch.x86_64 import DWARF_REGS
from ...dwarf.locexpr import operations
from ...dwarf.types import declare
from ..linespec import locate
from ..registry import CommandError, command
from .info import info

if TYPE_CHECKING:
    from ...dwarf.info import CompUnit, DebugInfo
    from ..session import Session


def gdb_regex(text: str) -> re.Pattern[str]:
    """gdb's regular expressions are POSIX basic ones with GNU's extensions: `\\|`, `\\(`,
    `\\)`, `\\{`, `\\+`, `\\?` are the operators and the bare characters are literal."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            out.append(n if n in "|(){}+?" else "\\" + n)
            i += 2
            continue
        out.append("\\" + c if c in "|(){}+?" else c)
        i += 1
    try:
        return re.compile("".join(out))
    except re.error as e:
        raise CommandError(f"Invalid regexp: {e}") from None


def _header(what: str, arg: str) -> str:
    if arg:
        return f'All {what} matching regular expression "{arg}":'
    return f"All defined {what}:"


def _by_file(s: "Session", rows: list[tuple[str, str, str]], what: str, arg: str,
             others: list[str]) -> None:
    """Print (file, sort key, line) rows grouped by file, then `others`."""
    s.say(_header(what, arg))
    current = None
    for f, _key, line in sorted(rows):
        if f != current:
            s.say(f"\nFile {f}:")
            current = f
        s.say(line)
    if others:
        s.say("\nNon-debugging symbols:")
        for line in others:
            s.say(line)


def _units(s: "Session") -> list[tuple["DebugInfo", "CompUnit"]]:
    """The units searched: every one of a program's, a shared object's read so far
    (libc's debug file has 2,000; the rest of its functions are listed by symbol)."""
    return [(sc.info, u) for sc in s.source.scopes() for u in sc.info.searched()]


@info("functions")
def info_functions(s: "Session", arg: str) -> None:
    """Functions whose names match REGEX (all without one): info functions [-n] [REGEX]
    (-n: without the non-debugging symbols)."""
    arg, debug_only = _option_n(arg)
    pat = gdb_regex(arg) if arg else None
    found, seen = _functions(s, pat)
    rows = [(f, key, f"{line}:\t{text}") for f, key, _name, line, text in found]
    _by_file(s, rows, "functions", arg,
             [] if debug_only else _minimal(s, pat, seen, ("func", "text", "plt")))


def _option_n(arg: str) -> tuple[str, bool]:
    """(REGEX, whether -n was given) of `[-n] [--] [REGEX]`."""
    words = arg.strip().split(None, 1)
    if words and words[0] == "-n":
        rest = words[1] if len(words) > 1 else ""
        return rest.removeprefix("--").strip(), True
    return arg.strip().removeprefix("-- ").strip(), False


def _functions(s: "Session", pat: re.Pattern[str] | None
               ) -> tuple[list[tuple[str, str, str, int, str]], set[str]]:
    """Functions with debug information whose names match: (file, sort key, name, line,
    declaration as gdb prints it), and the names seen."""
    rows, seen = [], set()
    for dinfo, unit in _units(s):
        for fn in dinfo.read(unit).functions or []:
            if pat is not None and not pat.search(fn.name):
                continue
            seen.add(fn.name)
            f = fn.decl_file.name if fn.decl_file else unit.name
            dinfo.parse(fn)
            proto = ", ".join(str(p.type) for p in fn.params) or ("void" if fn.prototyped
                                                                 else "")
            ret = fn.return_type
            text = declare(ret, f"{fn.name}({proto})") if ret is not None else fn.name
            static = "" if fn.external else "static "
            rows.append((f, f"{0 if fn.external else 1} {fn.name}", fn.name,
                         fn.decl_line or 0, f"{static}{text};"))
    return rows, seen


@command("rbreak", category="breakpoints")
def cmd_rbreak(s: "Session", arg: str) -> None:
    """rbreak REGEX: a breakpoint on every function whose name matches (gdb's regular
    expressions), each followed by its declaration."""
    from .breakpoints import cmd_break
    pat = gdb_regex(arg.strip())
    found, seen = _functions(s, pat)
    for f, _key, name, _line, text in sorted(found):
        cmd_break(s, f"{f}:{name}")
        s.say(text)
    syms = s.symbols()
    minimal = [x for x in syms.every(("func", "text")) if x.name not in seen
               and pat.search(x.name)] if syms is not None else []
    for name in sorted({x.name for x in minimal}):
        cmd_break(s, name)
        s.say(f"<function, no debug info> {name};")


@info("variables")
def info_variables(s: "Session", arg: str) -> None:
    """Global and static variables whose names match REGEX (all without one): info
    variables [-n] [REGEX] (-n: without the non-debugging symbols)."""
    arg, debug_only = _option_n(arg)
    pat = gdb_regex(arg) if arg else None
    rows, seen = [], set()
    for dinfo, unit in _units(s):
        for name, variables in dinfo.read(unit).globals.items():
            if pat is not None and not pat.search(name):
                continue
            for v in variables:
                seen.add(name)
                static = "" if v.external else "static "
                rows.append((unit.name, f"{0 if v.external else 1} {name}",
                             f"{v.decl_line}:\t{static}{declare(v.type, name)};"))
    _by_file(s, rows, "variables", arg,
             [] if debug_only else _minimal(s, pat, seen, ("object", "tls")))


@info("types")
def info_types(s: "Session", arg: str) -> None:
    """Types whose names match REGEX (all without one)."""
    arg = arg.strip()
    pat = gdb_regex(arg) if arg else None
    rows = []
    done = set()
    for dinfo, unit in _units(s):
        files = dinfo.file_names(unit)
        for die in unit.cu.get_top_DIE().iter_children():
            a = die.attributes
            if die.tag not in ("DW_TAG_base_type", "DW_TAG_typedef", "DW_TAG_structure_type",
                               "DW_TAG_union_type", "DW_TAG_enumeration_type") or \
                    "DW_AT_name" not in a or "DW_AT_declaration" in a:
                continue
            t = dinfo.types.read(die)
            name = t.name or ""
            if pat is not None and not pat.search(name):
                continue
            line = a["DW_AT_decl_line"].value if "DW_AT_decl_line" in a else 0
            f = files.get(a["DW_AT_decl_file"].value, unit.name) if "DW_AT_decl_file" in a \
                else unit.name
            if die.tag == "DW_TAG_typedef":
                target = t.target
                while target is not None and target.kind == "typedef":
                    target = target.target  # gdb names what the typedef finally is
                text = f"typedef {declare(target, name)};" if target else name
            elif die.tag == "DW_TAG_base_type":
                text = name
            else:
                text = f"{str(t)};"
            key = (f, name, text)
            if key in done:
                continue
            done.add(key)
            rows.append((f, name, f"{line}:\t{text}" if line else f"\t{text}"))
    _by_file(s, rows, "types", arg, [])


def _minimal(s: "Session", pat: re.Pattern[str] | None, seen: set[str],
             kinds: tuple[str, ...]) -> list[str]:
    """ELF symbols of these kinds that match and that debug information does not cover."""
    syms = s.symbols()
    if syms is None:
        return []
    found = [x for x in syms.every(kinds)
             if x.name not in seen and (pat is None or pat.search(x.name))]
    return [f"0x{x.addr:016x}  {x.name}" for x in sorted(found, key=lambda x: (x.addr, x.name))]


@info("scope")
def info_scope(s: "Session", arg: str) -> None:
    """The variables visible at a location, innermost block first, and where each lives."""
    if not arg.strip():
        raise CommandError("requires an argument (an expression or variable): foo*(a+b)")
    addr, _sal = locate(s, arg)
    sc = s.source.scope_at(addr)
    fn = sc.function_at(addr) if sc is not None else None
    if sc is None or fn is None:
        s.say("No function contains specified address.")
        return
    symbols = []
    lines = []
    for block in fn.chain(addr - sc.bias):  # innermost out, to the function's own block
        if block.inlined:  # an inlined function is a function: gdb stops there too
            lines.append(f"Symbol {block.inlined} is a function at address "
                         f"{block.entry + sc.bias:#x}, length 1.")
            symbols.extend(block.params + block.variables)
            break
        symbols.extend(fn.params + block.variables if block is fn else block.variables)
    for v in symbols:
        where = _where(sc.info, v, sc.bias)
        lines.append(f"Symbol {v.name} is {where}." if where == "optimized out" else
                     f"Symbol {v.name} is {where}, length {v.type.byte_size}.")
    if not lines:
        s.say(f"Scope for {arg.strip()}:\nSymbol table contains no locals or arguments.")
        return
    s.say(f"Scope for {arg.strip()}:")
    for line in lines:
        s.say(line)


def _where(dinfo: "DebugInfo", v, bias: int) -> str:  # type: ignore[no-untyped-def]
    """How gdb's `info scope` says where a variable lives."""
    if v.location is None or v.location == []:
        return "optimized out" if v.const_value is None else f"constant {v.const_value}"
    if isinstance(v.location, list) and v.location and isinstance(v.location[0], tuple):
        parts = []
        for i, (lo, hi, e) in enumerate(v.location):
            base = f"Base address {v.loc_bases[i] + bias:#x}  " if i in v.loc_bases else ""
            parts.append(f"  {base}Range {lo + bias:#x}-{hi + bias:#x}: "
                         f"{_expr_words(dinfo, e, bias)}")
        return "multi-location:\n" + "\n".join(parts) + "\n"
    return _expr_words(dinfo, v.location, bias)


def _expr_words(dinfo: "DebugInfo", expr, bias: int) -> str:  # type: ignore[no-untyped-def]
    ops = operations(expr, dinfo.structs)
    if len(ops) == 1 and ops[0].op_name == "DW_OP_addr":
        return f"static storage at address {ops[0].args[0] + bias:#x}"
    if len(ops) == 1 and ops[0].op_name.startswith("DW_OP_reg") and \
            ops[0].op_name[9:].isdigit() and int(ops[0].op_name[9:]) < len(DWARF_REGS):
        return f"a variable in ${DWARF_REGS[int(ops[0].op_name[9:])]}"
    simple = _simple(ops, bias)
    if simple is not None:
        return simple
    pieces = _pieces(ops, bias)
    if pieces is not None:
        return pieces
    return "a complex DWARF expression:\n" + "\n".join(_disassemble(ops, 0, bias)) + "\n"


def _simple(ops, bias: int) -> str | None:  # type: ignore[no-untyped-def]
    """gdb's words for a location it can say plainly: a register, a constant, a static."""
    if len(ops) == 1 and ops[0].op_name == "DW_OP_addr":
        return f"static storage at address {ops[0].args[0] + bias:#x}"
    reg = _reg_number(ops[0].op_name, ops[0].args) if len(ops) == 1 else None
    if reg is not None and not ops[0].op_name.startswith("DW_OP_breg"):
        return f"a variable in ${DWARF_REGS[reg]}"
    if len(ops) == 2 and ops[0].op_name.startswith("DW_OP_lit") and \
            ops[1].op_name == "DW_OP_stack_value":
        return f"the constant {int(ops[0].op_name[9:])}"
    return None


def _pieces(ops, bias: int) -> str | None:  # type: ignore[no-untyped-def]
    """A value in pieces, each said as gdb says it: plainly where it can (`a variable in
    $rdi [4-byte piece], and the constant 2 [4-byte piece]`), else listed operation by
    operation from the piece's start; None for an expression that is no pieces."""
    parts, current = [], []
    for op in ops:
        if op.op_name != "DW_OP_piece":
            current.append(op)
            continue
        n = op.args[0]
        if not current:
            parts.append(f"an empty {n}-byte piece")
            continue
        words = _simple(current, bias)
        if words is None:
            listing = _disassemble(current, 0, bias, -current[0].offset)
            words = "a complex DWARF expression:\n" + "\n".join(listing) + "\n   "
        parts.append(f"{words} [{n}-byte piece]")
        current = []
    return ", and ".join(parts) if parts and not current else None


def _disassemble(ops, indent: int, bias: int, base: int = 0) -> list[str]:  # type: ignore[no-untyped-def]
    """gdb's listing of a DWARF expression: each operation at its offset, registers
    named, an entry value's expression below it, indented."""
    out = []
    for op in ops:
        name, args = op.op_name, op.args
        text = f"  {op.offset + base:{indent + 4}}: {name}"
        reg = _reg_number(name, args)
        if name in ("DW_OP_entry_value", "DW_OP_GNU_entry_value"):
            out.append(text)
            out.extend(_disassemble(args[0], indent + 2, bias, op.offset + base + 2))
            continue
        if name == "DW_OP_addr":
            text += f" {args[0] + bias:#x}"
        elif name in ("DW_OP_implicit_pointer", "DW_OP_GNU_implicit_pointer"):
            text += f" DIE {args[0]:x} offset {args[1]}"  # gdb: hex, no 0x
        elif reg is not None and name.startswith("DW_OP_breg"):
            text += f" {args[-1]} [${DWARF_REGS[reg]}]"
        elif reg is not None:
            text += (f" {args[0]}" if name == "DW_OP_regx" else "") + f" [${DWARF_REGS[reg]}]"
        else:
            text += "".join(f" {a}" for a in args)
        out.append(text)
    return out


def _reg_number(name: str, args: list) -> int | None:  # type: ignore[type-arg]
    """The DWARF register an operation names (DW_OP_regN, DW_OP_bregN, the x forms)."""
    for prefix in ("DW_OP_breg", "DW_OP_reg"):
        if name.startswith(prefix):
            rest = name[len(prefix):]
            n = int(rest) if rest.isdigit() else args[0] if rest == "x" and args else None
            return n if n is not None and n < len(DWARF_REGS) else None
    return None
