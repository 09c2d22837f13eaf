"""Every sample prints under `forkdbg run` what it prints natively, with the same status."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import native, require, run_guest, sample

CASES = [
    ("hello", []),
    ("hello-pie", []),
    ("args", ["one", "two words", ""]),
    ("cat", ["/etc/passwd"]),
    ("ls", ["/etc"]),
    ("cpu", ["3"]),
    ("forkexec", []),
    ("atfork", []),
    ("threads", ["4", "2000"]),
    ("vfork", []),
    ("rawfork", []),
    ("execve_cat", []),  # no file: prints its usage, exits 255
    ("clonethread", []),
    ("clone3", []),
    ("spawn", []),
    ("signals", []),
    ("waitstatus", []),
    ("exec_cloexec", []),
    ("orphan", []),
    ("clonebad", []),
    ("cloneflags", []),
    ("cloneflags", ["vm"]),
    ("cloneflags", ["files"]),
    ("cloneflags", ["fs"]),
    ("cloneflags", ["vm", "sighand"]),
    ("cloneflags", ["vm", "files", "fs", "sighand"]),
    ("crash", ["exit7"]),
    ("crash", ["abort"]),
    ("forks", ["20"]),
    ("spin", []),
    ("execerr", []),
    ("pollpipe", []),
    ("idlekids", ["20"]),
    ("robust", ["thread"]),
    ("robust", ["fork"]),
    ("robust", ["exec"]),
    ("robustlist", []),
    ("rseq", []),
    ("pidfd", []),
    # a parent polls without blocking while its child or thread computes (fairness)
    ("pollwait", ["pipe"]),
    ("pollwait", ["wnohang"]),
    ("pollwait", ["yield"]),
    # work that a stop in the middle of a block would corrupt
    ("preempt", ["count", "300000"]),
    # data faults in the middle of a block: si_addr, the pc and the registers a handler
    # sees, and a handler that fixes the page and returns into the store
    ("faults", []),
    # brk after a MAP_FIXED mapping over the heap's start and middle (musl's malloc)
    ("brkfixed", []),
    # timers on every clock and synchronous signal waits; event descriptors and epoll
    ("timers", []),
    ("events", []),
    # scheduling policy, personality, mlock, mincore, membarrier, xattrs, kcmp, flock, sysctls
    ("sysmisc", []),
    # AF_UNIX by name: paths, abstract names, listen/connect/accept between processes
    ("unixsock", []),
    # the loopback network: TCP over 127.0.0.1 and ::1 between processes, UDP
    ("inet", []),
    # memfd and SysV shared memory: mappings, read/write and children see the same bytes
    ("shmem", []),
    # descriptors and credentials passed over AF_UNIX sockets
    ("scm", []),
    # SysV semaphores between processes, SEM_UNDO at exit
    ("sem", []),
    # futex_waitv across threads
    ("futexv", []),
    # inotify events for the program's own changes to a directory
    ("inotify", []),
    # extended attributes: the host file's own; the machine's files answer as pseudo fs do
    ("xattr", []),
    # a file mapped MAP_SHARED is the file: in read/write, other mappings, children
    ("mapshared", []),
    # a pid namespace from unshare: its init, numbering, visibility, reaping, death
    ("pidns", []),
    # Linux's answers where programs check: ESRCH, EPERM, EACCES, E2BIG, 32-bit int
    # arguments, per-thread /proc, the virtual init, credentials, prctl
    ("answers", []),
    # access_ok before any byte moves, pipe sizes, fsync, O_TMPFILE, open flags
    ("iolimits", []),
]

#: programs whose processes sleep while others run: with --park-keep 0 every sleeping
#: process gives its engine back and gets a new one when it wakes
PARKING = ["forkexec", "atfork", "threads 4 2000", "vfork", "signals", "waitstatus", "orphan",
           "pollpipe", "idlekids 20", "spawn", "cloneflags vm sighand", "robust fork"]


@pytest.mark.parametrize("name,args", CASES, ids=[" ".join([n] + a) for n, a in CASES])
def test_same_as_native(libc: str, name: str, args: list[str]) -> None:
    require("/bin/busybox")
    prog = sample(libc, name)
    want = native([prog] + args)
    got = run_guest([prog] + args)
    assert got.out == want.out
    assert got.status == want.status
    if name not in ("crash",):
        assert got.err == want.err


def test_shared_mapping_stores_reach_the_host_file(libc: str, tmp_path: Path) -> None:
    """What a MAP_SHARED mapping's stores leave in the host file (msync, munmap, exit)
    is what the native run leaves."""
    prog = sample(libc, "mapshared")
    mine, theirs = tmp_path / "forkdbg.dat", tmp_path / "native.dat"
    want = native([prog, str(theirs)])
    got = run_guest([prog, str(mine)])
    assert (got.out, got.status) == (want.out, want.status)
    assert mine.read_bytes() == theirs.read_bytes()
    assert b"EXEC" in mine.read_bytes() and mine.read_bytes()[6000:6001] == b"Q"


def test_posix_shm_in_the_machines_dev_shm(libc: str) -> None:
    """shm_open and named semaphores between processes; the names are the run's own, as
    a native run shares the host's /dev/shm with every other."""
    argv = [sample(libc, "posixshm"), f"{libc}{os.getpid()}"]
    want = native(argv)
    got = run_guest(argv)
    assert (got.out, got.err, got.status) == (want.out, want.err, want.status)
    assert "parent reads: from the child" in got.out


@pytest.mark.parametrize("case", PARKING)
def test_same_as_native_when_parked(libc: str, case: str) -> None:
    name, *args = case.split()
    prog = sample(libc, name)
    want = native([prog] + args)
    got = run_guest([prog] + args, extra=["--park-keep", "0"])
    assert (got.out, got.err, got.status) == (want.out, want.err, want.status)


def test_cat_stdin(libc: str) -> None:
    prog = sample(libc, "cat")
    text = "line one\nline two\n" * 100
    assert run_guest([prog], stdin=text).out == text


def test_spawn_children_lines(libc: str) -> None:
    """Who runs first after fork varies natively: compare the lines as a set."""
    prog = sample(libc, "spawn_children")
    want = native([prog, "5"])
    got = run_guest([prog, "5"])
    assert sorted(got.out.splitlines()) == sorted(want.out.splitlines())
    # forkdbg runs the parent first, as Linux nearly always does
    assert got.out.splitlines()[:5] == [f"{i} parent" for i in range(5)]


def test_asm_samples() -> None:
    for name, args in (("hello", []), ("forkexec", [])):
        prog = sample("asm", name)
        want = native([prog] + args)
        got = run_guest([prog] + args)
        assert (got.out, got.err, got.status) == (want.out, want.err, want.status)
