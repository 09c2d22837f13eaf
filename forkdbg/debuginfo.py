"""The one door to a binary's debug information: DWARF when the file has it, else in a
separate debug file (found by build ID or `.gnu_debuglink`, as gdb finds them), else
CTF; read once per file version and shared by every process that runs it."""

from __future__ import annotations

import io
import os
import struct
import zlib

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import NoteSection

from .ctf.info import CtfInfo
from .dwarf.info import DebugInfo

FileKey = tuple[int, int, int, int]  # device, inode, size, mtime
_CACHE: dict[tuple[FileKey, bool], DebugInfo | None] = {}
#: gdb's `debug-file-directory` (its default; `set debug-file-directory` changes it)
DEFAULT_DEBUG_DIRECTORY = "/usr/lib/debug"
_directories = [DEFAULT_DEBUG_DIRECTORY]
_warnings: list[str] = []  # gdb's warnings about debug files, until a front-end says them


def take_warnings() -> list[str]:
    """The warnings found while reading debug information since last asked (a debug
    file that does not match its program), each once."""
    out = list(_warnings)
    _warnings.clear()
    return out


def set_debug_file_directories(text: str) -> None:
    """`set debug-file-directory DIR[:DIR...]`: where separate debug files are looked
    for; what was read under the old setting is read again."""
    _directories[:] = [d for d in text.split(":") if d]
    _CACHE.clear()


def debug_info(data: bytes, key: FileKey, path: str | None = None,
               exhaustive: bool = True) -> DebugInfo | None:
    """The debug information of the ELF file `data` (identified by `key`; `path` is
    where the host has it, for its separate debug file), None when it has no DWARF, no
    separate debug file and no CTF (.ctf).  A shared object's is not `exhaustive`:
    searched by name through its symbols (DebugInfo)."""
    if (key, exhaustive) in _CACHE:
        return _CACHE[(key, exhaustive)]
    info: DebugInfo | None = None
    try:
        elf = ELFFile(io.BytesIO(data))
        if _has_dwarf(elf):
            info = DebugInfo(data, exhaustive)
        else:
            found = separate_debug_file(elf, path)
            if found is not None:
                info = DebugInfo(found, exhaustive)
            elif elf.get_section_by_name(".ctf") is not None:
                info = CtfInfo(data)
    except Exception:  # noqa: BLE001 - unreadable (or CTF this reader does not know): none
        info = None
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[(key, exhaustive)] = info
    return info


def _has_dwarf(elf: ELFFile) -> bool:
    return elf.get_section_by_name(".debug_info") is not None and \
        elf.get_section_by_name(".debug_line") is not None


def separate_debug_file(elf: ELFFile, path: str | None) -> bytes | None:
    """The bytes of `elf`'s separate debug file, looked for as gdb does: by build ID
    (DIR/.build-id/ab/cdef....debug), then by `.gnu_debuglink` (beside the file, in its
    `.debug/` directory, under DIR plus the file's directory) with the link's CRC
    checked; DIR is each debug-file directory."""
    candidates: list[tuple[str, int | None]] = []
    build_id = _build_id(elf)
    if build_id:
        for d in _directories:
            candidates.append((os.path.join(d, ".build-id", build_id[:2],
                                            build_id[2:] + ".debug"), None))
    link = elf.get_section_by_name(".gnu_debuglink")
    if link is not None and path:
        raw = link.data()
        name = raw.split(b"\0", 1)[0].decode("utf-8", "replace")
        crc_at = (len(name) + 1 + 3) & ~3
        crc = struct.unpack_from("<I", raw, crc_at)[0] if len(raw) >= crc_at + 4 else None
        here = os.path.dirname(os.path.realpath(path))
        for place in [os.path.join(here, name), os.path.join(here, ".debug", name)] + \
                [os.path.join(d + here, name) for d in _directories]:
            candidates.append((place, crc))
    for place, crc in candidates:
        try:
            with open(place, "rb") as f:
                data = f.read()
        except OSError:
            continue
        if crc is not None and zlib.crc32(data) != crc:
            _warnings.append(f'the debug information found in "{place}" does not match '
                             f'"{path}" (CRC mismatch).')
            continue
        try:
            if _has_dwarf(ELFFile(io.BytesIO(data))):
                return data
        except Exception:  # noqa: BLE001 - not an ELF file: look on
            continue
    return None


def _build_id(elf: ELFFile) -> str | None:
    sec = elf.get_section_by_name(".note.gnu.build-id")
    if not isinstance(sec, NoteSection):
        return None
    for note in sec.iter_notes():
        if note["n_type"] == "NT_GNU_BUILD_ID":
            return str(note["n_desc"])
    return None
