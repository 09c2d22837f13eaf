"""Breakpoints with several locations in one program, against gdb: a static function
of the same name in two files, an inlined function's copies, `info breakpoints` with
their N.M rows, hits reported as `Breakpoint N.M`, `$_hit_locno`, `disable N.M` and
`enable N.M-K` with gdb's errors, and the same across a fork kept under
detach-on-fork off (a location per address in each inferior)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dbg import FORKDBG, GDB, each_ex
from helpers import require

A = """#include <stdio.h>
static int helper(int x) { return x + 1; }
int from_a(int v) { return helper(v) * 2; }
static inline __attribute__((always_inline)) int twice(int v) { return v * 2; }
int loop(int n)
{
    int acc = 0;
    for (int i = 0; i < n; i++)
        acc += twice(i);
    acc += twice(n);
    return acc;
}
"""
B = """#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
int from_a(int v);
int loop(int n);
static int helper(int x) { return x - 1; }
int main(int argc, char **argv)
{
    pid_t pid = argc > 2 ? fork() : 1;
    int r = from_a(argc) + helper(argc) + loop(argc + 3);
    if (pid == 0)
        return r & 1;
    if (pid > 1)
        waitpid(pid, NULL, 0);
    printf("%d\\n", r);
    return 0;
}
"""


def _build(tmp: Path) -> str:
    require("gcc")
    (tmp / "a.c").write_text(A)
    (tmp / "b.c").write_text(B)
    subprocess.run(["gcc", "-static", "-g", "-O0", "-o", "ml", "a.c", "b.c"], cwd=tmp,
                   check=True, timeout=120)
    return str(tmp / "ml")


def _same(cmds: list[str], prog: str, tmp: Path) -> list[str]:
    ours = each_ex(FORKDBG, cmds, prog, tmp)
    assert ours == each_ex(GDB, cmds, prog, tmp)
    return ours


def test_locations_in_one_program_as_gdb(tmp_path: Path) -> None:
    prog = _build(tmp_path)
    out = _same(["break helper", "break twice", "break a.c:8", "tbreak a.c:9",
                 "info breakpoints", "run", "info breakpoints", "disable 1.2", "disable 2.1",
                 "info breakpoints 1-2", "continue", "continue", "p $_hit_locno",
                 "enable 2.1", "delete 3", "info breakpoints", "continue",
                 "p $_hit_bpnum", "p $_hit_locno", "disable 1.5", "disable 1.1-2",
                 "enable 1.0", "info breakpoints 1", "disable 9.1", "disable 1.x",
                 "enable 1.2-1", "disable 1.", "enable 1.1-2", "continue", "continue"],
                prog, tmp_path)
    assert "Breakpoint 1 at 0x" in out[0] and out[0].endswith(": helper. (2 locations)")
    assert "1.2                         n   " in "\n".join(out)
    assert any(ln.startswith("Breakpoint 2.1, twice (v=") for ln in out)


def test_locations_in_each_inferior_as_gdb(tmp_path: Path) -> None:
    prog = _build(tmp_path)
    _same(["set detach-on-fork off", "break helper", "run 1 2", "info breakpoints",
           "continue", "info breakpoints", "disable 1.3", "inferior 2", "continue",
           "continue", "info breakpoints"], prog, tmp_path)
