"""Regenerate the golden files: python3 tests/golden/regen.py (then review the diff!)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from cases import CASES  # noqa: E402

ROOT = HERE.parent.parent


def command(args: list[str]) -> list[str]:
    out = []
    for a in args:
        if "/" in a and a.split("/")[0] in ("glibc", "musl", "asm"):
            a = f"samples/bin/{a}"
        out.append(a)
    env = ["--env-clear", "-E", "PATH=/bin", "-E", "HOME=/"]
    return [sys.executable, "-m", "forkdbg", "trace"] + env + out


def run(args: list[str]) -> str:
    """The trace (stderr) and status, with this checkout's path spelled $ROOT."""
    p = subprocess.run(command(args), capture_output=True, text=True, cwd=ROOT, timeout=120,
                       stdin=subprocess.DEVNULL)
    return (p.stderr + f"[exit status {p.returncode}]\n").replace(str(ROOT), "$ROOT")


if __name__ == "__main__":
    for name, args in CASES.items():
        (HERE / "cases" / f"{name}.txt").write_text(run(args))
        print("wrote", name)
