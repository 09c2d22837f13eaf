"""forkdbg --version, doctor and syscalls: facts a bug report starts with."""

from __future__ import annotations

from helpers import ROOT, forkdbg


def test_version_names_the_libraries() -> None:
    r = forkdbg(["--version"])
    lines = r.out.splitlines()
    assert r.status == 0 and lines[0].startswith("forkdbg ")
    names = [ln.split()[0] for ln in lines[1:]]
    assert names == ["unicorn", "capstone", "keystone-engine", "prompt_toolkit", "pyelftools",
                     "Python"]
    assert "(not installed)" not in r.out


def test_doctor_says_what_runs() -> None:
    r = forkdbg(["doctor"])
    assert r.status == 0
    assert "emulated CPU runs code: yes" in r.out
    assert "tools the tests compare with:" in r.out
    assert "/bin/ls is dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2: present)" \
        in r.out
    assert forkdbg(["doctor", "extra"]).status == 2


def test_syscalls_table_marks_partial_and_enosys() -> None:
    r = forkdbg(["syscalls"])
    rows = r.out.splitlines()
    assert rows[0].split() == ["nr", "name", "support", "notes"]
    by_name = {ln.split()[1]: ln.split()[2] for ln in rows[1:-1]}
    assert by_name["fork"] == "full" and by_name["ioctl"] == "partial"
    assert by_name["msgget"] == "ENOSYS"
    assert rows[-1].endswith("ENOSYS") and " partial, " in rows[-1]


def test_one_debian_package_list_for_ci_and_readme() -> None:
    pkgs = [ln.strip() for ln in (ROOT / ".ci" / "debian-packages").read_text().splitlines()
            if ln.strip() and not ln.startswith("#")]
    assert "busybox-static" in pkgs and "strace" in pkgs
    assert ".ci/debian-packages" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert not [p for p in pkgs if f"`{p}`" not in readme]
