"""The system-call names `catch syscall` uses, as gdb finds them: per architecture, in the
data directory's ``syscalls/*.xml``.

forkdbg carries x86-64's table itself (abi/sysnums.py, gdb's groups where they differ
from strace's classes): under the default data directory that is the table.  Other
architectures (`set architecture i386`), or a data directory the user named, are read
from the XML files gdb ships; when the file cannot be read gdb warns once and works with
numbers only.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable

from ..abi.sysclasses import CLASSES
from ..abi.sysnums import SYSCALL_NAMES, SYSCALL_NUMBERS

#: gdb's data directory as Debian's gdb has it: where gdb's syscall files are found
DEFAULT_DATA_DIRECTORY = "/usr/share/gdb"
#: `set architecture` choices, in gdb's order (an x86 build of gdb), and the syscall file
#: each uses
ARCHITECTURES = {"i386": "i386-linux.xml", "i386:x86-64": "amd64-linux.xml",
                 "i386:x64-32": "amd64-linux.xml", "i8086": "i386-linux.xml",
                 "i386:intel": "i386-linux.xml", "i386:x86-64:intel": "amd64-linux.xml",
                 "i386:x64-32:intel": "amd64-linux.xml", "auto": ""}
#: the architecture of the programs forkdbg runs
NATIVE = "i386:x86-64"

#: gdb 13's x86-64 syscall groups where they differ from strace's classes, plus what gdb
#: misses (clone3 and execveat create and replace processes too)
GDB_GROUPS = {
    "process": ["clone", "fork", "vfork", "execve", "exit", "wait4", "arch_prctl",
                "exit_group", "waitid", "unshare", "rt_tgsigqueueinfo", "execveat", "clone3"],
}


@dataclass
class SyscallTable:
    """Names by number and groups by name; `loaded` False: numbers only."""

    names: dict[int, str] = field(default_factory=dict)
    groups: dict[str, list[int]] = field(default_factory=dict)
    loaded: bool = True

    def name(self, nr: int) -> str | None:
        return self.names.get(nr)

    def number(self, name: str) -> int | None:
        for nr, n in self.names.items():
            if n == name:
                return nr
        return None


def _builtin() -> SyscallTable:
    groups: dict[str, list[int]] = {}
    for g, names in {**CLASSES, **GDB_GROUPS}.items():
        groups[g] = sorted(SYSCALL_NUMBERS[n] for n in names if n in SYSCALL_NUMBERS)
    return SyscallTable(dict(SYSCALL_NAMES), groups)


def _read_xml(path: str) -> SyscallTable | None:
    """gdb's syscalls_info file: <syscall name= number= groups=/> elements."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    table = SyscallTable()
    for el in root.iter("syscall"):
        name, number = el.get("name"), el.get("number")
        if not name or not number or not number.isdigit():
            continue
        table.names[int(number)] = name
        for g in filter(None, (el.get("groups") or "").split(",")):
            table.groups.setdefault(g, []).append(int(number))
    for nums in table.groups.values():
        nums.sort()
    return table


class SyscallTables:
    """The session's tables: one per (data directory, architecture), read once; gdb's
    warning said once for each that cannot be read."""

    def __init__(self) -> None:
        self._tables: dict[tuple[str, str], SyscallTable] = {}

    def table(self, data_directory: str, architecture: str,
              warn: Callable[[str], None]) -> SyscallTable:
        arch = NATIVE if architecture == "auto" else architecture
        key = (data_directory, arch)
        table = self._tables.get(key)
        if table is not None:
            return table
        xml = ARCHITECTURES.get(arch, "")
        if data_directory == DEFAULT_DATA_DIRECTORY and xml == ARCHITECTURES[NATIVE]:
            table = _builtin()
        else:
            path = os.path.join(data_directory, "syscalls", xml)
            table = _read_xml(path) if xml else None
            if table is None:
                warn(f"Could not load the syscall XML file `{path}'." if xml else
                     "There is no XML file to open.")
                warn("GDB will not be able to display syscall names nor to verify if\n"
                     "any provided syscall numbers are valid.")
                table = SyscallTable(loaded=False)
        self._tables[key] = table
        return table
