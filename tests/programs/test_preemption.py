"""Preemption: exact (never in the middle of a block), deterministic (slices are counted
guest work), fair (a task that loops on calls that never block is preempted too).

`--timeslice 1us` preempts every ~1000 blocks: far more often than the default 4 ms, so
the bounded stress runs here put thousands of preemption points in each program.
tests/stress/preemption.sh runs the same hundreds of times.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from helpers import BUSYBOX, ROOT, boot, forkdbg, native, require, run_guest, sample

FAST = ["--timeslice", "1us"]


def test_slices_are_counted_not_timed() -> None:
    """The machine really preempts: the four workers of `preempt count` are switched
    thousands of times at 1 us slices, never at the default 4 ms (each needs ~0.3 ms)."""
    from forkdbg.kernel.sched import Scheduler
    counts = []
    orig = Scheduler.preempt

    def counting(self: Scheduler) -> None:
        counts[-1] += 1
        orig(self)
    Scheduler.preempt = counting  # type: ignore[method-assign]
    try:
        for ns in (1000, 4_000_000):
            counts.append(0)
            k = boot([sample("glibc", "preempt"), "count", "300000"], slice_ns=ns)
            k.run()
            assert k.first is not None and k.first.exit_code == 0
    finally:
        Scheduler.preempt = orig  # type: ignore[method-assign]
    assert counts[0] > 1000 and counts[1] == 0


@pytest.mark.parametrize("args", [["count", "2000000"], ["threadfork", "60"]],
                         ids=["count", "threadfork"])
def test_no_corruption_under_frequent_preemption(libc: str, args: list[str]) -> None:
    prog = sample(libc, "preempt")
    want = native([prog] + args)
    got = run_guest([prog] + args, extra=FAST)
    assert (got.out, got.status) == (want.out, want.status)
    assert "consistent" in got.out and "CORRUPTED" not in got.out


def test_fork_exec_beside_a_spinner(libc: str) -> None:
    prog = sample(libc, "preempt")
    args = [prog, "forkexec", "30", sample(libc, "true")]
    want = native(args)
    got = run_guest(args, extra=FAST)
    assert (got.out, got.status) == (want.out, want.status)


def test_pipeline_with_a_busy_member() -> None:
    """Three-stage pipelines, 30 times in one run, the sort stage busy."""
    require(BUSYBOX)
    script = ("i=0; while [ $i -lt 30 ]; do /bin/busybox seq 1 3000 | /bin/busybox sort -rn"
              " | /bin/busybox head -1; i=$((i+1)); done")
    got = run_guest([BUSYBOX, "sh", "-c", script], extra=FAST)
    assert got.status == 0
    assert got.out == "3000\n" * 30


def test_same_trace_every_run() -> None:
    """A pipeline whose members compute while the others are runnable, traced 20 times
    at 20 us slices: the same lines in the same order every time."""
    require(BUSYBOX)
    script = ("/bin/busybox seq 1 4000 | /bin/busybox awk '{s += $1 * $1} END {print s}'"
              " | /bin/busybox cat")
    cmd = ["trace", "-f", "--timeslice", "20us", "--env-clear", "--epoch", "0",
           BUSYBOX, "sh", "-c", script]
    first = forkdbg(cmd)
    assert first.status == 0 and first.out == "21341334000\n"
    assert "resumed>" in first.err  # members really interleave
    for _ in range(19):
        again = forkdbg(cmd)
        assert again.err == first.err


@pytest.mark.parametrize("mode", ["pipe", "wnohang", "yield"])
def test_a_polling_parent_lets_its_child_run(libc: str, mode: str) -> None:
    prog = sample(libc, "pollwait")
    want = native([prog, mode])
    got = run_guest([prog, mode])
    assert (got.out, got.err, got.status) == (want.out, want.err, want.status)


def test_ctrl_c_stops_a_program_that_never_calls_the_kernel() -> None:
    """A lone spinner runs on an uncounted engine after a while; Ctrl-C still ends it
    (SIGINT's default action), with the shell's status for it."""
    require(BUSYBOX)
    p = subprocess.Popen([sys.executable, "-m", "forkdbg", "run", BUSYBOX, "sh", "-c",
                          "while :; do :; done"], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    time.sleep(3)  # long enough to run free
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "Traceback" not in err


@pytest.mark.parametrize("wait", [0.5, 3.0], ids=["counted", "free"])
def test_ctrl_c_stops_exactly(libc: str, wait: float) -> None:
    """A SIGINT handler ends a loop whose state shows any part of a block run twice:
    interrupted while its engine is still counted, and after it runs free."""
    prog = sample(libc, "preempt")
    p = subprocess.Popen([sys.executable, "-m", "forkdbg", "run", prog, "sigint"], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert p.stdout is not None
    assert p.stdout.readline() == "spinning\n"
    time.sleep(wait)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert out == "sigint: consistent\n", err
    assert p.returncode == 0
