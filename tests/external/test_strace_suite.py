"""strace 6.1's own tests for the process family, timers, signal waits, event
descriptors and polling, with forkdbg as the tracer (strace_suite.sh).

Every test in strace_suite_passing.txt must pass: the list only grows as forkdbg learns
what the rest need (docs/strace-suite.md has the table and the reasons).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import ROOT, require

HERE = Path(__file__).resolve().parent


def test_process_family_tests_that_pass_keep_passing() -> None:
    require("strace")
    p = subprocess.run(["bash", str(HERE / "strace_suite.sh")], capture_output=True,
                       text=True, cwd=ROOT, timeout=1800)
    assert p.returncode == 0, p.stderr[-2000:]
    results = dict(line.split()[:2] for line in p.stdout.splitlines()
                   if line.endswith(("PASS", "FAIL", "SKIP", "ERROR", "XFAIL")))
    want = [ln.strip() for ln in (HERE / "strace_suite_passing.txt").read_text().splitlines()
            if ln.strip() and not ln.startswith("#")]
    assert len(want) >= 102
    lost = [t for t in want if results.get(t) != "PASS"]
    assert not lost, f"no longer pass: {lost}\n{p.stdout}"
    assert p.stdout.splitlines()[-1].endswith("skipped")
