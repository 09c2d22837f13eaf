"""Static programs built by others, each run natively, under `forkdbg run` and under
`forkdbg trace -f`: the same stdout, stderr and exit status, and no ENOSYS note.

Shells and tini come from Debian's packages, the Go programs are built with Debian's
golang-go, the Rust tools (for musl) and shellcheck (Haskell) come from PyPI wheels, and
the dietlibc program is built with dietlibc-dev (fetch.sh does the building and
fetching, once per run; .ci/run installs the packages).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers import ENV, ROOT, Result, forkdbg, native, require

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures"
SCRIPT = str(HERE / "shell_features.sh")


@dataclass
class Case:
    name: str
    argv: list[str]  # "@NAME" is a program fetch.sh built or fetched
    cwd: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)


CASES = [
    # shells on pipelines, subshells, substitutions, here-documents, traps, jobs, read loops
    Case("bash", ["/bin/bash-static", SCRIPT]),
    Case("zsh", ["/bin/zsh-static", SCRIPT]),
    Case("mksh", ["/bin/mksh-static", SCRIPT]),
    Case("busybox-sh", ["/bin/busybox", "sh", SCRIPT]),
    Case("sash", ["/bin/sash", "-f", str(FIX / "sash_script")]),
    # Go: timers, goroutines, pipes, files, os/exec, signal.Notify, net/http; gofmt
    Case("go-basic", ["@go-basic"], cwd=HERE / "go"),
    Case("go-signals", ["@go-signals"]),
    # net/http server and client on 127.0.0.1, in one process and in two
    Case("go-http", ["@go-httploop"]),
    Case("gofmt", ["@gofmt", "-d", str(FIX / "unformatted.go")]),
    # Rust for musl
    Case("ruff-check", ["@ruff", "check", "--no-cache", "lint_me.py"], cwd=FIX),
    Case("ruff-format", ["@ruff", "format", "--diff", "--no-cache", "lint_me.py"], cwd=FIX),
    Case("uv-version", ["@uv", "--version"]),
    Case("uv-help", ["@uv", "help"]),
    Case("uv-cache-dir", ["@uv", "cache", "dir"], env={"UV_CACHE_DIR": "/tmp/forkdbg-uv"}),
    Case("typos", ["@typos", "typos"], cwd=FIX),
    # Haskell (GHC's runtime: timerfd, epoll)
    Case("shellcheck", ["@shellcheck", "warn.sh"], cwd=FIX),
    # dietlibc: the vDSO it looks up, fork and exec
    Case("dietlibc", ["@diet-demo"]),
    # tini supervising a child that exits with a code, and one killed by a signal
    Case("tini-exit", ["/usr/bin/tini-static", "-s", "--", "/bin/busybox", "sh", "-c", "exit 3"]),
    Case("tini-signal", ["/usr/bin/tini-static", "-s", "--", "/bin/busybox", "sh", "-c",
                         "kill -TERM $$"]),
]


@pytest.fixture(scope="session")
def fetched() -> Path:
    """Build and fetch the programs (cached in build/external/realprogs)."""
    for tool in ("go", "diet"):
        require(tool)
    p = subprocess.run(["bash", str(HERE / "fetch.sh")], capture_output=True, text=True,
                       timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    return Path(p.stdout.strip().splitlines()[-1]) / "bin"


def _argv(case: Case, bins: Path) -> list[str]:
    argv = [str(bins / a[1:]) if a.startswith("@") else a for a in case.argv]
    require(argv[0])
    return argv


def _under_forkdbg(mode: list[str], argv: list[str], case: Case) -> Result:
    env = {**ENV, **case.env}
    envopts = ["--env-clear"] + [x for k, v in env.items() for x in ("-E", f"{k}={v}")]
    return forkdbg(mode + envopts + argv, cwd=str(case.cwd), timeout=300)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_real_program_runs_as_natively(case: Case, fetched: Path, tmp_path: Path) -> None:
    argv = _argv(case, fetched)
    want = native(argv, cwd=str(case.cwd), timeout=120, env=case.env)
    log = tmp_path / "trace.txt"
    for mode in (["run"], ["trace", "-f", "-o", str(log)]):
        got = _under_forkdbg(mode, argv, case)
        assert "is not implemented" not in got.err, (mode, got.err)
        assert (got.out, got.err, got.status) == (want.out, want.err, want.status), mode
    assert log.read_text().rstrip().endswith(f"+++ exited with {want.status} +++")
