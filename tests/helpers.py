"""Test helpers: where the samples are, and running a program natively or under forkdbg."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "bin"
LIBCS = ("glibc", "musl")
BUSYBOX = "/bin/busybox"
#: a small fixed environment for both sides of a comparison
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/root", "LANG": "C", "TERM": "dumb"}


def sample(libc: str, name: str) -> str:
    """Path of a built sample; fails (not skips) when it is missing."""
    p = SAMPLES / libc / name
    if not p.exists():
        pytest.fail(f"sample {p} is missing: run `make -C samples`")
    return str(p)


def require(tool: str) -> str:
    """Path of a host tool the test compares against; .ci/run installs all of them."""
    p = shutil.which(tool) or (tool if os.path.exists(tool) else None)
    if p is None:
        pytest.fail(f"{tool} is not installed; .ci/run installs it (see README)")
    return p


@dataclass
class Result:
    out: str
    err: str
    status: int


def native(argv: list[str], stdin: str | None = None, cwd: str | None = None,
           timeout: float = 60, env: dict[str, str] | None = None) -> Result:
    """Run `argv` on the host with the fixed environment (plus `env`)."""
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                       env={**ENV, **(env or {})}, cwd=cwd, timeout=timeout)
    # a shell reports death by signal N as 128+N; so does forkdbg
    status = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return Result(p.stdout, p.stderr, status)


def forkdbg(args: list[str], stdin: str | None = None, cwd: str | None = None,
            timeout: float = 120, env: dict[str, str] | None = None) -> Result:
    """Run the forkdbg CLI as a user would (a separate process)."""
    cmd = [sys.executable, "-m", "forkdbg"] + args
    e = dict(os.environ)
    # this checkout, whatever copy of forkdbg the interpreter has installed
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), e.get("PYTHONPATH")]))
    e.update(env or {})
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=cwd,
                       timeout=timeout, env=e)
    return Result(p.stdout, p.stderr, p.returncode)


def run_guest(argv: list[str], stdin: str | None = None, cwd: str | None = None,
              extra: list[str] | None = None) -> Result:
    """`forkdbg run` with the same fixed environment as `native`."""
    envopts = ["--env-clear"] + [x for k, v in ENV.items() for x in ("-E", f"{k}={v}")]
    return forkdbg(["run"] + envopts + (extra or []) + argv, stdin=stdin, cwd=cwd)


def boot(argv: list[str], env: list[bytes] | None = None, **config: object):  # type: ignore[no-untyped-def]
    """A kernel in this process with the program started (for tests that read its events)."""
    from forkdbg.kernel.kernel import Config, Kernel
    from forkdbg.syscalls import build_table
    cfg = Config(cwd=str(ROOT), **config)  # type: ignore[arg-type]
    k = Kernel(build_table(), cfg)
    k.spawn(argv[0], [a.encode() for a in argv], env if env is not None else [b"PATH=/bin"])
    return k
