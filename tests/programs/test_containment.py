"""--root is a promise: every way out the escape sample knows of, against a real chroot
running the same program (0 escapes there, 0 under forkdbg), two forkdbg processes
racing on one root, --cwd outside the root, and the host's memory behind the guest's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import BUSYBOX, ROOT, forkdbg, native, require, run_guest, sample


def _tree(tmp: Path) -> tuple[Path, Path]:
    """A root with busybox, /tmp and the escape program; a host directory beside it with
    a secret and a tool that exits 42."""
    require(BUSYBOX)
    root, host = tmp / "root", tmp / "host"
    for d in (root / "tmp", root / "bin", host):
        d.mkdir(parents=True)
    shutil.copy(BUSYBOX, root / "bin" / "busybox")
    (root / "bin" / "sh").symlink_to("busybox")
    shutil.copy(sample("glibc", "escape"), root / "escape")
    (host / "secret").write_text("HOST-SECRET\n")
    (host / "tool").write_text("#!/bin/sh\nexit 42\n")
    (host / "tool").chmod(0o755)
    return root, host


def _chroot() -> list[str]:
    """How to chroot here: as root, or in a user namespace where that is allowed."""
    if os.geteuid() == 0:
        return ["chroot"]
    if shutil.which("unshare"):
        return ["unshare", "-r", "chroot"]
    pytest.fail("the chroot reference needs root or unprivileged user namespaces")


def _host_untouched(host: Path) -> None:
    assert sorted(p.name for p in host.iterdir()) == ["secret", "tool"]
    assert (host / "secret").read_text() == "HOST-SECRET\n"


def test_no_escape_that_a_chroot_stops(tmp_path: Path) -> None:
    root, host = _tree(tmp_path)
    args = ["/escape", str(host), str(root)]
    ref = subprocess.run(_chroot() + [str(root)] + args, capture_output=True, text=True,
                         timeout=300)
    assert ref.stdout.rstrip().endswith(" attempts escaped"), ref.stderr
    assert ref.stdout.splitlines()[-1].startswith("0 of "), ref.stdout
    _host_untouched(host)
    for p in list(root.iterdir()):  # what the reference left inside the root
        if p.name not in ("tmp", "bin", "escape"):
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    got = forkdbg(["run", "--root", str(root)] + args, timeout=300)
    escaped = [ln for ln in got.out.splitlines() if "ESCAPED" in ln]
    assert escaped == [], got.out
    assert got.out.splitlines()[-1] == ref.stdout.splitlines()[-1]
    assert got.status == 0
    _host_untouched(host)


def test_two_forkdbg_processes_racing_on_one_root(tmp_path: Path) -> None:
    """One machine keeps swapping /r/d for a symlink to the host while another keeps
    reading /r/d/secret: the swap can only make the read fail."""
    root, host = _tree(tmp_path)
    (root / "r" / "d").mkdir(parents=True)
    swapper = ("i=0; while [ $i -lt 400 ]; do mv /r/d /r/d.old; ln -s " + str(host) +
               " /r/d; rm /r/d; mv /r/d.old /r/d; i=$((i+1)); done")
    reader = "i=0; while [ $i -lt 400 ]; do cat /r/d/secret /r/d/../d/secret; i=$((i+1)); done"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "forkdbg", "run", "--root", str(root), "/bin/sh", "-c"]
    a = subprocess.Popen(cmd + [swapper], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen(cmd + [reader], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    out, _err = b.communicate(timeout=300)
    a.communicate(timeout=300)
    assert "HOST-SECRET" not in out
    _host_untouched(host)


@pytest.mark.parametrize("cwd", ["/..", "..", "../../..", "/../../tmp/.."])
def test_cwd_outside_the_root_is_the_root(tmp_path: Path, cwd: str) -> None:
    root, host = _tree(tmp_path)
    got = forkdbg(["run", "--root", str(root), "--cwd", cwd, "/bin/sh", "-c",
                   "pwd; ls; cat ../../../host/secret secret 2>/dev/null; true"])
    assert got.out == "/\nbin\nescape\ntmp\n", got.err
    _host_untouched(host)


def test_debugger_runs_a_program_inside_the_root(tmp_path: Path) -> None:
    root, _host = _tree(tmp_path)
    shutil.copy(sample("glibc", "hello"), root / "hello")
    got = forkdbg(["-batch", "-ex", "run", "--root", str(root), "/hello"])
    assert "hello, world" in got.out, got.err
    assert "exited normally" in got.out


def test_a_huge_break_is_guest_memory_only(libc: str) -> None:
    """brk up by 3 GiB, then a read at +1 GiB and a write at +2 GiB: zeros and the value
    written, as natively; never the host's memory behind a smaller buffer."""
    prog = sample(libc, "membomb")
    want = native([prog, "probe", "3072"])
    got = run_guest([prog, "probe", "3072"], extra=["--max-memory", "8G"])
    assert (got.out, got.status) == (want.out, want.status)
    assert got.out == "probe: zeros, then what was written\n"
