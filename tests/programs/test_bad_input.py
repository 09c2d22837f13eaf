"""Bad input: one clear line on stderr naming the file and the reason, status 2, no traceback."""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest

from helpers import forkdbg, run_guest, sample


def _elf_variant(tmp: Path, name: str, patch) -> str:  # type: ignore[no-untyped-def]
    data = bytearray(Path(sample("glibc", "hello")).read_bytes())
    data = patch(data)
    p = tmp / name
    p.write_bytes(bytes(data))
    p.chmod(0o755)
    return str(p)


def _cases(tmp: Path) -> list[tuple[str, str]]:
    (tmp / "text").write_text("just some text\n")
    (tmp / "text").chmod(0o755)
    (tmp / "adir").mkdir()
    noexec = tmp / "noexec"
    shutil.copy(sample("glibc", "hello"), noexec)
    noexec.chmod(0o644)

    def set_machine(d: bytearray) -> bytearray:
        struct.pack_into("<H", d, 18, 183)  # EM_AARCH64
        return d

    def set_class32(d: bytearray) -> bytearray:
        d[4] = 1
        return d

    def bad_phoff(d: bytearray) -> bytearray:
        struct.pack_into("<Q", d, 32, len(d) + 4096)
        return d

    def seg_past_end(d: bytearray) -> bytearray:
        phoff = struct.unpack_from("<Q", d, 32)[0]
        for i in range(struct.unpack_from("<H", d, 56)[0]):
            off = phoff + 56 * i
            if struct.unpack_from("<I", d, off)[0] == 1:
                struct.pack_into("<Q", d, off + 32, len(d) * 2)  # p_filesz
                struct.pack_into("<Q", d, off + 40, len(d) * 2)  # p_memsz
                break
        return d

    return [
        (str(tmp / "missing"), "No such file or directory"),
        (str(tmp / "adir"), "Is a directory"),
        (str(tmp / "text"), "not an ELF file"),
        (_elf_variant(tmp, "truncated", lambda d: d[:40]), "truncated ELF header"),
        (_elf_variant(tmp, "aarch64", set_machine), "not x86-64"),
        (_elf_variant(tmp, "elf32", set_class32), "32-bit ELF"),
        (_elf_variant(tmp, "badphoff", bad_phoff), "program headers past the end"),
        (_elf_variant(tmp, "badseg", seg_past_end), "segment extends past the end"),
        (str(noexec), "Permission denied"),
    ]


def test_bad_programs(tmp_path: Path) -> None:
    for path, reason in _cases(tmp_path):
        r = forkdbg(["run", path])
        assert r.status == 2, (path, r)
        assert r.out == ""
        lines = r.err.splitlines()
        assert len(lines) == 1, (path, r.err)
        assert lines[0].startswith(f"forkdbg: {path}: "), lines[0]
        assert reason in lines[0], (reason, lines[0])


@pytest.mark.parametrize("args,needle", [
    (["run"], "the following arguments are required: PROG"),
    (["run", "--bogus", "x"], "unrecognized arguments"),
    (["run", "--root", "/nonexistent-dir", "/bin/true"], "--root /nonexistent-dir: not a directory"),
    (["run", "-E", "NOEQUALS", "/bin/busybox", "true"], "-E expects VAR=VALUE"),
    (["run", "--cwd", "/nonexistent-dir", "/bin/busybox", "true"], "--cwd /nonexistent-dir"),
    (["trace", "-e", "verbose=none", "/bin/busybox", "true"], "verbose= (printing structures"),
    (["trace", "-e", "read=x", "/bin/busybox", "true"], "invalid descriptor 'x'"),
    (["trace", "-e", "quiet=foo", "/bin/busybox", "true"], "invalid quiet item 'foo'"),
    (["trace", "-S", "bogus", "/bin/busybox", "true"], "-S: invalid sortby 'bogus'"),
    (["trace", "-e", "raw=nosuchcall", "/bin/busybox", "true"], "invalid system call"),
    (["trace", "-s", "-5", "/bin/busybox", "true"], "invalid -s argument: '-5'"),
    (["trace", "-s", "2147483648", "/bin/busybox", "true"], "invalid -s argument"),
    (["trace", "-a", "99999999999999999999", "/bin/busybox", "true"], "invalid -a argument"),
    (["run", "--epoch", "99999999999999999999", "/bin/busybox", "true"], "--epoch must be"),
    (["run", "--epoch", "-1", "/bin/busybox", "true"], "--epoch must be between 0 and"),
    (["trace", "-o", "/nonexistent-dir/x", "/bin/busybox", "true"], "No such file or directory"),
])
def test_bad_usage(args: list[str], needle: str) -> None:
    r = forkdbg(args)
    assert r.status == 2
    assert len(r.err.splitlines()) == 1 and needle in r.err
    assert "Traceback" not in r.err


@pytest.mark.parametrize("kind,status,signame,where", [
    ("segv", 139, "SIGSEGV (Segmentation fault): invalid write of 0x0 at", "(store_null+2)"),
    ("ill", 132, "SIGILL (Illegal instruction): invalid instruction at", "(main+"),
    ("fpe", 136, "SIGFPE (Floating point exception): divide error at", "(divide_by_zero+8)"),
])
def test_guest_faults(libc: str, kind: str, status: int, signame: str, where: str) -> None:
    prog = sample(libc, "crash")
    r = run_guest([prog, kind])
    assert r.status == status
    line = r.err.strip()
    assert len(r.err.splitlines()) == 1
    assert f"killed by {signame}" in line and line.endswith(where + ")") or where in line, line


def test_enosys_reported_once(libc: str) -> None:
    r = run_guest([sample(libc, "enosys")])
    assert r.out == "io_uring_setup: -1 Function not implemented\n" * 2
    assert r.err == "forkdbg: syscall io_uring_setup (425) is not implemented; returning ENOSYS\n"
    assert r.status == 0


def test_exit_status_passthrough(libc: str) -> None:
    assert run_guest([sample(libc, "crash"), "exit7"]).status == 7
    assert run_guest([sample(libc, "args"), "a", "b", "c"]).status == 3


def test_no_traceback_for_program_named_like_subcommand(tmp_path: Path) -> None:
    prog = tmp_path / "trace"
    shutil.copy(sample("musl", "hello"), prog)
    r = forkdbg(["run", "./trace"], cwd=str(tmp_path))
    assert r.out == "hello, world\n" and r.status == 0
    assert os.path.exists(prog)


def test_unwritable_trace_output_is_told_once(tmp_path: Path) -> None:
    """A full disk or an unwritable stderr loses the trace, not the program's run (as
    strace): one line, the program's own status."""
    r = forkdbg(["trace", "-o", "/dev/full", sample("glibc", "crash"), "exit7"])
    assert r.status == 7
    assert r.err == "forkdbg: /dev/full: No space left on device\n"
    for extra in (["--json"], ["-c"]):
        r = forkdbg(["trace", *extra, "-o", "/dev/full", sample("glibc", "hello")])
        assert r.status == 0 and r.out == "hello, world\n"
        assert r.err == "forkdbg: /dev/full: No space left on device\n", extra
    (tmp_path / "afile").write_text("")  # -ff files under a file cannot be created
    r = forkdbg(["trace", "-ff", "-o", str(tmp_path / "afile" / "t"), sample("glibc", "forks"),
                 "2"])
    assert r.status == 0 and r.out == "2 forks\n"
    lines = [ln for ln in r.err.splitlines() if "attached" not in ln]
    assert lines == [f"forkdbg: {tmp_path}/afile/t.{pid}: Not a directory"
                     for pid in (1000, 1001, 1002)], r.err


def test_scripts_with_bad_interpreters(tmp_path: Path) -> None:
    def script(name: str, text: str) -> str:
        p = tmp_path / name
        p.write_text(text)
        p.chmod(0o755)
        return str(p)
    missing = script("missing", "#!/nonexistent/interp\necho hi\n")
    empty = script("empty", "#!\n")
    loop = script("loop", f"#!{tmp_path}/loop\n")
    chain = script("chain", f"#!{missing}\n")
    cases = [
        (missing, f"{missing}: interpreter /nonexistent/interp: No such file or directory"),
        (empty, f"{empty}: a script without an interpreter after #!"),
        (chain, f"{chain}: interpreter {missing}: interpreter /nonexistent/interp: No such"),
        (loop, "Too many levels of interpreters"),
    ]
    for prog, needle in cases:
        r = forkdbg(["run", prog])
        assert r.status == 2 and len(r.err.splitlines()) == 1 and needle in r.err, r


def test_relative_cwd(tmp_path: Path) -> None:
    """--cwd DIR without a slash: from forkdbg's own directory when the guest sees the
    host's tree, from the guest's / inside --root."""
    (tmp_path / "sub").mkdir()
    r = forkdbg(["run", "--cwd", "sub", "/bin/busybox", "pwd"], cwd=str(tmp_path))
    assert r.out == f"{tmp_path}/sub\n", r
    shutil.copy("/bin/busybox", tmp_path / "busybox")
    r = forkdbg(["run", "--root", str(tmp_path), "--cwd", "sub", "/busybox", "pwd"])
    assert r.out == "/sub\n", r
