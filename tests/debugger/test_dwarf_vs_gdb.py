"""forkdbg's reading of DWARF against gdb's own: the line table gdb records (`maint info
line-table`), and the places gdb puts breakpoints, on our -g samples and on a generated
program with loops, nested blocks, inlined helpers and several files."""

from __future__ import annotations

import os
import sys
import re
import subprocess
from pathlib import Path

import pytest

from forkdbg.dwarf.info import DebugInfo
from dbg import FORKDBG, GDB, each_ex, forkdbg_batch, gdb_batch, normalize
from helpers import ROOT, SAMPLES, require

DEBUG_SAMPLES = ["glibc/lines-g", "glibc/lines-O2-g", "glibc/lines-dwarf4", "musl/lines-g"]

GENERATED = {
    "gen_a.c": """#include <stdio.h>
static inline int twice(int v) { return v * 2; }
int loops(int n)
{
    int acc = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < i; j++)
            acc += twice(j);
        while (acc > 100)
            acc -= 7;
    }
    do { acc++; } while (acc % 3);
    return acc;
}
""",
    "gen_b.c": """#include <stdio.h>
int loops(int n);
struct pair { int a, b; };
static int pick(struct pair p, int which) { return which ? p.b : p.a; }
int main(int argc, char **argv)
{
    struct pair p = {argc, 2};
    int r = loops(argc + 5);
    switch (r % 4) {
    case 0: r += pick(p, 0); break;
    case 1: r += pick(p, 1); break;
    default: r--;
    }
    printf("%d\\n", r);
    return 0;
}
""",
}


def _gdb_rows(binary: str) -> list[tuple[str, str, int, bool]]:
    """(symtab, line or END, address, is_stmt) of every row gdb records."""
    require("gdb")
    out = subprocess.run(["gdb", "-nx", "-batch", "-ex", "maint expand-symtabs",
                          "-ex", "maint info line-table", binary],
                         capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C"}).stdout
    rows, symtab = [], ""
    for line in out.splitlines():
        if line.startswith("symtab: "):
            symtab = line.split()[1]
            continue
        m = re.match(r"^\d+\s+(\d+|END)\s+0x([0-9a-f]+)\s+(Y?)", line)
        if m:
            rows.append((symtab if m.group(1) != "END" else "", m.group(1),
                         int(m.group(2), 16), m.group(3) == "Y"))
    return rows


def _our_rows(binary: str) -> list[tuple[str, str, int, bool]]:
    info = DebugInfo(Path(binary).read_bytes())
    return [(r.file.fullname if r.file else "", str(r.line) if r.file else "END", r.addr,
             r.is_stmt) for r in info.lines.rows]


def _generated(tmp: Path, flags: list[str]) -> str:
    require("gcc")
    for name, text in GENERATED.items():
        (tmp / name).write_text(text)
    out = tmp / "gen"
    subprocess.run(["gcc", "-static", *flags, "-o", str(out), *GENERATED], cwd=tmp,
                   check=True, timeout=120)
    return str(out)


@pytest.mark.parametrize("name", DEBUG_SAMPLES)
def test_line_table_is_gdbs(name: str) -> None:
    binary = str(SAMPLES / name)
    cwd = os.getcwd()
    os.chdir(ROOT)  # the samples record their sources relative to the repository
    try:
        ours = _our_rows(binary)
    finally:
        os.chdir(cwd)
    theirs = _gdb_rows(binary)
    # gdb also lists a row for each END of a file's share of a sequence; ours has one END
    # per sequence: compare the rows with lines exactly, and the ENDs as addresses
    assert sorted(r for r in ours if r[1] != "END") == sorted(r for r in theirs if r[1] != "END")
    assert {r[2] for r in ours if r[1] == "END"} <= {r[2] for r in theirs if r[1] == "END"}


@pytest.mark.parametrize("flags", [["-O0", "-g"], ["-O2", "-g"], ["-O1", "-gdwarf-4"]],
                         ids=["O0", "O2", "O1-dwarf4"])
def test_generated_line_tables_and_breakpoints(flags: list[str], tmp_path: Path) -> None:
    binary = _generated(tmp_path, flags)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        ours = _our_rows(binary)
    finally:
        os.chdir(cwd)
    theirs = _gdb_rows(binary)
    assert sorted(r for r in ours if r[1] != "END") == sorted(r for r in theirs if r[1] != "END")


def _breaks(binary: str, cwd: Path) -> tuple[list[str], list[str]]:
    """What gdb and forkdbg say to a breakpoint on every function and every line."""
    cmds = ["set breakpoint pending off"]
    cmds += [f"break {fn}" for fn in ("main", "loops", "pick", "twice", "nosuch")]
    for name, text in GENERATED.items():
        cmds += [f"break {name}:{n}" for n in range(1, text.count("\n") + 3)]
    cmds += ["info breakpoints"]
    args = [a for c in cmds for a in ("-ex", c)]  # each on its own: an error ends no script
    outs = []
    for argv in (["gdb", "-nx", "-batch"], [sys.executable, "-m", "forkdbg", "-batch"]):
        p = subprocess.run(argv + args + [binary], capture_output=True, text=True, cwd=cwd,
                           timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp",
                                             "LANG": "C", "PYTHONPATH": str(ROOT)})
        outs.append((p.stdout + p.stderr).splitlines())
    return outs[0], outs[1]


@pytest.mark.parametrize("flags", [["-O0", "-g"], ["-O2", "-g"]], ids=["O0", "O2"])
def test_breakpoints_where_gdb_puts_them(flags: list[str], tmp_path: Path) -> None:
    binary = _generated(tmp_path, flags)
    gdb, ours = _breaks(binary, tmp_path)
    assert ours == gdb


LIB = """struct acc { int n; long sum; };
int add_up(struct acc *a, int v)
{
    a->n++;
    a->sum += v;
    return a->n;
}
"""
PROG = """#include <stdio.h>
#include <unistd.h>
struct acc { int n; long sum; };
int add_up(struct acc *a, int v);
int main(void)
{
    struct acc a = {0, 0};
    if (fork() == 0)
        add_up(&a, 5);
    add_up(&a, 7);
    printf("sums %d %ld\\n", a.n, a.sum);
    return 0;
}
"""


def test_shared_library_source_level(tmp_path: Path) -> None:
    """A dynamically linked program and a shared library built with -g (issue 15's DWARF
    of shared objects): a pending FILE:LINE breakpoint in the library, its frames,
    arguments and members, finish back into the program's source."""
    require("gcc")
    (tmp_path / "lib.c").write_text(LIB)
    (tmp_path / "prog.c").write_text(PROG)
    subprocess.run(["gcc", "-g", "-shared", "-fPIC", "-o", "libacc.so", "lib.c"],
                   cwd=tmp_path, check=True, timeout=120)
    subprocess.run(["gcc", "-g", "-o", "prog", "prog.c", "-L.", "-lacc",
                    f"-Wl,-rpath,{tmp_path}"], cwd=tmp_path, check=True, timeout=120)
    script = tmp_path / "cmds.gdb"
    script.write_text("set breakpoint pending on\nbreak lib.c:5\nbreak add_up\nrun\nbt\n"
                      "p *a\np a->sum + v\ninfo args\nfinish\nnext\ninfo sharedlibrary\n")
    g = gdb_batch(script.read_text(), [str(tmp_path / "prog")], tmp_path)
    f = forkdbg_batch(script.read_text(), [str(tmp_path / "prog")], tmp_path)

    def lines(text: str) -> list[str]:
        return [ln for ln in normalize(text.replace(str(tmp_path), "T"))
                if not ln.startswith("sums ")]
    assert lines(f.stdout) == lines(g.stdout)
    assert "Breakpoint 1, add_up (a=0xSTACK, v=7) at lib.c:5" in lines(f.stdout)


def test_inline_frames_as_gdb(tmp_path: Path) -> None:
    """A breakpoint in an inlined function stops in gdb's inline frame: `twice (v=...)`
    at its own line, its caller `loops` at the call's line without an address, `up` and
    `down` between them, each frame's own arguments and locals, and the caller's
    argument with its entry value from main's call site (`n=n@entry=6`)."""
    binary = _generated(tmp_path, ["-O2", "-g"])
    cmds = ["break twice", "run", "bt 2", "up", "info args", "info locals", "down",
            "info args", "p v", "continue", "bt 2", "frame 1", "p n"]
    gdb = each_ex(GDB, cmds, binary, tmp_path)
    ours = each_ex(FORKDBG, cmds, binary, tmp_path)
    assert ours == gdb
    assert "#1  loops (n=n@entry=6) at gen_a.c:8" in ours
    assert "Breakpoint 1, twice (v=<optimized out>) at gen_a.c:2" in ours
