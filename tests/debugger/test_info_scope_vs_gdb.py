"""`info scope` of optimized code against gdb: location lists with their base-address
entries, registers, `the constant N`, values in pieces (`a variable in $rdi [4-byte
piece], and the constant 2 [4-byte piece]`), entry values and implicit pointers listed
as gdb lists a complex expression, optimized-out symbols, and an inlined function's
own scope (gdb stops at the inlined block)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dbg import FORKDBG, GDB, each_ex
from helpers import ROOT, require
from test_dwarf_vs_gdb import _generated
from test_entry_values_vs_gdb import _build

PIECES = """struct pt { int x, y; };
__attribute__((noinline)) int use(int v) { return v + 1; }
int main(int argc, char **argv)
{
    struct pt p = {argc, argc * 3};
    int r = use(p.y);
    r += use(p.x);
    r += use(r);
    return r + p.x;
}
"""
SCOPES = ["info scope main", "info scope pieces.c:8", "info scope describe", "info scope sum_to",
          "info scope lines.c:24", "info scope lines.c:33", "info scope loops",
          "info scope gen_a.c:8", "info scope work", "info scope scale"]


@pytest.mark.parametrize("name", ["glibc/lines-O2-g", "glibc/lines-dwarf4", "musl/lines-g",
                                  "gen -O2", "ev dwarf4", "ev dwarf5", "pieces"])
def test_info_scope_as_gdb(tmp_path: Path, name: str) -> None:
    if name == "gen -O2":
        prog = _generated(tmp_path, ["-O2", "-g"])
    elif name == "pieces":  # a struct in two pieces, one said in words, one listed
        require("gcc")
        (tmp_path / "pieces.c").write_text(PIECES)
        subprocess.run(["gcc", "-static", "-O2", "-g", "-o", "pieces", "pieces.c"],
                       cwd=tmp_path, check=True, timeout=120)
        prog = str(tmp_path / "pieces")
    elif name.startswith("ev"):
        prog = _build(tmp_path, "gcc", [f"-gdwarf-{name[-1]}"])
    else:
        prog = str(ROOT / "samples" / "bin" / name)
    ours = each_ex(FORKDBG, SCOPES, prog, ROOT)
    assert ours == each_ex(GDB, SCOPES, prog, ROOT)
    assert any(ln.startswith("Scope for ") for ln in ours)
    if name == "pieces":
        assert "    [4-byte piece]" in ours
