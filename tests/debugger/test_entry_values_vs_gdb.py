"""Entry values against gdb: a parameter's value when its function was entered, from the
caller's DW_TAG_call_site (DWARF 5) or DW_TAG_GNU_call_site (DWARF 4), in frame lines
(`n=n@entry=10`, `n=0, n@entry=10`), `NAME@entry` in expressions with gdb's errors, every
`set print entry-values` mode, and `finish` from optimized code (whose return lands on a
row that is no statement, so gdb shows the pc)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dbg import FORKDBG, GDB, each_ex
from helpers import require

SOURCE = """#include <stdio.h>
__attribute__((noinline)) int work(int n, int *out)
{
    int acc = 0;
    while (n > 0) {
        acc += n;
        n -= 2;
    }
    *out = acc;
    return acc;
}
__attribute__((noinline)) long scale(long v, long k)
{
    return v * k + 1;
}
int main(int argc, char **argv)
{
    int r;
    work(argc + 9, &r);
    long s = scale(r, argc + 2);
    printf("%d %ld\\n", r, s);
    return 0;
}
"""

MODES = ["both", "compact", "only", "preferred", "if-needed", "no", "default"]
COMMANDS = [
    "break work", "break 9", "break scale", "run", "bt", "p n@entry", "p out@entry",
    "p acc@entry", "p n@entry + 1", "p n @entry", "p &n@entry", "p work@entry",
    "continue", "bt", "info args", "p n", "p n@entry",
    # each mode on the frames of the stop at line 9 (n changed, out not)
    *(c for mode in MODES for c in (f"set print entry-values {mode}", "frame 0", "frame 1")),
    "finish", "continue", "bt", "up", "p argc@entry", "down", "finish",
]


def _build(tmp: Path, cc: str, flags: list[str]) -> str:
    require(cc)
    (tmp / "ev.c").write_text(SOURCE)
    out = tmp / "ev"
    subprocess.run([cc, "-static", "-O2", "-g", *flags, "-o", str(out), "ev.c"], cwd=tmp,
                   check=True, timeout=120)
    return str(out)


@pytest.mark.parametrize("cc,flags", [("gcc", ["-gdwarf-5"]), ("gcc", ["-gdwarf-4"]),
                                      ("musl-gcc", [])])
def test_entry_values_as_gdb(tmp_path: Path, cc: str, flags: list[str]) -> None:
    prog = _build(tmp_path, cc, flags)
    ours = each_ex(FORKDBG, COMMANDS, prog, tmp_path)
    theirs = each_ex(GDB, COMMANDS, prog, tmp_path)
    assert ours == theirs
    if cc == "gcc":  # what the comparison covers, spelled out
        assert any("work (n=n@entry=10, out=out@entry=0xSTACK)" in ln for ln in ours)
        assert any("work (n=0, n@entry=10, out=out@entry=0xSTACK)" in ln for ln in ours)
        assert '@entry can be used only for function parameters, not for "acc"' in ours
        assert any(ln.startswith("#0  work (n@entry=10, out@entry=0xSTACK)") for ln in ours)
