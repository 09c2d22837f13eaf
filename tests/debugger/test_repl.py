"""The REPL as a person uses it: completion, history, Enter repeating a step, Ctrl-C, Ctrl-D."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forkdbg.debugger.complete import complete
from forkdbg.debugger.repl import make_prompt, repl
from forkdbg.debugger.session import Session
from dbg import FORKDBG, GDB, each_ex
from helpers import ROOT, require, sample


def test_completion_engine() -> None:
    s = Session(out=io.StringIO())
    s.set_program(sample("glibc", "atfork"))
    assert "break" in complete(s, "brea")
    assert complete(s, "info thr") == ["threads"]
    assert complete(s, "set follow-fork-mode c") == ["child"]
    assert sorted(complete(s, "set detach-on-fork o")) == ["off", "on"]
    assert "group:process" in complete(s, "catch syscall group:p")
    assert "clone3" in complete(s, "catch syscall clone")
    assert complete(s, "break prepare_") == ["prepare_a", "prepare_b"]
    assert complete(s, "x/i *main")[:2] == ["*main", "*main_arena"]
    assert "$rax" in complete(s, "p $ra")
    assert complete(s, "p $orig") == ["$orig_rax"]
    assert complete(s, "show follow-f") == ["follow-fork-mode"]


def test_completion_of_source_names() -> None:
    """Files, FILE:FUNCTION, locals, struct members and tags from the debug information."""
    s = Session(out=io.StringIO(), err=io.StringIO())
    s.set_program(sample("glibc", "lines-g"))
    assert complete(s, "break sum") == ["sum_to"]
    assert complete(s, "break lines.c:su") == ["lines.c:sum_to"]
    assert "lines.c" in complete(s, "break lin") and "lines.c" not in complete(s, "p lin")
    assert complete(s, "ptype struct po") == ["point"]
    s.execute("break 31")
    s.execute("run")
    assert complete(s, "print origin.") == ["origin.c", "origin.label", "origin.x",
                                           "origin.y"]
    assert complete(s, "p origin.l") == ["origin.label"]
    assert {"argc", "argv"} <= set(complete(s, "p arg"))
    assert complete(s, "p nosuch.") == []
    assert complete(s, "p sum_to(3).") == []  # completing never calls the program
    s.kill()


def test_complete_command_as_gdb(tmp_path: Path) -> None:
    """gdb's own `complete` command gives the same candidates."""
    cmds = ["complete break lines.c:su", "complete list desc", "complete ptype struct po",
            "break 31", "run", "complete print origin.", "complete print origin.l"]
    prog = str(ROOT / "samples" / "bin" / "glibc" / "lines-g")
    ours = [ln for ln in each_ex(FORKDBG, cmds, prog, ROOT) if ln.startswith(
        ("complete", "break ", "list ", "ptype ", "print "))]
    theirs = [ln for ln in each_ex(GDB, cmds, prog, ROOT) if ln.startswith(
        ("complete", "break ", "list ", "ptype ", "print "))]
    assert ours == theirs and "print origin.label" in ours


def _session_with_keys(keys: str, tmp: Path, program: list[str]) -> str:
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput
    os.environ["FORKDBG_HISTORY"] = str(tmp / "history")
    out = io.StringIO()
    s = Session(out=out, err=out)
    s.set_program(program[0], program[1:])
    with create_pipe_input() as inp:
        inp.send_text(keys)
        inp.close()  # after the keys, end of input (answers questions, then quits)
        ps = make_prompt(s, input=inp, output=DummyOutput())
        code = repl(s, ps)
    s.kill()
    return out.getvalue() + f"[exit {code}]"


def test_enter_repeats_stepping_and_history_is_saved(tmp_path: Path) -> None:
    out = _session_with_keys("break fork\rrun\rsi\r\r\rinfo inferiors\r\x04",
                             tmp_path, [sample("glibc", "forkexec")])
    assert "Breakpoint 1, 0x0000000000437b40 in fork ()" in out
    assert out.count(" in fork ()\n") >= 4  # the stop and three steps
    assert "0x0000000000437b46 in fork ()" in out
    assert "Quit anyway? (y or n)" not in out or "[exit 0]" in out
    history = (tmp_path / "history").read_text()
    assert "+break fork" in history and "+si" in history


def test_follow_fork_mode_ask(tmp_path: Path) -> None:
    """`ask` puts the question at the fork; a wrong answer is asked again."""
    out = _session_with_keys("set follow-fork-mode ask\rbreak child_a\rbreak parent_a\rrun\r"
                             "sideways\rchild\rinfo inferiors\r\x04",
                             tmp_path, [sample("glibc", "atfork")])
    assert "Please answer parent or child." in out
    assert "[Attaching after process 1000 fork to child process 1001]" in out
    assert " in child_a ()" in out and " in parent_a ()" not in out
    assert "* 2    process 1001" in out


def test_tab_completes_a_command(tmp_path: Path) -> None:
    out = _session_with_keys("info inferi\t\r\x04", tmp_path, [sample("glibc", "hello")])
    assert "  Num  Description" in out


def test_ctrl_d_quits(tmp_path: Path) -> None:
    out = _session_with_keys("\x04", tmp_path, [sample("glibc", "hello")])
    assert out.endswith("[exit 0]")


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux"] + list(args), capture_output=True, text=True).stdout


def test_ctrl_c_in_a_real_terminal(tmp_path: Path) -> None:
    """tmux gives forkdbg a real terminal: Ctrl-C stops a running program, Ctrl-D quits."""
    require("tmux")
    name = f"forkdbg-test-{os.getpid()}"
    env = f"FORKDBG_HISTORY={tmp_path}/h"
    cmd = (f"cd {ROOT} && {env} {sys.executable} -m forkdbg -q --args "
           f"{sample('glibc', 'cpu')} 100000000; echo EXITED $?; sleep 30")
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "200", "-y", "50", cmd],
                   check=True)
    try:
        def screen() -> str:
            return _tmux("capture-pane", "-p", "-t", name)

        def wait_for(text: str, timeout: float = 30) -> str:
            end = time.time() + timeout
            while time.time() < end:
                s = screen()
                if text in s:
                    return s
                time.sleep(0.2)
            pytest.fail(f"{text!r} never appeared:\n{screen()}")
        wait_for("(forkdbg)")
        _tmux("send-keys", "-t", name, "run", "Enter")
        wait_for("Starting program")
        time.sleep(1.5)
        _tmux("send-keys", "-t", name, "C-c")
        s = wait_for("Program received signal SIGINT, Interrupt.")
        assert " in main ()" in s or " in ?? ()" in s or "0x" in s
        _tmux("send-keys", "-t", name, "info inferiors", "Enter")
        wait_for("process 1000")
        _tmux("send-keys", "-t", name, "C-d")
        wait_for("Quit anyway? (y or n)")
        _tmux("send-keys", "-t", name, "y", "Enter")
        wait_for("EXITED 0")
    finally:
        _tmux("kill-session", "-t", name)



def test_annotation_level_2_marks_the_prompt() -> None:
    """gdb's level-2 annotations around the prompt and after each command line read (the
    plain prompt of commands from a pipe)."""
    p = subprocess.run([sys.executable, "-m", "forkdbg", "-q", sample("glibc", "hello")],
                       input="set annotate 2\nshow annotate\nset annotate 0\n",
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    out = p.stdout
    marked = "\n\x1a\x1apre-prompt\n(forkdbg) \n\x1a\x1aprompt\n"
    assert out.count(marked) == 2, out  # the prompts for `show` and for the last `set`
    assert out.count("\n\x1a\x1apost-prompt\n") == 2
    assert "show annotate\n\n\x1a\x1apost-prompt\nAnnotation_level is 2." in out
    assert out.endswith("set annotate 0\n\n\x1a\x1apost-prompt\n(forkdbg) quit\n")
