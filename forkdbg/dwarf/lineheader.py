"""A line program's header (DWARF 2-5), read with struct: what the line-program decoder
and the file table need, five times faster than pyelftools' generic parser (libc's
separate debug file has 2,000 of them, all read when a FILE:LINE is looked for)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from ..elf.leb128 import uleb

DW_LNCT_path = 1
DW_LNCT_directory_index = 2
DW_FORM_string, DW_FORM_strp, DW_FORM_line_strp = 0x08, 0x0E, 0x1F
_SIZED = {0x0B: 1, 0x05: 2, 0x06: 4, 0x07: 8, 0x1E: 16}  # data1, data2, data4, data8, data16


class HeaderError(Exception):
    """A header this reader does not follow (the caller falls back to pyelftools)."""


@dataclass
class FileEntry:
    name: bytes
    dir_index: int


@dataclass
class LineHeader:
    """The fields of pyelftools' LineProgram header that forkdbg reads."""

    version: int
    minimum_instruction_length: int
    default_is_stmt: int
    line_base: int
    line_range: int
    opcode_base: int
    standard_opcode_lengths: list[int]
    include_directory: list[bytes] = field(default_factory=list)
    file_entry: list[FileEntry] = field(default_factory=list)


@dataclass
class LineProgramHeader:
    """A line program: its header and where its opcodes lie in .debug_line."""

    header: LineHeader
    program_start_offset: int
    program_end_offset: int


def read_header(data: bytes, offset: int, line_str: bytes, debug_str: bytes
                ) -> LineProgramHeader:
    """The line program at `offset` of .debug_line (`data`)."""
    try:
        return _read(data, offset, line_str, debug_str)
    except (IndexError, ValueError, struct.error) as e:
        raise HeaderError(str(e)) from e


def _read(data: bytes, pos: int, line_str: bytes, debug_str: bytes) -> LineProgramHeader:
    length, = struct.unpack_from("<I", data, pos)
    pos += 4
    osize = 4
    if length == 0xFFFFFFFF:
        length, = struct.unpack_from("<Q", data, pos)
        pos, osize = pos + 8, 8
    end = pos + length
    version, = struct.unpack_from("<H", data, pos)
    pos += 2
    if not 2 <= version <= 5:
        raise HeaderError(f"line table version {version}")
    if version >= 5:
        pos += 2  # address_size, segment_selector_size
    hlen = int.from_bytes(data[pos:pos + osize], "little")
    pos += osize
    start = pos + hlen
    min_len = data[pos]
    pos += 2 if version >= 4 else 1  # maximum_operations_per_instruction from DWARF 4
    default_is_stmt, line_base, line_range, opcode_base = struct.unpack_from("<BbBB", data, pos)
    pos += 4
    lengths = list(data[pos:pos + opcode_base - 1])
    pos += opcode_base - 1
    h = LineHeader(version, min_len, default_is_stmt, line_base, line_range, opcode_base,
                   lengths)
    if version >= 5:
        strings = (data, line_str, debug_str, osize)
        dir_fmt, pos = _formats(data, pos)
        n, pos = uleb(data, pos)
        for _ in range(n):
            entry, pos = _entry(strings, pos, dir_fmt)
            h.include_directory.append(entry.name)
        file_fmt, pos = _formats(data, pos)
        n, pos = uleb(data, pos)
        for _ in range(n):
            entry, pos = _entry(strings, pos, file_fmt)
            h.file_entry.append(entry)
    else:
        while data[pos]:
            e = data.index(b"\0", pos)
            h.include_directory.append(data[pos:e])
            pos = e + 1
        pos += 1
        while data[pos]:
            e = data.index(b"\0", pos)
            name = data[pos:e]
            d, pos = uleb(data, e + 1)
            _t, pos = uleb(data, pos)
            _s, pos = uleb(data, pos)
            h.file_entry.append(FileEntry(name, d))
    return LineProgramHeader(h, start, end)


def _formats(data: bytes, pos: int) -> tuple[list[tuple[int, int]], int]:
    count = data[pos]
    pos += 1
    out = []
    for _ in range(count):
        ct, pos = uleb(data, pos)
        form, pos = uleb(data, pos)
        out.append((ct, form))
    return out, pos


def _entry(strings: tuple[bytes, bytes, bytes, int], pos: int,
           fmt: list[tuple[int, int]]) -> tuple[FileEntry, int]:
    data, line_str, debug_str, osize = strings
    entry = FileEntry(b"", 0)
    for ct, form in fmt:
        value: bytes | int
        if form == DW_FORM_string:
            e = data.index(b"\0", pos)
            value, pos = data[pos:e], e + 1
        elif form in (DW_FORM_line_strp, DW_FORM_strp):
            off = int.from_bytes(data[pos:pos + osize], "little")
            pos += osize
            table = line_str if form == DW_FORM_line_strp else debug_str
            value = table[off:table.index(b"\0", off)]
        elif form == 0x0F:  # udata
            value, pos = uleb(data, pos)
        elif form in _SIZED:
            n = _SIZED[form]
            value, pos = int.from_bytes(data[pos:pos + n], "little"), pos + n
        elif form == 0x09:  # block (an MD5 sum's form is data16; any block is skipped)
            n, pos = uleb(data, pos)
            value, pos = b"", pos + n
        else:
            raise HeaderError(f"line table form {form:#x}")
        if ct == DW_LNCT_path and isinstance(value, bytes):
            entry.name = value
        elif ct == DW_LNCT_directory_index and isinstance(value, int):
            entry.dir_index = value
    return entry, pos
