"""Debian's busybox-static under `forkdbg run`: applets and `sh -c` as they behave natively."""

from __future__ import annotations

import pytest

from helpers import BUSYBOX, ROOT, native, require, run_guest

APPLETS = [
    ["echo", "hello", "world"],
    ["true"],
    ["false"],
    ["cat", "/etc/passwd"],
    ["ls", str(ROOT / "samples")],
    ["ls", "-la", str(ROOT / "samples" / "src")],
    ["wc", "/etc/passwd"],
    ["sort", "/etc/passwd"],
    ["env"],
    ["env", "-i", "A=1", "B=2", "env"],
    ["basename", "/a/b/c.txt", ".txt"],
    ["seq", "1", "7"],
    ["expr", "6", "*", "7"],
    ["head", "-n", "3", "/etc/passwd"],
    ["md5sum", "/etc/passwd"],
    ["od", "-c", "-N", "16", BUSYBOX],
    ["find", str(ROOT / "samples" / "src"), "-name", "*.c"],
    ["readlink", "/proc/self/exe"],
    ["cat", "/nonexistent"],
    ["grep", "-c", "root", "/etc/passwd"],
]

SCRIPTS = [
    "echo hello | tr a-z A-Z | cat; (exit 4); echo $?",
    "exec echo replaced",
    "x=$(echo sub); echo $x; false || echo or; true && echo and",
    "for i in 1 2 3; do echo $i; done | sort -r",
    "(echo one; echo two) | wc -l",
    "echo start; sleep 0 & wait $!; echo waited $?",
    "f() { return 7; }; f; echo $?",
    "exit 3",
    "kill -9 $$",
    "ls /proc/self/fd",
    "cd /etc && pwd && cd .. && pwd",
    "echo $((6 * 7)) && test -d /tmp && echo dir",
    "read a b; echo \"$b $a\"",
    "i=0; while [ $i -lt 20 ]; do i=$((i+1)); /bin/busybox true; done; echo $i",
]


@pytest.mark.parametrize("argv", APPLETS, ids=[" ".join(a) for a in APPLETS])
def test_applet(argv: list[str]) -> None:
    require(BUSYBOX)
    want = native([BUSYBOX] + argv)
    got = run_guest([BUSYBOX] + argv)
    assert (got.out, got.err, got.status) == (want.out, want.err, want.status)


@pytest.mark.parametrize("script", SCRIPTS)
def test_sh(script: str) -> None:
    require(BUSYBOX)
    stdin = "left right\n"
    want = native([BUSYBOX, "sh", "-c", script], stdin=stdin)
    got = run_guest([BUSYBOX, "sh", "-c", script], stdin=stdin)
    if script == "kill -9 $$":  # forkdbg adds one line saying how the program died
        assert got.err == "forkdbg: /usr/bin/busybox (pid 1000) killed by SIGKILL (Killed)\n"
        got.err = ""
    if script == "ls /proc/self/fd":  # the host may pass extra descriptors to the native run
        assert set(got.out.split()) <= set(want.out.split()) | {"3"}
        return
    assert (got.out, got.err, got.status) == (want.out, want.err, want.status)


def test_background_jobs() -> None:
    """Background jobs finish in any order natively: compare as sets, then the trailer."""
    script = "for i in 1 2 3; do echo $i & done; wait; echo done"
    got = run_guest([BUSYBOX, "sh", "-c", script])
    lines = got.out.splitlines()
    assert sorted(lines[:3]) == ["1", "2", "3"] and lines[3:] == ["done"]
    assert got.status == 0
