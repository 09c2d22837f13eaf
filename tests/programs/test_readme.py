"""The README's first command, exactly as written, on a machine with nothing but Python:
a fresh clone, a fresh virtual environment, and no busybox (nor anything else) in PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import ROOT


def _first_command() -> str:
    lines = (ROOT / "README.md").read_text().splitlines()
    return next(ln for ln in lines[:12] if ln and not ln.startswith(("```", "#")))


def test_the_first_command_tells_the_story_on_a_bare_machine(tmp_path: Path) -> None:
    repo = tmp_path / "forkdbg"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src, dst = ROOT / name, repo / name
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    bindir = tmp_path / "bin"  # python3 and nothing else
    bindir.mkdir()
    (bindir / "python3").symlink_to(sys.executable)
    env = {"PATH": str(bindir), "HOME": os.environ.get("HOME", str(tmp_path)),
           "LANG": "C.UTF-8"}
    r = subprocess.run(["/bin/bash", "-c", _first_command()], cwd=repo, env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout + r.stderr
    assert "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD" in out
    assert "parent: fork returned 1001" in out and "child:  fork returned 0" in out
    assert '[pid  1001] execve("' in out and "hello, world" in out
    assert "wait4(1001" in out and "+++ exited with 0 +++" in out
    assert r.stderr.splitlines()[-1].startswith("└─ 1001  clone(CHILD_CLEARTID|CHILD_SETTID)")
    assert "No such file" not in out
