"""`trace --calls` on functions the program's DWARF describes: parameters by name and
type, typed values (`work(n=10) = 45`), every class of the System V convention. Each
line is checked against gdb stopped at the same function: its frame line's arguments
and `finish`'s value."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from helpers import ROOT, require

SOURCE = r"""
#include <unistd.h>
#include <sys/wait.h>
struct pt { int x; double y; };
struct big { long v[4]; };
static int work(int n) { int s = 0; for (int i = 0; i < n; i++) s += i; return s; }
double scale(double d, struct pt p, const char *label) { return d * p.x + p.y + label[0]; }
struct pt make(int x) { struct pt p = {x, x / 2.0}; return p; }
struct big fill(long k) { struct big b = {{k, k + 1, k + 2, k + 3}}; return b; }
float half(float f, char c) { return f / 2 + c; }
void note(const char *what, long a, long b, long c, long d, long e, long f, long g) { (void) what; }
int main(void)
{
    pid_t pid = fork();
    int r = work(10);
    double d = scale(1.5, make(3), "label");
    struct big b = fill(7);
    note("seven", 1, 2, 3, 4, 5, 6, 7);
    d += half(5.0f, 'a');
    if (pid == 0) _exit(r & 1);
    waitpid(pid, 0, 0);
    return (int) d + (int) b.v[3] == 0;
}
"""
FUNCTIONS = ["work", "make", "scale", "fill", "note", "half"]


def _gdb_view(prog: str, fn: str, cwd: Path) -> tuple[str, str]:
    """(the arguments gdb's frame line shows in `fn` after its prologue, finish's value)."""
    p = subprocess.run(["gdb", "-nx", "-batch", "-ex", "set print frame-arguments all",
                        "-ex", f"break {fn}", "-ex", "run",
                        "-ex", "frame", "-ex", "finish", prog], capture_output=True,
                       text=True, cwd=cwd, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C"})
    args = re.search(rf"^#0  .*?{fn} \((.*)\) at ", p.stdout, re.M)
    value = re.search(r"^Value returned is \$\d+ = (.*)$", p.stdout, re.M)
    assert args is not None, p.stdout + p.stderr
    return args.group(1), value.group(1) if value else "void"


def test_calls_show_dwarf_prototypes(tmp_path: Path) -> None:
    require("gcc")
    require("gdb")
    (tmp_path / "tr.c").write_text(SOURCE)
    subprocess.run(["gcc", "-static", "-O0", "-g", "-o", "tr", "tr.c"], cwd=tmp_path,
                   check=True, timeout=120)
    prog = str(tmp_path / "tr")
    out = subprocess.run([sys.executable, "-m", "forkdbg", "trace", "-f",
                          "--calls=" + ",".join(FUNCTIONS), prog], capture_output=True,
                         text=True, cwd=ROOT, timeout=300).stderr
    for fn in FUNCTIONS:
        args, value = _gdb_view(prog, fn, tmp_path)
        line = f"{fn}({args}) = {value}"
        # both processes of the fork make each call
        assert out.count(line) == 2, (line, out)
    assert "work(n=10) = 45" in out and "fill(k=7) = {v = {7, 8, 9, 10}}" in out
