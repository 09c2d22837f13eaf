"""Frames as the source view sees them: which object's debug information a pc is in
(Scope), one frame with its registers and function (FrameState, inline frames and
gdb's dummy frames included), the call chain from the unwinder, and each frame's line
as gdb prints it (`#1  0x... in work (n=10) at fk.c:5`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ..arch.unwind import Frame
from ..arch.x86_64 import DWARF_REGS, REG_IDS
from ..dwarf.callsites import DW_OP_REG0, DW_OP_REG31
from ..dwarf.info import Block, DebugInfo, Function, Variable
from ..dwarf.lines import SourceFile, SourceLine
from ..dwarf.locexpr import ExprError, FrameContext, evaluate
from ..dwarf.values import Printer, TypedValue
from ..kernel.objfiles import unwind, unwinder_at
from . import annotate, dummy
from .format import location
from .highlight import styled

if TYPE_CHECKING:
    from ..kernel.task import Task
    from .session import Session

#: the program's main function, where gdb's backtrace ends: C's, and Go's (a name no C
#: function can have)
MAIN_NAMES = ("main", "main.main")


@dataclass
class Scope:
    """One object's debug information and where it is loaded."""

    info: DebugInfo
    bias: int

    def function_at(self, pc: int) -> Function | None:
        fn = self.info.function_at(pc - self.bias)
        return self.info.parse(fn) if fn is not None else None

    def line_at(self, pc: int) -> SourceLine | None:
        sl = self.info.lines.find_pc(pc - self.bias)
        if sl is None:
            return None
        return SourceLine(sl.file, sl.line, sl.pc + self.bias, sl.end + self.bias, sl.is_stmt)


@dataclass
class FrameState:
    """One frame as the source view sees it."""

    level: int
    pc: int
    lookup: int  # where to look the pc up (an outer frame's pc - 1: inside its call)
    reg: Callable[[int], int | None]  # by DWARF number
    cfa: int | None
    scope: Scope | None
    function: Function | None
    dummy: bool = False  # gdb's `<function called from gdb>`
    inline: Block | None = None  # the inlined instance this (virtual) frame is
    site: Block | None = None  # the inlined instance this frame called: its line is the call
    #: the caller as the unwinder has it, its object and its CFA: where entry values
    #: (the registers at the function's entry, DW_OP_entry_value) are looked up
    caller: Frame | None = None
    caller_scope: Scope | None = None
    caller_cfa: int | None = None

    @property
    def name(self) -> str:
        return (self.inline.inlined or "??") if self.inline is not None else \
            (self.function.name if self.function is not None else "??")

    def blocks(self) -> list[Block]:
        """The blocks whose variables this frame sees, innermost first: an inline
        frame's from the one it called (if inlined too) out to its own instance, the
        function's frame those outside every inlined instance."""
        if self.function is None or self.scope is None:
            return []
        chain = self.function.chain(self.lookup - self.scope.bias)
        start = chain.index(self.site) + 1 if self.site in chain else 0
        end = chain.index(self.inline) + 1 if self.inline in chain else len(chain)
        return chain[start:end]

    @property
    def params(self) -> list[Variable]:
        if self.inline is not None:
            return self.inline.params
        return self.function.params if self.function is not None else []

    @property
    def line(self) -> SourceLine | None:
        if self.site is not None and self.scope is not None and self.function is not None \
                and self.function.cu is not None:
            f = self.scope.info.file_table(self.function.cu).get(self.site.call_file)
            if f is not None and self.site.call_line:
                return SourceLine(f, self.site.call_line, self.pc, self.pc)
        return self.scope.line_at(self.lookup) if self.scope is not None else None

    def context(self, read_u64: Callable[[int], int | None]) -> FrameContext:
        assert self.scope is not None
        fb = self.function.frame_base if self.function is not None else None
        return FrameContext(self.reg, self.cfa, read_u64, self.scope.bias, fb,
                            lambda n: self.entry_register_or_none(n, read_u64))

    def entry_register_or_none(self, n: int, read_u64: Callable[[int], int | None]
                               ) -> int | None:
        try:
            return self.entry_register(n, read_u64)
        except EntryValueError:
            return None

    def entry_register(self, n: int, read_u64: Callable[[int], int | None]) -> int:
        """Register `n` as it was when this frame's function was entered: what the
        caller's call site (DW_TAG_call_site) says it passed, evaluated in the caller's
        frame; EntryValueError, in gdb's words, when it does not say.  An inline frame
        asks about the function it was inlined into, as gdb does."""
        sc, caller, fn, here = self.caller_scope, self.caller, self.function, self.scope
        if fn is None or here is None:
            raise EntryValueError("DW_OP_entry_value resolving requires a function")
        if sc is None or caller is None:
            raise EntryValueError("DW_OP_entry_value resolving requires caller of "
                                  f"{fn.low + here.bias:#x} ({fn.name})")
        calling = sc.function_at(caller.pc - 1)
        site = calling.call_sites.get(caller.pc - sc.bias) if calling is not None else None
        if calling is None or site is None:
            raise EntryValueError("DW_OP_entry_value resolving cannot find DW_TAG_call_site "
                                  f"{caller.pc:#x} in "
                                  f"{calling.name if calling is not None else '??'}")
        if site.target is None:
            raise EntryValueError(f"DW_AT_call_target is not specified at DW_TAG_call_site "
                                  f"{caller.pc:#x} in {calling.name}")
        if site.target != fn.name:
            callee = sc.info.function_named(site.target)
            at = f"{callee[0].low + sc.bias:#x}" if callee else "??"
            raise EntryValueError(f"DW_OP_entry_value resolving expects callee {site.target}"
                                  f" at {at} but the called frame is for {fn.name} at "
                                  f"{fn.low + here.bias:#x}")
        if n not in site.params:
            raise EntryValueError(f"Cannot find matching parameter at DW_TAG_call_site "
                                  f"{caller.pc:#x} at {calling.name}")
        ctx = FrameContext(_unwound_regs(caller), self.caller_cfa, read_u64, sc.bias,
                           calling.frame_base)
        try:
            loc = evaluate(site.params[n], ctx, sc.info.structs)
        except (ExprError, IndexError) as e:
            raise EntryValueError(str(e)) from None
        got = loc.addr if loc.kind == "memory" else loc.value if loc.kind == "value" else \
            ctx.reg(loc.reg) if loc.kind == "register" else None  # memory: what it computed
        if got is None:
            raise EntryValueError("value has been optimized out")
        return got


class EntryValueError(Exception):
    """An entry value the DWARF does not give (gdb's NO_ENTRY_VALUE_ERROR)."""


class FrameChain:
    """The frame questions of the source view (SourceView inherits them)."""

    s: "Session"

    if TYPE_CHECKING:  # what SourceView provides
        @property
        def addresses(self) -> bool: ...

        def scope_at(self, pc: int, task: "Task | None" = None) -> Scope | None: ...
        def value_of(self, var: Variable, frame: "FrameState | None",
                     task: "Task | None") -> TypedValue: ...
        def printer(self) -> Printer: ...
        def shown(self, f: SourceFile, line: int) -> None: ...
        def source_line(self, f: SourceFile, line: int) -> str: ...

    def frames(self, task: "Task", limit: int = 64) -> list[FrameState]:
        """`task`'s call chain as gdb numbers it, innermost first: inline frames before
        the frame of the function they were inlined into, a dummy frame where a call
        from an expression began, and main's frame last (unless backtrace past-main)."""
        k = self.s.kernel
        assert k is not None
        chain = unwind(k, task, limit + 1, registers=True)
        dummies = dummy.of_task(self.s, task)
        live: Callable[[int], int] = task.reg  # the registers of the chain's first frame
        out: list[FrameState] = []
        i = 0
        while i < len(chain) and len(out) < limit:
            fr = chain[i]
            if out and dummies and fr.pc == dummies[0].return_pc and \
                    fr.sp == dummies[0].sp + 8:  # where an abandoned call began
                d = dummies.pop(0)
                out.append(FrameState(len(out), fr.pc, fr.pc, lambda _n: None, fr.sp, None,
                                      None, dummy=True))
                chain, i, live = unwind(k, task, limit + 1, regs=d.reg, registers=True), \
                    0, d.reg
                continue
            lookup = fr.pc if i == 0 else fr.pc - 1
            if i + 1 < len(chain):
                cfa: int | None = chain[i + 1].sp
            else:
                uw = unwinder_at(k, task, lookup)
                slots = uw.saved_slots(lookup, fr.sp, fr.bp) if uw is not None else None
                cfa = slots[0] if slots is not None else None
            reg = _live_regs(live) if i == 0 else _unwound_regs(fr)
            sc = self.scope_at(lookup, task)
            fn = sc.function_at(lookup) if sc is not None else None
            outermost = self._is_main(fn, lookup, task) and \
                self.s.settings.get("backtrace past-main", "off") == "off"
            up = chain[i + 1] if i + 1 < len(chain) and not outermost else None
            up_cfa = chain[i + 2].sp if i + 2 < len(chain) else None
            up_scope = self.scope_at(up.pc - 1, task) if up is not None else None
            site: Block | None = None
            if fn is not None and sc is not None:  # gdb's inline frames, innermost first
                for b in fn.chain(lookup - sc.bias):
                    if b.inlined:
                        out.append(FrameState(len(out), fr.pc, lookup, reg, cfa, sc, fn,
                                              inline=b, site=site, caller=up,
                                              caller_scope=up_scope, caller_cfa=up_cfa))
                        site = b
            out.append(FrameState(len(out), fr.pc, lookup, reg, cfa, sc, fn, site=site,
                                  caller=up, caller_scope=up_scope, caller_cfa=up_cfa))
            del out[limit:]
            i += 1
            if outermost:
                break  # gdb's outermost frame is main's
        return out

    def _is_main(self, fn: Function | None, pc: int, task: "Task") -> bool:
        if fn is not None:
            return fn.name in MAIN_NAMES
        syms = self.s.symbols(task)
        hit = syms.containing(pc) if syms is not None else None
        return hit is not None and hit[0].name in MAIN_NAMES

    def frame_id(self, task: "Task") -> tuple[int | None, int]:
        """gdb's frame id of the innermost frame: (its CFA, its function's start)."""
        fs = self.frames(task, 1)[0]
        fn = fs.function
        return fs.cfa, (fn.low + fs.scope.bias if fn is not None and fs.scope else 0)

    def read_u64(self, task: "Task") -> Callable[[int], int | None]:
        def read(a: int) -> int | None:
            b = task.mm.readable_prefix(a, 8)
            return int.from_bytes(b, "little") if len(b) == 8 else None
        return read

    def frame_text(self, frame: FrameState, task: "Task", with_addr: bool | None = None
                   ) -> str | None:
        """``main (argc=1, argv=0x7ffe...) at fk.c:20`` (with ``0x... in `` before it when
        the pc is not where its line starts, or for outer frames); None without line
        information for the frame."""
        if frame.dummy:
            return "<function called from gdb>"
        fn, sl = frame.function, frame.line
        if fn is None or sl is None:
            return None
        if with_addr is None:
            # an outer frame (looked up inside its call) shows its pc, as does a frame
            # stopped mid-line (the innermost, or the one an abandoned call began in)
            # (gdb's frame_show_address: a pc in a row that is no statement shows too)
            with_addr = (frame.lookup != frame.pc or sl.pc != frame.pc or not sl.is_stmt) \
                and self.addresses \
                and frame.site is None  # a frame whose callee was inlined: no address
        args = ", ".join(self.arg_text(p, frame, task) for p in frame.params)
        if args and self.s.settings.get("print frame-arguments") == "presence":
            args = "..."
        on = self.s.color
        head = f"{styled('address', f'0x{frame.pc:016x}', on)} in " if with_addr else ""
        return (f"{head}{styled('function', frame.name, on)} ({args}) at "
                f"{styled('file', sl.file.name, on)}:{sl.line}")

    def arg_text(self, var: Variable, frame: FrameState, task: "Task") -> str:
        """`n=6` as a frame line shows an argument: `print frame-arguments` scalars (the
        default: structs, unions and arrays as ...), all, or none; with its value at
        the function's entry as `print entry-values` says (gdb's default: `n=n@entry=6`
        when both are known and equal, `n=7, n@entry=6` when they differ)."""
        how = self.s.settings.get("print frame-arguments", "scalars")
        mode = self.s.settings.get("print entry-values", "default")
        v = self.value_of(var, frame, task) if mode not in ("only", "preferred") else None
        e = self.entry_value_of(var, frame, task) if mode != "no" and (
            mode != "if-needed" or v is None or v.data is None) else None
        if mode == "preferred" and e is None:
            v = self.value_of(var, frame, task)

        name = styled("variable", var.name, self.s.color)

        def text(val: TypedValue) -> str:
            if how == "none" or (how == "scalars" and val.data is not None
                                 and not (var.type.is_scalar() or var.type.is_complex())):
                return "..."
            return self.printer().value(val, top=False)
        at = f"{name}@entry="
        if e is None and (mode in ("only", "both") or mode == "preferred" and (
                v is None or v.data is None)):
            e = TypedValue(var.type, None)
        if v is not None and e is not None and mode in ("compact", "default") and \
                v.data is not None and v.data == e.data:
            return f"{name}={at}{text(v)}"
        if mode in ("compact", "if-needed", "preferred") and e is not None and \
                (v is None or v.data is None):
            v = None
        parts = ([f"{name}={text(v)}"] if v is not None else []) + \
            ([at + text(e)] if e is not None else [])
        return ", ".join(parts)

    def entry_value_of(self, var: Variable, frame: FrameState, task: "Task"
                       ) -> TypedValue | None:
        """A parameter's value at its function's entry, for frame lines (None when it
        is not known)."""
        try:
            return self.entry_value(var, frame, task)
        except EntryValueError:
            return None

    def entry_value(self, var: Variable, frame: FrameState, task: "Task") -> TypedValue:
        """gdb's read_variable_at_entry: a parameter passed in a register (its location
        at the function's entry is that register alone) has the value the caller's call
        site says it passed (EntryValueError otherwise)."""
        fn, sc = frame.function, frame.scope
        if fn is None or sc is None or frame.inline is not None or not var.is_param:
            raise EntryValueError(f'@entry can be used only for function parameters, '
                                  f'not for "{var.name}"')
        expr = var.location_at(fn.low + sc.bias, sc.bias)
        if not expr or len(expr) != 1 or not DW_OP_REG0 <= expr[0] <= DW_OP_REG31:
            raise EntryValueError("DWARF-2 expression error: DW_OP_entry_value is supported "
                                  "only for single DW_OP_reg* or for DW_OP_fbreg(*)")
        got = frame.entry_register(expr[0] - DW_OP_REG0, self.read_u64(task))
        size = max(var.type.byte_size, 0)
        return TypedValue(var.type, (got & (1 << 64) - 1).to_bytes(8, "little")[:size])

    def frame_lines(self, task: "Task") -> list[str]:
        """``#0  main (...) at fk.c:20`` and its source line (or gdb's line for a frame
        without line information), as `inferior N`, `thread N` and `restart` print."""
        fs = self.frames(task, 1)[0]
        text = self.frame_text(fs, task)
        sl = fs.line
        if text is None or sl is None:
            return [f"#0  {location(task.pc, self.s.symbols(task))}"]
        line = self.frame_source(sl, task.pc)
        return [f"#0  {text}"] + ([line] if line is not None else [])

    def frame_source(self, sl: SourceLine, pc: int) -> str | None:
        """What follows a frame line: the source line (noted as shown), or its
        annotation; None when the TUI's source window shows it instead."""
        self.shown(sl.file, sl.line)
        ann = annotate.source_line(self.s, sl.file, sl.line, pc, False)
        if ann is None and self.s.tui.active:
            return None
        return ann or self.source_line(sl.file, sl.line)


def _live_regs(get: Callable[[int], int]) -> Callable[[int], int | None]:
    """The innermost frame's registers by DWARF number: the thread's own (or those it
    had before a call from an expression), from `get` by unicorn id."""
    def reg(n: int) -> int | None:
        return get(REG_IDS[DWARF_REGS[n]]) if n < len(DWARF_REGS) else None
    return reg


def _unwound_regs(fr: Frame) -> Callable[[int], int | None]:
    """An outer frame's registers: rsp and rip from unwinding, the others restored from
    where the CFI says they were saved, else as the frame it called has them."""
    known = dict(fr.saved)
    known.update({7: fr.sp, 6: fr.bp, 16: fr.pc})
    return known.get
