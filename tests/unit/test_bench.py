"""The benchmark suite runs and writes its tables (timings are never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import ROOT, require


def test_quick_run_writes_tables_between_the_markers(tmp_path: Path) -> None:
    require("/usr/bin/time")
    out = tmp_path / "perf.md"
    out.write_text("# prose before\n\n<!-- bench:begin -->\nold\n<!-- bench:end -->\n\nafter\n")
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--quick", "--only",
                        "7 ", "--output", str(out)], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    text = out.read_text()
    assert text.startswith("# prose before\n\n<!-- bench:begin -->\n## Run of ")
    assert text.endswith("<!-- bench:end -->\n\nafter\n") and "\nold\n" not in text
    assert "Machine: " in text and "unicorn 2.1.1" in text
    row = next(line for line in text.splitlines() if line.startswith("| 7 startup") and
               "| forkdbg |" in line)
    wall = float(row.split("|")[3])
    assert 0 < wall < 60
    assert "| startup, `forkdbg trace` of hello: at most 0.3 s |" in text
    assert "7 startup: trace hello" in p.stdout  # the figures are printed too


def test_memory_workload_counts_the_children(tmp_path: Path) -> None:
    """The idle-children figure is the peak of forkdbg's one process over its hello run."""
    require("/usr/bin/time")
    out = tmp_path / "perf.md"
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--quick", "--only",
                        "8 ", "--output", str(out)], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    line = next(x for x in out.read_text().splitlines() if x.startswith("| 100 idle children"))
    each = float(line.split("|")[2].split()[0])
    assert 0 < each < 50  # MiB per child; the target is judged by the suite, not here
