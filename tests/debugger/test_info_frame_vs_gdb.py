"""`info frame` against gdb at source level: the selected frame and `info frame N` (its
CFA, `rip = ... in FUNC (FILE:LINE)`, the frames on either side, `source language c.`,
the arguments with entry values, saved registers), an outer frame after `up`, and gdb's
inline frame (`inlined into frame 1`, no frame of its own in memory)."""

from __future__ import annotations

from pathlib import Path

from dbg import FORKDBG, GDB, each_ex
from helpers import ROOT
from test_dwarf_vs_gdb import _generated
from test_entry_values_vs_gdb import _build


def _same(cmds: list[str], prog: str, cwd: Path) -> list[str]:
    ours = each_ex(FORKDBG, cmds, prog, cwd)
    assert ours == each_ex(GDB, cmds, prog, cwd)
    return ours


def test_info_frame_as_gdb() -> None:
    prog = str(ROOT / "samples" / "bin" / "glibc" / "lines-g")
    out = _same(["break sum_to", "set follow-fork-mode child", "run", "info frame", "up",
                 "info frame", "info frame 0", "info frame level 1", "info frame 5"],
                prog, ROOT)
    assert " rip = 0x40161c in sum_to (src/lines.c:15); saved rip = 0x4016db" in out
    assert " Arglist at 0xSTACK, args: n=10" in out


def test_info_frame_optimized_as_gdb(tmp_path: Path) -> None:
    ev = _build(tmp_path, "gcc", ["-gdwarf-5"])
    out = _same(["break work", "run", "info frame", "up", "info frame"], ev, tmp_path)
    assert " Arglist at 0xSTACK, args: n=n@entry=10, out=out@entry=0xSTACK" in out
    gen = _generated(tmp_path, ["-O2", "-g"])
    out = _same(["break twice", "run", "info frame", "up", "info frame", "info frame 0"],
                gen, tmp_path)
    assert " inlined into frame 1" in out
