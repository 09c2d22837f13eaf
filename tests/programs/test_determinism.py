"""Same program, same seed: same bytes; another seed: other bytes."""

from __future__ import annotations

from helpers import forkdbg, sample


def test_random_is_seeded(libc: str) -> None:
    prog = sample(libc, "random")
    a = forkdbg(["run", prog])
    b = forkdbg(["run", prog])
    c = forkdbg(["run", "--seed", "7", prog])
    assert a.status == 0 and a.out == b.out
    assert a.out != c.out
    assert a.out.startswith("AT_RANDOM ") and len(a.out.splitlines()[0]) == len("AT_RANDOM ") + 32


def test_urandom_is_seeded() -> None:
    cmd = ["run", "/bin/busybox", "od", "-An", "-tx1", "-N", "8", "/dev/urandom"]
    assert forkdbg(cmd).out == forkdbg(cmd).out
    assert forkdbg(cmd).out != forkdbg(cmd[:1] + ["--seed", "3"] + cmd[1:]).out


def test_epoch_fixes_the_wall_clock() -> None:
    cmd = ["run", "--epoch", "1000000000", "/bin/busybox", "date", "-u", "+%Y-%m-%d %H:%M:%S"]
    assert forkdbg(cmd).out == "2001-09-09 01:46:40\n"
