"""forkdbg trace as a command: files, determinism, JSON, statuses, bad options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import BUSYBOX, forkdbg, sample

ENVOPTS = ["--env-clear", "-E", "PATH=/bin"]


def test_output_file_and_per_pid_files(tmp_path: Path) -> None:
    out = tmp_path / "log"
    r = forkdbg(["trace", "-f", "-o", str(out)] + ENVOPTS + [sample("glibc", "forkexec")])
    # as strace, -o FILE with a command implies -q: no "Process N attached" on stderr
    assert r.status == 0 and "Parent process" in r.err and "attached" not in r.err
    r = forkdbg(["trace", "-f", "-e", "quiet=none", "-o", str(out)] + ENVOPTS
                + [sample("glibc", "forkexec")])
    assert "forkdbg: Process 1001 attached" in r.err
    lines = out.read_text().splitlines()
    assert lines[0].startswith("1000  execve(")
    assert any(ln.startswith("1001  execve(\"/bin/busybox\"") for ln in lines)
    r = forkdbg(["trace", "-ff", "-o", str(out)] + ENVOPTS + [sample("glibc", "forkexec")])
    parent = (tmp_path / "log.1000").read_text()
    child = (tmp_path / "log.1001").read_text()
    assert parent.startswith("execve(") and "clone(" in parent and "wait4(1001, [{" in parent
    assert child.startswith("set_robust_list(") and "+++ exited with 0 +++" in child
    assert "<unfinished" not in parent + child


@pytest.mark.parametrize("argv", [
    ["-f", "--calls", "glibc/forkexec"],
    ["-f", "glibc/threads", "4", "200"],
    ["-f", "-tt", "-T", "musl/spawn_children", "4"],
    ["-f", BUSYBOX, "sh", "-c", "echo a | cat; ls /proc/self/fd | wc -l; (exit 3)"],
])
def test_two_runs_are_byte_identical(argv: list[str], tmp_path: Path) -> None:
    argv = [sample(*a.split("/")) if a.split("/")[0] in ("glibc", "musl") else a for a in argv]
    outs = []
    for i in range(2):
        log = tmp_path / f"run{i}"
        r = forkdbg(["trace", "--epoch", "1", "-o", str(log)] + ENVOPTS + argv)
        outs.append((log.read_text(), r.out, r.status))
    assert outs[0] == outs[1]
    assert len(outs[0][0].splitlines()) > 10


def test_json_events(tmp_path: Path) -> None:
    log = tmp_path / "ev.jsonl"
    r = forkdbg(["trace", "-f", "--json", "-o", str(log)] + ENVOPTS
                + [sample("glibc", "forkexec")])
    assert r.status == 0
    events = [json.loads(ln) for ln in log.read_text().splitlines()]
    kinds = [e["event"] for e in events]
    assert {"syscall", "task_created", "exec", "signal", "exit"} <= set(kinds)
    created = next(e for e in events if e["event"] == "task_created")
    assert created["flag_names"] == ["CLONE_CHILD_CLEARTID", "CLONE_CHILD_SETTID"]
    assert created["exit_signal"] == "SIGCHLD" and created["child_pid"] == 1001
    clone = next(e for e in events if e["event"] == "syscall" and e["name"] == "clone")
    assert clone["ret"] == 1001 and clone["errno"] is None and clone["nr"] == 56
    assert clone["decoded"].startswith("child_stack=NULL, flags=CLONE_CHILD_CLEARTID|")
    for e in events:
        assert {"event", "pid", "tid", "time_ns"} <= set(e)
    exits = [e for e in events if e["event"] == "exit"]
    assert [(e["pid"], e["code"], e["process_exit"]) for e in exits] == [(1001, 0, True),
                                                                        (1000, 0, True)]


def test_exit_status_is_the_programs(tmp_path: Path) -> None:
    assert forkdbg(["trace", "-o", str(tmp_path / "x"), sample("musl", "crash"), "exit7"]).status == 7
    r = forkdbg(["trace", "-o", str(tmp_path / "x"), sample("musl", "crash"), "abort"])
    assert r.status == 134


def test_summary_with_lines(tmp_path: Path) -> None:
    log = tmp_path / "s"
    forkdbg(["trace", "-C", "-o", str(log), sample("glibc", "hello")])
    text = log.read_text()
    assert "write(1, \"hello, world\\n\", 13)" in text
    total = [ln for ln in text.splitlines() if ln.endswith(" total")][0]
    calls = int(total.split()[3])  # % time, seconds, usecs/call, calls[, errors], total
    returned = [ln for ln in text.splitlines() if "(" in ln and " = " in ln
                and not ln.endswith("= ?")]
    assert calls == len(returned) == 16  # exit_group never returns, so it is not counted


@pytest.mark.parametrize("expr,needle", [
    ("trace=nosuchcall", "invalid system call 'nosuchcall'"),
    ("trace=%nosuchclass", "invalid system call class"),
    ("inject=write:error=ENOPE", "invalid inject argument 'write:error=ENOPE'"),
    ("inject=write", "invalid inject argument 'write'"),
    ("fault=chdir:when=24..23", "invalid fault argument 'chdir:when=24..23'"),
    ("status=weird", "invalid status"),
    ("signal=SIGNOPE", "unknown signal"),
])
def test_bad_expressions(expr: str, needle: str) -> None:
    r = forkdbg(["trace", "-e", expr, sample("glibc", "hello")])
    assert r.status == 2 and len(r.err.splitlines()) == 1 and needle in r.err


def test_inject_retval_and_when(tmp_path: Path) -> None:
    log = tmp_path / "t"
    r = forkdbg(["trace", "-o", str(log), "-e", "trace=getppid", "-e",
                 "inject=getppid:retval=42:when=2+2", sample("glibc", "getppid"), "5"])
    assert r.status == 0
    rets = [ln.split(" = ", 1)[1] for ln in log.read_text().splitlines() if "getppid" in ln]
    assert rets == ["1", "42 (INJECTED)", "1", "42 (INJECTED)", "1"]


def test_vdso_calls_are_hidden_unless_asked_for(tmp_path: Path) -> None:
    """The vDSO's functions make system calls strace never sees: forkdbg hides them, and
    --vdso-calls shows them with the vDSO's pc."""
    prog = sample("glibc", "timers")
    plain = forkdbg(["trace", "-e", "clock_gettime,clock_nanosleep"] + ENVOPTS + [prog])
    shown = forkdbg(["trace", "--vdso-calls", "-i", "-e", "clock_gettime"] + ENVOPTS + [prog])
    assert "clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME" in plain.err
    assert "clock_gettime(" not in plain.err
    calls = [ln for ln in shown.err.splitlines() if "clock_gettime(CLOCK_MONOTONIC" in ln]
    from forkdbg.mm.address_space import VDSO_BASE
    assert calls and all(VDSO_BASE <= int(ln[1:17], 16) < VDSO_BASE + 0x2000 for ln in calls)


def test_pids_with_command_names() -> None:
    """-Y: a pid while its process exists is followed by its command name; a reaped one
    is not (strace reads /proc/PID/comm)."""
    r = forkdbg(["trace", "-f", "-Y", "-e", "trace=wait4", "-e", "signal=SIGCHLD"] + ENVOPTS
                + [sample("glibc", "forkexec")])
    lines = [ln for ln in r.err.splitlines() if "wait4(" in ln or "SIGCHLD" in ln]
    assert any("wait4(1001<" in ln for ln in lines), lines
    assert any("si_pid=1001" in ln for ln in lines), lines


def test_tree_shows_who_made_whom(tmp_path: Path) -> None:
    """--tree: one line per process and thread, how each was made, what it exec'd, how
    it ended; the same on every run."""
    runs = [forkdbg(["trace", "-f", "--tree", "-o", str(tmp_path / f"t{i}")] + ENVOPTS
                    + [sample("glibc", "story")]) for i in range(2)]
    err = runs[0].err.splitlines()
    assert runs[0].status == 0 and runs[0].err == runs[1].err
    assert err[0].startswith("1000  start  exec ") and err[0].endswith("ms")
    assert "/story" in err[0] and "exited 0" in err[0]
    assert err[1].startswith("└─ 1001  clone(CHILD_CLEARTID|CHILD_SETTID)  exec ")
    assert '/hello ["hello"]  exited 0' in err[1]
    r = forkdbg(["trace", "-f", "--tree", "-o", str(tmp_path / "t")] + ENVOPTS
                + [sample("musl", "clonethread")])
    assert any(ln.startswith("└─ 1001  thread  exited 0") for ln in r.err.splitlines())
    r = forkdbg(["trace", "-f", "--tree", "-o", str(tmp_path / "t")] + ENVOPTS
                + [sample("glibc", "crash"), "segv"])
    assert "killed by SIGSEGV" in r.err.splitlines()[-1]


def test_json_ends_with_the_tree(tmp_path: Path) -> None:
    log = tmp_path / "ev.jsonl"
    forkdbg(["trace", "-f", "--json", "-o", str(log)] + ENVOPTS + [sample("glibc", "story")])
    last = json.loads(log.read_text().splitlines()[-1])
    assert last["event"] == "tree" and {"pid", "tid", "time_ns"} <= set(last)
    (root,) = last["tree"]
    assert (root["pid"], root["how"], root["status"]) == (1000, "start", "exited 0")
    (child,) = root["children"]
    assert child["how"] == "clone" and child["flags"] == "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID"
    assert child["execs"][0]["argv"] == ["hello"] and child["end_ns"] > child["start_ns"]


def _timeline(tmp_path: Path, name: str, argv: list[str]) -> tuple[dict, bytes]:
    out = tmp_path / f"{name}.json"
    r = forkdbg(["trace", "-f", "--timeline", str(out), "-o", str(tmp_path / "t")]
                + ENVOPTS + argv)
    assert r.status == 0, r.err
    return json.loads(out.read_text()), out.read_bytes()


def _check_trace_events(doc: dict) -> list[dict]:
    """What the trace-event format asks: keys, durations, flows paired, and slices on
    each track in time order; returns the events."""
    events = doc["traceEvents"]
    assert doc["displayTimeUnit"] == "ns"
    for ev in events:
        assert {"name", "ph", "pid", "tid"} <= set(ev)
        if ev["ph"] != "M":
            assert isinstance(ev["ts"], (int, float)) and ev["ts"] >= 0
        if ev["ph"] == "X":
            assert ev["dur"] >= 0
    starts = sorted(e["id"] for e in events if e["ph"] == "s")
    assert starts == sorted(e["id"] for e in events if e["ph"] == "f") and starts
    for tid in {e["tid"] for e in events}:
        ts = [e["ts"] for e in events if e["tid"] == tid and e.get("cat") == "syscall"]
        assert ts == sorted(ts)
    named = {e["tid"] for e in events if e["name"] == "thread_name"}
    assert named == {e["tid"] for e in events if e["ph"] != "M"}
    return events


@pytest.mark.parametrize("case", [["glibc", "story"], ["musl", "threads", "3", "100"],
                                  ["busybox pipeline"]])
def test_timeline_is_a_trace_event_file(case: list[str], tmp_path: Path) -> None:
    """--timeline: a slice per call with its strace text, blocked time inside, flows from
    each clone to the new task, exec and exit markers; two runs byte-identical."""
    if case[0] == "busybox pipeline":
        argv = [BUSYBOX, "sh", "-c", "echo a | tr a b | cat"]
    else:
        argv = [sample(case[0], case[1])] + case[2:]
    doc, raw = _timeline(tmp_path, "a", argv)
    assert _timeline(tmp_path, "b", argv)[1] == raw
    events = _check_trace_events(doc)
    calls = [e for e in events if e.get("cat") == "syscall"]
    assert any(e["args"]["call"].startswith(("clone(", "clone3(")) for e in calls)
    assert any(e["name"].startswith("blocked in ") for e in events)
    assert any(e["name"].startswith("exited ") for e in events)
    if case[0] != "musl":  # the threads sample execs nothing
        assert any(e["name"].startswith("exec ") for e in events)
