"""Watchpoints against gdb: one set at a breakpoint inside a loop (the code already ran
once), on read-modify-write instructions (`add %eax,-0x4(%rbp)`, whose store must
happen once), on a local of an outer frame (`up`, then `watch`), and the end of a
local's watchpoint when its frame returns (`Watchpoint 2 deleted because the program
has left the block in which its expression is valid.`); the program's own results must
be what it prints natively."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dbg import FORKDBG, GDB, each_ex
from helpers import require

SOURCE = """#include <stdio.h>
int total;
struct acc { int sum; int count; };
void add(struct acc *a, int v)
{
    a->sum += v;
    a->count++;
    total += v;
}
int work(int n)
{
    struct acc a = {0, 0};
    int local = 0;
    for (int i = 0; i < n; i++) {
        local += i;
        add(&a, i);
    }
    return local + a.sum;
}
int main(void)
{
    int r = work(4);
    r += work(2);
    printf("%d %d\\n", r, total);
    return 0;
}
"""


def _build(tmp: Path, flags: list[str]) -> str:
    require("gcc")
    (tmp / "ws.c").write_text(SOURCE)
    subprocess.run(["gcc", "-static", "-g", *flags, "-o", "ws", "ws.c"], cwd=tmp,
                   check=True, timeout=120)
    return str(tmp / "ws")


SESSIONS = {
    "scopes": ["break add", "run", "watch a->count", "up", "watch local",
               "info watchpoints", *["continue"] * 12, "info watchpoints", "delete",
               "continue"],
    "in-a-loop": ["break 15", "run", "watch local", "delete 1", *["continue"] * 6,
                  "info watchpoints"],
    "global-rmw": ["break work", "run", "watch total", *["continue"] * 5, "delete",
                   "continue"],
    "stepping": ["break 15", "run", "watch local", "next", "next", "next", "stepi",
                 "stepi", "p local", "p i", "delete", "continue"],
}


@pytest.mark.parametrize("name", sorted(SESSIONS))
def test_watchpoints_as_gdb(tmp_path: Path, name: str) -> None:
    prog = _build(tmp_path, ["-O0"])
    native = subprocess.run([prog], capture_output=True, text=True).stdout.strip()
    ours = each_ex(FORKDBG, SESSIONS[name], prog, tmp_path)
    assert ours == each_ex(GDB, SESSIONS[name], prog, tmp_path)
    assert native in ours or name == "stepping"  # the program's results are unchanged
    if name == "scopes":
        assert "Watchpoint 2 deleted because the program has left the block in" in ours
