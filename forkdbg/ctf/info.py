"""A program's debug information from its `.ctf` section, for a file that has CTF and
no DWARF (`gcc -gctf`, linked with `--strip-debug`): types, global variables (placed by
the ELF symbol table) and function signatures, answered through DebugInfo's queries.

CTF has no line table, no scopes and no parameter names, so what needs them (line
breakpoints, `list`, locals) finds nothing, as in gdb. As gdb's CTF reader does, the
variable section's function-typed entries make no symbols: functions get their types
from the function-info section alone."""

from __future__ import annotations

import io

from elftools.dwarf.structs import DWARFStructs
from elftools.elf.elffile import ELFFile

from ..dwarf.info import DW_OP_ADDR, CompUnit, DebugInfo, Function, Variable
from ..dwarf.lines import LineTable
from ..dwarf.types import Type
from ..elf.symbols import SymbolTable
from .format import Dictionary, read_section



class CtfInfo(DebugInfo):
    """The CTF of one ELF file (addresses before the load bias)."""

    def __init__(self, data: bytes) -> None:  # noqa: D107 - DebugInfo's DWARF is not read
        elf = ELFFile(io.BytesIO(data))
        sect = elf.get_section_by_name(".ctf")
        strtab = elf.get_section_by_name(".strtab")
        self.dicts: list[Dictionary] = read_section(
            sect.data() if sect is not None else b"",
            strtab.data() if strtab is not None else b"")
        self.symbols = SymbolTable.from_elf_bytes(data)
        self.units: list[CompUnit] = []
        self.exhaustive = True
        self._no_lines = LineTable([])
        self._structs = DWARFStructs(little_endian=True, dwarf_format=32, address_size=8)
        self._globals: dict[str, list[Variable]] = {}
        self._functions: dict[str, list[Function]] = {}
        self._build()

    def _build(self) -> None:
        for d in self.dicts:
            for name, t in d.variables.items():
                sym = self.symbols.lookup(name)
                if t.kind == "func" or sym is None:
                    continue
                loc = [DW_OP_ADDR, *sym.addr.to_bytes(8, "little")]
                self._globals.setdefault(name, []).append(
                    Variable(name, t, loc, external=sym.binding != "local", file=d.name))
            for name, t in d.functions.items():
                sym = self.symbols.lookup(name)
                if sym is None:
                    continue
                fn = Function([(sym.addr, sym.addr + max(sym.size, 1))], name=name,
                              low=sym.addr, high=sym.addr + max(sym.size, 1),
                              return_type=t.target, external=sym.binding != "local",
                              prototyped=t.prototyped, variadic=t.variadic)
                fn._parsed = True
                self._functions.setdefault(name, []).append(fn)

    @property
    def structs(self) -> DWARFStructs:
        return self._structs

    @property
    def lines(self) -> LineTable:
        return self._no_lines

    def unit_at(self, pc: int) -> CompUnit | None:
        return None

    def functions(self) -> list[Function]:
        return [f for fs in self._functions.values() for f in fs]

    def function_at(self, pc: int) -> Function | None:
        return next((f for f in self.functions() if f.low <= pc < f.high), None)

    def function_named(self, name: str) -> list[Function]:
        return list(self._functions.get(name, []))

    def functions_named(self, name: str) -> list[Function]:
        return self.function_named(name)

    def inlined_named(self, name: str) -> list:  # type: ignore[type-arg]
        return []

    def parse(self, fn: Function) -> Function:
        return fn

    def scan_loclists(self, unit: CompUnit) -> None:
        return None

    def static_at(self, addr: int) -> str | None:
        return None

    def global_named(self, name: str, prefer: CompUnit | None = None) -> list[Variable]:
        return list(self._globals.get(name, []))

    def enumerator(self, name: str) -> tuple[Type, int] | None:
        return next((d.enumerators[name] for d in self.dicts if name in d.enumerators), None)

    def tag_names(self, kind: str) -> list[str]:
        return [n for d in self.dicts for (k, n) in d.named if k == kind]

    def typedef(self, name: str, prefer: CompUnit | None = None) -> Type | None:
        return next((d.named[("typedef", name)] for d in self.dicts
                     if ("typedef", name) in d.named), None)

    def type_named(self, name: str, kind: str, prefer: CompUnit | None = None) -> Type | None:
        return next((d.named[(kind, name)] for d in self.dicts if (kind, name) in d.named),
                    None)
