"""The guest's file system view: --root confinement, symlinks, /proc/self, /dev, stdio."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpers import BUSYBOX, ROOT, forkdbg, require, sample


@pytest.fixture()
def guest_root(tmp_path: Path) -> Path:
    """A tiny root: /bin/busybox, /etc/passwd of its own, and links that try to escape."""
    require(BUSYBOX)
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "a" / "b").mkdir(parents=True)
    (root / "tmp").mkdir()
    shutil.copy(BUSYBOX, root / "bin" / "busybox")
    (root / "bin" / "cat").symlink_to("busybox")
    shutil.copy(sample("glibc", "execve_cat"), root / "bin" / "execve_cat")
    (root / "etc" / "passwd").write_text("guest:x:0:0::/:/bin/sh\n")
    (root / "abs").symlink_to("/etc")  # absolute: means <root>/etc to the guest
    (root / "a" / "b" / "rel").symlink_to("../../../../../../etc/passwd")
    (root / "loop1").symlink_to("loop2")
    (root / "loop2").symlink_to("loop1")
    (root / "self").symlink_to("self")
    (tmp_path / "outside.txt").write_text("secret\n")
    (root / "out").symlink_to("../outside.txt")
    return root


def _run(root: Path, *argv: str, cwd: str | None = None):  # type: ignore[no-untyped-def]
    extra = ["--root", str(root)] + (["--cwd", cwd] if cwd else [])
    return forkdbg(["run"] + extra + list(argv))


def test_absolute_symlink_stays_inside(guest_root: Path) -> None:
    r = _run(guest_root, "/bin/busybox", "cat", "/abs/passwd")
    assert r.out == "guest:x:0:0::/:/bin/sh\n" and r.status == 0


def test_dotdot_stays_inside(guest_root: Path) -> None:
    r = _run(guest_root, "/bin/busybox", "cat", "/../../../../etc/passwd")
    assert r.out == "guest:x:0:0::/:/bin/sh\n"
    r = _run(guest_root, "/bin/busybox", "cat", "a/b/rel", cwd="/")
    assert r.out == "guest:x:0:0::/:/bin/sh\n"
    r = _run(guest_root, "/bin/busybox", "cat", "/out")
    assert r.status == 1 and "secret" not in r.out
    assert "No such file or directory" in r.err


def test_symlink_loops(guest_root: Path) -> None:
    for name in ("/loop1", "/self"):
        r = _run(guest_root, "/bin/busybox", "cat", name)
        assert r.status == 1
        assert "Symbolic link loop" in r.err or "Too many levels of symbolic links" in r.err


def test_proc_self_exe_and_cwd(guest_root: Path) -> None:
    r = _run(guest_root, "/bin/busybox", "readlink", "/proc/self/exe")
    assert r.out == "/bin/busybox\n"
    r = _run(guest_root, "/bin/busybox", "sh", "-c", "cd /a/b && readlink /proc/self/cwd && pwd")
    assert r.out == "/a/b\n/a/b\n"


def test_proc_self_fd(guest_root: Path, tmp_path: Path) -> None:
    r = _run(guest_root, "/bin/busybox", "sh", "-c",
             "exec 5</etc/passwd; readlink /proc/self/fd/5; cat /proc/self/fd/5")
    assert r.out == "/etc/passwd\nguest:x:0:0::/:/bin/sh\n"
    r = _run(guest_root, "/bin/busybox", "sh", "-c", "echo piped | cat /proc/self/fd/0")
    assert r.out == "piped\n"


def test_exec_through_symlink_and_argv0(guest_root: Path) -> None:
    r = _run(guest_root, "/bin/execve_cat", "/etc/passwd")
    assert r.out == "guest:x:0:0::/:/bin/sh\n" and r.status == 0


def test_dev_nodes(guest_root: Path) -> None:
    r = _run(guest_root, "/bin/busybox", "sh", "-c",
             "echo gone > /dev/null; head -c 4 /dev/zero | od -An -tx1; echo x > /dev/full; echo $?")
    assert r.out.split() == ["00", "00", "00", "00", "1"]
    assert "No space left on device" in r.err


def test_sys_agrees_with_the_one_cpu(guest_root: Path) -> None:
    """/sys is the machine's: its CPU lists, nproc (sched_getaffinity) and /proc/cpuinfo
    count the same one CPU whatever the host has; what it lacks is ENOENT."""
    r = _run(guest_root, "/bin/busybox", "sh", "-c",
             "cat /sys/devices/system/cpu/online /sys/devices/system/cpu/possible; nproc; "
             "grep -c ^processor /proc/cpuinfo; ls /sys/devices/system/cpu; "
             "cat /sys/kernel/mm/transparent_hugepage/hpage_pmd_size; "
             "cd /sys/devices/system/cpu/cpu0/../.. && pwd; cat /sys/class/net/lo/mtu")
    assert r.out.split() == ["0", "0", "1", "1", "cpu0", "kernel_max", "offline", "online",
                             "possible", "present", "2097152", "/sys/devices/system"]
    assert "No such file or directory" in r.err and r.status == 1


def test_dev_shm_is_the_machines_own(guest_root: Path) -> None:
    """A root with no /dev still has a /dev/shm, sticky and writable, private to the
    machine and gone with it; ".." from it is the guest's /dev."""
    r = _run(guest_root, "/bin/busybox", "sh", "-c",
             "echo obj > /dev/shm/x && cat /dev/shm/x && stat -c %a /dev/shm && "
             "cd /dev/shm/.. && pwd && ls /dev/shm && grep -c shm /proc/self/mounts")
    assert r.out.split() == ["obj", "1777", "/dev", "x", "1"] and r.status == 0
    assert not (guest_root / "dev").exists()
    r = _run(guest_root, "/bin/busybox", "ls", "-A", "/dev/shm")
    assert r.out == "" and r.status == 0


def test_writes_land_in_root(guest_root: Path) -> None:
    r = _run(guest_root, "/bin/busybox", "sh", "-c",
             "echo data > /tmp/f && mkdir /tmp/d && mv /tmp/f /tmp/d/g && cat /tmp/d/g && "
             "rm /tmp/d/g && rmdir /tmp/d && ls /tmp | wc -l")
    assert r.out == "data\n0\n" and r.status == 0
    assert not (guest_root / "tmp" / "d").exists()


def test_stdio_is_forkdbgs(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    with open(out, "w") as f:
        import subprocess
        import sys
        p = subprocess.run([sys.executable, "-m", "forkdbg", "run", BUSYBOX, "sh", "-c",
                            "echo to-stdout; echo to-stderr >&2; readlink /proc/self/fd/1"],
                           stdout=f, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 0 and p.stderr == "to-stderr\n"
    assert out.read_text() == f"to-stdout\n{os.path.realpath(out)}\n"


def test_descriptors_the_program_was_started_with(tmp_path: Path) -> None:
    """`prog 3<file 4>&1`: descriptors 3 and 4 are open on the same files in the guest,
    as natively (a make jobserver, a harness that hands its child a pipe); forkdbg's
    own descriptors (a trace file, its pipes) never appear."""
    import subprocess
    import sys
    require(BUSYBOX)
    src = tmp_path / "in.txt"
    src.write_text("from descriptor 3\n")
    script = "cat <&3; echo to-four >&4; ls /proc/self/fd | sort -n | tr '\\n' ' '"
    want = subprocess.run(f"{BUSYBOX} sh -c \"{script}\" 3<{src} 4>&1", shell=True,
                          capture_output=True, text=True)
    for cmd in (["run"], ["trace", "-o", str(tmp_path / "trace.txt")]):
        got = subprocess.run(f"{sys.executable} -m forkdbg {' '.join(cmd)} {BUSYBOX} sh -c "
                             f"\"{script}\" 3<{src} 4>&1", shell=True, capture_output=True,
                             text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert got.stdout == want.stdout, cmd
        assert got.stdout.startswith("from descriptor 3\nto-four\n0 1 2 3 4 ")
