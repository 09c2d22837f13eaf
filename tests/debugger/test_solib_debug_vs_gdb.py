"""A shared object's separate debug file (libc6-dbg's libc.so.6, found by build ID under
/usr/lib/debug as gdb finds it): a dynamically linked program stops in libc at its
source line, steps through libc's optimized code by gdb's statement rule, and shows
libc's variables, types, lines and scopes as gdb 13 does on the same program."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from dbg import build_c, each_ex
from helpers import require

PROGRAM = r"""#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
int main(void) {
    pid_t p = fork();
    if (p == 0) { puts("child"); return 0; }
    waitpid(p, 0, 0);
    puts("parent");
    return 0;
}
"""

COMMANDS = ["break fork", "run", "bt", "next", "next", "p multiple_threads", "info args",
            "whatis lastrun", "ptype struct nss_database_data", "info line",
            "info symbol $pc", "info source", "up", "down", "break fork.c:76",
            "info breakpoints", "list 76,78", "info scope fork.c:76",
            # gdb completes the files of the symbol tables it expanded: fork.c's unit's
            "complete break fork.", "complete list ioput", "continue"]

GDB = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off"]
FORKDBG = [sys.executable, "-m", "forkdbg", "-batch"]
LIBC = "/lib/x86_64-linux-gnu/libc.so.6"


def _libc_debug_file() -> Path:
    note = subprocess.run(["readelf", "-n", LIBC], capture_output=True, text=True,
                          timeout=60).stdout
    build_id = note.split("Build ID: ")[1].split()[0]
    return Path("/usr/lib/debug/.build-id") / build_id[:2] / f"{build_id[2:]}.debug"


def _masked(lines: list[str]) -> list[str]:
    """libc's load address differs (forkdbg's mmap area is not the kernel's), and so do
    pids and the order of the child's output: those are masked or dropped."""
    out = []
    for ln in lines:
        if ln == "child" or ln.startswith("[Detaching after fork"):
            continue
        ln = re.sub(r"0x0*7ffff7[0-9a-f]{6}", "ADDR", ln)
        ln = re.sub(r"0x0*7fffffff[0-9a-f]{4}", "STACK", ln)  # forkdbg's stack starts lower
        out.append(re.sub(r"process \d+", "process N", ln))
    return out


def _program(tmp_path: Path, name: str = "dyn", source: str = PROGRAM) -> str:
    """A dynamically linked `-g` program, once libc's debug file is known to be there."""
    require("readelf")
    debug = _libc_debug_file()
    assert debug.exists(), f"{debug} missing: install libc6-dbg (.ci/debian-packages)"
    return build_c(tmp_path, name, source, ["-g"])


def test_libc_debug_file_as_gdb(tmp_path: Path) -> None:
    prog = _program(tmp_path)
    gdb = _masked(each_ex(GDB, COMMANDS, prog, tmp_path))
    ours = _masked(each_ex(FORKDBG, COMMANDS, prog, tmp_path))
    assert "Breakpoint 1, __libc_fork () at ./posix/fork.c:41" in gdb
    assert ours == gdb


def test_step_into_libc_through_the_plt_as_gdb(tmp_path: Path) -> None:
    """`step` on `puts("parent")` goes through the PLT and the loader's lazy binding into
    libc's `__GI__IO_puts` (its DWARF linkage name) past its prologue; `info frame`
    there gives gdb's frameless base; `finish` comes back with puts's value."""
    prog = _program(tmp_path)
    commands = ["break 8", "run", "step", "bt", "info frame", "next", "next", "finish"]
    gdb = _masked(each_ex(GDB, commands, prog, tmp_path))
    ours = _masked(each_ex(FORKDBG, commands, prog, tmp_path))
    assert any(ln.startswith("__GI__IO_puts (str=") for ln in gdb)
    assert ours == gdb


STRLEN = r"""#include <string.h>
#include <stdio.h>
int main(int argc, char **argv) {
    size_t n = strlen(argv[0]);
    printf("%zu\n", n);
    return 0;
}
"""


def _variant(lines: list[str]) -> list[str]:
    """libc's IFUNC picks strlen by the CPU: AVX-512's `__strlen_evex` natively, SSE2's
    under unicorn; which one, and its lines, are masked."""
    out = []
    for ln in lines:
        ln = re.sub(r"__strlen_\w+ \(\) at \.\./sysdeps/x86_64/multiarch/strlen-\w+\.S:\d+",
                    "STRLEN", ln)
        out.append(re.sub(r"^\d+\t(in )?\.\./sysdeps/x86_64/multiarch/strlen-\w+\.S.*$",
                          "STRLEN-LINE", ln))
    return out


def test_step_into_an_ifunc_through_lazy_binding_as_gdb(tmp_path: Path) -> None:
    """`step` on `strlen(argv[0])` goes through the PLT, the loader's lazy binding (run
    until `_dl_fixup` returns what the entry binds to) and into the assembly of the
    strlen the IFUNC chose, which has lines but no DWARF function."""
    prog = _program(tmp_path, "s", STRLEN)
    commands = ["break main", "run", "step", "step", "finish", "next", "step", "bt"]
    gdb = _variant(_masked(each_ex(GDB, commands, prog, tmp_path)))
    ours = _variant(_masked(each_ex(FORKDBG, commands, prog, tmp_path)))
    assert "STRLEN" in gdb and any(ln.startswith("__printf (format=") for ln in gdb)
    assert ours == gdb
