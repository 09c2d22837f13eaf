"""forkdbg trace -f against the real strace -f: the same lines, pids and addresses aside."""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from helpers import BUSYBOX, ENV, ROOT, require, sample
from normalize import RESTARTED, family, per_pid

#: lines that differ by design: random bytes, clock_gettime (the clocks differ), the
#: time ppoll/select leave, sysinfo's numbers
VOLATILE = ("getrandom(", "clock_gettime(", "sysinfo(")
TEMPNAME = re.compile(r"(forkdbg-[a-z]+)-\w{6}")  # mkdtemp's names
RANDOM_OUT = re.compile(r'"(AT_RANDOM|getrandom) [0-9a-f]+')


def _native_log(argv: list[str], tmp: Path, name: str = "strace.txt",
                opts: tuple[str, ...] = ()) -> dict:
    require("strace")
    a = tmp / name
    subprocess.run(["strace", "-f", "-o", str(a), *opts] + argv, env=ENV, capture_output=True,
                   timeout=120, cwd=ROOT)
    return per_pid(a.read_text())


def _logs(argv: list[str], tmp: Path, opts: tuple[str, ...] = ()) -> tuple[dict, dict]:
    real = _native_log(argv, tmp, opts=opts)
    b = tmp / "forkdbg.txt"
    envopts = ["--env-clear"] + [x for k, v in ENV.items() for x in ("-E", f"{k}={v}")]
    subprocess.run([sys.executable, "-m", "forkdbg", "trace", "-f", "-o", str(b), *opts]
                   + envopts + argv, capture_output=True, timeout=120, cwd=ROOT)
    return real, per_pid(b.read_text())


def _steady(lines: list[str]) -> list[str]:
    out = []
    for ln in lines:
        if ln.startswith(VOLATILE):
            continue
        if ln.startswith(("ppoll(", "pselect6(")):
            ln = ln.split(", left {")[0]
        ln = RANDOM_OUT.sub(r'"\1 ...', TEMPNAME.sub(r"\1-XXXXXX", ln))
        out.append(ln)
    return out


FAMILY_CASES = [
    ["forkexec"], ["atfork"], ["vfork"], ["rawfork"], ["clone3"], ["spawn"], ["clonethread"],
    ["cloneflags", "vm", "files"], ["cloneflags"], ["exec_cloexec"], ["waitstatus"],
    ["spawn_children", "3"], ["signals"], ["threads", "3", "50"], ["orphan"],
    ["robust", "fork"], ["robust", "exec"], ["pidfd"], ["story"],
]


@pytest.mark.parametrize("args", FAMILY_CASES, ids=[" ".join(a) for a in FAMILY_CASES])
def test_process_family_lines(libc: str, args: list[str], tmp_path: Path) -> None:
    """clone/clone3/fork/vfork/execve/wait4/exit lines and +++ lines, per process."""
    real, ours = _logs([sample(libc, args[0])] + args[1:], tmp_path)
    if args[0] == "spawn_children":  # natively, which zombie wait4 finds first varies
        assert {p: sorted(v) for p, v in family(ours).items()} == \
            {p: sorted(v) for p, v in family(real).items()}
        return
    assert family(ours) == family(real)


SINGLE_CASES = [
    ["hello"], ["cat", "/etc/passwd"], ["ls", "/etc"], ["args", "x", "y"], ["execve_cat"],
    ["crash", "segv"], ["crash", "ill"], ["crash", "fpe"], ["crash", "abort"], ["exec_cloexec"],
    ["execerr"], ["random"], ["faults"], ["iolimits"], ["xattr"],
]

#: programs with children whose every line is the same in each process
FAMILY_EVERY_LINE = [["mapshared"]]


@pytest.mark.parametrize("args", SINGLE_CASES, ids=[" ".join(a) for a in SINGLE_CASES])
def test_every_line_of_single_process_programs(libc: str, args: list[str],
                                               tmp_path: Path) -> None:
    """Where nothing depends on timing, every syscall line matches."""
    _same_lines([sample(libc, args[0])] + args[1:], tmp_path, _steady)


@pytest.mark.parametrize("args", FAMILY_EVERY_LINE, ids=[" ".join(a) for a in FAMILY_EVERY_LINE])
def test_every_line_of_each_process(libc: str, args: list[str], tmp_path: Path) -> None:
    """MAP_SHARED file mappings with a fork child and an exec'd child, msync: every line."""
    _same_lines([sample(libc, args[0])] + args[1:], tmp_path, _untimed)


def _same_lines(argv: list[str], tmp: Path, view: Callable[[list[str]], list[str]],
                opts: tuple[str, ...] = ()) -> None:
    """Every process's lines, each seen through `view`, as the real strace -f prints them.
    A host busy with the rest of the suite can stall a native run (past a timer, or so
    that a child's signal lands elsewhere): a mismatch is judged against a second native
    run, and the differing lines are shown."""
    real, ours = _logs(argv, tmp, opts)
    got = {p: view(v) for p, v in ours.items()}
    want = {p: view(v) for p, v in real.items()}
    if got != want:
        want = {p: view(v) for p, v in _native_log(argv, tmp, "again.txt", opts).items()}
    assert got == want, "\n".join(
        f"{p}: {ln}" for p in sorted(set(got) | set(want))
        for ln in difflib.unified_diff(want.get(p, []), got.get(p, []), lineterm="", n=0))


SH_CASES = [
    "echo hello | tr a-z A-Z | cat; (exit 4); echo $?",
    "exec /bin/busybox true",
    "/bin/busybox false; echo $?",
]


@pytest.mark.parametrize("script", SH_CASES)
def test_busybox_sh_family(script: str, tmp_path: Path) -> None:
    require(BUSYBOX)
    real, ours = _logs([BUSYBOX, "sh", "-c", script], tmp_path)
    # pipeline members finish in any order natively: compare each process's lines as a set
    assert sorted(sorted(v) for v in family(ours).values()) == \
        sorted(sorted(v) for v in family(real).values())


RSEQ_LINES = re.compile(r"^(rseq\(|tkill\(|--- SIG(USR1|SEGV) |\+\+\+ )")


def test_rseq_lines(libc: str, tmp_path: Path) -> None:
    """Registrations and their errors, the signal that aborts a critical section, the
    SIGSEGV for an abort handler without its signature: per process, as strace sees them."""
    # natively under ptrace the spinning section may never be preempted out: leave it out
    real, ours = _logs([sample(libc, "rseq"), "nospin"], tmp_path)

    def pick(streams: dict) -> dict:
        return {p: [ln for ln in v if RSEQ_LINES.match(ln)] for p, v in streams.items()}
    assert pick(ours) == pick(real)
    assert any("rseq(0xADDR, 0x20, 0x1, 0x1) = -1 EPERM" in ln for ln in pick(ours)["P0"])


def test_every_line_of_pidfd(libc: str, tmp_path: Path) -> None:
    """pidfds from clone, clone3 and pidfd_open; poll, waitid(P_PIDFD), pidfd_send_signal,
    pidfd_getfd and their errors: every line of every process. Natively a SIGCHLD may
    land before or after the parent enters waitid, so those lines are counted, not placed;
    and the SIGTERM may kill the last child before or after it enters pause()."""
    real, ours = _logs([sample(libc, "pidfd")], tmp_path)

    def split(streams: dict) -> tuple[dict, dict]:
        lines = {p: [ln for ln in _steady(v) if not ln.startswith("--- SIGCHLD ")
                     and not RESTARTED.search(ln)] for p, v in streams.items()}
        sigchld = {p: sum(ln.startswith("--- SIGCHLD ") for ln in v) for p, v in streams.items()}
        return lines, sigchld
    assert split(ours) == split(real)


#: what a timer's clock makes differ from run to run: time left, absolute deadlines,
#: overrun counts, the register rt_sigreturn restores after an asynchronous signal, and the
#: sender's pid inside a signalfd record
TIMING = [
    (re.compile(r"^((?:get|timer_get|timerfd_get)\w*\(.*it_value=)\{[^}]*\}"), r"\1{...}"),
    (re.compile(r"(\}, \{it_interval=\{[^}]*\}, it_value=)\{[^}]*\}(\}\) = )"), r"\1{...}\2"),
    (re.compile(r"(TIMER_ABSTIME, \{it_interval=\{[^}]*\}, it_value=)\{[^}]*\}"), r"\1{...}"),
    (re.compile(r"(TIMER_ABSTIME, )\{tv_sec=[^,]+, tv_nsec=\d+\}"), r"\1{...}"),
    (re.compile(r"si_overrun=\d+"), "si_overrun=N"),
    (re.compile(r"^(timer_getoverrun\(\d+\)) = \d+"), r"\1 = N"),
    (re.compile(r"^(rt_sigreturn\(.*\)) = -?\d+"), r"\1 = N"),
    (re.compile(r'^(read\(\d+, )".*"\.\.\.(, 128\) = 128)'), r"\1...\2"),
]


def _untimed(lines: list[str]) -> list[str]:
    """The lines with what a clock decides masked. A child's SIGCHLD lands wherever the
    parent happens to be natively: those lines are moved to the end, in their order."""
    out, sigchld = [], []
    for ln in _steady(lines):
        for rx, rep in TIMING:
            ln = rx.sub(rep, ln)
        (sigchld if ln.startswith("--- SIGCHLD ") else out).append(ln)
    return out + sigchld


#: forkdbg is Linux 6.1; a newer host's membarrier answers more commands
NEWER_KERNEL = re.compile(r"^membarrier\(MEMBARRIER_CMD_QUERY, 0\) = .*")


def test_every_line_of_sysmisc(libc: str, tmp_path: Path) -> None:
    """sched_*, personality, mlockall, mincore, membarrier, xattrs, kcmp, flock between
    processes and /proc/sys reads: every line of every process."""
    _same_lines([sample(libc, "sysmisc")], tmp_path,
                lambda v: [NEWER_KERNEL.sub("membarrier(QUERY)", ln) for ln in _untimed(v)])


#: the socket's directory has a random name; autobind's names differ from Linux's
SOCKET_NAMES = [(re.compile(r"forkdbg-unix-\w{6}"), "forkdbg-unix-XXXXXX"),
                (re.compile(r'sun_path=@"[0-9a-f]{5}"'), 'sun_path=@"AUTO"')]


def test_every_line_of_unixsock(libc: str, tmp_path: Path) -> None:
    """bind, listen, connect, accept4, getsockname, sendto by name: every line."""
    def masked(lines: list[str]) -> list[str]:
        out = []
        for ln in _untimed(lines):
            for rx, rep in SOCKET_NAMES:
                ln = rx.sub(rep, ln)
            out.append(ln)
        return out
    _same_lines([sample(libc, "unixsock")], tmp_path, masked)


def test_every_line_of_pidns(libc: str, tmp_path: Path) -> None:
    """A pid namespace made by unshare: its init, its children, pids it cannot see, its
    death; every line with --pidns-translation's comments, in every process."""
    _same_lines([sample(libc, "pidns")], tmp_path, _untimed, ("--pidns-translation",))


#: the host picks ephemeral ports at random; the machine picks them from 32768 on
PORT = re.compile(r"htons\(\d+\)")


def test_every_line_of_inet(libc: str, tmp_path: Path) -> None:
    """TCP and UDP on the loopback network in three processes, nonblocking connect's
    EINPROGRESS, poll and SO_ERROR: every line, the ports aside."""
    _same_lines([sample(libc, "inet")], tmp_path,
                lambda v: [PORT.sub("htons(PORT)", ln) for ln in _untimed(v)])


#: an IN_MOVED_FROM event's cookie comes from a counter the whole host shares
MOVE_COOKIE = re.compile(r'(@\\0\\0\\0).*?(\\20\\0\\0\\0)')


def test_every_line_of_inotify(libc: str, tmp_path: Path) -> None:
    """inotify's name events and the open/read/write/close/attribute/link/delete events
    of a file and its directory: every line, the bytes read included, cookies aside."""
    _same_lines([sample(libc, "inotify")], tmp_path,
                lambda v: [MOVE_COOKIE.sub(r"\1COOKIE\2", ln) for ln in _untimed(v)])


#: sem_open's temporary names are random (glibc) or from the clock (musl), and musl
#: writes a sem_t with uninitialised stack bytes in it; the host's /dev/shm holds other
#: programs' files too, so its size and listing differ from the machine's own
POSIX_SHM_MASKS = [(re.compile(r'"/dev/shm/(sem\.|tmp-)\w+"'), r'"/dev/shm/\1TEMP"'),
                   (re.compile(r'^write\((\d+), ".*", 32\) = 32$'), r"write(\1, SEM_T, 32) = 32"),
                   (re.compile(r'^(\w*stat\w*\((?:"/dev/shm"|AT_FDCWD, "/dev/shm"|4, ""), '
                               r'\{st_mode=S_IFDIR[^,]*, st_size=)\d+'), r"\1N"),
                   (re.compile(r"^(getdents64\(\d+, 0xADDR) .*"), r"\1 ...")]


def test_every_line_of_posixshm(libc: str, tmp_path: Path) -> None:
    """shm_open, sem_open and the names under /dev/shm, in two processes: every line."""
    def masked(lines: list[str]) -> list[str]:
        out = []
        for ln in _untimed(lines):
            for rx, rep in POSIX_SHM_MASKS:
                ln = rx.sub(rep, ln)
            out.append(ln)
        return out
    _same_lines([sample(libc, "posixshm"), f"{libc}{os.getpid()}"], tmp_path, masked)


@pytest.mark.parametrize("name", ["timers", "events"])
def test_every_line_of_timers_and_events(libc: str, name: str, tmp_path: Path) -> None:
    """alarm, itimers, POSIX timers, rt_sigtimedwait, sigqueue; epoll, eventfd, timerfd and
    signalfd: every line of every process, the values a clock decides masked."""
    _same_lines([sample(libc, name)], tmp_path, _untimed)


@pytest.mark.parametrize("what", ["directory", "not executable", "no known format"])
def test_a_first_exec_that_fails_as_strace_shows_it(what: str, tmp_path: Path) -> None:
    """The failed execve with Linux's errno, the launcher's `NAME: exec: REASON`, and
    `+++ exited with 1 +++` with status 1, where `forkdbg run` refuses in one line."""
    require("strace")
    target = tmp_path / "prog"
    if what == "directory":
        target.mkdir()
    else:
        target.write_text("plain text\n")
        target.chmod(0o755 if what == "no known format" else 0o644)
    envopts = ["--env-clear"] + [x for k, v in ENV.items() for x in ("-E", f"{k}={v}")]
    real = subprocess.run(["strace", str(target)], env=ENV, capture_output=True, text=True,
                          timeout=60)
    ours = subprocess.run([sys.executable, "-m", "forkdbg", "trace"] + envopts + [str(target)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    addr = re.compile(r"0x[0-9a-f]+ /\* \d+ vars \*/")
    assert addr.sub("ENV", ours.stderr).replace("forkdbg:", "strace:") == \
        addr.sub("ENV", real.stderr)
    assert ours.returncode == real.returncode == 1
    run = subprocess.run([sys.executable, "-m", "forkdbg", "run", str(target)],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 1
