"""What a debugging session reads from the program: its file before `run` (symbols, load
plan, bytes), its process's memory after."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, BinaryIO, Callable

if TYPE_CHECKING:
    from ..dwarf.info import DebugInfo
    from ..elf.loader import LoadPlan
    from ..elf.symbols import SymbolTable
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task
    from ..machine import MachineOptions
    from .inferiors import Inferior


class ProgramFile:
    """Session methods over the program file and the current process's memory."""

    program: str | None
    machine: "MachineOptions"
    kernel: "Kernel | None"
    running: bool
    inferior: "Inferior"

    def task(self) -> "Task":
        raise NotImplementedError

    def program_file(self, path: str | None = None) -> BinaryIO | None:
        """The program file (or `path`), open for reading: the guest path resolved inside
        the machine's root; None if there is no such regular file."""
        from ..machine import open_program
        path = path if path is not None else self.program
        return open_program(self.machine, path) if path else None

    def program_exists(self, path: str) -> bool:
        f = self.program_file(path)
        if f is None:
            return False
        f.close()
        return True

    def _file_key(self, f: BinaryIO) -> tuple[int, int, int]:
        st = os.fstat(f.fileno())
        return st.st_dev, st.st_ino, st.st_mtime_ns

    #: bumped for each command: the program file is looked at again at most once a command
    #: (x/100000x before `run` names each line's symbol from one reading, not 25000)
    command_epoch = 0

    def file_symbols(self) -> "SymbolTable | None":
        """The program file's own symbols (before any process maps it)."""
        return self._file_symbols()

    def _file_symbols(self) -> "SymbolTable | None":
        from ..elf.symbols import SymbolTable
        cached = getattr(self, "_fsyms", None)
        if cached is not None and cached[2] == self.command_epoch:
            return cached[1]
        f = self.program_file()
        if f is None:
            return None
        with f:
            key = self._file_key(f)
            if cached is None or cached[0] != key:
                cached = (key, SymbolTable.from_elf_bytes(f.read()), 0)
        self._fsyms = (cached[0], cached[1], self.command_epoch)
        return cached[1]

    def file_debug(self) -> "DebugInfo | None":
        """The program file's DWARF (before any process maps it), None without."""
        from ..debuginfo import debug_info, take_warnings
        from ..kernel.images import host_path
        f = self.program_file()
        if f is None:
            return None
        with f:
            st = os.fstat(f.fileno())
            key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            info = debug_info(f.read(), key, host_path(f.fileno()))
        for text in take_warnings():  # as gdb says them: a line apart
            self.error(f"\nwarning: {text}\n")
        return info

    def file_plan(self) -> "LoadPlan | None":
        """The program file's load plan (read once per file version), None if unreadable."""
        from ..elf.loader import parse_elf
        cached = getattr(self, "_fplan", None)
        if cached is not None and cached[2] == self.command_epoch:
            return cached[1]
        f = self.program_file()
        if f is None:
            return None
        try:
            with f:
                key = self._file_key(f)
                if cached is None or cached[0] != key:
                    cached = (key, parse_elf(f, self.program or ""), 0)
        except Exception:  # noqa: BLE001 - a missing or broken file reads as no code
            return None
        self._fplan = (cached[0], cached[1], self.command_epoch)
        return cached[1]

    def memory(self) -> tuple[Callable[[int, int], bytes], int | None]:
        """(read, pc): the current thread's memory and pc, or with no process the program
        file's loaded bytes and no pc, as gdb reads an executable before `run`."""
        if self.running:
            t = self.task()
            return t.mm.readable_prefix, t.pc
        return self.code_reader(), None

    def code_reader(self, inf: "Inferior | None" = None):  # type: ignore[no-untyped-def]
        """Bytes of code: from the process when there is one, else from the file."""
        def read(addr: int, n: int) -> bytes:
            tasks = (inf or self.inferior).live_tasks() if self.kernel else []
            if tasks:
                return tasks[0].mm.readable_prefix(addr, n)
            plan = self.file_plan()
            if plan is None:
                return b""
            for seg in plan.segments:  # past the file's bytes, zeros (.bss), as gdb
                if seg.vaddr <= addr < seg.vaddr + seg.memsz:
                    off = addr - seg.vaddr
                    got = seg.data[off:off + n]
                    return got + bytes(min(n, seg.memsz - off) - len(got))
            return b""
        return read

