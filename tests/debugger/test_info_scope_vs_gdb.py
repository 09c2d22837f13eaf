"""`info scope` of optimized code against gdb: location lists with their base-address
entries, registers, `the constant N`, values in pieces (`a variable in $rdi [4-byte
piece], and the constant 2 [4-byte piece]`), entry values and implicit pointers listed
as gdb lists a complex expression, optimized-out symbols, and an inlined function's
own scope (gdb stops at the inlined block)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbg import FORKDBG, GDB, each_ex
from helpers import ROOT
from test_dwarf_vs_gdb import _generated
from test_entry_values_vs_gdb import _build

SCOPES = ["info scope main", "info scope describe", "info scope sum_to",
          "info scope lines.c:24", "info scope lines.c:33", "info scope loops",
          "info scope gen_a.c:8", "info scope work", "info scope scale"]


@pytest.mark.parametrize("name", ["glibc/lines-O2-g", "glibc/lines-dwarf4", "musl/lines-g",
                                  "gen -O2", "ev dwarf4", "ev dwarf5"])
def test_info_scope_as_gdb(tmp_path: Path, name: str) -> None:
    if name == "gen -O2":
        prog = _generated(tmp_path, ["-O2", "-g"])
    elif name.startswith("ev"):
        prog = _build(tmp_path, "gcc", [f"-gdwarf-{name[-1]}"])
    else:
        prog = str(ROOT / "samples" / "bin" / name)
    ours = each_ex(FORKDBG, SCOPES, prog, ROOT)
    assert ours == each_ex(GDB, SCOPES, prog, ROOT)
    assert any(ln.startswith("Scope for ") for ln in ours)
