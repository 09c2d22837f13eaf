"""gdb's C type printer for `ptype` and `whatis`: how deep bodies are spelled out
(gdb's `show` levels: a named struct's body at the top only, an anonymous one's one
level further), incomplete and empty structs, and `ptype/o`'s offset and size column
with its holes and total sizes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..dwarf.types import QUALIFIERS, Member, Type, declare
from .registry import CommandError

COLUMN = 27  # the width of ptype/o's offset column
HEADER = "/* offset      |    size */  "
FLAGS = "rmtMToxd"  # gdb's ptype/whatis flags (only o and x change what C prints)


@dataclass
class Offsets:
    """ptype/o's state inside one struct (gdb's print_offset_data)."""

    hexadecimal: bool = False
    base_bits: int = 0  # where this struct starts within the outermost one
    end_bits: int = 0  # where the previous member ended, from this struct's start

    def nested(self, m: Member) -> "Offsets":
        return Offsets(self.hexadecimal, self.base_bits + m.offset * 8 + m.bit_offset)

    def column(self, t: Type, m: Member) -> str:
        """The lines before the member's text: any hole, then its offset and size."""
        size = m.type.byte_size
        if t.kind == "union":
            return "/*" + " " * 16 + (f"0x{size:04x}" if self.hexadecimal else f"{size:6d}") \
                + " */"
        bits = m.offset * 8 + m.bit_offset
        out = self.hole(bits, "hole")
        at = self.base_bits + bits
        if self.hexadecimal:
            out += f"/* 0x{at // 8:04x}" + (f": 0x{at % 8:x}" if m.bit_size else " " * 5) \
                + f" |  0x{size:04x} */"
        else:
            out += f"/* {at // 8:6d}" + (f":{at % 8:2d}" if m.bit_size else " " * 3) \
                + f"   |  {size:6d} */"
        self.end_bits = bits + (m.bit_size or size * 8)
        return out

    def hole(self, bits: int, what: str) -> str:
        if not 0 < self.end_bits < bits:
            return ""
        gap = bits - self.end_bits
        out = ""
        if gap % 8:
            out += f"/* XXX {gap % 8:2d}-bit {what:<7}    */\n"
        if gap // 8:
            out += f"/* XXX {gap // 8:2d}-byte {what:<7}   */\n"
        return out


def ptype_text(t: Type, expand: bool, offsets: Offsets | None = None) -> str:
    """gdb's `ptype` (typedefs resolved at the top, a struct's members spelled out) or
    `whatis` (the type as declared); with `offsets`, ptype/o's column."""
    if not expand:
        return str(t)
    head = HEADER if offsets is not None and t.kind in ("struct", "union") else ""
    while t.kind == "typedef" and t.target is not None:
        t = t.target
    return head + c_type(_resolve_base(t), "", 1, 0, offsets)


def c_type(t: Type, inner: str, show: int, level: int, offsets: Offsets | None) -> str:
    """`t` declaring `inner`, the struct, union or enum under it spelled out when `show`
    asks for it (gdb: a named one when show > 0, an anonymous one when show >= 0)."""
    text = declare(t, inner)
    base = t
    while base.kind in ("pointer", "reference", "array", "func", *QUALIFIERS) \
            and base.target is not None:
        base = base.target
    if base.kind not in ("struct", "union", "enum") or show < 0 or \
            (show == 0 and base.name):
        return text
    head = str(base)
    return text.replace(head, _body(base, show, level, offsets), 1)


def _body(t: Type, show: int, level: int, offsets: Offsets | None) -> str:
    name = f"{t.kind} {t.name} " if t.name else f"{t.kind} "
    if t.kind == "enum":  # values named where they do not follow the previous one
        items, expect = [], 0
        for n, v in t.enumerators:
            items.append(n if v == expect else f"{n} = {v}")
            expect = v + 1
        return name + "{" + ", ".join(items) + "}"
    pad = " " * (level + 4)
    rows = []
    if not t.members:
        rows.append(" " * (COLUMN if offsets is not None else 0) + pad + ("<incomplete type>" if t.declaration else "<no data fields>"))
    for m in t.members:
        inner_show, inner_offsets = show - 1, offsets
        column = ""
        if offsets is not None:
            column = offsets.column(t, m)
            if m.type.strip().kind in ("struct", "union"):
                inner_show, inner_offsets = show, offsets.nested(m)
        decl = c_type(m.type, m.name or "", inner_show, level + 4, inner_offsets)
        rows.append(f"{column}{pad}{decl}{' : ' + str(m.bit_size) if m.bit_size else ''};")
    close = " " * level + "}"
    if offsets is not None:
        if show > 0:
            rows.append(offsets.hole(t.byte_size * 8, "padding").rstrip("\n"))
            rows.append("\n" + " " * (COLUMN + level + 4)
                        + f"/* total size (bytes): {t.byte_size:4d} */")
        close = " " * (COLUMN + (2 if level == 0 else 0)) + close
    return name + "{\n" + "\n".join(r for r in rows if r) + "\n" + close


def _resolve_base(t: Type) -> Type:
    """The type with the typedef under its pointers, arrays and functions resolved, as
    gdb's ptype shows it (`t_char_array *` is `char (*)[]`)."""
    if t.kind in ("pointer", "reference", "array", "const", "volatile", "func") and \
            t.target is not None:
        return dataclasses.replace(t, target=_resolve_base(t.target))
    while t.kind == "typedef" and t.target is not None:
        t = t.target
    return t


def parse_flags(arg: str) -> tuple[str, str]:
    """`/FLAGS EXPR` -> (flags, EXPR), with gdb's errors for unknown flags."""
    if not arg.startswith("/"):
        return "", arg
    word, _, rest = arg[1:].partition(" ")
    if not rest.strip() and not arg[1:].endswith(" "):
        if not word:
            return "", rest
        raise CommandError("expected space after format")
    for c in word:
        if c not in FLAGS:
            raise CommandError(f"unrecognized flag '{c}'")
    return word, rest
