"""Styled output at a terminal, beside gdb's in the same terminal (tmux): frame lines
with gdb's colours for functions, variables, files and addresses, escape for escape;
source lines highlighted (by pygments where gdb 13 here uses GNU source-highlight: the
colours differ, the text does not); `set style enabled off` and `show style`."""

from __future__ import annotations

import io
import re
import sys

from forkdbg.debugger.session import Session
from helpers import ROOT, require
from test_tui import Tmux

LINES = str(ROOT / "samples" / "bin" / "glibc" / "lines-g")
ESC = re.compile(r"\x1b\[[0-9;]*m")


def _backtrace(command: str) -> list[str]:
    t = Tmux(f"cd {ROOT} && {command} {LINES}; sleep 30", rows=40, cols=160)
    try:
        t.wait_for(r"\((gdb|forkdbg)\)")
        for line in ("break sum_to", "set follow-fork-mode child", "run"):
            t.type(line)
        t.wait_for("Breakpoint 1, ")
        t.type("bt")
        screen = t.wait_for(r"#1 .*lines.c:33")
        raw = __import__("subprocess").run(["tmux", "capture-pane", "-e", "-p", "-t",
                                            t.name], capture_output=True,
                                           text=True).stdout
    finally:
        t.close()
    assert screen
    frames = [ln for ln in raw.splitlines() if ESC.sub("", ln).startswith("#")]
    return [re.sub(r"0x7fff[0-9a-f]+", "0xSTACK", ln.rstrip()) for ln in frames]


def test_frame_lines_styled_as_gdb(tmp_path) -> None:  # type: ignore[no-untyped-def]
    require("gdb")
    env = f"FORKDBG_HISTORY={tmp_path}/h"
    ours = _backtrace(f"{env} {sys.executable} -m forkdbg -q")
    theirs = _backtrace("gdb -nx -q -iex 'set debuginfod enabled off'")
    assert ours == theirs and "\x1b[33msum_to\x1b[39m" in ours[0]


def test_source_lines_highlighted() -> None:
    out = io.StringIO()
    s = Session(out=out, err=out, batch=True)
    s.set_program(LINES, [])
    s.execute("show style enabled")
    s.execute("set style enabled on")
    s.execute("list 28,30")
    s.execute("set style sources off")
    s.execute("list 28,30")
    s.execute("set style enabled off")
    s.execute("show style enabled")
    text = [ln for ln in out.getvalue().splitlines() if not ln.startswith("warning:")]
    assert text[0] == "CLI output styling is disabled."
    styled, plain = text[1:4], text[4:7]
    assert all("\x1b[" in ln for ln in styled[1:]) and not any("\x1b[" in ln for ln in plain)
    assert [ESC.sub("", ln) for ln in styled] == plain
    assert plain[1] == "29\t    int value = 41;"
    assert text[7] == "CLI output styling is disabled."
