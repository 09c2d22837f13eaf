"""Debugging a Go program at source level, against gdb (issue 13's Go bullet): Go's
DWARF (compressed sections), `break main.main` at Go's line, `bt` through
`runtime.main` by `.debug_frame` (Go writes no .eh_frame), main.main as the outermost
frame gdb shows, stepping by lines. The program is tests/realprogs' go-basic, built by
its fetch script."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dbg import FORKDBG, GDB, each_ex
from helpers import ROOT, require

#: gdb's words about its Go helper script, which forkdbg has no reason to say, and the
#: runtime's threads, whose number depends on scheduling
GDB_ONLY = ("warning: File", "To enable execution", "\tadd-auto-load-safe-path",
            "line to your configuration", "To completely disable", "\tset auto-load",
            "For more information", '"Auto-loading safe path"', "\tinfo \"(gdb)Auto",
            "[New Thread", "[New LWP", "[Thread", "[Detaching", "[Inferior")


def test_go_program_as_gdb(tmp_path: Path) -> None:
    require("go")
    p = subprocess.run(["bash", str(ROOT / "tests" / "realprogs" / "fetch.sh")],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    prog = str(Path(p.stdout.strip().splitlines()[-1]) / "bin" / "go-basic")
    cmds = ["break main.main", "run", "bt", "next", "next", "bt", "finish",
            "break time.Sleep", "continue", "bt", "set backtrace past-main on", "bt 4",
            "up", "info locals"]

    def lines(debugger: list[str]) -> list[str]:
        return [ln for ln in each_ex(debugger, cmds, prog, tmp_path)
                if not ln.startswith(GDB_ONLY) and ln.strip()]
    ours, gdb = lines(FORKDBG), lines(GDB)
    assert ours == gdb
    assert any("in runtime.main () at" in ln for ln in ours)
