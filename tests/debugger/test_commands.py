"""Every debugger command in batch mode against the samples, asserting what it prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dbg import forkdbg_batch
from helpers import ROOT, require, sample


def run(script: str, argv: list[str], tmp: Path, extra: list[str] | None = None):  # type: ignore[no-untyped-def]
    return forkdbg_batch(script, argv, tmp, extra)


def test_extras_clone_atfork_cow(tmp_path: Path) -> None:
    r = run("break parent_a\nrun\ninfo clone\ninfo atfork\ninfo cow\n",
            [sample("glibc", "atfork")], tmp_path)
    out = r.stdout
    assert "Last clone: clone() by 1000 created 1001" in out
    assert "  flags: CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD" in out
    assert "  memory:            copied: the child has its own address space" in out
    assert "  thread group:      a new process" in out
    assert "1    prepare_a                  parent_a                   child_a" in out
    assert "2    prepare_b                  parent_b                   child_b" in out
    assert "process 1000:" in out and "[stack]" in out and "r-xp" in out


def test_info_clone_for_a_thread(tmp_path: Path) -> None:
    out = run("break work\nrun\ninfo clone\n", [sample("glibc", "threads"), "1", "1"],
              tmp_path).stdout
    assert "Last clone: clone3() by 1000 created 1001" in out
    assert "  memory:            shared with the parent (one address space)" in out
    assert "  thread group:      same process (a new thread)" in out
    assert "[New Thread 0x7ffff7ffe6c0 (LWP 1001)]" in out


def test_changing_registers_memory_and_code(tmp_path: Path) -> None:
    script = """break fork
run
set $rax = 77
p $rax
p/x $rax
set {int}&log_ = 0x41414141
x/s &log_
set var *(char *)&log_ = 66
x/s &log_
patch $pc "nop; nop"
x/2i $pc
"""
    out = run(script, [sample("glibc", "atfork")], tmp_path).stdout
    assert "$1 = 77\n$2 = 0x4d" in out
    assert '<log_>:\t"AAAA' in out and '<log_>:\t"BAAA' in out
    assert "Patched 2 bytes at 0x437880 <fork>\n  old: 41 56\n  new: 90 90" in out
    assert "=> 0x437880 <fork>:\tnop\n   0x437881 <fork+1>:\tnop" in out


def test_patched_code_really_runs(tmp_path: Path) -> None:
    """Patching `fork` to return 0 at once: the program takes the child path, no clone."""
    script = """break fork
run
patch $pc "xor eax, eax; ret"
catch syscall clone
continue
"""
    out = run(script, [sample("glibc", "forkexec")], tmp_path).stdout
    assert "call to syscall clone" not in out
    assert "process 1000 is executing new program: /usr/bin/busybox" in out


def test_display_commands_condition_tbreak(tmp_path: Path) -> None:
    script = """break work if $rdi == 0
commands 1
p 42
end
tbreak main
info breakpoints
run
display/x $rdi
continue
info breakpoints
info display
undisplay
disable 1
continue
"""
    out = run(script, [sample("glibc", "threads"), "2", "1"], tmp_path).stdout
    assert "Temporary breakpoint 2 at 0x401544" in out
    assert "\tstop only if $rdi == 0" in out
    assert "        p 42" in out
    assert "Temporary breakpoint 2, 0x0000000000401544 in main ()" in out
    assert 'Thread 2 "threads" hit Breakpoint 1, 0x00000000004017a0 in work ()' in out
    assert "$1 = 42" in out
    assert "1: /x $rdi = 0x0" in out
    assert "\tbreakpoint already hit 1 time" in out
    assert "Auto-display expressions now in effect:\nNum Enb Expression\n1:   y  /x $rdi" in out
    assert "[Inferior 1 (process 1000) exited normally]" in out


def test_threads_and_kill(tmp_path: Path) -> None:
    script = """break work
run
info threads
thread 1
kill
info inferiors
thread 9
"""
    r = run(script, [sample("glibc", "threads"), "2", "1"], tmp_path)
    out = r.stdout
    assert "  Id   Target Id" in out
    assert '* 2    Thread 0x7ffff7ffe6c0 (LWP 1001) "threads" 0x00000000004017a0 in work ()' in out
    assert "[Switching to thread 1 (Thread 0x4c13c0 (LWP 1000))]" in out
    assert "Unknown thread 9." in r.stderr
    assert "Kill the program being debugged? (y or n) [answered Y; input not from terminal]" in out
    assert "[Inferior 1 (process 1000) killed]" in out
    assert "* 1    <null>" in out


def test_info_commands(tmp_path: Path) -> None:
    script = """starti
info auxv
info proc mappings
info files
info signals SIGINT
info registers rip eflags
info sharedlibrary
help running
help stepi
"""
    from forkdbg.elf.loader import read_plan
    entry = read_plan(sample("musl", "hello")).entry
    out = run(script, [sample("musl", "hello")], tmp_path).stdout
    assert f"Program stopped.\n0x{entry:016x} in _start ()" in out
    assert f"9    AT_ENTRY             Entry point of program                 {entry:#x}" in out
    assert "31   AT_EXECFN            File name of executable" in out
    assert "Mapped address spaces:" in out and "[stack]" in out
    assert f"\tEntry point: {entry:#x}" in out
    assert "SIGINT        Yes\tYes\tNo\t\tInterrupt" in out
    assert f"rip            {entry:<#19x} {entry:#x} <_start>" in out
    assert "eflags         0x202               [ IF ]" in out
    assert "No shared libraries loaded at this time." in out
    assert "stepi, si -- Execute N machine instructions (default 1)." in out
    assert "Execute N machine instructions (default 1).\nAliases: si" in out


def test_signal_stop_and_catch(tmp_path: Path) -> None:
    script = """catch signal SIGUSR1
info breakpoints
run
bt 2
continue
"""
    out = run(script, [sample("glibc", "signals")], tmp_path).stdout
    assert "Catchpoint 1 (signal SIGUSR1)" in out
    assert 'catchpoint     keep y              signal "SIGUSR1" ' in out
    assert "Catchpoint 1 (signal SIGUSR1), 0x" in out


@pytest.mark.parametrize("line,message", [
    ("frobnicate", 'Undefined command: "frobnicate".  Try "help".'),
    ("x/4x 0", "Cannot access memory at address 0x0"),
    ("break nosuchfunction", 'Function "nosuchfunction" not defined.'),
    ("p $rax +", "A syntax error in expression, near `'."),
    ("info frobs", 'Undefined info command: "frobs".  Try "help info".'),
    ("s", "The program is not being run."),
    ("delete 99", "No breakpoint number 99."),
    ("inferior 7", "Inferior ID 7 not known."),
    ("catch frobs", 'Undefined catch command: "frobs".  Try "help catch".'),
    ("set follow-fork-mode sideways", 'Undefined item: "sideways".'),
])
def test_errors_are_one_line_and_the_session_goes_on(line: str, message: str,
                                                     tmp_path: Path) -> None:
    """-ex commands: each error is reported, the next command still runs."""
    argv = [sys.executable, "-m", "forkdbg", "-batch"]
    if line.startswith(("x/", "p $")):
        argv += ["-ex", "starti"]
    argv += ["-ex", line, "-ex", "echo still here\\n", "--args", sample("glibc", "hello")]
    r = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert message in r.stderr or message in r.stdout
    assert "still here" in r.stdout
    assert "Traceback" not in r.stderr


def test_sourced_file_error_stops_the_file(tmp_path: Path) -> None:
    script = "echo one\\n\nfrobnicate\necho two\\n\n"
    r = run(script, [sample("glibc", "hello")], tmp_path)
    assert r.stdout == "one\n"
    assert r.stderr == (f"{tmp_path}/cmds.gdb:2: Error in sourced command file:\n"
                        'Undefined command: "frobnicate".  Try "help".\n')
    assert r.returncode == 1


def test_return_child_result(tmp_path: Path) -> None:
    r = run("run\n", [sample("glibc", "crash"), "exit7"], tmp_path, ["--return-child-result"])
    assert "[Inferior 1 (process 1000) exited with code 07]" in r.stdout
    assert r.returncode == 7
    r = run("run\n", [sample("glibc", "crash"), "exit7"], tmp_path)
    assert r.returncode == 0


def test_ex_and_x_run_in_order(tmp_path: Path) -> None:
    f = tmp_path / "a.gdb"
    f.write_text("echo from-file\\n\n")
    r = subprocess.run([sys.executable, "-m", "forkdbg", "-batch", "-ex", "echo first\\n",
                        "-x", str(f), "-ex", "echo last\\n", sample("glibc", "hello")],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.stdout == "first\nfrom-file\nlast\n"


def test_program_named_like_a_subcommand(tmp_path: Path) -> None:
    import shutil
    prog = tmp_path / "run"
    shutil.copy(sample("musl", "hello"), prog)
    r = subprocess.run([sys.executable, "-m", "forkdbg", "-batch", "-ex", "run", "--args",
                        str(prog)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "hello, world" in r.stdout and "exited normally" in r.stdout



def test_checkpoints_go_back_in_time(tmp_path: Path) -> None:
    """gdb cannot checkpoint a static program; forkdbg's kernel copies the process."""
    script = """break main
run
checkpoint
info checkpoints
set {long}&__environ = 0
p {long}&__environ == 0
stepi 3
restart 1
p {long}&__environ == 0
p $pc == main
info checkpoints
continue
p $pc == main
continue
info checkpoints
"""
    out = run(script, [sample("glibc", "hello")], tmp_path).stdout.splitlines()
    assert not any(ln.startswith("checkpoint 1: fork") for ln in out)  # gdb: from_tty only
    assert "* 0 process 1000 (main process) at 0x401530, <main>" in out
    assert "  1 process 1001 at 0x401530, <main>" in out
    assert out.count("$1 = 1") == 1 and "$2 = 0" in out  # the copy kept the old memory
    assert "$3 = 1" in out  # ... and the old registers
    assert "Switching to process 1001" in out and "#0  0x0000000000401530 in main ()" in out
    assert "  0 process 1000 (main process) at 0x40153b, <main>" in out  # after stepi 3
    # when the program's process exits, the last checkpoint left becomes the program
    # (gdb's linux-fork, checked by gdb.base/checkpoint.exp); with one left, no more
    # checkpoints
    at = out.index("[Inferior 1 (process 1001) exited normally]")
    assert out[at + 1] == "[Switching to process 1000]"
    assert "$4 = 0" in out  # the main process stayed where stepi left it
    assert "[Inferior 1 (process 1000) exited normally]" in out
    assert out.count("hello, world") == 2 and out[-1] == "No checkpoints."


def test_a_checkpoint_is_no_child_of_the_program(tmp_path: Path) -> None:
    """The program's wait() never sees a checkpoint: forkexec reaps its one child and exits."""
    out = run("break main\nrun\ncheckpoint\ncontinue\n", [sample("glibc", "forkexec")],
              tmp_path)
    assert "child exited with status 0" in out.stdout + out.stderr
    assert "[Inferior 1 (process 1000) exited normally]" in out.stdout


def test_no_checkpoint_inside_a_system_call(tmp_path: Path) -> None:
    r = run("catch syscall write\nrun\ncheckpoint\n", [sample("glibc", "hello")], tmp_path)
    assert "checkpoint: the thread is inside a system call; step out of it first." in r.stderr
    r = run("break main\nrun\nrestart 5\n", [sample("glibc", "hello")], tmp_path)
    assert "Not found: checkpoint id 5" in r.stderr


def test_a_new_run_drops_the_last_runs_checkpoints(tmp_path: Path) -> None:
    out = run("break main\nrun\ncheckpoint\ncheckpoint\ncontinue\ninfo checkpoints\nrun\n"
              "info checkpoints\n", [sample("glibc", "hello")], tmp_path).stdout.splitlines()
    assert "[Switching to process 1002]" in out  # the program's process exited: the last
    assert "  1 process 1001 at 0x401530, <main>" in out  # the other one stays
    assert out[-1] == "No checkpoints."


def test_info_timeline_writes_the_run_so_far(tmp_path: Path) -> None:
    """`info timeline FILE` at a stop, and again after the program exited: what has
    happened so far, as `forkdbg trace --timeline` writes it."""
    import json
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    out = run(f"break exit\nrun\ninfo timeline {a}\ncontinue\ninfo timeline {b}\n",
              [sample("glibc", "story")], tmp_path).stdout
    assert f"Timeline of the run so far written to {a}." in out
    first = json.loads(a.read_text())["traceEvents"]
    last = json.loads(b.read_text())["traceEvents"]
    assert {e["tid"] for e in first} == {1000, 1001}
    assert len(last) > len(first)
    assert any(e["name"] == "exited 0" and e["tid"] == 1000 for e in last)
    assert not any(e["name"] == "exited 0" and e["tid"] == 1000 for e in first)
    assert "The program has not been run." in run(f"info timeline {a}\n",
                                                  [sample("glibc", "story")], tmp_path).stderr
    assert "Argument required (file name to write the timeline to)." in run(
        "run\ninfo timeline\n", [sample("glibc", "story")], tmp_path).stderr


def test_restart_puts_file_offsets_back(tmp_path: Path) -> None:
    """gdb's checkpoints save each descriptor's offset and restore it at `restart`: the
    snapshot reads on from where it was, not where the other process left the shared
    open file."""
    require("gcc")
    src = tmp_path / "ck.c"
    src.write_text(
        "#include <stdio.h>\n#include <fcntl.h>\n#include <unistd.h>\n"
        "void mark(int i) { (void)i; }\n"
        "int main(void) { char b[8]; int fd = open(\"/etc/passwd\", O_RDONLY);\n"
        "  for (int i = 0; i < 3; i++) { read(fd, b, 4); mark(i);\n"
        "    printf(\"offset %ld\\n\", (long)lseek(fd, 0, SEEK_CUR)); fflush(stdout); }\n"
        "  return 0; }\n")
    subprocess.run(["gcc", "-O0", "-o", str(tmp_path / "ck"), str(src)], check=True)
    script = """break mark
run
checkpoint
delete 1
continue
continue
"""
    out = run(script, [str(tmp_path / "ck")], tmp_path).stdout.splitlines()
    offsets = [ln for ln in out if ln.startswith("offset ")]
    # the main process reads to 12 and exits; the snapshot, taken at 4, becomes the
    # program with its offset put back, and reads again to 8 and 12
    assert offsets == ["offset 4", "offset 8", "offset 12", "offset 4", "offset 8",
                       "offset 12"]


@pytest.mark.parametrize("name,first", [
    ("follow-fork-mode", "debugger response to a program call of fork or vfork."),
    ("follow-fork", "debugger response to a program call of fork or vfork."),
    ("detach-on-fork", "whether gdb will detach the child of a fork."),
    ("follow-exec-mode", "debugger response to a program call of exec."),
    ("schedule-multiple", "mode for resuming threads of all processes."),
])
def test_help_of_settings_starts_as_gdbs(name: str, first: str, tmp_path: Path) -> None:
    """gdb's tests match the first line of `help set/show NAME` (prefixes too)."""
    out = run(f"help set {name}\nhelp show {name}\n", [sample("glibc", "hello")],
              tmp_path).stdout.splitlines()
    assert out[0] == f"Set {first}"
    assert f"Show {first}" in out
