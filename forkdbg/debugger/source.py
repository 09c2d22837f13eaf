"""The source-level view of the debugged processes, from their files' DWARF: the
function and line a pc is in, variables' values, and the text of source files (read
from the host, as gdb reads them); frames come from frames.py."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ..dwarf.info import Block, CompUnit, Function, Variable
from ..dwarf.lines import SourceFile, SourceLine
from ..dwarf.locexpr import ExprError, FrameContext, evaluate
from ..dwarf.types import Type
from ..dwarf.values import Printer, TypedValue, missing_within
from ..kernel.objfiles import image_at
from .arith import value_bytes
from .expr import CType, Value
from .expr_types import decode
from .format import value as fmt_value
from .frames import EntryValueError, FrameChain, FrameState, Scope
from .highlight import highlight_lines
from .registry import CommandError, ErrorLine

if TYPE_CHECKING:
    from ..kernel.task import Task
    from .session import Session



#: gcc's ELF symbol for a function's static variable: NAME.NUMBER
LOCAL_STATIC = re.compile(r"[A-Za-z_]\w*\.\d+")


class SourceView(FrameChain):
    """Source-level questions a session asks, answered from DWARF."""

    def __init__(self, s: "Session") -> None:
        self.s = s
        self._texts: dict[str, list[str] | None] = {}
        self._styled: dict[str, list[str]] = {}  # highlighted lines, by file
        self._places: dict[str, str] = {}  # a source's fullname -> the file read for it
        self.list_file: SourceFile | None = None  # where `list` goes on from
        self.list_next = 0  # the line `list` prints next; 0: center on list_center
        self.list_center = 0
        self.last_listed = 0  # gdb's last_line_listed (the first line of the last listing)
        self.list_first = 0  # the first line the last listing printed
        self._missing_said = ""  # the unreadable source file gdb last complained of
        self.source_path: list[str] = []  # `directory`: searched before $cdir:$cwd

    # ------------------------------------------------------------ scopes
    def scope_at(self, pc: int, task: "Task | None" = None) -> Scope | None:
        s = self.s
        if s.running and s.kernel is not None:
            t = task or s.task()
            if t.mm.released:
                return None
            img = image_at(s.kernel, t, pc)
            info = img.debug if img is not None else None
            return Scope(info, img.bias) if info is not None and img is not None else None
        info = s.file_debug()
        return Scope(info, 0) if info is not None else None

    def scopes(self, task: "Task | None" = None) -> list[Scope]:
        """Every object with debug information in `task`'s process (the current one's;
        the program's first), or the program file's before `run`."""
        s = self.s
        if task is None and s.running and s.kernel is not None and \
                not s.inferior.live_tasks():
            task = None  # the current inferior has no process: its program file's
        elif task is None and s.running and s.kernel is not None:
            task = s.task()
        if task is None:
            info = s.file_debug()
            return [Scope(info, 0)] if info is not None else []
        t = task
        assert s.kernel is not None
        if t.mm.released:
            return []
        out: list[Scope] = []
        img = s.kernel.image_for(t.tg)
        seen = set()
        if img is not None and img.debug is not None:
            out.append(Scope(img.debug, img.bias))
            seen.add(id(img.debug))
        syms = s.kernel.symbols_for(t.tg)
        for o in getattr(syms, "objs", []):
            d = o.image.debug
            if d is not None and id(d) not in seen:
                seen.add(id(d))
                out.append(Scope(d, o.bias))
        return out

    def default_file(self) -> SourceFile | None:
        """The file a bare LINE means: the one last listed or stopped in, else main's."""
        if self.list_file is not None:
            return self.list_file
        for sc in self.scopes():
            for fn in sc.info.function_named("main"):
                sl = sc.line_at(fn.low + sc.bias)
                if sl is not None:
                    return sl.file
        return None

    def line_at(self, pc: int, task: "Task | None" = None) -> SourceLine | None:
        sc = self.scope_at(pc, task)
        return sc.line_at(pc) if sc is not None else None

    def function_at(self, pc: int, task: "Task | None" = None) -> Function | None:
        sc = self.scope_at(pc, task)
        return sc.function_at(pc) if sc is not None else None

    # ------------------------------------------------------------ frames
    def value_of(self, var: Variable, frame: FrameState | None, task: "Task | None"
                 ) -> TypedValue:
        """The value of `var` in `frame` (a global's without one)."""
        size = max(var.type.byte_size, 0)
        if var.location is None and var.const_value is not None:
            cv = var.const_value
            data = bytes(cv) if isinstance(cv, list) else cv if isinstance(cv, bytes) else \
                (cv & ((1 << (8 * max(size, 1))) - 1)).to_bytes(max(size, 1), "little")
            return TypedValue(var.type, data)
        bias = frame.scope.bias if frame is not None and frame.scope else 0
        pc = frame.lookup if frame is not None else 0
        expr = var.location_at(pc, bias)
        if expr is None:
            return TypedValue(var.type, None)
        read = self.s.env().read
        if frame is not None and task is not None:
            ctx = frame.context(self.read_u64(task))
        else:
            def no_reg(_n: int) -> int | None:
                return None
            scopes = self.scopes()
            ctx = FrameContext(no_reg, None, lambda a: int.from_bytes(read(a, 8), "little"),
                               scopes[0].bias if scopes else 0)
        info = frame.scope.info if frame is not None and frame.scope else \
            (self.scopes()[0].info if self.scopes() else None)
        if info is None:
            return TypedValue(var.type, None)
        try:
            loc = evaluate(expr, ctx, info.structs)
        except (ExprError, IndexError):
            return TypedValue(var.type, None)
        return self._fetch(var, loc, ctx, read, size)

    def _fetch(self, var: Variable, loc, ctx: FrameContext, read, size: int) -> TypedValue:  # type: ignore[no-untyped-def]
        if loc.kind == "memory":
            return TypedValue(var.type, read(loc.addr, size), loc.addr)
        if loc.kind == "register":
            v = ctx.reg(loc.reg)
            if v is None:
                return TypedValue(var.type, None)
            return TypedValue(var.type, (v & (1 << 64) - 1).to_bytes(8, "little")[:size])
        if loc.kind == "value":
            return TypedValue(var.type, (loc.value & (1 << 64) - 1).to_bytes(8, "little")[:size])
        if loc.kind == "bytes":
            return TypedValue(var.type, loc.data[:size])
        if loc.kind == "pieces":  # a piece optimized out leaves the others (gdb)
            data = b""
            gone: list[tuple[int, int]] = []
            for piece, n in loc.pieces:
                part = self._fetch(Variable("", var.type), piece, ctx, read, n)
                if part.data is None:
                    gone.append((len(data), len(data) + n))
                data += (part.data or b"")[:n].ljust(n, b"\0")
            if sum(hi - lo for lo, hi in gone) >= min(len(data), size):
                return TypedValue(var.type, None)
            return TypedValue(var.type, data[:size], None, missing_within(tuple(gone), 0, size))
        return TypedValue(var.type, None)

    def printer(self) -> Printer:
        s = self.s

        def read(addr: int, n: int) -> bytes:
            try:
                return s.env().read(addr, n)
            except Exception:  # noqa: BLE001 - short: what could be read
                if s.running:
                    return s.task().mm.readable_prefix(addr, n)
                return b""
        return Printer(read, self.describe_value, pretty=s.settings.get("print pretty") == "on",
                       addresses=self.addresses, minsym=s.describe)

    def describe_value(self, addr: int) -> str:
        """What a pointer's `<...>` says: the ELF symbol and offset, except that a
        function's static variable is named by its debug information (`integer_array`)
        rather than gcc's symbol for it (`integer_array.28`), as gdb names it."""
        syms = self.s.symbols()
        hit = syms.containing(addr) if syms is not None else None
        if hit is not None and LOCAL_STATIC.fullmatch(hit[0].name):
            sym, off = hit
            for sc in self.scopes():
                name = sc.info.static_at(sym.addr - sc.bias)
                if name is not None:
                    return name + (f"+{off}" if off else "")
        return self.s.describe(addr)

    @property
    def addresses(self) -> bool:
        """`set print address`: whether values and frames show addresses."""
        return self.s.settings.get("print address", "on") == "on"

    # ------------------------------------------------------ expressions
    def ctype(self, t: Type) -> CType:
        """A program type as the expression evaluator's CType (which keeps it)."""
        st = t.strip()
        if st.kind in ("pointer", "reference"):
            return CType(str(t), 8, False, self.ctype(st.target or Type("void", "void", 1)),
                         dwarf=t)
        if st.kind == "void":
            return CType("void", 1, dwarf=None)
        return CType(str(t), max(t.byte_size, 1) if st.kind != "func" else 1,
                     t.is_signed(), dwarf=t, floating=st.is_float() and st.size in (4, 8, 10, 12, 16))

    def type_named(self, text: str) -> CType | None:
        """A program type named in an expression: ``struct point``, ``enum colour *``,
        ``pid_t``; None when no debug information defines it."""
        stars = len(text) - len(text.rstrip("* "))
        words = text.rstrip("* ").split()
        t: Type | None = None
        if len(words) == 2 and words[0] in ("struct", "union", "enum"):
            t = self.find_type(words[1], words[0])
        elif len(words) == 1:
            t = self.find_type(words[0])
        if t is None:
            return None
        for _ in range(text.count("*")):
            t = Type("pointer", None, 8, t)
        return self.ctype(t) if stars or t is not None else None

    def find_type(self, name: str, kind: str | None = None) -> Type | None:
        """The `struct`/`union`/`enum` NAME (with `kind`) or the typedef or base type
        NAME, from the current file's CU first (gdb's static block, then the others)."""
        unit = self.current_unit()
        for sc in self.scopes():
            prefer = unit if unit is not None and unit in sc.info.units else None
            t = sc.info.type_named(name, kind, prefer) if kind else \
                sc.info.typedef(name, prefer)
            if t is not None:
                return t
        return None

    def current_unit(self) -> "CompUnit | None":
        """The CU gdb searches first: the selected frame's, else the last listed file's."""
        s = self.s
        if s.running and not s.task().mm.released:
            chain = self.frames(s.task(), s.frame_level + 1)
            fn = chain[min(s.frame_level, len(chain) - 1)].function if chain else None
            if fn is not None:
                return fn.cu
        f = self.list_file
        if f is None:
            return None
        for sc in self.scopes():
            for u in sc.info.units:
                full = os.path.normpath(os.path.join(u.comp_dir, u.name))
                if full == f.fullname or u.name == f.name:
                    return u
        return None

    def lookup(self, name: str) -> tuple[Variable, FrameState | None] | None:
        """The variable `name` names where the program stands: the innermost block's
        first, then the function's parameters, its file's statics, the globals."""
        s = self.s
        frame = None
        task = s.task() if s.running else None
        if task is not None and not task.mm.released:
            chain = self.frames(task, s.frame_level + 1)
            frame = chain[min(s.frame_level, len(chain) - 1)]
            fn = frame.function
            if fn is not None and frame.scope is not None:
                for block in frame.blocks():
                    for v in block.variables + (block.params if block.inlined else []):
                        if v.name == name:
                            return v, frame
                for v in fn.params if frame.inline is None else []:
                    if v.name == name:
                        return v, frame
        unit = frame.function.cu if frame is not None and frame.function else \
            self.current_unit() if frame is None else None
        cu = unit.name if unit is not None else None
        for sc in ([frame.scope] if frame is not None and frame.scope else []) + self.scopes():
            found = sc.info.global_named(name, unit if unit in sc.info.units else None)
            if found:
                mine = [v for v in found if v.file == cu] or [v for v in found if v.external] \
                    or found
                return mine[0], FrameState(0, 0, 0, lambda _n: None, None, sc, None)
        return None

    def entry_variable(self, name: str) -> Value:
        """`NAME@entry`: a parameter's value when its function was entered."""
        hit = self.lookup(name)
        var, frame = hit if hit is not None else (None, None)
        if var is None or frame is None or not var.is_param:
            raise CommandError(f'@entry can be used only for function parameters, '
                               f'not for "{name}"')
        try:
            tv = self.entry_value(var, frame, self.s.task())
        except EntryValueError as e:
            raise CommandError(str(e)) from None
        t = self.ctype(var.type)
        assert tv.data is not None  # entry_value gives bytes or raises
        return Value(decode(tv.data, t) if t.floating else tv.as_int(), t)  # not an lvalue

    def variable(self, name: str) -> Value | None:
        """`name`'s value for an expression (a variable, or a function with its
        prototype), None when no debug information knows it."""
        hit = self.lookup(name)
        if hit is None:
            for sc in self.scopes():
                enum = sc.info.enumerator(name)
                if enum is not None:
                    return Value(enum[1], self.ctype(enum[0]))
                for fn in sc.info.function_named(name):
                    ft = Type("func", None, 1, fn.return_type, prototyped=fn.prototyped,
                              params=[p.type for p in sc.info.parse(fn).params],
                              variadic=fn.variadic)
                    addr = fn.low + sc.bias
                    return Value(addr, self.ctype(ft), lval=addr, symbol=name)
            return None
        return self.value(name, *hit)

    def value(self, name: str, var: Variable, frame: FrameState | None) -> Value:
        """`var` (found in `frame`, or a global's pseudo-frame) as an expression's value."""
        task = self.s.task() if self.s.running else None
        tv = self.value_of(var, frame, task if frame is not None and frame.function else None)
        t = self.ctype(var.type)
        if tv.data is None:
            return Value(0, t, optimized=True, symbol=name)
        if t.aggregate:
            return Value(tv.addr or 0, t, lval=tv.addr, raw=None if tv.addr else tv.data,
                         symbol=name, missing=tv.missing)
        return Value(decode(tv.data, t) if t.floating else tv.as_int(), t, lval=tv.addr,
                     raw=tv.data, symbol=name)

    def scoped_variable(self, scope: str, name: str) -> Value:
        """gdb's scope operator: `FUNCTION::NAME` (a function's static, or a local of a
        frame running it) and `'FILE'::NAME` (a file's static or global)."""
        file, _, func = scope.rpartition("::")  # 'FILE'::FUNCTION::NAME
        for sc in self.scopes():
            for fn in sc.info.functions_named(func):
                if file and (fn.cu is None or (fn.cu.name != file
                                               and os.path.basename(fn.cu.name) != file)):
                    continue
                var = _declared_in(sc.info.parse(fn), name)
                if var is None:
                    raise CommandError(f'No symbol "{name}" in specified context.')
                if var.static_address is not None or (var.location is None
                                                      and var.const_value is not None):
                    return self.value(name, var, FrameState(0, 0, 0, lambda _n: None, None,
                                                            sc, None))
                if not self.s.running:
                    raise CommandError("No frame selected.")
                task = self.s.task()  # from the selected frame outwards, as gdb looks
                for frame in self.frames(task)[self.s.frame_level:]:
                    if frame.function is fn and frame.inline is None:
                        return self.value(name, var, frame)
                raise CommandError(f"No frame is currently executing in block {func}.")
        for sc in self.scopes():
            units = [u for u in sc.info.units if u.name == scope
                     or os.path.basename(u.name) == scope]
            for unit in units:
                found = [v for v in sc.info.global_named(name, unit) if v.file == unit.name]
                if found:
                    return self.value(name, found[0], FrameState(0, 0, 0, lambda _n: None,
                                                                 None, sc, None))
            if units:
                raise CommandError(f'No symbol "{name}" in specified context.')
        raise CommandError(f'No symbol "{scope}" in current context.')

    def render(self, v: Value, fmt: str | None) -> str:
        """A value as `print` shows it: program types through their DWARF."""
        d = v.t.dwarf
        if v.optimized:
            return "<optimized out>"
        if d is None:
            describe = self.s.describe if fmt == "a" else self.describe_value  # /a: ELF's
            return fmt_value(v, fmt, describe, self.printer().c_string, self.addresses)
        if v.t.aggregate:
            data = v.raw if v.lval is None else self.printer().read(v.lval, d.byte_size)
            if d.strip().kind == "func":
                return self.printer().value(TypedValue(d, b"", v.lval), fmt)
            return self.printer().value(TypedValue(d, data, v.lval, v.missing), fmt)
        size = max(d.byte_size, 1)
        raw = v.raw if v.raw is not None and len(v.raw) >= size else \
            value_bytes(v)
        return self.printer().value(TypedValue(d, raw, v.lval), fmt)

    # ------------------------------------------------------- rendering
    def text(self, f: SourceFile) -> list[str] | None:
        """The lines of a source file: found through `directory`'s path (by its name as
        recorded, then its base name), then where the line table says it is."""
        if f.fullname not in self._texts:
            self._texts[f.fullname] = None
            places = [os.path.join(d, n) for d in self.source_path
                      for n in (f.name, os.path.basename(f.name))] + [f.fullname]
            for place in places:
                try:
                    with open(place, "rb") as fh:
                        raw = fh.read(64 << 20)
                        # in whole seconds, as gdb compares them (bfd's mtime)
                        newer = int(os.fstat(fh.fileno()).st_mtime) > self._program_mtime()
                except OSError:
                    continue
                text = raw.decode("utf-8", "replace")  # lines end at \n only, as gdb's
                self._texts[f.fullname] = text.split("\n")[:-1] if text.endswith("\n") \
                    else text.split("\n")
                self._places[f.fullname] = os.path.abspath(place)
                if newer:  # gdb says so once, when it first reads the file
                    self.s.error("warning: Source file is more recent than executable.")
                break
        return self._texts[f.fullname]

    def _program_mtime(self) -> float:
        """When the program file was last changed, in whole seconds (sources newer than
        it are stale)."""
        f = self.s.program_file()
        if f is None:
            return float("inf")
        with f:
            return int(os.fstat(f.fileno()).st_mtime)

    def found_file(self, f: SourceFile) -> tuple[str, list[int]] | None:
        """(the file read for `f`, each line's byte offset in it), for annotations."""
        if self.text(f) is None:
            return None
        path = self._places[f.fullname]
        try:
            with open(path, "rb") as fh:
                raw = fh.read(64 << 20)
        except OSError:
            return None
        offsets = [0] + [i + 1 for i, b in enumerate(raw) if b == 10]
        return path, offsets[:-1] if raw.endswith(b"\n") else offsets

    def forget_texts(self) -> None:
        """Read source files again (the source path changed)."""
        self._styled.clear()
        self._texts.clear()
        self._places.clear()

    def source_line(self, f: SourceFile, line: int) -> str:
        """``20\\t    struct pt p = ...;`` or gdb's words when the file cannot be read."""
        lines = self.text(f)
        if lines is not None:
            self._missing_said = ""  # gdb's last_source_visited: another file now
        else:  # gdb names the error once per file in a row, then says "in FILE"
            if self._missing_said != f.fullname:
                self._missing_said = f.fullname
                return ErrorLine(f"{line}\t{f.name}: No such file or directory.")
            return f"{line}\tin {f.name}"
        if not 1 <= line <= len(lines):
            return f"Line number {line} out of range; \"{f.name}\" has {len(lines)} lines."
        return f"{line}\t{self.styled_text(f, lines)[line - 1]}"

    def styled_text(self, f: SourceFile, lines: list[str]) -> list[str]:
        """The file's lines as output shows them: highlighted when styling is on (and
        `set style sources` is), else as they are."""
        if not self.s.color or self.s.settings["style sources"] != "on":
            return lines
        if f.fullname not in self._styled:
            self._styled[f.fullname] = highlight_lines(f.fullname, lines) or lines
        return self._styled[f.fullname]

    def shown(self, f: SourceFile, line: int) -> None:
        """A stop printed `line` of `f`: the next `list` centers on it."""
        self.list_file, self.list_center, self.list_next = f, line, 0
        self.s.tui.source_at = None  # the source window follows the stop again


def _declared_in(block: Block, name: str) -> Variable | None:
    """The variable or parameter `name` declared anywhere in `block` (outermost first)."""
    for v in block.params + block.variables:
        if v.name == name:
            return v
    for inner in block.blocks:
        found = _declared_in(inner, name)
        if found is not None:
            return found
    return None
