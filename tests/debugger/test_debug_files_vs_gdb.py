"""Separate debug files, found as gdb finds them: through `.gnu_debuglink` beside the
program (with its CRC checked) and by build ID under `debug-file-directory`; compared
with gdb on a program whose DWARF was moved out with objcopy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from dbg import FORKDBG, GDB, each_ex
from helpers import ROOT, require

COMMANDS = ["break main", "run", "next", "next", "info locals", "bt", "p origin",
            "list sum_to", "info line sum_to"]


def _split(tmp: Path) -> tuple[str, str]:
    """(a program with a debuglink, a program found by build ID), both without DWARF."""
    require("gcc")
    require("objcopy")
    src = tmp / "lines.c"
    shutil.copy(ROOT / "samples" / "src" / "lines.c", src)
    run = lambda *a: subprocess.run(a, cwd=tmp, check=True, timeout=120)  # noqa: E731
    run("gcc", "-static", "-O0", "-g", "-Wl,--build-id", "-o", "p", "lines.c")
    run("objcopy", "--only-keep-debug", "p", "p.debug")
    run("objcopy", "--strip-debug", "--add-gnu-debuglink=p.debug", "p")
    run("objcopy", "--remove-section", ".gnu_debuglink", "p", "byid")
    note = subprocess.run(["readelf", "-n", "p"], capture_output=True, text=True, cwd=tmp,
                          timeout=60).stdout
    build_id = note.split("Build ID: ")[1].split()[0]
    where = tmp / "dbg" / ".build-id" / build_id[:2]
    where.mkdir(parents=True)
    shutil.copy(tmp / "p.debug", where / f"{build_id[2:]}.debug")
    return str(tmp / "p"), str(tmp / "byid")


def _both(prog: str, tmp: Path, extra: list[str]) -> tuple[list[str], list[str]]:
    gdb = each_ex(GDB + extra, COMMANDS, prog, tmp)
    ours = each_ex(FORKDBG + extra, COMMANDS, prog, tmp)
    return ours, gdb


def test_separate_debug_files_as_gdb(tmp_path: Path) -> None:
    linked, by_id = _split(tmp_path)
    ours, gdb = _both(linked, tmp_path, [])
    assert ours == gdb and "29\t    int value = 41;" in ours
    ours, gdb = _both(by_id, tmp_path, ["-iex", f"set debug-file-directory {tmp_path}/dbg"])
    assert ours == gdb and any(ln.startswith("$1 = {x = 1, y = 2") for ln in ours)
    # a debug file that does not match the link's CRC is not used (gdb: the same)
    (tmp_path / "p.debug").write_bytes((tmp_path / "p.debug").read_bytes() + b"\0")
    ours, gdb = _both(linked, tmp_path, [])
    assert ours == gdb and not any("lines.c" in ln for ln in ours)
