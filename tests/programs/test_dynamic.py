"""Dynamically linked programs of the system, started through their interpreter (glibc's
ld.so, musl's): the same output and status as natively, and the errors Linux gives for a
missing or broken interpreter."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from helpers import BUSYBOX, forkdbg, native, require, run_guest, sample

PYSCRIPT = textwrap.dedent("""\
    import os, subprocess
    out = subprocess.run(["/bin/echo", "from a child"], capture_output=True, text=True)
    print("subprocess:", out.stdout.strip(), out.returncode)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.write(w, b"through a pipe")
        os._exit(7)
    os.close(w)
    data = os.read(r, 100)
    _, status = os.waitpid(pid, 0)
    print("fork:", data.decode(), os.WEXITSTATUS(status))
    print(subprocess.check_output("ls samples/src | sort | head -3", shell=True).decode())
    """)

#: system programs, each run natively and under forkdbg from the repository's top
CASES = [
    ["/bin/true"],
    ["/bin/false"],
    ["/bin/ls", "-la", "samples/src"],
    ["/bin/cat", "README.md", "samples/src/hello.c"],
    ["/usr/bin/sort", "-r", "samples/src/forkexec.c"],
    ["/usr/bin/wc", "README.md"],
    ["/usr/bin/env"],
    ["/bin/dash", "-c", "ls samples/src | wc -l; echo $((6 * 7)); /bin/false || echo no"],
    ["/bin/bash", "-c", "for i in 3 1 2; do echo $i; done | sort | tr 1 x; "
     "(exit 5); echo status $?; x=$(/bin/echo sub); echo $x"],
    ["/usr/bin/find", "samples", "-maxdepth", "2", "-name", "*.c", "-newer", "/"],
    ["/bin/grep", "-n", "fork", "samples/src/forkexec.c"],
    ["/bin/sed", "-n", "s/fork/FORK/gp", "samples/src/forkexec.c"],
    ["/usr/bin/awk", "-F:", "{ n++ } END { print n, $1 }", "/etc/passwd"],
    ["/bin/sh", "-c", "tar -cf - samples/src | tar -tvf - | wc -l"],
    ["/usr/bin/python3", "-c", "import os, sys; print(os.getpid() > 1, sys.version_info >= (3,))"],
    ["/usr/bin/perl", "-e", "my $p = fork(); if (!$p) { print qq(kid\\n); exit 3 } "
     "waitpid($p, 0); printf qq(status %d\\n), $? >> 8"],
]


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(a)[:40] for a in CASES])
def test_system_program(argv: list[str]) -> None:
    if not os.path.exists(argv[0]):
        pytest.fail(f"{argv[0]} is missing: a Debian system has it")
    want = native(argv, cwd=str(sample_root()))
    got = run_guest(argv, cwd=str(sample_root()))
    assert (got.out, got.err, got.status) == (want.out, want.err, want.status)


def sample_root() -> Path:
    return Path(__file__).resolve().parent.parent.parent


def test_python_subprocess_and_fork(tmp_path: Path) -> None:
    script = tmp_path / "fam.py"
    script.write_text(PYSCRIPT)
    argv = ["/usr/bin/python3", str(script)]
    want = native(argv, cwd=str(sample_root()))
    got = run_guest(argv, cwd=str(sample_root()))
    assert want.status == 0 and "fork: through a pipe 7" in want.out
    assert (got.out, got.err, got.status) == (want.out, want.err, want.status)


@pytest.mark.parametrize("libc", ["glibc", "musl"])
def test_dynamic_forkexec_runs_ls(libc: str) -> None:
    """A dynamically linked fork+exec (glibc's and musl's loaders) whose child execs the
    system's dynamically linked ls; and the static one (the seed article's example)."""
    for prog in (sample(libc, "forkexec-dyn"), sample(libc, "forkexec")):
        argv = [prog, "/usr/bin/ls", "-a", "samples/asm"]
        want = native(argv, cwd=str(sample_root()))
        got = run_guest(argv, cwd=str(sample_root()))
        assert "child exited with status 0" in want.err
        assert (got.out, got.err, got.status) == (want.out, want.err, want.status)


def _with_interp(tmp: Path, name: str, interp: bytes) -> str:
    """/bin/true with its PT_INTERP string replaced (it must fit in the old one)."""
    data = Path("/bin/true").read_bytes()
    old = b"/lib64/ld-linux-x86-64.so.2\0"
    assert old in data and len(interp) < len(old)
    p = tmp / name
    p.write_bytes(data.replace(old, interp.ljust(len(old), b"\0"), 1))
    p.chmod(0o755)
    return str(p)


def _bad_interpreters(tmp: Path) -> list[tuple[str, str, str]]:
    """(program, its interpreter, strerror of what execve fails with)"""
    short = tmp / "short.so"
    short.write_bytes(b"\x7fELF\x02\x01\x01")
    i386 = tmp / "i386.so"
    i386.write_bytes(b"\x7fELF\x01\x01\x01" + bytes(9) + b"\x03\x00\x03\x00" + bytes(44))
    text = tmp / "text.so"
    text.write_bytes(b"#!/bin/sh\n" + b"x" * 100)
    noexec = tmp / "noexec.so"
    shutil.copy("/lib64/ld-linux-x86-64.so.2", noexec)
    for f in (short, i386, text):
        f.chmod(0o755)
    noexec.chmod(0o644)
    return [
        (_with_interp(tmp, "p_missing", b"/nonexistent/ld.so"), "/nonexistent/ld.so",
         "No such file or directory"),
        (_with_interp(tmp, "p_short", str(short).encode()), str(short),
         "Input/output error"),
        (_with_interp(tmp, "p_i386", str(i386).encode()), str(i386),
         "Accessing a corrupted shared library"),
        (_with_interp(tmp, "p_text", str(text).encode()), str(text),
         "Accessing a corrupted shared library"),
        (_with_interp(tmp, "p_noexec", str(noexec).encode()), str(noexec),
         "Permission denied"),
    ]


def _short_dir() -> Path:
    """A directory whose paths fit in /bin/true's PT_INTERP (pytest's are too long)."""
    tmp = Path(os.path.realpath("/tmp")) / ("i" + os.urandom(3).hex())
    tmp.mkdir()
    return tmp


def test_bad_interpreter_of_the_first_program() -> None:
    tmp = _short_dir()
    try:
        for prog, interp, reason in _bad_interpreters(tmp):
            r = forkdbg(["run", prog])
            assert (r.status, r.out) == (2, ""), (prog, r)
            assert r.err == f"forkdbg: {prog}: interpreter {interp}: {reason}\n"
    finally:
        shutil.rmtree(tmp)


def test_bad_interpreter_seen_by_the_guest() -> None:
    """A static shell execs each program: the errno its execve gets, as on the host."""
    require(BUSYBOX)
    tmp = _short_dir()
    try:
        progs = [p for p, _i, _r in _bad_interpreters(tmp)]
        script = "; ".join(f"{p}; echo $?" for p in progs)
        want = native([BUSYBOX, "sh", "-c", script])
        got = run_guest([BUSYBOX, "sh", "-c", script])
        assert want.err.count("\n") == len(progs)
        assert (got.out, got.err, got.status) == (want.out, want.err, want.status)
    finally:
        shutil.rmtree(tmp)


def _libraries(tmp: Path) -> Path:
    """A shared library, a preload library and two programs that need the first: one
    finds it through $ORIGIN in its RUNPATH, the other only through LD_LIBRARY_PATH."""
    require("gcc")
    (tmp / "lib").mkdir()
    (tmp / "lib" / "greet.c").write_text(
        'const char *greet(void) { return "greeting from libgreet"; }\n')
    (tmp / "pre.c").write_text(
        "#include <stdio.h>\n"
        "int puts(const char *s) { return printf(\"[preloaded] %s\\n\", s) > 0 ? 0 : -1; }\n")
    (tmp / "main.c").write_text(
        "#include <stdio.h>\nconst char *greet(void);\n"
        "int main(void) { puts(greet()); return 0; }\n")
    for cmd in (["gcc", "-shared", "-fPIC", "-o", "lib/libgreet.so", "lib/greet.c"],
                ["gcc", "-shared", "-fPIC", "-o", "pre.so", "pre.c"],
                ["gcc", "-o", "origin", "main.c", "-Llib", "-lgreet",
                 "-Wl,-rpath,$ORIGIN/lib"],
                ["gcc", "-o", "plain", "main.c", "-Llib", "-lgreet"]):
        subprocess.run(cmd, cwd=tmp, check=True, capture_output=True)
    return tmp


@pytest.mark.parametrize("prog,env", [
    ("origin", {}),
    ("origin", {"LD_PRELOAD": "{tmp}/pre.so"}),
    ("origin", {"LD_BIND_NOW": "1"}),
    ("plain", {}),
    ("plain", {"LD_LIBRARY_PATH": "{tmp}/lib"}),
])
def test_loader_environment(prog: str, env: dict[str, str], tmp_path: Path) -> None:
    """$ORIGIN, LD_PRELOAD, LD_BIND_NOW and LD_LIBRARY_PATH as the loader reads them (and
    the loader's own error when a library is not found), as natively."""
    tmp = _libraries(tmp_path)
    env = {k: v.format(tmp=tmp) for k, v in env.items()}
    want = native([f"./{prog}"], cwd=str(tmp), env=env)
    got = run_guest([f"./{prog}"], cwd=str(tmp),
                    extra=[x for k, v in env.items() for x in ("-E", f"{k}={v}")])
    assert (got.out, got.err, got.status) == (want.out, want.err, want.status)
    assert ("[preloaded]" in got.out) == ("LD_PRELOAD" in env)


def test_dynamic_program_inside_root(tmp_path: Path) -> None:
    """--root: the interpreter and the libraries come from inside the root, as in a real
    chroot; a root without them fails as the chroot does."""
    root = tmp_path / "root"
    for lib in ("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6"):
        dest = root / lib.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.realpath(lib), dest)
    (root / "bin").mkdir()
    shutil.copy(sample("glibc", "forkexec-dyn"), root / "bin" / "fe")
    shutil.copy("/bin/true", root / "bin" / "true")
    chroot = ["chroot"] if os.geteuid() == 0 else ["unshare", "-r", "chroot"]
    want = subprocess.run(chroot + [str(root), "/bin/fe", "/bin/true"], capture_output=True,
                          text=True)
    got = forkdbg(["run", "--root", str(root), "/bin/fe", "/bin/true"])
    assert "child exited with status 0" in want.stderr
    assert (got.out, got.err, got.status) == (want.stdout, want.stderr, want.returncode)
    (root / "lib64" / "ld-linux-x86-64.so.2").unlink()  # the host's is not reachable
    got = forkdbg(["run", "--root", str(root), "/bin/fe", "/bin/true"])
    assert got.err == ("forkdbg: /bin/fe: interpreter /lib64/ld-linux-x86-64.so.2: "
                       "No such file or directory\n")
