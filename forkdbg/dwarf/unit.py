"""A compilation unit, and the reader of what forkdbg reads of a unit without
pyelftools: its own DIE's few attributes and its line program's header (pyelftools
parses the unit's whole abbreviation table first: a millisecond per unit, seconds for
libc's 2,000)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .attrs import text as _str
from .lineheader import HeaderError, read_header
from .unitdie import UnitDie

if TYPE_CHECKING:
    from .info import Function, Variable

DW_AT_stmt_list = 0x10
_AT = {"DW_AT_name": 0x03, "DW_AT_comp_dir": 0x1B}


@dataclass(eq=False)
class CompUnit:
    """One compilation unit; its top DIE's attributes are read when first asked."""

    cu: Any
    version: int
    has_loclist: bool = False
    functions: "list[Function] | None" = None  # None until read
    spans: list[tuple[int, int, "Function"]] = field(default_factory=list)
    globals: dict[str, list[Variable]] = field(default_factory=dict)
    enumerators: dict[str, tuple[Any, int]] = field(default_factory=dict)
    typedefs: dict[str, Any] = field(default_factory=dict)
    tagged: dict[tuple[str, str], Any] = field(default_factory=dict)  # (tag, name) -> DIE
    #: reads a string attribute of the unit's DIE without pyelftools (None: it cannot)
    quick_text: Any = None
    _attrs: Any = None
    _texts: dict[str, str] = field(default_factory=dict)

    @property
    def attributes(self) -> Any:
        if self._attrs is None:
            self._attrs = self.cu.get_top_DIE().attributes
        return self._attrs

    def _text(self, attr: str) -> str:
        got = self._texts.get(attr)
        if got is None:
            got = self.quick_text(self.cu, attr) if self.quick_text is not None else None
            if got is None:
                got = _str(self.attributes.get(attr))
            self._texts[attr] = got
        return got

    @property
    def name(self) -> str:
        return self._text("DW_AT_name")

    @property
    def comp_dir(self) -> str:
        return self._text("DW_AT_comp_dir")

    @property
    def producer(self) -> str:
        return _str(self.attributes.get("DW_AT_producer"))

    @property
    def low_pc(self) -> int:
        a = self.attributes
        return a["DW_AT_low_pc"].value if "DW_AT_low_pc" in a else 0

    @property
    def locations_valid(self) -> bool:
        """gdb trusts optimized GCC code's locations from the function's first address
        (no prologue to skip) when the CU uses location lists."""
        return self.has_loclist and "GNU" in self.producer


class UnitReader:
    """Units' own DIEs and line programs, read from the raw sections."""

    def __init__(self, dwarf: Any) -> None:
        self.dwarf = dwarf
        self._sections: tuple[bytes, bytes, bytes, bytes, bytes] | None = None

    def sections(self) -> tuple[bytes, bytes, bytes, bytes, bytes]:
        """.debug_info, .debug_abbrev, .debug_line, .debug_line_str, .debug_str."""
        if self._sections is None:
            d = self.dwarf
            self._sections = tuple(  # type: ignore[assignment]
                s.stream.getvalue() if s is not None and isinstance(s.stream, io.BytesIO)
                else b"" for s in (d.debug_info_sec, d.debug_abbrev_sec, d.debug_line_sec,
                                   getattr(d, "debug_line_str_sec", None), d.debug_str_sec))
        assert self._sections is not None
        return self._sections

    def unit_die(self, cu: Any) -> UnitDie:
        info, abbrev = self.sections()[:2]
        return UnitDie(info, abbrev, cu.cu_die_offset, cu["debug_abbrev_offset"],
                       cu["address_size"], 8 if cu.structs.dwarf_format == 64 else 4)

    def unit_text(self, cu: Any, attr: str) -> str | None:
        """A string attribute of `cu`'s DIE, read without pyelftools (None: not so)."""
        _i, _a, _l, line_str, debug_str = self.sections()
        return self.unit_die(cu).text(_AT[attr], debug_str, line_str)

    def line_program(self, cu: Any) -> Any:
        """`cu`'s line program (its header parsed), None without a readable one."""
        _i, _a, line, line_str, debug_str = self.sections()
        try:
            stmt = self.unit_die(cu).number(DW_AT_stmt_list)
            if stmt is None:
                return self.dwarf.line_program_for_CU(cu)
            try:
                return read_header(line, stmt, line_str, debug_str)
            except HeaderError:
                return self.dwarf._parse_line_program_at_offset(stmt, cu.structs)
        except Exception:  # noqa: BLE001 - a CU without a readable line program
            return None
