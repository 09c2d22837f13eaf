"""Guest memory against the host's: requests past --max-memory fail with ENOMEM, a process
that touches more than the cap is killed as Linux's OOM killer would, forkdbg lives on."""

from __future__ import annotations


from helpers import native, run_guest, sample

CAP = ["--max-memory", "256M"]
ENOMEM = ("Cannot allocate memory\n", "Out of memory\n")  # glibc's and musl's strerror


def modes(libc: str) -> list[str]:
    """musl's sbrk takes no increment but 0: only glibc's moves the break."""
    return ["mmap", "brk"] if libc == "glibc" else ["mmap"]


def test_a_request_within_the_cap_works(libc: str) -> None:
    prog = sample(libc, "membomb")
    for mode in modes(libc):
        want = native([prog, mode, "64"])
        got = run_guest([prog, mode, "64"], extra=CAP)
        assert (got.out, got.status) == (want.out, want.status)
        assert got.out.endswith("wrote every page\n")


def test_a_request_past_the_cap_fails_with_enomem(libc: str) -> None:
    for mode in modes(libc):
        got = run_guest([sample(libc, "membomb"), mode, "512"], extra=CAP)
        assert got.status == 1
        assert got.out.endswith(ENOMEM)
        assert "Traceback" not in got.err and "internal error" not in got.err


def test_the_default_cap_refuses_what_the_host_refuses(libc: str) -> None:
    """A terabyte: Linux's overcommit heuristic refuses it, and so does the default cap
    (half the host's memory)."""
    prog = sample(libc, "membomb")
    want = native([prog, "mmap", str(1 << 20)])
    got = run_guest([prog, "mmap", str(1 << 20)])
    assert (got.out, got.status) == (want.out, want.status)
    assert got.status == 1 and got.out.endswith(ENOMEM)


def test_a_memory_bomb_is_killed(libc: str) -> None:
    got = run_guest([sample(libc, "membomb"), "bomb", "0"], extra=CAP)
    assert got.status == 137
    assert "Out of memory: Killed process 1000 (membomb)" in got.err
    assert "64 MiB\n" in got.out
    assert "Traceback" not in got.err and "internal error" not in got.err


def test_memory_touched_without_system_calls_is_noticed(libc: str) -> None:
    """Four mappings each below the cap, written in one loop with no system call."""
    got = run_guest([sample(libc, "membomb"), "touch", "512"], extra=CAP)
    assert got.status == 137
    assert got.out == "mapped 4 x 128 MiB\n"
    assert "Out of memory: Killed process 1000" in got.err
