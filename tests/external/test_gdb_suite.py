"""gdb 13.1's own tests for fork, vfork, exec, kill, catchpoints and checkpoints, and the
source-level ones, run by DejaGnu with forkdbg standing in for gdb (gdb_suite.sh).

Every test case in gdb_suite_passing.txt must pass: the list only grows as forkdbg
learns what the rest need (docs/gdb-suite.md has the table, gdb's own counts on this
machine, and the reasons for what still fails).
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

from helpers import ROOT, require

HERE = Path(__file__).resolve().parent


def test_gdb_tests_that_pass_keep_passing() -> None:
    require("gdb")
    require("runtest")
    p = subprocess.run(["bash", str(HERE / "gdb_suite.sh")], capture_output=True, text=True,
                       cwd=ROOT, timeout=3600)
    assert p.returncode == 0, p.stderr[-2000:]
    lines = p.stdout.splitlines()
    assert lines[-1].endswith(" failed"), p.stdout[-2000:]
    passed = Counter(ln[len("case PASS: "):] for ln in lines if ln.startswith("case PASS: "))
    want = Counter(ln.strip() for ln in (HERE / "gdb_suite_passing.txt").read_text()
                   .splitlines() if ln.strip() and not ln.startswith("#"))
    # every case gdb 13.1 itself passes here: 848 for issue 12's files, 1,084 for issue 13's
    assert sum(want.values()) >= 1931
    lost = want - passed
    assert not lost, f"no longer pass: {sorted(lost)[:40]}\n" + "\n".join(
        ln for ln in lines if not ln.startswith("case "))
