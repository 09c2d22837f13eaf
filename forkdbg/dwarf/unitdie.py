"""A few attributes of a compilation unit's own DIE, read without parsing the unit's
whole abbreviation table (pyelftools reads all of it: a millisecond per unit, seconds
for libc's 2,000 units when only their line programs' offsets are wanted)."""

from __future__ import annotations

from ..elf.leb128 import sleb, uleb

DW_FORM_implicit_const = 0x21
DW_FORM_indirect = 0x16

#: fixed sizes of forms: 0 none, -1 the address size, -2 the offset size (4 or 8)
_FIXED = {0x01: -1, 0x05: 2, 0x06: 4, 0x07: 8, 0x0B: 1, 0x0C: 1, 0x0E: -2, 0x10: -2,
          0x11: 1, 0x12: 2, 0x13: 4, 0x14: 8, 0x17: -2, 0x19: 0, 0x1C: 4, 0x1D: -2,
          0x1E: 16, 0x1F: -2, 0x20: 8, 0x21: 0, 0x24: 8, 0x25: 1, 0x26: 2, 0x27: 3,
          0x28: 4, 0x29: 1, 0x2A: 2, 0x2B: 3, 0x2C: 4, 0x1F20: -2, 0x1F21: -2}
_ULEB = {0x0D, 0x0F, 0x15, 0x1A, 0x1B, 0x22, 0x23, 0x1F01, 0x1F02}  # LEB128 values
_BLOCK = {0x03: 2, 0x04: 4, 0x09: 0, 0x0A: 1, 0x18: 0}  # length-prefixed (0: uleb)


class UnitDie:
    """The DIE of one unit, in .debug_info (`info`) with its table in .debug_abbrev."""

    def __init__(self, info: bytes, abbrev: bytes, die_offset: int, abbrev_offset: int,
                 address_size: int, offset_size: int) -> None:
        self.info, self.abbrev = info, abbrev
        self.die_offset, self.abbrev_offset = die_offset, abbrev_offset
        self.address_size, self.offset_size = address_size, offset_size

    def _find(self, attr: int) -> tuple[int, int, int] | None:
        """(form, where its value starts, implicit constant) of `attr`; None when the
        DIE has none or a form before it is unknown."""
        info = self.info
        try:
            code, pos = uleb(info, self.die_offset)
            specs = _abbrev_specs(self.abbrev, self.abbrev_offset, code)
            for name, form, const in specs or ():
                while form == DW_FORM_indirect:
                    form, pos = uleb(info, pos)
                if name == attr:
                    return form, pos, const
                pos = _skip(info, pos, form, self.address_size, self.offset_size)
                if pos < 0:
                    return None
        except IndexError:
            return None
        return None

    def number(self, attr: int) -> int | None:
        """The value of a constant or section-offset attribute."""
        found = self._find(attr)
        if found is None:
            return None
        form, pos, const = found
        if form == DW_FORM_implicit_const:
            return const
        if form in _ULEB:
            return uleb(self.info, pos)[0]
        size = _FIXED.get(form)
        if not size:
            return None
        n = self.address_size if size == -1 else self.offset_size if size == -2 else size
        return int.from_bytes(self.info[pos:pos + n], "little")

    def text(self, attr: int, debug_str: bytes, line_str: bytes) -> str | None:
        """The value of a string attribute held inline, in .debug_str or in
        .debug_line_str; None for another form (an index needs .debug_str_offsets)."""
        found = self._find(attr)
        if found is None:
            return None
        form, pos, _c = found
        if form == 0x08:
            raw = self.info[pos:self.info.index(b"\0", pos)]
        elif form in (0x0E, 0x1F):  # DW_FORM_strp, DW_FORM_line_strp
            table = debug_str if form == 0x0E else line_str
            off = int.from_bytes(self.info[pos:pos + self.offset_size], "little")
            end = table.find(b"\0", off)
            if end < 0:
                return None
            raw = table[off:end]
        else:
            return None
        return raw.decode("utf-8", "replace")


def _abbrev_specs(abbrev: bytes, offset: int, code: int
                  ) -> list[tuple[int, int, int]] | None:
    """The (attribute, form, implicit constant) list of abbreviation `code` in the table
    at `offset`: entries are scanned in order, the unit's own is nearly always first."""
    pos = offset
    n = len(abbrev)
    while pos < n:
        this, pos = _uleb(abbrev, pos)
        if this == 0:
            return None
        _tag, pos = _uleb(abbrev, pos)
        pos += 1  # DW_CHILDREN_*
        specs = []
        while True:
            name, pos = _uleb(abbrev, pos)
            form, pos = _uleb(abbrev, pos)
            const = 0
            if form == DW_FORM_implicit_const:
                const, pos = sleb(abbrev, pos)
            if name == 0 and form == 0:
                break
            if this == code:
                specs.append((name, form, const))
        if this == code:
            return specs
    return None


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    """uleb with the one-byte case (nearly every abbreviation's) inline."""
    b = data[pos]
    return (b, pos + 1) if b < 0x80 else uleb(data, pos)


def _skip(info: bytes, pos: int, form: int, address_size: int, offset_size: int) -> int:
    """Where the value of `form` at `pos` ends; -1 for a form this reader does not know."""
    size = _FIXED.get(form)
    if size is not None:
        return pos + (address_size if size == -1 else offset_size if size == -2 else size)
    if form in _ULEB:
        return uleb(info, pos)[1]
    if form == 0x08:  # DW_FORM_string
        end = info.index(b"\0", pos)
        return end + 1
    if form in _BLOCK:
        width = _BLOCK[form]
        if width == 0:
            n, pos = uleb(info, pos)
        else:
            n, pos = int.from_bytes(info[pos:pos + width], "little"), pos + width
        return pos + n
    return -1
