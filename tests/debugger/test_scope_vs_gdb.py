"""gdb's scope operator against gdb: `FUNCTION::NAME` for a function's statics (no
process needed) and for the locals of a frame running it (searched from the selected
frame outwards), `'FILE'::NAME` for a file's statics when two files use one name, and
gdb's errors for each way it can fail."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dbg import FORKDBG, GDB, each_ex
from helpers import require

A = """static int level = 1;
int fa(void) { static int calls; return ++calls + level; }
"""
B = """#include <stdio.h>
int fa(void);
static int level = 2;
int fb(int n)
{
    int local = n * 2;
    static int calls;
    calls += local;
    return calls + level;
}
int main(void)
{
    printf("%d %d\\n", fa(), fb(3));
    return 0;
}
"""


def test_scope_operator_as_gdb(tmp_path: Path) -> None:
    require("gcc")
    (tmp_path / "a.c").write_text(A)
    (tmp_path / "b.c").write_text(B)
    subprocess.run(["gcc", "-static", "-g", "-O0", "-o", "sc", "a.c", "b.c"], cwd=tmp_path,
                   check=True, timeout=120)
    cmds = ["p 'a.c'::level", "p 'b.c'::level", "p level", "p fa::calls", "p fb::calls",
            "p fb::local", "p 'a.c'::nosuch", "p fa::nosuch", "p nosuch::x",
            "p sizeof(fb::calls)", "whatis 'b.c'::level", "p &fa::calls", "break fb", "run",
            "p fb::local", "p fb::n", "p fb::calls + 'a.c'::level", "up", "p fb::local",
            "p fa::calls", "finish"]
    ours = each_ex(FORKDBG, cmds, str(tmp_path / "sc"), tmp_path)
    assert ours == each_ex(GDB, cmds, str(tmp_path / "sc"), tmp_path)
    assert "$1 = 1" in ours and "$2 = 2" in ours
    assert "No frame is currently executing in block fb." in ours
