"""SymbolTable: function and object names of one ELF file, both ways (with `NAME@plt`
for its PLT entries).

Several names often share one address in a static glibc (``fork`` and
``__libc_fork``, ``pthread_create`` and ``__pthread_create_2_1``); the table keeps
them all and shows the public one: the name with the fewest leading underscores,
a function before an object, then the shorter.
"""

from __future__ import annotations

import bisect
import fnmatch
import io
import struct
from typing import NamedTuple, Protocol


class Symbol(NamedTuple):
    """One named address with its size and kind ('func', 'object', 'tls', 'text' for an
    untyped label in code, which gdb calls a text variable, 'abs' for an absolute value,
    else 'notype'). A tuple: a static program has tens of thousands."""

    name: str
    addr: int
    size: int
    kind: str
    binding: str
    end: int = 0  # the end of its section: how far a sizeless symbol can reach
    ifunc: bool = False  # STT_GNU_IFUNC: the address is a resolver returning the function


class Symbols(Protocol):
    """What front-ends ask of a process's symbols: one program's table (SymbolTable) or
    every object a dynamically linked process maps (kernel/objfiles.ObjectMap)."""

    def lookup(self, name: str) -> Symbol | None: ...
    def address(self, name: str) -> int | None: ...
    def names_at(self, addr: int) -> list[str]: ...
    def containing(self, addr: int) -> tuple[Symbol, int] | None: ...
    def describe(self, addr: int) -> str: ...
    def match(self, pattern: str, kinds: tuple[str, ...] = ("func",)) -> list[Symbol]: ...
    def every(self, kinds: tuple[str, ...] = ("func",)) -> list[Symbol]: ...
    def names(self) -> list[str]: ...
    def library_of(self, addr: int) -> str | None: ...
    def __len__(self) -> int: ...


_SYM = struct.Struct("<IBBHQQ")  # Elf64_Sym: name, info, other, shndx, value, size
STT_GNU_IFUNC = 10
_KINDS = {2: "func", STT_GNU_IFUNC: "func", 1: "object", 6: "tls"}  # STT_FUNC, STT_GNU_IFUNC, ...
_BINDS = {1: "global", 2: "weak"}  # STB_GLOBAL, STB_WEAK; the rest are local


SHF_EXECINSTR = 4
SHN_ABS = 0xFFF1


def _unpack(data: bytes, off: int, size: int, str_off: int, str_size: int,
            code_sections: frozenset[int] = frozenset(),
            section_ends: dict[int, int] | None = None) -> list[Symbol]:
    """Named, defined symbols of one Elf64_Sym array and its string table."""
    if off + size > len(data) or str_off + str_size > len(data):
        raise ValueError("symbol table past the end of the file")
    strtab = data[str_off:str_off + str_size]
    ends = section_ends or {}
    out: list[Symbol] = []
    append = out.append
    for name_off, info, _other, shndx, value, sz in _SYM.iter_unpack(data[off:off + size]):
        typ = info & 0xF
        if not name_off or shndx == 0 or typ == 3 or typ == 4:  # STT_SECTION, STT_FILE
            continue
        end = strtab.find(b"\0", name_off)
        raw = strtab[name_off:end if end >= 0 else len(strtab)]
        if raw:
            # an absolute symbol is a number, not a place: never found by address (gdb)
            kind = "abs" if shndx == SHN_ABS else \
                _KINDS.get(typ) or ("text" if shndx in code_sections else "notype")
            append(Symbol(raw.decode(errors="replace"), value, sz, kind,
                          _BINDS.get(info >> 4, "local"), ends.get(shndx, 0),
                          typ == STT_GNU_IFUNC))
    return out


_RELA = struct.Struct("<QQq")
R_X86_64_JUMP_SLOT = 7


def _plt_symbols(elf, data: bytes) -> list[Symbol]:  # type: ignore[no-untyped-def]
    """`NAME@plt` for each PLT entry and `NAME@got.plt` for its GOT slot (gdb's names
    for them): the JUMP_SLOT relocations in
    .rela.plt, in order, are the entries of .plt.sec (16 bytes each) or, without it, of
    .plt after its 16-byte header."""
    rela = elf.get_section_by_name(".rela.plt")
    sec = elf.get_section_by_name(".plt.sec")
    first = 0
    if sec is None:
        sec, first = elf.get_section_by_name(".plt"), 1
    if rela is None or sec is None or rela["sh_entsize"] != _RELA.size:
        return []
    dynsym = elf.get_section(rela["sh_link"])
    strtab = elf.get_section(dynsym["sh_link"])
    str_off, str_size = strtab["sh_offset"], strtab["sh_size"]
    sym_off = dynsym["sh_offset"]
    out = []
    raw = data[rela["sh_offset"]:rela["sh_offset"] + rela["sh_size"]]
    for i, (slot, info, _add) in enumerate(_RELA.iter_unpack(raw)):
        if info & 0xFFFFFFFF != R_X86_64_JUMP_SLOT:
            continue
        ent = data[sym_off + (info >> 32) * _SYM.size:sym_off + ((info >> 32) + 1) * _SYM.size]
        name_off = struct.unpack_from("<I", ent)[0] if len(ent) >= 4 else 0
        end = data.find(b"\0", str_off + name_off, str_off + str_size)
        name = data[str_off + name_off:end].decode(errors="replace") if name_off else ""
        if name:
            out.append(Symbol(name + "@plt", sec["sh_addr"] + 16 * (first + i), 16, "plt",
                              "global"))
            out.append(Symbol(name + "@got.plt", slot, 8, "object", "global"))
    return out


def _rank(sym: Symbol) -> tuple[int, int, int, int, str]:
    under = len(sym.name) - len(sym.name.lstrip("_"))
    lower = 0 if sym.name.lstrip("_").islower() else 1
    return (under, 0 if sym.kind == "func" else 1, lower, len(sym.name), sym.name)


_TABLES: dict[tuple[int, int, int], tuple[bytes, "SymbolTable"]] = {}


class SymbolTable:
    """Name <-> address lookups over an executable's .symtab (or .dynsym)."""

    def __init__(self, symbols: list[Symbol], bias: int = 0) -> None:
        self.bias = bias
        self._by_name: dict[str, Symbol] = {}
        self._placed: list[Symbol] = []  # the symbols an address can name, in table order
        for s in symbols:
            s = Symbol(s.name, s.addr + bias, s.size, s.kind, s.binding,
                       s.end + bias if s.end else 0, s.ifunc) if bias else s
            old = self._by_name.get(s.name)
            if old is None or (old.binding == "local" and s.binding != "local"):
                self._by_name[s.name] = s
            if s.kind in ("func", "object", "notype", "text", "plt") and s.addr:
                self._placed.append(s)
        self._index: tuple[dict[int, list[Symbol]], list[int], dict[int, Symbol],
                           list[int]] | None = None
        self._named: dict[str, list[Symbol]] | None = None  # built when first asked

    def _by_addr(self) -> tuple[dict[int, list[Symbol]], list[int], dict[int, Symbol],
                                list[int]]:
        """(aliases at each address, public first; their sorted addresses; the first
        symbol in table order at each address, PLT entries aside; their addresses):
        built when an address is first asked about."""
        if self._index is None:
            by_addr: dict[int, list[Symbol]] = {}
            first: dict[int, Symbol] = {}
            for s in self._placed:
                by_addr.setdefault(s.addr, []).append(s)
                if s.kind != "plt":  # forkdbg's names for PLT entries, not the file's
                    first.setdefault(s.addr, s)
            aliases = {a: sorted(v, key=_rank) if len(v) > 1 else v
                       for a, v in by_addr.items()}
            self._index = (aliases, sorted(aliases), first, sorted(first))
        return self._index

    @classmethod
    def from_elf_bytes(cls, data: bytes, bias: int = 0) -> "SymbolTable":
        """Read the symbols of the ELF image `data`; an empty table when it has none.

        pyelftools finds the symbol section; its entries are unpacked here in one pass
        (pyelftools' per-symbol parsing costs ~50 ms for a static glibc program).  A
        table is read once per file content and bias: the debugger, the kernel's image
        and the debug information each ask for the same file's (tables never change).
        """
        key = (len(data), hash(data), bias)
        hit = _TABLES.get(key)
        if hit is not None and hit[0] == data:
            return hit[1]
        table = cls._read(data, bias)
        if len(_TABLES) >= 16:
            _TABLES.clear()
        _TABLES[key] = (data, table)
        return table

    @classmethod
    def _read(cls, data: bytes, bias: int) -> "SymbolTable":
        from elftools.common.exceptions import ELFError
        from elftools.elf.elffile import ELFFile

        syms: list[Symbol] = []
        try:
            elf = ELFFile(io.BytesIO(data))
            for secname in (".symtab", ".dynsym"):
                sec = elf.get_section_by_name(secname)
                if sec is None or sec["sh_entsize"] != _SYM.size:
                    continue
                strtab = elf.get_section(sec["sh_link"])
                headers = [elf._get_section_header(i) for i in range(elf.num_sections())]
                code = frozenset(i for i, h in enumerate(headers)
                                 if h["sh_flags"] & SHF_EXECINSTR)
                ends = {i: h["sh_addr"] + h["sh_size"] for i, h in enumerate(headers)
                        if h["sh_addr"]}
                syms = _unpack(data, sec["sh_offset"], sec["sh_size"], strtab["sh_offset"],
                               strtab["sh_size"], code, ends)
                if syms:
                    break
            syms += _plt_symbols(elf, data)
        except (ELFError, ValueError, KeyError, OSError, struct.error):
            syms = []
        return cls(syms, bias)

    def __len__(self) -> int:
        return len(self._by_name)

    def lookup(self, name: str) -> Symbol | None:
        """The symbol called `name`, else its PLT entry `name@plt` (as gdb's linespecs
        fall back to a trampoline)."""
        return self._by_name.get(name) or self._by_name.get(name + "@plt")

    def all_named(self, name: str) -> list[Symbol]:
        """Every symbol called `name` (a static function of that name in several files
        has one each), the one `lookup` gives first."""
        if self._named is None:
            named: dict[str, list[Symbol]] = {}
            for s in self._placed:
                named.setdefault(s.name, []).append(s)
            self._named = named
        best = self._by_name.get(name)
        rest = [s for s in self._named.get(name, ()) if s is not best]
        return ([best] if best is not None else []) + rest

    def address(self, name: str) -> int | None:
        """The address of `name`, if known."""
        s = self.lookup(name)
        return s.addr if s else None

    def library_of(self, addr: int) -> str | None:
        """The shared library holding `addr`: none in a single program's table."""
        return None

    def names_at(self, addr: int) -> list[str]:
        """Every name at exactly `addr`, the public one first."""
        return [s.name for s in self._by_addr()[0].get(addr, [])]

    def at(self, addr: int) -> Symbol | None:
        """The preferred symbol at exactly `addr`."""
        v = self._by_addr()[0].get(addr)
        return v[0] if v else None

    def containing(self, addr: int) -> tuple[Symbol, int] | None:
        """(symbol, offset) of the function or object holding `addr`."""
        aliases, addrs, _f, _fa = self._by_addr()
        i = bisect.bisect_right(addrs, addr) - 1
        while i >= 0:
            cands = aliases[addrs[i]]
            best = cands[0]
            off = addr - best.addr
            if any(off < s.size for s in cands) or (
                    best.size == 0 and off < 0x1000 and (not best.end or addr < best.end)):
                sized = [s for s in cands if off < s.size]
                return (sized[0] if sized else best), off
            # a sized symbol that ends before addr: nothing contains it
            return None
        return None

    def nearest(self, addr: int) -> tuple[Symbol, int] | None:
        """(symbol, offset) as strace -k names a pc (elfutils' choice): the closest symbol
        at or below `addr`, whatever its size, the first in the table at its address."""
        _a, _as, first, first_addrs = self._by_addr()
        i = bisect.bisect_right(first_addrs, addr) - 1
        if i < 0:
            return None
        a = first_addrs[i]
        return first[a], addr - a

    def describe(self, addr: int) -> str:
        """``main+23`` / ``fork`` / ``""`` for an address."""
        hit = self.containing(addr)
        if hit is None:
            return ""
        sym, off = hit
        return f"{sym.name}+{off}" if off else sym.name

    def match(self, pattern: str, kinds: tuple[str, ...] = ("func",)) -> list[Symbol]:
        """Symbols whose name matches a shell-style pattern, one per address."""
        seen: set[int] = set()
        out: list[Symbol] = []
        for name, s in sorted(self._by_name.items()):
            if s.kind in kinds and fnmatch.fnmatchcase(name, pattern) and s.addr not in seen:
                seen.add(s.addr)
                out.append(s)
        return out

    def every(self, kinds: tuple[str, ...] = ("func",)) -> list[Symbol]:
        """Every symbol of these kinds, aliases included (gdb's minimal symbols)."""
        return [sym for sym in self._by_name.values() if sym.kind in kinds]

    def names(self) -> list[str]:
        """Every known name (for completion)."""
        return list(self._by_name)
