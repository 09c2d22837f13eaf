"""strace's filtering and display options, forkdbg against the real strace 6.1 line for line:
-n, -z, -Z, -P, -S, -e raw=, -e read=, -e write=, -e quiet=, -e verbose=."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ENV, ROOT, require, sample
from normalize import per_pid
from test_vs_strace import VOLATILE, _steady, _untimed

INPUT = b"line one\nsecond line, a little longer than sixteen bytes\n\x01\x80\xff binary\n"


def _run(opts: list[str], argv: list[str], tmp: Path) -> tuple[list[str], list[str]]:
    """Both traces (-f -o files: pid-prefixed lines) of one single-process run, stdin from
    a file."""
    require("strace")
    src = tmp / "input.bin"
    src.write_bytes(INPUT)
    a, b = tmp / "strace.txt", tmp / "forkdbg.txt"
    with open(src, "rb") as stdin:
        subprocess.run(["strace", "-f", "-o", str(a)] + opts + argv, env=ENV, stdin=stdin,
                       capture_output=True, timeout=120, cwd=ROOT)
    envopts = ["--env-clear"] + [x for k, v in ENV.items() for x in ("-E", f"{k}={v}")]
    with open(src, "rb") as stdin:
        subprocess.run([sys.executable, "-m", "forkdbg", "trace", "-f", "-o", str(b)] + envopts + opts
                       + argv, stdin=stdin, capture_output=True, timeout=120, cwd=ROOT)
    return a.read_text().splitlines(), b.read_text().splitlines()


def _lines(text: list[str]) -> list[str]:
    """The process's lines normalized as the other differential tests do."""
    return _steady(per_pid("\n".join(text)).get("P0", []))


NUMBERED = re.compile(r"^\[ *(\d+)\] (.*)$")


def test_syscall_numbers(libc: str, tmp_path: Path) -> None:
    real, ours = _run(["-n"], [sample(libc, "cat"), "/etc/hostname"], tmp_path)

    def split(lines: list[str]) -> list[tuple[str, str]]:
        out = []
        for ln in per_pid("\n".join(lines))["P0"]:
            m = NUMBERED.match(ln)
            assert m, ln
            out.append((m.group(1), m.group(2)))
        return [(n, body) for n, body in zip([n for n, _ in out], _steady([b for _, b in out]))]
    assert split(ours) == split(real)


@pytest.mark.parametrize("opt", ["-z", "-Z", "-e status=failed,successful"])
def test_success_and_failure_filters(libc: str, opt: str, tmp_path: Path) -> None:
    real, ours = _run(opt.split(), [sample(libc, "execerr")], tmp_path)
    assert _lines(ours) == _lines(real)


def test_path_filter(libc: str, tmp_path: Path) -> None:
    real, ours = _run(["-P", "/etc/passwd"], [sample(libc, "cat"), "/etc/hostname", "/etc/passwd"],
                      tmp_path)
    assert _lines(ours) == _lines(real)
    assert any(ln.startswith("close(3") for ln in _lines(ours))  # matched by its descriptor


def test_raw_arguments(libc: str, tmp_path: Path) -> None:
    real, ours = _run(["-e", "raw=open,openat,read,close,exit_group,brk"],
                      [sample(libc, "cat"), "/nonexistent", "/etc/hostname"], tmp_path)
    assert _lines(ours) == _lines(real)
    assert any(ln.startswith(("openat(0xADDR, 0xADDR, 0, 0) = -1 ENOENT",  # glibc
                              "open(0xADDR, 0xADDR, 0) = -1 ENOENT")) for ln in _lines(ours))
    assert "close(0x3) = 0" in _lines(ours)


@pytest.mark.parametrize("expr", ["read=0", "write=1", "read=all", "write=!2"])
def test_data_dumps(libc: str, expr: str, tmp_path: Path) -> None:
    """Hex dumps of what read and write (and musl's writev) moved."""
    real, ours = _run(["-e", expr], [sample(libc, "cat")], tmp_path)
    assert [ln for ln in ours if ln.startswith((" |", " *"))] == \
        [ln for ln in real if ln.startswith((" |", " *"))]
    assert any(ln.startswith(" | 00010 ") for ln in ours)


@pytest.mark.parametrize("opts", [["-e", "quiet=exit"], ["-qq"], ["-e", "quiet=none"],
                                  ["-e", "abbrev=none"], ["-e", "abbrev=!execve"]])
def test_quiet_and_verbosity(libc: str, opts: list[str], tmp_path: Path) -> None:
    real, ours = _run(opts, [sample(libc, "cat"), "/etc/hostname"], tmp_path)
    assert _lines(ours) == _lines(real)
    assert [ln for ln in ours if ln.startswith("+++")] == [ln for ln in real if ln.startswith("+++")]


def _rows(lines: list[str]) -> list[tuple[str, str, str]]:
    """(name, calls, errors) of each -c table row, the volatile calls left out."""
    out = []
    for ln in lines:
        f = ln.split()
        if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
            name = f[-1]
            if not (name + "(").startswith(VOLATILE):
                out.append((name, f[3], f[4] if len(f) == 6 else ""))
    return out


@pytest.mark.parametrize("key", ["calls", "name", "nothing", "errors"])
def test_summary_order(libc: str, key: str, tmp_path: Path) -> None:
    """-c -S KEY: the same rows in the same order (times aside: the clock is virtual)."""
    real, ours = _run(["-c", "-S", key], [sample(libc, "execerr")], tmp_path)
    assert _rows(ours) == _rows(real)


@pytest.mark.parametrize("opts", [["-e", "trace=read"], ["-P", "/etc/hostname"], ["-Z"],
                                  ["-e", "trace=%file"]])
def test_summary_counts_what_is_traced(libc: str, opts: list[str], tmp_path: Path) -> None:
    """trace= and -P choose what -c counts; status= only what is printed."""
    real, ours = _run(opts + ["-c", "-S", "name"], [sample(libc, "cat"), "/etc/hostname"],
                      tmp_path)
    assert _rows(ours) == _rows(real) and _rows(ours)


@pytest.mark.parametrize("opt", [["-b", "execve"], ["--detach-on=execve"]])
def test_detach_on_execve(libc: str, opt: list[str], tmp_path: Path) -> None:
    """-b execve: a child's execve line ends `<detached ...>` and nothing more of it is
    seen, while its parent is still followed (its wait4, SIGCHLD, exit)."""
    def view(lines: list[str]) -> dict[str, list[str]]:
        return {p: _untimed(v) for p, v in per_pid("\n".join(lines)).items()}

    def detached(lines: dict[str, list[str]]) -> list[str]:
        return [ln for ln in lines.get("P1", []) if ln.endswith(" <detached ...>")]
    real, ours = _run(opt, [sample(libc, "forkexec")], tmp_path)
    got, want = view(ours), view(real)
    # strace loses its own " <detached ...>" when another process prints between the
    # execve's entry and the detach (the line ends "<unfinished ...>", never resumed)
    assert len(detached(got)) == 1
    if detached(want):
        assert detached(got) == detached(want)
    def rest(lines: dict[str, list[str]]) -> dict[str, list[str]]:
        return {p: [ln for ln in v if not ln.endswith(" <detached ...>")]
                for p, v in lines.items()}
    assert rest(got) == rest(want)
