"""forkdbg trace -f of dynamically linked programs against strace -f: the loader's openat,
mmap and mprotect lines included, every line of every process, addresses and pids aside.

What differs by design, and is masked here: the first process's parent (forkdbg's virtual
init is pid 1), the file systems this kernel has (/proc/filesystems), and the statx mask
the host's file system fills in.  The emulated CPU has no AVX2, so a program that picks
its code by CPUID (coreutils' wc reads 16320 bytes at a time with AVX2, 16384 without)
is compared by its process-family lines only."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from helpers import ENV, forkdbg, sample
from normalize import family
from test_vs_strace import _logs, _same_lines, _untimed

DESIGN = [
    (re.compile(r"^(getppid\(\)) = \d+$"), r"\1 = PARENT"),
    (re.compile(r'^(read\(\d+, "nodev\\tsysfs.*, 1024\)) = \d+$'), r"\1 = N"),
    (re.compile(r"stx_mask=[A-Z_|]+"), "stx_mask=MASK"),
]


def _view(lines: list[str]) -> list[str]:
    out = []
    for ln in _untimed(lines):
        for rx, rep in DESIGN:
            ln = rx.sub(rep, ln)
        out.append(ln)
    return out


def _shell_view(lines: list[str]) -> list[str]:
    """A shell's lines without its SIGCHLD handler's runs: natively a second child's
    SIGCHLD arrives before or after the first one is handled (one or two deliveries)."""
    out: list[str] = []
    for ln in lines:
        if ln.startswith("rt_sigreturn(") and out and out[-1].startswith("--- SIGCHLD "):
            out.pop()
            continue
        out.append(ln)
    return _view([ln for ln in out if not ln.startswith("--- SIGCHLD ")])


@pytest.mark.parametrize("libc", ["glibc", "musl"])
def test_every_line_of_a_dynamic_fork_and_exec(libc: str, tmp_path: Path) -> None:
    """A dynamically linked parent (glibc's or musl's loader) forks; the child execs the
    system's ls, whose loader maps libc, libselinux and libpcre2."""
    _same_lines([sample(libc, "forkexec-dyn"), "/usr/bin/ls", "samples/asm"], tmp_path,
                _view)


@pytest.mark.parametrize("script", [
    "ls samples | cat; /bin/echo done",
    "/usr/bin/env -i /bin/true && /bin/false || /usr/bin/printf '%s\\n' fell through",
])
def test_every_line_of_a_shell_running_dynamic_programs(script: str, tmp_path: Path) -> None:
    _same_lines(["/bin/sh", "-c", script], tmp_path, _shell_view)


def test_pipeline_family_lines(tmp_path: Path) -> None:
    """`sh -c 'ls | wc -l'`: clone, execve, wait4 and exits of each process."""
    real, ours = _logs(["/bin/sh", "-c", "ls | wc -l"], tmp_path)
    assert sorted(sorted(v) for v in family(ours).values()) == \
        sorted(sorted(v) for v in family(real).values())
    assert any("execve(\"/usr/bin/wc\"" in ln for v in family(ours).values() for ln in v)


def test_stack_frames_through_shared_objects(tmp_path: Path) -> None:
    """-k: each frame in the object that holds it (libc.so.6, the program), named and
    placed at its file offset as strace -k shows them; the frames of exit_group after its
    +++ line.  strace names the outermost frame of a stripped program `(+0x0)` in some
    stacks and `()` in others (libdw's cache); both are `()` here."""
    argv = ["/bin/echo", "hi"]
    a, b = tmp_path / "strace.txt", tmp_path / "forkdbg.txt"
    subprocess.run(["strace", "-o", str(a), "-k", "-e", "trace=write,exit_group"] + argv,
                   env=ENV, capture_output=True, timeout=120, check=True)
    forkdbg(["trace", "-o", str(b), "-k", "-e", "trace=write,exit_group"] + argv)
    want = a.read_text().replace("(+0x0) [", "() [").splitlines()
    got = b.read_text().splitlines()
    assert any("libc.so.6(__write+0x10)" in ln for ln in got)
    assert got == want


@pytest.mark.parametrize("libc", ["glibc", "musl"])
def test_calls_in_shared_libc(libc: str) -> None:
    """--calls finds fork and _Fork in libc.so.6 (musl: in its loader, which is its libc)
    once the loader has mapped it, in the parent and in the fork child."""
    r = forkdbg(["trace", "-f", "--calls", "-e", "trace=execve",
                 sample(libc, "forkexec-dyn"), "/bin/true"])
    lines = [ln.split("] ", 1)[-1].strip() for ln in r.err.splitlines()]
    assert lines.count("fork() {") == 1
    assert "_Fork() = 0" in lines and "} fork = 0" in lines
    assert any(ln.startswith("_Fork() = 1") for ln in lines)  # the parent's return
    assert any(ln.startswith('execve("/bin/true", ["/bin/true"], 0x') and ln.endswith("{")
               for ln in lines)
    assert "child exited with status 0" in r.err


def test_calls_atfork_handlers_and_threads_in_shared_libc() -> None:
    """--calls in a dynamic glibc program: each pthread_atfork handler by its phase around
    libc.so.6's fork, in parent and child, and pthread_create's clone3."""
    r = forkdbg(["trace", "-f", "--calls", "-e", "trace=clone,clone3",
                 sample("glibc", "atfork-dyn")])
    lines = [ln.split("] ", 1)[-1].strip() if ln.startswith("[pid") else ln.strip()
             for ln in r.err.splitlines()]
    i = lines.index("fork() {")
    assert lines[i + 1:i + 4] == ["[atfork prepare] prepare_b() = void",
                                  "[atfork prepare] prepare_a() = void", "_Fork() {"]
    for phase in ("parent", "child"):
        assert f"[atfork {phase}] {phase}_a() = void" in lines
        assert f"[atfork {phase}] {phase}_b() = void" in lines
    r = forkdbg(["trace", "-f", "--calls", "-e", "trace=clone3",
                 sample("glibc", "threads-dyn"), "2", "10"])
    lines = [ln.split("] ", 1)[-1].strip() if ln.startswith("[pid") else ln.strip()
             for ln in r.err.splitlines()]
    starts = [n for n, ln in enumerate(lines) if ln.startswith("pthread_create(")]
    assert len(starts) == 2
    for n in starts:
        assert lines[n].endswith(", work, NULL) {")
        assert lines[n + 1].startswith("clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|")
    assert lines.count("} pthread_create = 0") == 2
