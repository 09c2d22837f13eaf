"""ELF section headers read with struct: where a named section is in the file and in
memory, without parsing the rest of the file."""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    name: str
    addr: int  # sh_addr (before any load bias)
    offset: int  # sh_offset in the file
    size: int


def find_section(data: bytes, name: str) -> Section | None:
    """The 64-bit ELF section called `name`, None if the file has none (or is not ELF)."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] != 2:
        return None
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    if shentsize != 64 or shoff + shnum * 64 > len(data) or shstrndx >= shnum:
        return None
    strtab_off, = struct.unpack_from("<Q", data, shoff + shstrndx * 64 + 0x18)
    want = name.encode() + b"\0"
    for i in range(shnum):
        sh_name, _t, _f, addr, off, size = struct.unpack_from("<IIQQQQ", data, shoff + i * 64)
        start = strtab_off + sh_name
        if data[start:start + len(want)] == want:
            return Section(name, addr, off, size)
    return None
