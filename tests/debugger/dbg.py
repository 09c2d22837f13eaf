"""Running the debugger (and the real gdb) on a command file, for the tests."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from helpers import ROOT, require


NO_DEBUG_FILES = ["-iex", "set debug-file-directory /nonexistent"]


def forkdbg_batch(commands: str, argv: list[str], tmp: Path, extra: list[str] | None = None,
                  timeout: float = 120) -> subprocess.CompletedProcess:
    f = tmp / "cmds.gdb"
    f.write_text(commands)
    return subprocess.run([sys.executable, "-m", "forkdbg", "-batch", *NO_DEBUG_FILES, "-x",
                           str(f)] + (extra or []) + ["--args"] + argv, capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout)


def gdb_batch(commands: str, argv: list[str], tmp: Path) -> subprocess.CompletedProcess:
    require("gdb")
    f = tmp / "cmds.gdb"
    f.write_text(commands)
    # no separate debug information (libc6-dbg, debuginfod) on either side: what these
    # tests compare must not depend on what the machine has installed
    quiet = [*NO_DEBUG_FILES, "-iex", "set debuginfod enabled off"]
    return subprocess.run(["gdb", "-nx", "-batch"] + quiet + ["-x", str(f), "--args"] + argv,
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C"})


NOISE = ("[Thread debugging using libthread_db", "Using host libthread_db",
         "warning: Error disabling address space randomization")


def normalize(text: str) -> list[str]:
    """Lines with pids, thread pointers and stack addresses renamed."""
    out = []
    pids: dict[str, str] = {}

    def pid(m: re.Match[str]) -> str:
        return m.group(1) + pids.setdefault(m.group(2), f"PID{len(pids)}")
    for line in text.splitlines():
        if line.startswith(NOISE):
            continue
        line = re.sub(r"(process |LWP |process\s+)(\d+)", pid, line)
        for raw, name in pids.items():
            line = re.sub(rf"(?<![\w.]){raw}(?![\w.])", name, line)
        line = re.sub(r"0x(0000)?7ff[0-9a-f]{9}", "0xSTACK", line)  # and the mmap area
        line = re.sub(r"Thread 0x[0-9a-f]+ \(", "Thread 0xTHREAD (", line)
        line = re.sub(r"(process PID\d+) +", r"\1 ", line)  # pids of any width pad alike
        out.append(line.rstrip())
    return out


GDB = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", *NO_DEBUG_FILES]
FORKDBG = [sys.executable, "-m", "forkdbg", "-batch", *NO_DEBUG_FILES]


def build_c(tmp: Path, name: str, source: str, flags: list[str]) -> str:
    """`source` written to tmp/NAME.c and built by gcc with `flags`: the program's path."""
    require("gcc")
    (tmp / f"{name}.c").write_text(source)
    subprocess.run(["gcc", *flags, "-o", name, f"{name}.c"], cwd=tmp, check=True, timeout=120)
    return str(tmp / name)


def each_ex(debugger: list[str], commands: list[str], prog: str, cwd: Path) -> list[str]:
    """`debugger` (GDB or FORKDBG) on `prog` with every command as its own -ex, so that
    an error ends none of the others: the normalized lines of stdout and stderr, with
    `cwd` shown as T."""
    if debugger[0] == "gdb":
        require("gdb")
    args = [a for c in commands for a in ("-ex", c)]
    p = subprocess.run(debugger + args + [prog], capture_output=True, text=True, cwd=cwd,
                       timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp",
                                         "LANG": "C", "PYTHONPATH": str(ROOT)})
    return normalize((p.stdout + p.stderr).replace(str(cwd), "T"))
