"""follow-fork-mode × detach-on-fork × the ways to fork: who stops, and gdb's messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbg import forkdbg_batch
from helpers import sample

#: sample, breakpoint only the parent reaches after the fork, one only the child reaches
FORKERS = {
    "fork (glibc clone)": ("glibc", ["atfork"], "parent_a", "child_a", "fork"),
    "fork (musl fork)": ("musl", ["atfork"], "parent_a", "child_a", "fork"),
    "vfork": ("glibc", ["vfork"], "waitpid", "execve", "vfork"),
    "clone3 (posix_spawn)": ("glibc", ["spawn"], "waitpid", "execve", "vfork"),
    "raw clone3": ("glibc", ["clone3"], "waitpid", "_exit", "fork"),
    "clone()": ("glibc", ["cloneflags"], "waitpid", "child", "fork"),
}


@pytest.mark.parametrize("how", sorted(FORKERS))
@pytest.mark.parametrize("mode", ["parent", "child"])
@pytest.mark.parametrize("detach", ["on", "off"])
def test_follow_matrix(how: str, mode: str, detach: str, tmp_path: Path) -> None:
    libc, argv, in_parent, in_child, what = FORKERS[how]
    script = (f"set follow-fork-mode {mode}\nset detach-on-fork {detach}\n"
              f"break {in_parent}\nbreak {in_child}\nrun\ninfo inferiors\np $_exitcode\n")
    r = forkdbg_batch(script, [sample(libc, argv[0])] + argv[1:], tmp_path)
    out = r.stdout
    assert r.returncode == 0, r.stderr
    if mode == "parent" and detach == "on":
        assert f"[Detaching after {what} from child process 1001]" in out
        assert "Breakpoint 1, " in out and f"in {in_parent} ()" in out
        assert "* 1    process 1000" in out
    elif mode == "parent" and what == "vfork":
        # gdb's refusal: the parent could not run while the held child has not exec'd
        assert "Can not resume the parent process over vfork in the foreground" in r.stderr
        assert "[New inferior 2" not in out and "* 1    process 1000" in out
    elif what == "vfork":
        # gdb keeps the parent until the child execs or exits, detach-on-fork or not; the
        # two share one address space, so the breakpoint has one location there
        assert "[Attaching after process 1000 vfork to child process 1001]" in out
        assert "[New inferior 2 (process 1001)]" in out and "[Detaching" not in out
        assert "hit Breakpoint 2, " in out and f"in {in_child} ()" in out
        assert "\tis vfork parent of inferior 2" in out
        assert "\tis vfork child of inferior 1" in out
    elif mode == "parent":
        assert "[New inferior 2 (process 1001)]" in out
        assert "Thread 1.1 " in out and "hit Breakpoint 1.1, " in out
        assert f"in {in_parent} ()" in out
        assert "  2    process 1001" in out  # kept, held
    elif detach == "on":
        assert f"[Attaching after process 1000 {what} to child process 1001]" in out
        assert "[New inferior 2 (process 1001)]" in out
        assert f"[Detaching after {what} from parent process 1000]" in out
        assert "[Inferior 1 (process 1000) detached]" in out
        assert f"in {in_child} ()" in out and "* 2    process 1001" in out
    else:
        assert f"[Attaching after process 1000 {what} to child process 1001]" in out
        assert "[New inferior 2 (process 1001)]" in out
        assert "[Detaching" not in out
        assert "Breakpoint 2.2, " in out and f"in {in_child} ()" in out
        assert "  1    process 1000" in out and "* 2    process 1001" in out


def test_both_returns_of_one_fork(tmp_path: Path) -> None:
    """catch syscall on the child side too: rax is the child's pid, then 0."""
    script = """set detach-on-fork off
catch syscall clone
run
continue
p $rax
inferior 2
continue
p $rax
info inferiors
"""
    out = forkdbg_batch(script, [sample("glibc", "forkexec")], tmp_path).stdout
    assert "Catchpoint 1 (call to syscall clone), 0x" in out
    assert "Catchpoint 1 (returned from syscall clone), 0x" in out
    assert "$1 = 1001" in out
    assert "Thread 2.1 \"forkexec\" hit Catchpoint 1 (returned from syscall clone)" in out
    assert "$2 = 0" in out


def test_schedule_multiple_runs_both(tmp_path: Path) -> None:
    script = "set detach-on-fork off\nset schedule-multiple on\nrun\ninfo inferiors\n"
    r = forkdbg_batch(script, [sample("glibc", "forkexec")], tmp_path)
    assert "[Inferior 2 (process 1001) exited normally]" in r.stdout
    assert "held" not in r.stdout


def test_held_inferior_is_explained(tmp_path: Path) -> None:
    script = "set detach-on-fork off\nrun\n"
    out = forkdbg_batch(script, [sample("glibc", "forkexec")], tmp_path).stdout
    assert "inferior 2 is held: switch with `inferior N`" in out
    assert "in wait4 ()" in out


def test_held_child_that_never_ran(tmp_path: Path) -> None:
    """A held fork child has no engine yet (it has not run): its registers and memory are
    still there, and stepping it builds one."""
    script = ("set detach-on-fork off\nrun\ninferior 2\np $rax\nx/2i $pc\nstepi\np $pc\n"
              "set schedule-multiple on\ncontinue\n")
    r = forkdbg_batch(script, [sample("glibc", "idlekids"), "3"], tmp_path)
    out = r.stdout
    assert r.returncode == 0, r.stderr
    assert "#0  0x" in out and " in _Fork ()" in out
    assert "$1 = 0\n" in out  # the child's side of the fork
    first = out.split("=> ", 1)[1].split("\n")
    second_insn = first[1].split()[0]  # x/2i: the instruction after the current one
    assert f"$2 = (void (*)()) {second_insn}" in out
    assert "[Inferior 2 (process 1001) exited normally]" in out
