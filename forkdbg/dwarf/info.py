"""One binary's debug information: its functions (with their blocks, parameters and
locals), global variables and line table, read lazily with pyelftools and cached per
file, so every process running the file (and every fork child) shares one reading."""

from __future__ import annotations

import bisect
import io
from dataclasses import dataclass, field
from typing import Any

from elftools.dwarf.locationlists import LocationParser
from elftools.elf.elffile import ELFFile

from ..elf.symbols import SymbolTable
from .attrs import text as _str
from .callsites import CALL_SITE_TAGS, CallSite, call_site
from .lines import LineTable, SourceFile, UnitLines
from .lists import location_list, spans
from .types import Type, TypeReader
from .unit import CompUnit, UnitReader

__all__ = ["Block", "CompUnit", "DebugInfo", "Function", "Variable"]

DW_OP_ADDR = 0x03
LINKAGE = ("DW_AT_linkage_name", "DW_AT_MIPS_linkage_name")
#: a shared object with at most this many units is searched unit by unit, as a program
SMALL_UNITS = 64


@dataclass(eq=False)
class Variable:
    name: str
    type: Type
    location: Any = None  # an expression (list of bytes), a location list, or None
    const_value: int | bytes | None = None
    is_param: bool = False
    decl_line: int = 0
    external: bool = False
    file: str = ""  # the CU's name: gdb qualifies statics by file
    #: a location list's base-address entries: the index of the entry each came before,
    #: and the address (`info scope` shows them as gdb does)
    loc_bases: dict[int, int] = field(default_factory=dict)

    @property
    def static_address(self) -> int | None:
        """The fixed address of a variable of static storage (DW_OP_addr alone), None for
        one that lives in a frame or a register."""
        loc = self.location
        if isinstance(loc, list) and len(loc) == 9 and loc[0] == DW_OP_ADDR:
            return int.from_bytes(bytes(loc[1:9]), "little")
        return None

    def location_at(self, pc: int, bias: int) -> list[int] | None:
        """The expression that holds at `pc` (None: optimized out there)."""
        if isinstance(self.location, list) and self.location and \
                isinstance(self.location[0], tuple):
            for lo, hi, expr in self.location:
                if lo + bias <= pc < hi + bias:
                    return expr
            return None
        return self.location


@dataclass(eq=False)
class Block:
    ranges: list[tuple[int, int]]
    variables: list[Variable] = field(default_factory=list)
    blocks: list["Block"] = field(default_factory=list)
    inlined: "str | None" = None  # the function an inlined block is an instance of
    entry: int = 0  # an inlined instance's entry pc
    params: list[Variable] = field(default_factory=list)  # an inlined instance's
    call_file: int = 0  # where an inlined instance was called: the CU's file number
    call_line: int = 0

    def inlined_blocks(self) -> list["Block"]:
        """The inlined instances within this block, outermost first."""
        out = []
        for b in self.blocks:
            if b.inlined:
                out.append(b)
            out.extend(b.inlined_blocks())
        return out

    def contains(self, pc: int) -> bool:
        return any(lo <= pc < hi for lo, hi in self.ranges)

    def chain(self, pc: int) -> list["Block"]:
        """The blocks holding `pc`, innermost first (ending with this one)."""
        for b in self.blocks:
            if b.contains(pc):
                return b.chain(pc) + [self]
        return [self]


@dataclass(eq=False)
class Function(Block):
    name: str = ""
    low: int = 0
    high: int = 0
    decl_file: SourceFile | None = None
    decl_line: int = 0
    return_type: Type | None = None
    frame_base: Any = None
    params: list[Variable] = field(default_factory=list)
    external: bool = False
    prototyped: bool = False
    variadic: bool = False
    cu: "CompUnit | None" = None
    die_offset: int = 0
    #: the calls it makes, by return address (unbiased): where entry values come from
    call_sites: dict[int, CallSite] = field(default_factory=dict)
    _parsed: bool = False


class DebugInfo:
    """The DWARF of one ELF file (addresses before the load bias)."""

    def __init__(self, data: bytes, exhaustive: bool = True) -> None:
        #: whether searches by name read every unit (a program's, a small shared
        #: object's), or only the units the file's ELF symbols name and those already
        #: read (a large shared object's: libc's separate debug file has 2,000 units,
        #: minutes to read in Python)
        self.exhaustive = exhaustive
        self.elf = ELFFile(io.BytesIO(data))
        self.dwarf = self.elf.get_dwarf_info(relocate_dwarf_sections=False)
        self.types = TypeReader()
        self._lines: LineTable | None = None
        self._unit_lines: dict[int, UnitLines] = {}
        self.reader = UnitReader(self.dwarf)  # units' own DIEs and line-program headers
        self._loc_parser: LocationParser | None = None
        self.symbols = SymbolTable.from_elf_bytes(data)  # names -> CUs, without reading DIEs
        self.units = [CompUnit(cu, cu["version"], quick_text=self.reader.unit_text)
                      for cu in self.dwarf.iter_CUs()]
        self.exhaustive = exhaustive or len(self.units) <= SMALL_UNITS
        self._by_offset = {u.cu.cu_offset: u for u in self.units}
        self._statics: dict[int, str] | None = None
        try:
            self._aranges = self.dwarf.get_aranges()
        except Exception:  # noqa: BLE001 - no usable .debug_aranges: CU ranges instead
            self._aranges = None

    @property
    def structs(self):  # type: ignore[no-untyped-def]
        return self.dwarf.structs

    # ------------------------------------------------------------ lines
    @property
    def lines(self) -> LineTable:
        """The line table; each unit's program is decoded when a question reaches it."""
        if self._lines is None:
            data = self.reader.sections()[2]
            by_cu: dict[int, list[tuple[int, int]]] = {}
            for e in self._aranges.entries if self._aranges is not None else ():
                if e.length:
                    by_cu.setdefault(e.info_offset, []).append(
                        (e.begin_addr, e.begin_addr + e.length))
            self._lines = LineTable([
                UnitLines(self.reader.line_program, u, data, by_cu.get(u.cu.cu_offset)
                          or self.ranges(u.cu.get_top_DIE(), u) or None)
                for u in self.units])
            self._unit_lines = {id(ul.cu): ul for ul in self._lines.units}
        return self._lines

    # ------------------------------------------------------------ units
    def unit_at(self, pc: int) -> CompUnit | None:
        """The CU whose code holds `pc` (from .debug_aranges, else the CUs' ranges)."""
        if self._aranges is not None:
            try:
                off = self._aranges.cu_offset_at_addr(pc)
            except Exception:  # noqa: BLE001
                off = None
            if off is not None and off in self._by_offset:
                return self._by_offset[off]
        if not self.exhaustive:
            return None
        for u in self.units:
            if any(lo <= pc < hi for lo, hi in self.ranges(u.cu.get_top_DIE(), u)):
                return u
        for u in self.units:  # a CU without ranges: look at its functions
            if any(lo <= pc < hi for f in self.read(u).functions or [] for lo, hi in f.ranges):
                return u
        return None

    def source_files(self) -> list[SourceFile]:
        """The files with code in the units searched (a shared object's: those read so
        far, as gdb completes only the files of the symbol tables it expanded)."""
        cus = None if self.exhaustive else {id(u.cu) for u in self.searched()}
        return self.lines.files(cus=cus)

    def searched(self) -> list[CompUnit]:
        """The units a search by name looks through: every one, or (not exhaustive)
        those read so far."""
        if self.exhaustive:
            return self.units
        return [u for u in self.units if u.functions is not None]

    def read(self, unit: CompUnit) -> CompUnit:
        """Read a CU's top-level DIEs once: functions, globals, enumerators, typedefs."""
        if unit.functions is not None:
            return unit
        fns: list[Function] = []
        files = self._files(unit.cu)
        for die in unit.cu.get_top_DIE().iter_children():
            tag = die.tag
            if tag == "DW_TAG_subprogram":
                fn = self._function(die, unit, files)
                if fn is not None:
                    fns.append(fn)
            elif tag == "DW_TAG_enumeration_type":
                for c in die.iter_children():
                    if c.tag == "DW_TAG_enumerator":
                        unit.enumerators.setdefault(_str(c.attributes.get("DW_AT_name")),
                                                    (die, c.attributes["DW_AT_const_value"].value))
            elif tag in ("DW_TAG_typedef", "DW_TAG_base_type"):
                unit.typedefs.setdefault(_str(die.attributes.get("DW_AT_name")), die)
            elif tag in ("DW_TAG_structure_type", "DW_TAG_union_type") and \
                    "DW_AT_declaration" not in die.attributes:
                unit.tagged.setdefault((tag, _str(die.attributes.get("DW_AT_name"))), die)
            elif tag == "DW_TAG_variable":
                v = self._variable(die, unit)
                if v is not None and v.location is not None:
                    unit.globals.setdefault(v.name, []).append(v)
        fns.sort(key=lambda f: f.low)
        unit.spans = sorted(((lo, hi, f) for f in fns for lo, hi in f.ranges),
                            key=lambda sp: sp[0])
        unit.functions = fns
        return unit

    def file_table(self, unit: CompUnit) -> dict[int, SourceFile]:
        """A CU's file table by DW_AT_decl_file / DW_AT_call_file number."""
        return self._files(unit.cu)

    def file_names(self, unit: CompUnit) -> dict[int, str]:
        """A CU's file table: DW_AT_decl_file numbers -> names as gdb shows them."""
        return {n: f.name for n, f in self._files(unit.cu).items()}

    def _units_for(self, name: str) -> list[CompUnit]:
        """The CUs that define the symbol `name` (by its ELF symbols) first, then the
        others searched."""
        first: list[CompUnit] = []
        for sym in self.symbols.all_named(name):
            u = self.unit_at(sym.addr)
            if u is not None and u not in first:
                first.append(u)
        return first + [x for x in self.searched() if x not in first]

    # -------------------------------------------------------- functions
    def functions(self) -> list[Function]:
        return [f for u in self.searched() for f in self.read(u).functions or []]

    def function_at(self, pc: int) -> Function | None:
        u = self.unit_at(pc)
        if u is None:
            return None
        self.read(u)
        i = bisect.bisect_right([sp[0] for sp in u.spans], pc) - 1
        while i >= 0:
            lo, hi, fn = u.spans[i]
            if lo <= pc < hi:
                return fn
            i -= 1
        return None

    def function_named(self, name: str) -> list[Function]:
        for u in self._units_for(name):
            found = [f for f in self.read(u).functions or [] if f.name == name]
            if found:
                return found
        return []

    def functions_named(self, name: str) -> list[Function]:
        """Every function called `name`, the one the ELF symbol names first (static
        functions of other files too, as gdb's linespecs find them)."""
        return [f for u in self._units_for(name) for f in self.read(u).functions or []
                if f.name == name]

    def inlined_named(self, name: str) -> list[tuple[Function, Block]]:
        """The inlined instances of the function `name`: (the function holding one, its
        block), in address order."""
        out: list[tuple[Function, Block]] = []
        for u in self.searched():
            for fn in self.read(u).functions or []:
                out.extend((fn, b) for b in self.parse(fn).inlined_blocks() if b.inlined == name)
        return sorted(out, key=lambda fb: fb[1].entry)

    def global_named(self, name: str, prefer: "CompUnit | None" = None) -> list[Variable]:
        order = ([prefer] if prefer is not None else []) + self._units_for(name)
        for u in order:
            found = self.read(u).globals.get(name)
            if found:
                return found
        return []

    def enumerator(self, name: str) -> tuple[Type, int] | None:
        """The enum type and value of the enumerator `name`."""
        for u in self.searched():
            hit = self.read(u).enumerators.get(name)
            if hit is not None:
                return self.types.read(hit[0]), hit[1]
        return None

    def typedef(self, name: str, prefer: "CompUnit | None" = None) -> Type | None:
        """The typedef or base type called `name` (`prefer`'s own first, as gdb looks in
        the current file's static block before the others)."""
        for u in _preferring(self.searched(), prefer):
            die = self.read(u).typedefs.get(name)
            if die is not None:
                return self.types.read(die)
        return None

    def type_named(self, name: str, kind: str, prefer: "CompUnit | None" = None) -> Type | None:
        """The complete `struct`/`union`/`enum` NAME any CU defines (`prefer`'s first)."""
        tag = {"struct": "DW_TAG_structure_type", "union": "DW_TAG_union_type",
               "enum": "DW_TAG_enumeration_type"}[kind]
        for u in _preferring(self.searched(), prefer):
            if kind == "enum":
                for die, _v in self.read(u).enumerators.values():
                    if _str(die.attributes.get("DW_AT_name")) == name:
                        return self.types.read(die)
                continue
            die = self.read(u).tagged.get((tag, name))
            if die is not None:
                return self.types.read(die)
        return None

    def tag_names(self, kind: str) -> list[str]:
        """The names of the complete structs or unions (`kind`) the CUs define."""
        tag = {"struct": "DW_TAG_structure_type", "union": "DW_TAG_union_type"}.get(kind)
        return [n for u in self.searched() for (t, n) in self.read(u).tagged if t == tag and n]

    def _files(self, cu) -> dict[int, SourceFile]:  # type: ignore[no-untyped-def]
        self.lines  # noqa: B018 - builds the units' line programs
        return self._unit_lines[id(cu)].files

    def ranges(self, die, unit: CompUnit) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
        a = die.attributes
        if "DW_AT_low_pc" in a and "DW_AT_high_pc" in a:
            lo = a["DW_AT_low_pc"].value
            hi = a["DW_AT_high_pc"]
            end = hi.value if hi.form == "DW_FORM_addr" else lo + hi.value
            return [(lo, end)] if lo else []
        if "DW_AT_ranges" in a:
            try:
                rl = self.dwarf.range_lists()
                entries = rl.get_range_list_at_offset(a["DW_AT_ranges"].value, cu=unit.cu) \
                    if rl is not None else []
            except Exception:  # noqa: BLE001 - an index form we do not follow
                return []
            return [(lo, hi) for lo, hi, _e in spans(entries, unit.low_pc) if lo and hi > lo]
        return []

    def _function(self, die, unit: CompUnit, files) -> Function | None:  # type: ignore[no-untyped-def]
        rng = self.ranges(die, unit)
        if not rng:
            return None
        a = die.attributes
        spec = die
        for ref in ("DW_AT_specification", "DW_AT_abstract_origin"):
            if ref in a:
                spec = die.get_DIE_from_attribute(ref)
                break
        sa = spec.attributes
        # gdb keeps C symbols in linkage form: glibc's `_IO_puts` is `__GI__IO_puts`
        name = next((_str(x.get(k)) for x in (a, sa) for k in LINKAGE if x.get(k)), "") \
            or _str(sa.get("DW_AT_name")) or _str(a.get("DW_AT_name"))
        if not name:
            return None
        # the entry is the first range as listed (gdb's BLOCK_ENTRY_PC): gcc lists a
        # function split into hot and cold parts (`f.cold`) hot part first
        fn = Function(rng, name=name, low=rng[0][0],
                      high=max(hi for _, hi in rng),
                      decl_file=files.get(sa["DW_AT_decl_file"].value) if "DW_AT_decl_file"
                      in sa else None,
                      decl_line=sa["DW_AT_decl_line"].value if "DW_AT_decl_line" in sa else 0,
                      external="DW_AT_external" in sa, cu=unit, die_offset=die.offset)
        fn.frame_base = a["DW_AT_frame_base"].value if "DW_AT_frame_base" in a else None
        fn.return_type = self.types.of(spec)
        fn.prototyped = "DW_AT_prototyped" in sa
        fn.variadic = any(c.tag == "DW_TAG_unspecified_parameters" for c in spec.iter_children())
        return fn

    def parse(self, fn: Function) -> Function:
        """Read `fn`'s parameters, locals and nested blocks (once)."""
        if fn._parsed:
            return fn
        fn._parsed = True
        assert fn.cu is not None
        die = self.dwarf.get_DIE_from_refaddr(fn.die_offset, fn.cu.cu)
        self._children(die, fn, fn.cu, fn)
        return fn

    def _children(self, die, block: Block, unit: CompUnit, fn: Function,  # type: ignore[no-untyped-def]
                  top: bool = True) -> None:
        for c in die.iter_children():
            if c.tag in CALL_SITE_TAGS:
                site = call_site(c)
                if site is not None:
                    fn.call_sites[site[0]] = site[1]
                continue
            if c.tag in ("DW_TAG_formal_parameter", "DW_TAG_variable"):
                v = self._variable(c, unit)
                if v is None:
                    continue
                if c.tag == "DW_TAG_formal_parameter" and (top or block.inlined):
                    v.is_param = True
                    block.params.append(v)
                elif c.tag == "DW_TAG_variable":
                    block.variables.append(v)
            elif c.tag in ("DW_TAG_lexical_block", "DW_TAG_inlined_subroutine"):
                # a block whose code was optimized away (high_pc 0) has none, as in gdb
                rng = [(lo, hi) for lo, hi in self.ranges(c, unit) if hi > lo]
                inner = Block(rng)
                if c.tag == "DW_TAG_inlined_subroutine" and "DW_AT_abstract_origin" in c.attributes:
                    origin = c.get_DIE_from_attribute("DW_AT_abstract_origin")
                    inner.inlined = _str(origin.attributes.get("DW_AT_name"))
                    ca = c.attributes
                    inner.entry = ca["DW_AT_entry_pc"].value if "DW_AT_entry_pc" in ca and \
                        ca["DW_AT_entry_pc"].form == "DW_FORM_addr" else \
                        (rng[0][0] if rng else 0)
                    inner.call_file = ca["DW_AT_call_file"].value if "DW_AT_call_file" in ca \
                        else 0
                    inner.call_line = ca["DW_AT_call_line"].value if "DW_AT_call_line" in ca \
                        else 0
                if rng:
                    block.blocks.append(inner)
                    self._children(c, inner, unit, fn, top=False)
                else:  # an instance without code may still hold call sites
                    self._children(c, Block([]), unit, fn, top=False)

    def _variable(self, die, unit: CompUnit) -> Variable | None:  # type: ignore[no-untyped-def]
        a = die.attributes
        spec = die
        for ref in ("DW_AT_abstract_origin", "DW_AT_specification"):
            if ref in a:
                spec = die.get_DIE_from_attribute(ref)
                break
        sa = spec.attributes
        name = _str(sa.get("DW_AT_name")) or _str(a.get("DW_AT_name"))
        if not name:
            return None
        v = Variable(name, self.types.of(spec if "DW_AT_type" in sa else die),
                     decl_line=sa["DW_AT_decl_line"].value if "DW_AT_decl_line" in sa else 0,
                     external="DW_AT_external" in sa, file=unit.name)
        if "DW_AT_const_value" in a:
            v.const_value = a["DW_AT_const_value"].value
        if "DW_AT_location" in a:
            attr = a["DW_AT_location"]
            if attr.form == "DW_FORM_exprloc" or attr.form.startswith("DW_FORM_block"):
                v.location = attr.value
            else:
                v.location, v.loc_bases = self._loclist(attr, die, unit)
                unit.has_loclist = True
        return v

    def _loclist(self, attr, die, unit: CompUnit  # type: ignore[no-untyped-def]
                 ) -> tuple[list[tuple[int, int, list[int]]], dict[int, int]]:
        if self._loc_parser is None:
            self._loc_parser = LocationParser(self.dwarf.location_lists())
        return location_list(self._loc_parser, attr, die, unit.version, unit.low_pc)

    def static_at(self, addr: int) -> str | None:
        """The variable of static storage (a global, a file's or a function's static)
        that starts at `addr`: gdb names a pointer to it by the variable rather than by
        the ELF symbol (`integer_array`, not `integer_array.28`).  The first question
        reads every function's variables (0.5 s for 4,000 functions): asked only for
        an address whose ELF symbol is such a static's (a shared object's: in the units
        read so far, looked at again each time)."""
        if self._statics is None or not self.exhaustive:
            self._statics = {}
            for u in self.searched():
                for vs in self.read(u).globals.values():
                    for v in vs:
                        self._note_static(v)
                for fn in u.functions or []:
                    todo: list[Block] = [self.parse(fn)]
                    while todo:
                        b = todo.pop()
                        for v in b.variables:
                            self._note_static(v)
                        todo.extend(b.blocks)
        return self._statics.get(addr)

    def _note_static(self, v: Variable) -> None:
        addr = v.static_address
        if addr is not None:
            assert self._statics is not None
            self._statics.setdefault(addr, v.name)

    def scan_loclists(self, unit: CompUnit) -> None:
        """Whether a CU uses location lists (gdb's `locations_valid`), found by reading
        its functions once."""
        for fn in self.read(unit).functions or []:
            self.parse(fn)


def _preferring(units: list[CompUnit], prefer: CompUnit | None) -> list[CompUnit]:
    if prefer is None or prefer not in units:
        return units
    return [prefer] + [u for u in units if u is not prefer]
