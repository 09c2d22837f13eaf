"""The Compact C Type Format (CTF, version 3 as GNU binutils writes it): one `.ctf`
section's types, variables and function signatures, built into the same C types the
DWARF reader builds (dwarf/types.py), so `whatis`, `ptype` and `print` need not know
which format described a program.

A section is one dictionary (magic 0xdff2) or an archive of several (magic
0x8b47f2a4d7623eeb): ld writes a shared parent with the types every unit agrees on
and one child per unit with the conflicting ones, whose type numbers start at
0x80000000."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..dwarf.types import (ATE_BOOLEAN, ATE_FLOAT, ATE_SIGNED, ATE_SIGNED_CHAR,
                           ATE_UNSIGNED, ATE_UNSIGNED_CHAR, C_NAMES, VOID, Member, Type)

MAGIC = 0xDFF2
ARCHIVE_MAGIC = 0x8B47F2A4D7623EEB
VERSION_3 = 4
F_COMPRESS = 0x1
CHILD_BASE = 0x80000000  # a child dictionary's first type number
LSIZE_SENT = 0xFFFFFFFF  # ctt_size: the real size follows in two words
LSTRUCT_THRESH = 0x20000000  # from this size on, members carry 64-bit offsets

# CTF_K_*: a type record's kind
(K_UNKNOWN, K_INTEGER, K_FLOAT, K_POINTER, K_ARRAY, K_FUNCTION, K_STRUCT, K_UNION,
 K_ENUM, K_FORWARD, K_TYPEDEF, K_VOLATILE, K_CONST, K_RESTRICT, K_SLICE) = range(15)
INT_SIGNED, INT_CHAR, INT_BOOL = 0x1, 0x2, 0x4
_QUALIFIERS = {K_POINTER: "pointer", K_TYPEDEF: "typedef", K_VOLATILE: "volatile",
               K_CONST: "const", K_RESTRICT: "restrict"}
_HEADER = struct.Struct("<HBB12I")  # preamble, then cth_parlabel ... cth_strlen


class CtfError(Exception):
    """The section is not CTF this reader understands."""


@dataclass
class Dictionary:
    """One CTF dictionary: its types by number, its variables and functions by name."""

    name: str  # the compilation unit's (a child's), or "" for the parent
    types: dict[int, Type] = field(default_factory=dict)
    variables: dict[str, Type] = field(default_factory=dict)
    functions: dict[str, Type] = field(default_factory=dict)
    named: dict[tuple[str, str], Type] = field(default_factory=dict)  # (kind, name) -> type
    enumerators: dict[str, tuple[Type, int]] = field(default_factory=dict)


def read_section(data: bytes, strtab: bytes = b"") -> list[Dictionary]:
    """Every dictionary of a `.ctf` section, the parent first. `strtab` is the ELF string
    table that names with the top bit set refer to."""
    if len(data) >= 8 and struct.unpack_from("<Q", data)[0] == ARCHIVE_MAGIC:
        return _archive(data, strtab)
    return [_Reader(data, strtab, None).read("")]


def _archive(data: bytes, strtab: bytes) -> list[Dictionary]:
    """A CTF archive: a header (magic, model, count, names, contents offset), then one
    (name offset, data offset) pair per dictionary, each data a length-prefixed CTF."""
    try:
        _magic, _model, count, names_off, ctfs_off = struct.unpack_from("<5Q", data)
        entries = [struct.unpack_from("<2Q", data, 40 + 16 * i) for i in range(count)]
    except struct.error as e:
        raise CtfError("truncated CTF archive") from e
    blobs = []
    for name_off, off in entries:
        end = data.find(b"\0", names_off + name_off)
        name = data[names_off + name_off:end].decode("utf-8", "replace")
        start = ctfs_off + off
        size = struct.unpack_from("<Q", data, start)[0]
        blobs.append((name, data[start + 8:start + 8 + size]))
    parent_blob = next((b for n, b in blobs if n == ".ctf"), None)
    parent = _Reader(parent_blob, strtab, None).read("") if parent_blob else None
    out = [parent] if parent is not None else []
    for name, blob in blobs:
        if name != ".ctf":
            out.append(_Reader(blob, strtab, parent).read(name))
    return out


class _Reader:
    """One dictionary's bytes, decoded into types as they are asked for."""

    def __init__(self, data: bytes, strtab: bytes, parent: Dictionary | None) -> None:
        if len(data) < _HEADER.size:
            raise CtfError("truncated CTF header")
        h = _HEADER.unpack_from(data)
        magic, version, flags = h[0], h[1], h[2]
        if magic != MAGIC:
            raise CtfError(f"bad CTF magic {magic:#x}")
        if version != VERSION_3:
            raise CtfError(f"CTF version {version} is not supported")
        (self.parlabel, self.parname, self.cuname, _lbl, self.objt, self.func,
         self.objtidx, self.funcidx, self.var, self.type_off, self.str_off,
         self.str_len) = h[3:]
        body = data[_HEADER.size:]
        if flags & F_COMPRESS:
            try:
                body = zlib.decompress(body)
            except zlib.error as e:
                raise CtfError("corrupt compressed CTF") from e
        self.body = body
        self.strtab = strtab
        self.parent = parent
        self.first = CHILD_BASE + 1 if parent is not None else 1
        self.records: dict[int, tuple[int, int, int, int, int]] = {}
        self.widths: dict[int, int] = {}  # integer and slice types: their width in bits

    # ------------------------------------------------------------- strings
    def string(self, ref: int) -> str:
        if ref >> 31:  # in the ELF string table
            table, off = self.strtab, ref & 0x7FFFFFFF
        else:
            table, off = self.body[self.str_off:self.str_off + self.str_len], ref
        end = table.find(b"\0", off)
        return table[off:end if end >= 0 else len(table)].decode("utf-8", "replace")

    # --------------------------------------------------------------- reading
    def read(self, name: str) -> Dictionary:
        d = Dictionary(name or self.string(self.cuname))
        self._index()
        for tid in self.records:
            self.type(tid, d)
        for tid, t in d.types.items():
            kind = self.records[tid][1]
            if kind in (K_STRUCT, K_UNION, K_ENUM) and t.name:
                d.named.setdefault((t.kind, t.name), t)
            elif kind in (K_TYPEDEF, K_INTEGER, K_FLOAT) and t.name:
                d.named.setdefault(("typedef", t.name), t)
            if kind == K_ENUM:
                for n, v in t.enumerators:
                    d.enumerators.setdefault(n, (t, v))
        for off in range(self.var, self.type_off - 7, 8):
            ref, tid = struct.unpack_from("<II", self.body, off)
            d.variables[self.string(ref)] = self.type(tid, d)
        self._symbols(d.variables, (self.objt, self.func), (self.objtidx, self.funcidx), d)
        self._symbols(d.functions, (self.func, self.objtidx), (self.funcidx, self.var), d)
        return d

    def _symbols(self, into: dict[str, Type], sect: tuple[int, int], idx: tuple[int, int],
                 d: Dictionary) -> None:
        """The data-object or function-info section (type numbers), named by its index
        section (string references), the form the linker writes; unindexed sections
        follow the ELF symbol table's order and are left alone."""
        count = (sect[1] - sect[0]) // 4
        if count <= 0 or (idx[1] - idx[0]) // 4 != count:
            return
        for i in range(count):
            tid = struct.unpack_from("<I", self.body, sect[0] + 4 * i)[0]
            ref = struct.unpack_from("<I", self.body, idx[0] + 4 * i)[0]
            if tid:
                into.setdefault(self.string(ref), self.type(tid, d))

    def _index(self) -> None:
        """Where each type record starts: (offset of its variable part, kind, vlen,
        name, size-or-type), by type number."""
        off, tid, end = self.type_off, self.first, self.str_off
        b = self.body
        while off + 12 <= end:
            name, info, size = struct.unpack_from("<III", b, off)
            off += 12
            if size == LSIZE_SENT:
                hi, lo = struct.unpack_from("<II", b, off)
                size = hi << 32 | lo
                off += 8
            kind, vlen = info >> 26, info & 0xFFFFFF
            self.records[tid] = (off, kind, vlen, name, size)
            off += self._vbytes(kind, vlen, size)
            tid += 1

    @staticmethod
    def _vbytes(kind: int, vlen: int, size: int) -> int:
        if kind in (K_INTEGER, K_FLOAT):
            return 4
        if kind == K_ARRAY:
            return 12
        if kind == K_FUNCTION:
            return 4 * (vlen + (vlen & 1))
        if kind in (K_STRUCT, K_UNION):
            return vlen * (16 if size >= LSTRUCT_THRESH else 12)
        if kind == K_ENUM:
            return vlen * 8
        if kind == K_SLICE:
            return 8
        return 0

    def type(self, tid: int, d: Dictionary) -> Type:
        """Type number `tid` (the parent's below the child range); void for 0."""
        if tid == 0:
            return VOID
        if self.parent is not None and tid < CHILD_BASE:
            return self.parent.types.get(tid, VOID)
        got = d.types.get(tid)
        if got is not None:
            return got
        rec = self.records.get(tid)
        if rec is None:
            return VOID
        off, kind, vlen, name_ref, size = rec
        name = self.string(name_ref) or None
        t = Type("void", name, 0)
        d.types[tid] = t  # before the parts: types refer to themselves
        self._fill(t, tid, kind, off, vlen, size, d)
        return t

    def _fill(self, t: Type, tid: int, kind: int, off: int, vlen: int, size: int,
              d: Dictionary) -> None:
        b = self.body
        if kind in (K_INTEGER, K_FLOAT):
            data = struct.unpack_from("<I", b, off)[0]
            enc, bits = data >> 24, data & 0xFFFF
            t.kind, t.size = "base", size
            t.encoding = _encoding(kind, enc, size)
            if t.name in C_NAMES:
                t.name = C_NAMES[t.name]
            self.widths[tid] = bits
        elif kind in _QUALIFIERS:
            t.kind = _QUALIFIERS[kind]
            t.target = self.type(size, d)
            t.size = 8 if kind == K_POINTER else t.target.byte_size
        elif kind == K_ARRAY:
            contents, _index, nelems = struct.unpack_from("<III", b, off)
            t.kind, t.target, t.count = "array", self.type(contents, d), nelems
        elif kind == K_FUNCTION:
            t.kind, t.size, t.target = "func", 1, self.type(size, d)
            args = list(struct.unpack_from(f"<{vlen}I", b, off))
            if args and args[-1] == 0:  # a trailing 0: `...`
                args.pop()
                t.variadic = True
            t.params = [self.type(a, d) for a in args]
            t.prototyped = True
        elif kind in (K_STRUCT, K_UNION):
            t.kind, t.size = ("struct" if kind == K_STRUCT else "union"), size
            t.members = list(self._members(off, vlen, size, d))
        elif kind == K_ENUM:
            t.kind, t.size = "enum", size
            t.enumerators = [(self.string(n), v) for n, v in
                             (struct.unpack_from("<Ii", b, off + 8 * i) for i in range(vlen))]
        elif kind == K_FORWARD:
            t.kind = {K_UNION: "union", K_ENUM: "enum"}.get(size, "struct")
            t.declaration = True
        elif kind == K_SLICE:
            base, _boff, bits = struct.unpack_from("<IHH", b, off)
            under = self.type(base, d)
            t.kind, t.name, t.size, t.encoding = "base", under.name, under.size, under.encoding
            self.widths[tid] = bits

    def _members(self, off: int, vlen: int, size: int, d: Dictionary) -> Iterator[Member]:
        large = size >= LSTRUCT_THRESH
        for i in range(vlen):
            if large:
                name, hi, tid, lo = struct.unpack_from("<IIII", self.body, off + 16 * i)
                bit = hi << 32 | lo
            else:
                name, bit, tid = struct.unpack_from("<III", self.body, off + 12 * i)
            mt = self.type(tid, d)
            m = Member(self.string(name) or None, mt, bit // 8)
            width = self.widths.get(tid, 0)
            if mt.kind == "base" and width and width != mt.size * 8:
                m.bit_size, m.bit_offset = width, bit % 8
            yield m


def _encoding(kind: int, enc: int, size: int) -> int:
    """The DW_ATE_* encoding of a CTF integer or float."""
    if kind == K_FLOAT:
        return ATE_FLOAT
    if enc & INT_BOOL:
        return ATE_BOOLEAN
    if enc & INT_CHAR and size == 1:
        return ATE_SIGNED_CHAR if enc & INT_SIGNED else ATE_UNSIGNED_CHAR
    return ATE_SIGNED if enc & INT_SIGNED else ATE_UNSIGNED
