"""The one door to a binary's debug information: DWARF when the file has it, else CTF,
read once per file version and shared by every process that runs it."""

from __future__ import annotations

import io

from elftools.elf.elffile import ELFFile

from .ctf.format import CtfError
from .ctf.info import CtfInfo
from .dwarf.info import DebugInfo

FileKey = tuple[int, int, int, int]  # device, inode, size, mtime
_CACHE: dict[FileKey, DebugInfo | None] = {}


def debug_info(data: bytes, key: FileKey) -> DebugInfo | None:
    """The debug information of the ELF file `data` (identified by `key`), None when it
    has neither DWARF (.debug_info with .debug_line) nor CTF (.ctf)."""
    if key in _CACHE:
        return _CACHE[key]
    info: DebugInfo | None = None
    try:
        elf = ELFFile(io.BytesIO(data))
        if elf.get_section_by_name(".debug_info") is not None and \
                elf.get_section_by_name(".debug_line") is not None:
            info = DebugInfo(data)
        elif elf.get_section_by_name(".ctf") is not None:
            info = CtfInfo(data)
    except CtfError:  # a format this reader does not know: no debug information
        info = None
    except Exception:  # noqa: BLE001 - an unreadable file has no debug information
        info = None
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = info
    return info
