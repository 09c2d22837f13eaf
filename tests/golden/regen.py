"""Regenerate the golden files: python3 tests/golden/regen.py (then review the diff!).

The samples run from a copy under a directory whose path has the same length on every
machine: forkdbg's clock is derived from the instructions the guest executes, and glibc's
start-up reads /proc/self/exe, so the checkout's path length would otherwise move every
later timestamp (and so mkstemp's names) from one clone to another.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from cases import CASES  # noqa: E402

ROOT = HERE.parent.parent
_stage: Path | None = None


def stage() -> Path:
    """This process's fixed-length directory the samples are copied into on first use."""
    global _stage
    if _stage is None:
        _stage = Path(tempfile.mkdtemp(prefix="forkdbg-golden-", dir="/tmp"))
        atexit.register(shutil.rmtree, _stage, True)
    return _stage


def sample(rel: str) -> str:
    """REL (under samples/), copied into the stage directory if it is not there yet."""
    dst = stage() / "samples" / rel
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "samples" / rel, dst)
    return f"samples/{rel}"


def command(args: list[str]) -> list[str]:
    out = []
    for a in args:
        if "/" in a and a.split("/")[0] in ("glibc", "musl", "asm"):
            a = sample(f"bin/{a}")
        elif a.startswith("samples/"):
            a = sample(a.removeprefix("samples/"))
        out.append(a)
    env = ["--env-clear", "-E", "PATH=/bin", "-E", "HOME=/"]
    return [sys.executable, "-m", "forkdbg", "trace"] + env + out


def run(args: list[str]) -> str:
    """The trace (stderr) and status, with the stage directory's path spelled $ROOT."""
    cmd = command(args)
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=stage(), timeout=120,
                       stdin=subprocess.DEVNULL, env=_env())
    return (p.stderr + f"[exit status {p.returncode}]\n").replace(str(stage()), "$ROOT")


def _env() -> dict[str, str]:
    """The environment with this checkout importable (the run's cwd is the stage)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


if __name__ == "__main__":
    for name, args in CASES.items():
        (HERE / "cases" / f"{name}.txt").write_text(run(args))
        print("wrote", name)
