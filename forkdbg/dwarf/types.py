"""C types from DWARF DIEs, named and declared as gdb prints them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..elf.leb128 import uleb

# DW_ATE_* base type encodings
ATE_BOOLEAN, ATE_FLOAT, ATE_SIGNED, ATE_SIGNED_CHAR, ATE_UNSIGNED, ATE_UNSIGNED_CHAR = \
    0x2, 0x4, 0x5, 0x6, 0x7, 0x8
ATE_UTF = 0x10
ATE_COMPLEX_FLOAT = 0x3

KINDS = {"DW_TAG_base_type": "base", "DW_TAG_pointer_type": "pointer",
         "DW_TAG_reference_type": "reference", "DW_TAG_array_type": "array",
         "DW_TAG_structure_type": "struct", "DW_TAG_union_type": "union",
         "DW_TAG_class_type": "struct", "DW_TAG_enumeration_type": "enum",
         "DW_TAG_typedef": "typedef", "DW_TAG_const_type": "const",
         "DW_TAG_volatile_type": "volatile", "DW_TAG_restrict_type": "restrict",
         "DW_TAG_atomic_type": "atomic", "DW_TAG_subroutine_type": "func",
         "DW_TAG_subprogram": "func", "DW_TAG_unspecified_type": "void"}


@dataclass(eq=False)
class Member:
    name: str | None
    type: "Type"
    offset: int
    bit_size: int = 0
    bit_offset: int = 0  # from the start of the member's storage unit, little-endian


@dataclass(eq=False)
class Type:
    kind: str  # base pointer array struct union enum typedef const volatile func void
    name: str | None = None
    size: int = 0
    target: "Type | None" = None
    encoding: int = 0
    count: int | None = None  # an array's element count (None: unknown bounds)
    members: list[Member] = field(default_factory=list)
    enumerators: list[tuple[str, int]] = field(default_factory=list)
    params: list["Type"] = field(default_factory=list)
    variadic: bool = False
    prototyped: bool = False
    declaration: bool = False  # an incomplete struct

    def strip(self) -> "Type":
        """Without typedefs and qualifiers."""
        t = self
        while t.kind in ("typedef", "const", "volatile", "restrict", "atomic") and t.target:
            t = t.target
        if t.kind in ("const", "volatile", "restrict", "atomic"):
            return VOID
        return t

    @property
    def byte_size(self) -> int:
        t = self.strip()
        if t.kind == "array":
            assert t.target is not None
            return (t.count or 0) * t.target.byte_size
        if t.kind in ("pointer", "reference"):
            return t.size or 8
        return t.size

    def is_scalar(self) -> bool:
        """One number or address (a complex number is a pair: not scalar)."""
        return self.strip().kind in ("base", "pointer", "enum", "reference") and \
            not self.is_complex()

    def is_complex(self) -> bool:
        t = self.strip()
        return t.kind == "base" and t.encoding == ATE_COMPLEX_FLOAT

    def is_signed(self) -> bool:
        t = self.strip()
        return t.kind == "base" and t.encoding in (ATE_SIGNED, ATE_SIGNED_CHAR) or (
            t.kind == "enum" and any(v < 0 for _, v in t.enumerators))

    def is_char(self) -> bool:
        t = self.strip()
        return t.kind == "base" and t.size == 1 and t.encoding in (
            ATE_SIGNED_CHAR, ATE_UNSIGNED_CHAR, ATE_UTF)

    def is_float(self) -> bool:
        t = self.strip()
        return t.kind == "base" and t.encoding == ATE_FLOAT

    def find_member(self, name: str) -> Member | None:
        """The member `name`, looked for in anonymous struct and union members too (its
        offset then counted from this type's start), as C and gdb find them."""
        for m in self.members:
            if m.name == name:
                return m
        for m in self.members:
            inner = m.type.strip()
            if m.name is None and inner.kind in ("struct", "union"):
                found = inner.find_member(name)
                if found is not None:
                    return Member(found.name, found.type, m.offset + found.offset,
                                  found.bit_size, found.bit_offset)
        return None

    def __str__(self) -> str:
        return declare(self, "")


VOID = Type("void", "void", 1)
#: type qualifiers, in the order gdb prints them, with their C spelling
QUALIFIERS = {"const": "const", "volatile": "volatile", "restrict": "restrict",
              "atomic": "_Atomic"}
#: gcc's DWARF names of C's integer types -> the names gdb prints
C_NAMES = {"long int": "long", "long unsigned int": "unsigned long", "short int": "short",
           "short unsigned int": "unsigned short", "long long int": "long long",
           "long long unsigned int": "unsigned long long"}


def _tag_name(t: Type) -> str:
    if t.kind in ("struct", "union", "enum"):
        word = {"struct": "struct", "union": "union", "enum": "enum"}[t.kind]
        return f"{word} {t.name}" if t.name else f"{word} {{...}}"
    return t.name or "void"


def declare(t: Type, inner: str) -> str:
    """`t` declaring `inner` in C's declarator syntax, spaced as gdb prints types:
    ``char *``, ``int [4]``, ``void (*)(int)``, ``const char *``, ``char * const``."""
    k = t.kind
    if k in ("pointer", "reference"):
        star = "*" if k == "pointer" else "&"
        tgt = t.target or VOID
        if tgt.kind in ("array", "func"):
            return declare(tgt, f"({star}{inner})")
        return declare(tgt, star + inner)
    if k in QUALIFIERS:  # a chain of qualifiers is one set, spelled in gdb's order
        quals = set()
        tgt = t
        while tgt.kind in QUALIFIERS:
            quals.add(tgt.kind)
            tgt = tgt.target or VOID
        words = " ".join(QUALIFIERS[q] for q in QUALIFIERS if q in quals)
        if tgt.kind in ("pointer", "reference"):
            return declare(tgt, f" {words}" + (" " + inner if inner else ""))
        return f"{words} " + declare(tgt, inner)
    if k == "array":
        dims = f"[{t.count}]" if t.count is not None else "[]"
        return declare(t.target or VOID, inner + dims)
    if k == "func":
        params = ", ".join(str(p) for p in t.params)
        if t.variadic and (params or t.prototyped):  # K&R `f()` shows as ()
            params = params + ", ..." if params else "..."
        elif not params and t.prototyped:
            params = "void"
        return declare(t.target or VOID, f"{inner}({params})")
    base = _tag_name(t)
    if not inner:
        return base
    return base + ("" if inner.startswith(" ") else " ") + inner


class TypeReader:
    """Types of one DWARF file, built once per DIE."""

    def __init__(self) -> None:
        self._cache: dict[int, Type] = {}

    def of(self, die) -> Type:  # type: ignore[no-untyped-def]
        """The type a DIE's DW_AT_type names (void when it has none)."""
        if die is None or "DW_AT_type" not in die.attributes:
            return VOID
        return self.read(die.get_DIE_from_attribute("DW_AT_type"))

    def read(self, die) -> Type:  # type: ignore[no-untyped-def]
        got = self._cache.get(die.offset)
        if got is not None:
            return got
        kind = KINDS.get(die.tag, "void")
        a = die.attributes
        name = a["DW_AT_name"].value.decode("utf-8", "replace") if "DW_AT_name" in a else None
        if kind == "base" and name in C_NAMES:
            name = C_NAMES[name]  # gdb's names for gcc's integer types
        t = Type(kind, name, a["DW_AT_byte_size"].value if "DW_AT_byte_size" in a else 0)
        self._cache[die.offset] = t  # before the parts: types refer to themselves
        t.encoding = a["DW_AT_encoding"].value if "DW_AT_encoding" in a else 0
        t.declaration = "DW_AT_declaration" in a
        t.prototyped = "DW_AT_prototyped" in a
        if kind != "void" and "DW_AT_type" in a:
            t.target = self.of(die)
        if kind in ("pointer", "reference") and not t.size:
            t.size = 8
        if kind == "array":
            self._array(t, die)
        elif kind in ("struct", "union"):
            for c in die.iter_children():
                if c.tag == "DW_TAG_member":
                    t.members.append(self._member(c))
        elif kind == "enum":
            t.enumerators = [(c.attributes["DW_AT_name"].value.decode(),
                              c.attributes["DW_AT_const_value"].value)
                             for c in die.iter_children() if c.tag == "DW_TAG_enumerator"]
            if not t.size and t.target is not None:
                t.size = t.target.size
        elif kind == "func":
            for c in die.iter_children():
                if c.tag == "DW_TAG_formal_parameter":
                    t.params.append(self.of(c))
                elif c.tag == "DW_TAG_unspecified_parameters":
                    t.variadic = True
        elif kind in ("typedef", "const", "volatile", "restrict", "atomic"):
            t.size = t.target.byte_size if t.target else 0
        return t

    def _array(self, t: Type, die) -> None:  # type: ignore[no-untyped-def]
        dims = []
        for c in die.iter_children():
            if c.tag == "DW_TAG_subrange_type":
                ca = c.attributes
                if "DW_AT_count" in ca:
                    dims.append(ca["DW_AT_count"].value)
                elif "DW_AT_upper_bound" in ca and ca["DW_AT_upper_bound"].form.startswith(
                        ("DW_FORM_data", "DW_FORM_udata", "DW_FORM_sdata")):
                    dims.append(ca["DW_AT_upper_bound"].value + 1)
                else:
                    dims.append(None)
        elem = t.target or VOID
        for n in reversed(dims[1:]):  # int a[2][3]: an array of 2 arrays of 3
            elem = Type("array", None, 0, elem, count=n)
        t.target = elem
        t.count = dims[0] if dims else None

    def _member(self, die) -> Member:  # type: ignore[no-untyped-def]
        a = die.attributes
        name = a["DW_AT_name"].value.decode() if "DW_AT_name" in a else None
        off = a["DW_AT_data_member_location"].value if "DW_AT_data_member_location" in a else 0
        if isinstance(off, list):  # an old-style location expression: DW_OP_plus_uconst N
            off = uleb(bytes(off), 1)[0] if off and off[0] == 0x23 else 0
        m = Member(name, self.of(die), off)
        if "DW_AT_bit_size" in a:
            m.bit_size = a["DW_AT_bit_size"].value
            if "DW_AT_data_bit_offset" in a:
                bits = a["DW_AT_data_bit_offset"].value
                m.offset, m.bit_offset = bits // 8, bits % 8
            elif "DW_AT_bit_offset" in a:  # DWARF 2/3: counted from the most significant bit
                size = a["DW_AT_byte_size"].value if "DW_AT_byte_size" in a else m.type.size
                m.bit_offset = size * 8 - a["DW_AT_bit_offset"].value - m.bit_size
        return m
