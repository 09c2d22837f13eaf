"""Hostile and odd input to the debugger: what gdb prints, forkdbg prints; what gdb
crashes or hangs on, forkdbg answers in one line. Never a traceback, never a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, require, sample

GDB_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C"}


def _merged(argv: list[str], timeout: float = 60) -> str:
    """stdout and stderr as one stream, in the order they were written."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       errors="surrogateescape", cwd=ROOT, timeout=timeout, env=env)
    return p.stdout


def _both(commands: list[str]) -> tuple[str, str]:
    """(gdb's, forkdbg's) output of the same -ex commands on a program not yet run."""
    prog = sample("glibc", "hello")
    ex = [a for c in commands for a in ("-ex", c)]
    gdb = subprocess.run([require("gdb"), "-nx", "-batch", *ex, prog],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         cwd=ROOT, timeout=60, env=GDB_ENV).stdout
    ours = _merged([sys.executable, "-m", "forkdbg", "-batch", *ex, prog])
    return gdb, ours


EXPRESSIONS = [
    # C's integer constants: octal, suffixes, the type ladder, the limits
    "p 077", "p 08", "p 12abc", "p 10u", "p 10UL", "p 0xffffffff + 1", "p 4294967295 + 1",
    "p 0x7fffffff + 1", "p 2147483648", "p 18446744073709551615",
    "p 99999999999999999999", "p 0x10000000000000000",
    # shifts: the left operand's type, gdb's warnings for bad counts
    "p 1<<-1", "p 1<<64", "p 1>>70", "p 1<<31", "p 1 << 63", "p 1L << 63", "p 3 >> -1",
    "p -1 >> 1",
    # conversions, division, the conditional and what it does not evaluate
    "p -1 < 0u", "p (char)200 + 1", "p ~(char)1", "p -5 % 3", "p -5/2", "p 7/0",
    "p 1 ? 2 : 3", "p 0 ? 1/0 : 7", "p 0 && 1/0", "p 1 || 1/0", "p sizeof(1/0)",
    "p 1 ?", "p 1 ? 2",
    # character constants
    "p 'A'", "p '\\x41'", "p '\\101'", "p '\\q'", "p '\\n'", "p '\\e'", "p 'ab'", "p ''",
    "p 'a",
]


@pytest.mark.parametrize("chunk", range(3))
def test_expressions_as_gdb(chunk: int) -> None:
    cmds = EXPRESSIONS[chunk::3]
    gdb, ours = _both(cmds)
    assert ours == gdb, cmds


def test_examine_unreadable_as_gdb() -> None:
    """x at and across unreadable memory: wrapped addresses, the partial line, the error."""
    gdb, ours = _both(["starti", "x/3s -1", "x/3i 0", "x/3x -1", "x/6xg 0x4c6000-16",
                       "x/3i 0x4c6000-2", "x/2c 0"])
    assert ours.splitlines()[-8:] == gdb.splitlines()[-8:]


def test_signal_commands_as_gdb() -> None:
    cmds = ["info signals", "info signals 14", "info signals 7", "info signals SIG34",
            "info signals 0", "info signals 9999", "handle 14 nostop", "handle 99 nostop",
            "handle INT nostop", "handle SIGFOO stop", "handle 1-3 nostop",
            "handle all nostop", "handle SIGUSR1 SIGUSR2 nostop noprint",
            "info signals SIGUSR1", "info signals SIGALRM", "catch signal all",
            "catch signal SIGUSR1 14", "catch signal 99", "catch signal FOO",
            "catch signal all SIGINT", "catch signal SIG34", "info breakpoints"]
    gdb, ours = _both(cmds)
    assert ours == gdb


def test_number_lists_as_gdb() -> None:
    cmds = ["break main", "tbreak _start", "delete 1-", "delete 3-1", "delete -1",
            "disable 2-4", "info breakpoints 2", "info breakpoints 7", "info watchpoints",
            "info watchpoints 1", "enable 1 2", "delete 1", "info breakpoints"]
    gdb, ours = _both(cmds)
    assert ours == gdb


def test_echo_escapes_and_continued_lines_as_gdb(tmp_path: Path) -> None:
    f = tmp_path / "echo.gdb"
    f.write_text("echo a\\qb\\x41\\101\\n\necho \\e[0m|\\t|\\n\necho \\\"q\\\" \\\\ end\\n\n"
                 "echo x\\\necho y\\n\necho trailing\\\n")
    gdb, ours = _both([f"source {f}"])
    assert ours == gdb


def _ours(commands: list[str], *files: str, timeout: float = 60) -> str:
    ex = [a for c in commands for a in ("-ex", c)]
    out = _merged([sys.executable, "-m", "forkdbg", "-batch", *ex, *files], timeout)
    assert "Traceback" not in out and "Internal error" not in out, out
    return out


def test_deep_expressions_are_one_error() -> None:
    """gdb's parser runs out of stack ("memory exhausted"); forkdbg refuses the depth."""
    out = _ours(["p " + "(" * 20000 + "1" + ")" * 20000, "p " + "-" * 20000 + "1",
                 "p " + "(" * 100 + "1" + ")" * 100, "echo done\\n"])
    lines = out.splitlines()
    assert lines[0].startswith("Expression nested too deeply, near `(((")
    assert lines[1].startswith("Expression nested too deeply, near `---")
    assert lines[2:] == ["$1 = 1", "done"]


def test_command_files_that_are_not(tmp_path: Path) -> None:
    """A FIFO, a device, a directory, itself: refused or bounded, never waited on."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    me = tmp_path / "me.gdb"
    me.write_text(f"echo in\\n\nsource {me}\n")
    out = _ours([f"source {fifo}", "source /dev/zero", f"source {tmp_path}",
                 f"source {tmp_path}/missing", "echo after\\n"], timeout=30)
    assert out.splitlines() == [f"{fifo}: Invalid argument.", "/dev/zero: Invalid argument.",
                                f"{tmp_path}: Is a directory.",
                                f"{tmp_path}/missing: No such file or directory.", "after"]
    out = _ours([f"source {me}", "echo after\\n"], timeout=60)
    lines = out.splitlines()
    assert lines[:64] == ["in"] * 64
    assert lines[64] == f"{me}: command files nested more than 64 deep."
    assert lines[65:] == ["after"]
    r = subprocess.run([sys.executable, "-m", "forkdbg", "-batch", "-x", str(fifo)],
                       capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert r.returncode == 1 and r.stderr == f"{fifo}: Invalid argument.\n"


def test_non_utf8_passes_through(tmp_path: Path) -> None:
    f = tmp_path / "bytes.gdb"
    f.write_bytes(b"echo caf\xe9 \xff\\n\n")
    r = subprocess.run([sys.executable, "-m", "forkdbg", "-batch", "-x", str(f)],
                       capture_output=True, cwd=ROOT, timeout=30)
    assert r.stdout == b"caf\xe9 \xff\n" and r.returncode == 0, r


def test_script_whose_interpreter_fails(tmp_path: Path) -> None:
    s = tmp_path / "bad.sh"
    s.write_text("#!/nonexistent/interp\necho hi\n")
    s.chmod(0o755)
    out = _ours(["run", "echo after\\n"], str(s))
    assert out.splitlines() == [f"{s}: interpreter /nonexistent/interp: No such file or "
                                "directory", "after"]


def test_patch_text_keystone_cannot_end_on() -> None:
    """keystone loops for ever on `!!'a'`: the child it runs in is stopped, one line."""
    out = _ours(["starti", "patch $pc \"!!'a'\"", "patch $pc \"bogus\"",
                 "patch $pc \"nop\"", "x/i $pc"], sample("glibc", "hello"), timeout=60)
    lines = [ln for ln in out.splitlines() if ln.startswith("Cannot assemble")]
    assert lines == ['Cannot assemble "!!\'a\'": keystone gave up (over 2 s or 256 MiB)',
                     'Cannot assemble "bogus": Invalid mnemonic (KS_ERR_ASM_MNEMONICFAIL)'], out
    assert out.splitlines()[-1].endswith(":\tnop"), out
