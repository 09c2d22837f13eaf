"""The process family seen from inside: events, scheduling, limits, zombies, vfork."""

from __future__ import annotations

import os

from forkdbg.abi.clone import CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_VFORK, CLONE_VM
from forkdbg.kernel.events import Exec, SyscallEnter, SyscallExit, TaskCreated, TaskExited
from forkdbg.kernel.thread_group import GroupState
from helpers import boot, native, run_guest, sample


def _record(k):  # type: ignore[no-untyped-def]
    log: list[tuple] = []
    k.bus.subscribe(TaskCreated, lambda e: log.append(("created", e.parent.tid, e.child.tid,
                                                        e.flags, e.via)))
    k.bus.subscribe(Exec, lambda e: log.append(("exec", e.task.tid, e.path)))
    k.bus.subscribe(TaskExited, lambda e: log.append(("exit", e.task.tid, e.code, e.sig)))
    k.bus.subscribe(SyscallExit, lambda e: log.append(("sys", e.task.tid, e.nr, e.ret)))
    return log


def test_fork_returns_twice(libc: str) -> None:
    """The parent gets the child's pid, the child 0: both from the same clone."""
    k = boot([sample(libc, "forkexec"), "/bin/busybox", "true"])
    rets: dict[int, int] = {}
    k.bus.subscribe(SyscallExit, lambda e: rets.setdefault(e.task.tid, e.ret)
                    if e.nr in (56, 57) else None)
    created: list[TaskCreated] = []
    k.bus.subscribe(TaskCreated, created.append)
    assert k.run() is None
    (ev,) = created
    assert rets[1000] == ev.child.tid == 1001
    if libc == "glibc":
        assert ev.via == "clone" and ev.flags == CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID
    else:
        assert ev.via == "fork" and ev.flags == 0
    assert ev.exit_signal == 17


def test_event_sequence_is_deterministic(libc: str) -> None:
    logs = []
    for _ in range(2):
        k = boot([sample(libc, "spawn_children"), "4"])
        log = _record(k)
        k.run()
        logs.append(log)
    assert logs[0] == logs[1]
    assert sum(1 for e in logs[0] if e[0] == "created") == 4


def test_vfork_parent_sleeps_until_exec(libc: str) -> None:
    k = boot([sample(libc, "vfork")])
    order: list[str] = []
    k.bus.subscribe(TaskCreated, lambda e: order.append(f"created {e.child.tid} "
                                                        f"vm={bool(e.flags & CLONE_VM)} "
                                                        f"vfork={bool(e.flags & CLONE_VFORK)}"))
    k.bus.subscribe(Exec, lambda e: order.append(f"exec {e.task.tid}"))
    k.bus.subscribe(TaskExited, lambda e: order.append(f"exit {e.task.tid}"))
    k.bus.subscribe(SyscallExit, lambda e: order.append(f"vfork returned {e.ret}")
                    if e.task.tid == 1000 and e.nr in (58, 435, 56) else None)
    k.run()
    # the parent's vfork returns only once the child has exec'd (first) or exited (second)
    assert order[:2] == ["created 1001 vm=True vfork=True", "exec 1001"]
    assert order.index("vfork returned 1001") > order.index("exec 1001")
    i = order.index("created 1002 vm=True vfork=True")
    assert order[i + 1:i + 3] == ["exit 1002", "vfork returned 1002"]


def test_zombie_until_reaped(libc: str) -> None:
    k = boot([sample(libc, "forkexec"), "/bin/busybox", "true"])
    states = []

    def on_exit(e: TaskExited) -> None:
        if e.task.tid == 1001:
            states.append(e.task.tg.state)
    k.bus.subscribe(TaskExited, on_exit)

    def on_wait(e: SyscallExit) -> None:
        if e.nr == 61 and e.ret == 1001:
            states.append(k.groups.get(1001))
    k.bus.subscribe(SyscallExit, on_wait)
    k.run()
    assert states == [GroupState.ZOMBIE, None]


def test_child_first_schedule(libc: str) -> None:
    r = run_guest([sample(libc, "spawn_children"), "2"], extra=["--schedule", "child-first"])
    assert r.out.splitlines() == ["0 child", "0 parent", "1 child", "1 parent"]


def test_rlimit_nproc(libc: str) -> None:
    r = run_guest([sample(libc, "forkbomb")], extra=["--max-procs", "20"])
    assert r.out == ("fork failed after 19 children: Resource temporarily unavailable\n"
                     "reaped 19 children\n")
    assert r.status == 0


def test_fork_bomb_in_shell_stays_responsive() -> None:
    """A shell fork bomb never ends by itself; Ctrl-C twice ends forkdbg cleanly."""
    import signal
    import subprocess
    import sys
    import time
    p = subprocess.Popen([sys.executable, "-m", "forkdbg", "run", "--max-procs", "40",
                          "/bin/busybox", "sh", "-c", "f() { f | f & }; f; wait"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    p.send_signal(signal.SIGINT)
    time.sleep(1)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert "interrupted twice: killing every process" in err
    assert "Resource temporarily unavailable" in err
    assert "Traceback" not in err
    assert p.returncode is not None  # the first process's own status, whatever it was


def test_clone_settid_and_cleartid_memory() -> None:
    """CLONE_CHILD_SETTID writes the tid at ctid; exit writes 0 and wakes the futex."""
    k = boot([sample("glibc", "clonethread")])
    writes = []
    k.bus.subscribe(TaskExited, lambda e: writes.append((e.task.tid, e.task.clear_child_tid)))
    out_r, out_w = os.pipe()
    k.run()
    assert writes[0][0] == 1001 and writes[0][1] == 0  # cleared at exit
    os.close(out_r)
    os.close(out_w)


def test_exec_keeps_pid() -> None:
    k = boot([sample("musl", "exec_cloexec")])
    execs = []
    k.bus.subscribe(Exec, lambda e: execs.append((e.task.tid, e.task.tg.tgid)))
    k.run()
    assert execs == [(1000, 1000)]


def test_syscall_enter_exit_pairs(libc: str) -> None:
    k = boot([sample(libc, "hello")])
    enters, exits = [], []
    k.bus.subscribe(SyscallEnter, lambda e: enters.append(e.nr))
    k.bus.subscribe(SyscallExit, lambda e: exits.append(e.nr))
    k.run()
    assert enters == exits and enters[-1] == 231


def test_idle_processes_give_their_engine_back(libc: str) -> None:
    """Children asleep in read() keep host memory but not a CPU engine (beyond park_keep);
    a fork child has none until it first runs; a woken one gets a new engine and goes on."""
    from forkdbg.kernel.events import SyscallBlocked
    k = boot([sample(libc, "idlekids"), "12"], park_keep=2)
    most = [0]
    parked_seen: set[int] = set()

    def count(_e: SyscallBlocked) -> None:
        spaces = {id(t.mm): t.mm for t in k.tasks.values()}
        most[0] = max(most[0], sum(1 for m in spaces.values() if m.uc is not None))
        parked_seen.update(t.tid for t in k.tasks.values() if t.mm.parked)

    k.bus.subscribe(SyscallBlocked, count)
    exits: list[tuple[int, int]] = []
    k.bus.subscribe(TaskExited, lambda e: exits.append((e.task.tid, e.code)))
    assert k.run() is None
    assert most[0] <= 2 + 2  # park_keep idle ones, the parent, the one about to sleep
    assert len(parked_seen) >= 10
    assert sorted(exits) == [(1000 + i, 0) for i in range(13)]


def test_engines_and_images_are_reused(libc: str) -> None:
    """fork children and exec'd images run on recycled engines; each file is parsed once
    and its read-only segments are one host buffer for every process running it."""
    k = boot([sample(libc, "spawnloop"), "6", sample(libc, "true")])
    texts: dict[str, set[int]] = {}
    k.bus.subscribe(Exec, lambda e: [texts.setdefault(v.name, set()).add(v.backing.addr)
                                     for v in e.task.mm.vmas if v.prot == 5])
    assert k.run() is None
    assert k.engines.shells.reused >= 10  # 6 forks and 6 execs; the first of each needs a new one
    assert len(k.images._plans) == 2
    assert len(texts) == 2 and all(len(addrs) == 1 for addrs in texts.values())  # text, [vdso]


def test_different_programs_in_turn_on_recycled_engines() -> None:
    """Programs at the same addresses exec'd one after another, each forked from the same
    shell: every one runs its own code (output as native)."""
    g = lambda n: sample("glibc", n)  # noqa: E731
    script = (f"{g('hello')}; {g('args')} a b; {g('hello')}; {g('true')}; {g('args')} c; "
              f"{g('cpu')} 2; {g('args')} d")
    want = native(["/bin/busybox", "sh", "-c", script])
    got = run_guest(["/bin/busybox", "sh", "-c", script])
    assert (got.out, got.err, got.status) == (want.out, want.err, want.status)
