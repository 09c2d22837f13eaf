"""strace's long options as forkdbg trace reads them (trace/longopts.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from forkdbg.cli.trace import WITH_VALUE
from forkdbg.trace.longopts import LongOptionError, expand
from helpers import ROOT, sample


@pytest.mark.parametrize("given,want", [
    (["--trace=clone", "--follow-forks", "p"], ["-e", "trace=clone", "-f", "p"]),
    (["--follow", "--string-limit", "9", "p"], ["-f", "-s", "9", "p"]),
    (["--quiet", "p"], ["-e", "quiet=attach,personality", "p"]),
    (["--sil=exits", "p"], ["-e", "quiet=exits", "p"]),  # silent and silence agree
    (["--absolute-timestamps=format:unix", "p"], ["-ttt", "p"]),
    (["--timestamps=precision:us", "p"], ["-tt", "p"]),
    (["--strings-in-hex=non-ascii", "p"], ["-x", "p"]),
    (["--decode-fds", "p"], ["-e", "decode-fd=path", "p"]),
    (["--decode-pids=comm", "p"], ["-Y", "p"]),
    (["--decode-pids=pidns,comm", "p"], ["-Y", "--pidns-translation", "p"]),
    (["--decode-pids=pidns", "p"], ["--pidns-translation", "p"]),
    (["--pidns-translation", "p"], ["--pidns-translation", "p"]),
    (["--vdso", "p"], ["--vdso-calls", "p"]),
    (["--seccomp-bpf", "--root", "/r", "p", "--trace=x"], ["--root", "/r", "p", "--trace=x"]),
    (["-o", "--trace=x", "p"], ["-o", "--trace=x", "p"]),  # a value, not an option
])
def test_expand(given: list[str], want: list[str]) -> None:
    assert expand(given, WITH_VALUE) == want


@pytest.mark.parametrize("given,message", [
    (["--tra", "p"], "option '--tra' is ambiguous"),
    (["--follow-forks=1", "p"], "doesn't allow an argument"),
    (["--output"], "requires an argument"),
    (["--attach=1", "p"], "cannot attach to a host process"),
    (["--absolute-timestamps=precision:ns", "p"], "only s and us"),
    (["--decode-pids=tid", "p"], "invalid --decode-pids argument: 'tid'"),
])
def test_refused(given: list[str], message: str) -> None:
    with pytest.raises(LongOptionError, match=message):
        expand(given, WITH_VALUE)


def test_long_and_short_spellings_trace_the_same() -> None:
    prog = sample("glibc", "forkexec")

    def trace(*opts: str) -> str:
        return subprocess.run([sys.executable, "-m", "forkdbg", "trace", *opts, prog],
                              capture_output=True, text=True, cwd=ROOT, timeout=60).stderr

    assert trace("--follow-forks", "--trace=process", "--quiet=exits") == \
        trace("-f", "-e", "trace=%process", "-e", "quiet=exit")
    version = subprocess.run([sys.executable, "-m", "forkdbg", "trace", "-V"],
                             capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("forkdbg trace -- version")
