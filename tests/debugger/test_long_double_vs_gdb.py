"""x87 long double arithmetic against gdb: each operation rounded once at 64 bits as the
x87 rounds it, denormals and overflow to infinity, NaN and signed zeros, conversions
to and from double, float and the integers, `L` constants read exactly from their
decimal text, and the result type (`long double`, also through a typedef)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dbg import FORKDBG, GDB, each_ex
from helpers import require

SOURCE = """#include <stdio.h>
long double third = 1.0L / 3;
long double big = 1e4000L;
long double tiny = 1e-4940L;
double half = 0.5;
typedef long double real;
real r = 2.5L;
int main(void) { printf("%Lg\\n", third + big * 0 + tiny + r); return 0; }
"""

EXPRESSIONS = [
    "third", "third * 3", "third + 1", "third == third", "-third", "third / 0", "-third / 0",
    "(double) third", "(int) (third * 10)", "third * 2 > 0.6", "big * 10", "big", "tiny",
    "tiny / 2", "tiny / 1e10", "1.5l", "third + 0.1", "r - 2.5", "-(r - 2.5)", "0.0l / 0",
    "big * 0", "(big*10) - (big*10)", "!third", "third < half", "half + third", "/x third*30",
    "(long double) 3", "1e4000L", "1.0L/3 == third", "third * third * third", "r / 3",
    "(float) third", "(char) (third*300)", "12345678901234567890.0L", "-0.0L", "0 - -0.0L",
    "+third", "-big*10", "(big*10)/(big*10)", "third - third", "2.5L * 4", "1.0L/0 > big",
]


def test_long_double_arithmetic_as_gdb(tmp_path: Path) -> None:
    require("gcc")
    (tmp_path / "ld.c").write_text(SOURCE)
    subprocess.run(["gcc", "-static", "-g", "-O0", "-o", "ld", "ld.c"], cwd=tmp_path,
                   check=True, timeout=120)
    cmds = [f"print{e if e.startswith('/') else ' ' + e}" for e in EXPRESSIONS] + \
        ["ptype 1.5l", "whatis third * 2", "whatis r * 2", "output third"]
    ours = each_ex(FORKDBG, cmds, str(tmp_path / "ld"), tmp_path)
    assert ours == each_ex(GDB, cmds, str(tmp_path / "ld"), tmp_path)
    assert "$2 = 1" in ours and "$16 = 1.5" in ours  # third * 3 rounds back to 1


CALLS = """#include <stdio.h>
long double third = 1.0L / 3;
__attribute__((noinline)) long double ldadd(long double a, int n, long double b)
{ return a + b * n; }
__attribute__((noinline)) long double ldmix(double d, long double x, long l, long double y,
                                            int k)
{ return d + x * l - y / k; }
int main(void)
{
    long double r = ldadd(1.5L, 2, third);
    r += ldmix(0.25, third, 7, 2.5L, 4);
    printf("%Lg\\n", r);
    return 0;
}
"""


def test_long_double_calls_and_finish_as_gdb(tmp_path: Path) -> None:
    """A long double passed in memory (16-aligned, class X87) and returned in st(0):
    `finish` prints it, a call from an expression passes and returns it, and `whatis` of
    a call gives its type without calling it (the breakpoint inside is not hit)."""
    require("gcc")
    (tmp_path / "ldc.c").write_text(CALLS)
    subprocess.run(["gcc", "-static", "-g", "-O0", "-o", "ldc", "ldc.c"], cwd=tmp_path,
                   check=True, timeout=120)
    cmds = ["break ldadd", "break ldmix", "run", "bt", "finish", "continue", "info args",
            "finish", "whatis ldadd(1, 2, 3)", "ptype ldmix(1, 2, 3, 4, 5)", "delete",
            "print ldadd(1.5L, 2, third)", "print ldadd(1, 2, 3)",
            "print ldmix(0.5, 2, 3, third, 2)", "print $ * 3"]
    ours = each_ex(FORKDBG, cmds, str(tmp_path / "ldc"), tmp_path)
    assert ours == each_ex(GDB, cmds, str(tmp_path / "ldc"), tmp_path)
    assert any(ln.startswith("Value returned is $1 = 2.16666666666666666674") for ln in ours)
