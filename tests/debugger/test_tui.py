"""The TUI: its windows' contents, its commands without a terminal (against gdb), and
the full-screen front-end in a real terminal (tmux) beside gdb's own TUI."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forkdbg.debugger.session import Session
from forkdbg.debugger.tui.windows import asm_pane, regs_pane, source_pane, status_line
from dbg import FORKDBG, GDB, each_ex
from helpers import ROOT, require

LINES = str(ROOT / "samples" / "bin" / "glibc" / "lines-g")


def _session(*commands: str) -> Session:
    s = Session(out=io.StringIO(), err=io.StringIO(), batch=True)
    s.set_program(LINES, [])
    for c in commands:
        s.execute(c)
    return s


def test_source_window_marks_breakpoints_and_the_current_line() -> None:
    s = _session("break main", "tbreak sum_to", "break describe", "disable 3")
    before = source_pane(s)
    assert before.title == "src/lines.c"
    row = {int(ln[3:9]): ln for ln in before.lines}
    assert row[29].startswith("b+ ") and row[15].startswith("t+ ") or \
        any(ln.startswith("t+ ") for ln in before.lines)
    assert any(ln.startswith("b- ") for ln in before.lines)  # the disabled one
    assert before.lines[before.focus].startswith("b+ ")  # main's line before `run`
    assert status_line(s) == ("exec No process In:", "L??   PC: ?? ")
    s.execute("run")
    hit = source_pane(s)
    assert hit.lines[hit.focus].startswith("B+>") and "int value = 41;" in \
        hit.lines[hit.focus]
    s.execute("next")
    now = source_pane(s)
    assert now.lines[now.focus].startswith("  >") and "struct point origin" in \
        now.lines[now.focus]
    left, right = status_line(s)
    assert left == "process 1000 In: main" and right.startswith("L30   PC: 0x")
    s.kill()


def test_asm_and_register_windows() -> None:
    s = _session("break main", "run")
    asm = asm_pane(s)
    here = asm.lines[asm.focus]
    assert here.startswith("B+> 0x") and "<main+" in here and "movl" in here
    assert all(ln[2] == " " for i, ln in enumerate(asm.lines) if i != asm.focus)
    s.tui.size = (30, 120)
    regs = regs_pane(s)
    assert regs.lines[0].startswith("rax ") and " rbx " in regs.lines[0]  # two columns
    assert any("rip" in ln and "<main+" in ln for ln in regs.lines)
    s.kill()
    assert regs_pane(_session()).empty == "[ Register Values Unavailable ]"


def test_list_moves_the_source_window_in_the_tui() -> None:
    s = _session("break main", "run")
    s.tui.active = True
    s.execute("list 10")  # prints nothing: the window starts where `list` would (line 5)
    assert s.out.getvalue().count("\n10\t") == 0
    pane = source_pane(s)
    assert pane.top == 4 and pane.lines[4].lstrip().startswith("5 ")
    s.execute("next")  # a stop brings the window back to the current line
    assert source_pane(s).top is None
    s.tui.active = False
    s.kill()


def test_tui_commands_without_a_terminal_as_gdb() -> None:
    cmds = ["layout src", "layout foo", "layout", "tui enable", "tui disable", "focus src",
            "refresh", "info win", "winheight src 5", "fs next"]
    assert each_ex(FORKDBG, cmds, LINES, ROOT) == each_ex(GDB, cmds, LINES, ROOT)


# ------------------------------------------------------------------ a real terminal
class Tmux:
    """One program in a tmux session of a fixed size."""

    def __init__(self, command: str, rows: int = 30, cols: int = 100) -> None:
        require("tmux")
        self.name = f"forkdbg-tui-{os.getpid()}-{time.monotonic_ns()}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", str(cols),
                        "-y", str(rows), command], check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True).stdout

    def wait_for(self, pattern: str, timeout: float = 30) -> str:
        end = time.time() + timeout
        while time.time() < end:
            s = self.screen()
            if re.search(pattern, s, re.MULTILINE):
                time.sleep(0.3)  # let the drawing settle
                return self.screen()
            time.sleep(0.1)
        pytest.fail(f"{pattern!r} never appeared:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def type(self, line: str) -> None:
        self.keys(line, "Enter")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def _box(screen: str) -> list[str]:
    """The first window's rows, its borders included."""
    rows = screen.splitlines()
    top = next(i for i, r in enumerate(rows) if r.startswith("\u250c"))
    bottom = next(i for i, r in enumerate(rows) if r.startswith("\u2514"))
    return rows[top:bottom + 1]


def _debug(debugger: str, tmp: Path) -> Tmux:
    env = f"FORKDBG_HISTORY={tmp}/h"
    base = f"{sys.executable} -m forkdbg" if debugger == "forkdbg" else \
        "gdb -nx -iex 'set debuginfod enabled off'"
    return Tmux(f"cd {ROOT} && {env} {base} -q -tui {LINES}; echo EXITED $?; sleep 30")


def test_source_window_as_gdb_draws_it(tmp_path: Path) -> None:
    """The same stops in gdb's TUI and in forkdbg's give the same source window: the box,
    the title, the marks, the line numbers and where the window scrolls."""
    require("gdb")
    boxes = {}
    for debugger in ("gdb", "forkdbg"):
        t = _debug(debugger, tmp_path)
        try:
            t.wait_for(r"\((gdb|forkdbg)\)")
            t.type("break main")
            t.wait_for("Breakpoint 1 at")
            t.type("run")
            t.wait_for(r"L29 ")
            first = _box(t.screen())
            t.type("next")
            t.wait_for(r"L30 ")
            boxes[debugger] = (first, _box(t.screen()))
        finally:
            t.close()
    assert boxes["forkdbg"] == boxes["gdb"]
    assert any(r.startswith("\u2502B+ ") and " 29 " in r for r in boxes["gdb"][1])


def test_tui_in_a_terminal(tmp_path: Path) -> None:
    """`tui enable` from the prompt, layouts, focus, `info win`, lines typed while a command
    works (they wait their turn), a fork child's output in the command window, a question
    answered on the command line, Ctrl-X A back to the plain prompt."""
    t = Tmux(f"cd {ROOT} && FORKDBG_HISTORY={tmp_path}/h {sys.executable} -m forkdbg -q "
             f"{LINES}; echo EXITED $?; sleep 30")
    try:
        t.wait_for(r"\(forkdbg\)")
        t.type("tui enable")
        t.wait_for("\u250c\u2500src/lines.c")
        t.type("break describe")
        t.type("set detach-on-fork off")
        t.type("set follow-fork-mode child")
        t.type("run")
        screen = t.wait_for(r"Breakpoint 1\.2, describe \(p=")
        assert "In: describe" in screen and "B+>" in screen
        t.type("layout split")
        screen = t.wait_for(r"<describe\+\d+>")
        assert screen.count("\u250c") == 2 and "B+>" in screen
        t.type("focus asm")
        t.wait_for("Focus set to asm window.")
        t.type("info win")
        screen = t.wait_for(r"asm +\d+ +100 \(has focus\)")
        assert re.search(r"src +\d+ +100\n", screen)
        t.type("continue")
        screen = t.wait_for(r"origin at 1,2")  # the child's printf, in the command window
        t.type("quit")
        t.wait_for(r"Quit anyway\? \(y or n\) *$")
        t.type("n")
        t.wait_for("Not confirmed.")
        t.keys("C-x", "a")
        t.wait_for(r"\(forkdbg\) *$")
        t.type("info win")
        t.wait_for("The TUI is not active.")
    finally:
        t.close()


def test_tui_ctrl_c_stops_the_program(tmp_path: Path) -> None:
    """-tui, the assembly layout of a program without line information, Ctrl-C while it
    runs (raw keys: no SIGINT reaches forkdbg), Ctrl-D and the quit question."""
    cpu = ROOT / "samples" / "bin" / "glibc" / "cpu"
    t = Tmux(f"cd {ROOT} && FORKDBG_HISTORY={tmp_path}/h {sys.executable} -m forkdbg -q "
             f"-tui --args {cpu} 100000000; echo EXITED $?; sleep 30")
    try:
        t.wait_for("No Source Available")
        t.type("layout asm")
        t.wait_for(r"<main\+\d+>")
        t.type("run")
        t.wait_for("Starting program")
        time.sleep(1)
        t.keys("C-c")
        screen = t.wait_for("Program received signal SIGINT, Interrupt.")
        assert re.search(r"  > 0x[0-9a-f]+ <main\+\d+>", screen)
        t.keys("C-d")
        t.wait_for(r"Quit anyway\? \(y or n\) *$")
        t.type("y")
        t.wait_for("EXITED 0")
    finally:
        t.close()
