"""`forkdbg doctor` and `forkdbg --version`: facts about this machine for a bug report.

The version names the libraries forkdbg is built on.  The doctor says in a few lines
what this machine can run under forkdbg (a tiny program on the emulated CPU, the host
/dev/shm the machine's own one lives in, how the system's programs are linked and
whether the interpreter they name is there) and which of the real tools the
differential tests compare forkdbg with are installed.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
from importlib import metadata

from .. import __version__

#: the libraries, by their distribution names on PyPI
LIBRARIES = ("unicorn", "capstone", "keystone-engine", "prompt_toolkit", "pyelftools")
#: the real tools the differential tests run (Debian package in parentheses)
TOOLS = (("strace", "strace"), ("gdb", "gdb"), ("qemu-x86_64", "qemu-user"),
         ("busybox", "busybox-static"), ("musl-gcc", "musl-tools"), ("tmux", "tmux"),
         ("gcc", "gcc"))


def version_text() -> str:
    """`forkdbg X` and the version of each library and of Python."""
    lines = [f"forkdbg {__version__}"]
    for name in LIBRARIES:
        try:
            lines.append(f"  {name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"  {name} (not installed)")
    lines.append(f"  Python {platform.python_version()} ({sys.executable})")
    return "\n".join(lines) + "\n"


def _cpu_works() -> str:
    """Run `mov eax, 42; hlt`-like code on the emulated CPU."""
    try:
        import unicorn  # type: ignore[import-untyped]
        from unicorn import x86_const as X  # type: ignore[import-untyped]
        uc = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
        uc.mem_map(0x1000, 0x1000)
        uc.mem_write(0x1000, b"\xb8\x2a\x00\x00\x00")  # mov eax, 42
        uc.emu_start(0x1000, 0x1005)
        return "yes" if uc.reg_read(X.UC_X86_REG_RAX) == 42 else "no (wrong result)"
    except Exception as e:  # noqa: BLE001 - the doctor reports, never fails
        return f"no ({type(e).__name__}: {e})"


def _linkage(path: str) -> str:
    """How a system program is linked, and for a dynamic one whether its interpreter is
    there (forkdbg starts it through that interpreter, from inside --root)."""
    from ..elf.loader import ElfError, read_plan
    try:
        plan = read_plan(path)
    except (OSError, ElfError) as e:
        return f"not runnable ({e})"
    if plan.interp is None:
        return "static"
    interp = os.fsdecode(plan.interp)
    there = "present" if os.path.exists(interp) else "missing"
    return f"dynamically linked (interpreter {interp}: {there})"


def doctor_text() -> str:
    lines = [version_text().rstrip("\n"),
             f"host: {platform.system()} {platform.release()} {platform.machine()}, "
             f"{os.cpu_count()} CPUs",
             f"emulated CPU runs code: {_cpu_works()}",
             f"/bin/ls is {_linkage('/bin/ls')}",
             "host /dev/shm: " + ("present" if os.path.isdir("/dev/shm") else
                                  "absent (the machine's /dev/shm lives in /tmp)")]
    have = [t for t, _pkg in TOOLS if shutil.which(t)]
    missing = [f"{t} ({pkg})" for t, pkg in TOOLS if not shutil.which(t)]
    lines.append("tools the tests compare with: " + (", ".join(have) or "none"))
    if missing:
        lines.append("missing (Debian package): " + ", ".join(missing))
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if argv:
        sys.stderr.write("forkdbg doctor: takes no arguments\n")
        return 2
    sys.stdout.write(doctor_text())
    return 0
