"""Programs described by CTF instead of DWARF (`gcc -gctf`, linked with --strip-debug
and --ctf-variables, as gdb's whatis.exp builds its second half).

gdb 13's own CTF reader misreads bitfields, merges conflicting types and can abort on
anonymous members (gdb.base/whatis.exp's CTF half is where forkdbg is compared with
it), so here forkdbg reading the CTF build answers `whatis`, `ptype` and `print` as gdb
reading the DWARF build of the same source does."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dbg import FORKDBG, GDB, each_ex
from helpers import require

TYPES = """
typedef unsigned short ushort_t;
typedef struct pair { int x, y; } point_t;
struct shared { int a; };
enum colour { RED, GREEN = 5, BLUE = -2 };
union either { int i; double d; char c[3]; };
struct flags { unsigned a : 3; int b : 5; unsigned char c; long d : 40; _Bool ok; };
struct node { struct node *next; int (*cmp)(const struct node *, int, ...); };
struct outer { int tag; struct { short s; char c; } inner; union { long l; float f; }; };
"""
MAIN = TYPES + """
char v_char = 'x';
unsigned long v_ulong = 123456789UL;
long long v_ll = -5;
float v_float = 1.5f;
double v_double = -2.25;
const volatile int v_cv = 7;
ushort_t v_ushort = 65535;
point_t v_point = {3, 4};
point_t *v_point_ptr = &v_point;
enum colour v_colour = BLUE;
union either v_either;
struct flags v_flags = {5, -3, 'q', -1000, 1};
struct node v_node = {&v_node, 0};
struct outer v_outer = {1, {2, 'z'}, {-7}};
int v_ints[4] = {1, 2, 3, 4};
char v_text[] = "ctf";
const char *v_name = "name";
int (*v_fnptr)(int);
struct shared m_shared = {5};
extern int other(void);

int main(void)
{
    v_either.i = 65;
    return v_char + other() == 0;
}
"""
OTHER = """
struct shared { long x, y, z; };  /* unlike main.c's: a child dictionary in the archive */
struct shared o_shared = {1, 2, 3};
int o_count = 9;
int other(void) { return o_shared.z + o_count; }
"""
VARIABLES = ["v_char", "v_ulong", "v_ll", "v_float", "v_double", "v_cv", "v_ushort",
             "v_point_ptr", "v_colour", "v_either", "v_flags", "v_node", "v_outer",
             "v_ints", "v_text", "v_name", "v_fnptr", "o_count", "o_shared", "m_shared"]
TYPE_NAMES = ["ushort_t", "point_t", "enum colour", "union either", "struct flags",
              "struct node", "struct outer", "struct nosuch", "unsigned long", "ushort_t *"]
# after these, the program's stop differs by design: CTF has no line table
# (ld 2.40 records struct flags' size as 10 in the linked CTF, where the compiler said 8:
# its ptype/o padding line would tell the linker's bug, not the reader's)
BEFORE_RUN = [f"{c} {v}" for c in ("whatis", "ptype") for v in VARIABLES] + \
    [f"ptype/o {v}" for v in VARIABLES if v != "v_flags"] + \
    [f"{c} {t}" for c in ("whatis", "ptype") for t in TYPE_NAMES] + \
    ["print sizeof(struct outer)", "print v_colour", "print/x v_ints", "print RED + BLUE",
     "print v_flags", "print v_flags.d", "print v_flags.b + 1", "print v_outer"]
AFTER_RUN = [f"print {v}" for v in VARIABLES] + \
    ["print v_point_ptr->y", "print v_outer.inner", "print &v_outer.inner.c",
     "print v_node.next->next == &v_node", "print *v_point_ptr", "set var v_flags.c = 'r'",
     "print v_flags", "print v_text[1]", "output v_ints", "echo \\n"]


def _build(tmp: Path, flags: list[str], out: str) -> str:
    subprocess.run(["gcc", "-static", "-O0", *flags, "-o", out, "main.c", "other.c"],
                   cwd=tmp, check=True, timeout=120, capture_output=True)
    return str(tmp / out)


def _run(debugger: list[str], prog: str, tmp: Path) -> list[str]:
    """The commands, without the stop line `run` prints (CTF has no source lines)."""
    out = each_ex(debugger, BEFORE_RUN + ["break main", "run"] + AFTER_RUN, prog, tmp)
    return [ln for ln in out if not ln.startswith("Breakpoint 1")
            and not ln.startswith(("main () at", "2", "3", "4"))]


def test_ctf_reads_as_gdb_reads_dwarf(tmp_path: Path) -> None:
    require("gcc")
    require("gdb")
    (tmp_path / "main.c").write_text(MAIN)
    (tmp_path / "other.c").write_text(OTHER)
    probe = subprocess.run(["gcc", "-gctf", "-c", "-o", "probe.o", "other.c"], cwd=tmp_path,
                           capture_output=True, timeout=120)
    if probe.returncode != 0:
        pytest.skip("this gcc cannot write CTF (-gctf)")
    ctf = _build(tmp_path, ["-gctf", "-Wl,--strip-debug", "-Wl,--ctf-variables"], "prog-ctf")
    dwarf = _build(tmp_path, ["-g"], "prog-g")
    gdb = _run(GDB, dwarf, tmp_path)
    ours = _run(FORKDBG, ctf, tmp_path)
    assert ours == gdb
    # the values are the program's, read at main: not an empty comparison
    assert any(ln.endswith("= {x = 1, y = 2, z = 3}") for ln in ours)
    assert any(ln.endswith("= {a = 5}") for ln in ours)
    assert any("d = -1000" in ln for ln in ours)


def test_ctf_section_is_read(tmp_path: Path) -> None:
    """The archive's parent and its children, as libctf lays them out."""
    from forkdbg.ctf.format import CHILD_BASE, read_section
    from elftools.elf.elffile import ELFFile
    require("gcc")
    (tmp_path / "main.c").write_text(MAIN)
    (tmp_path / "other.c").write_text(OTHER)
    try:
        prog = _build(tmp_path, ["-gctf", "-Wl,--strip-debug", "-Wl,--ctf-variables"], "p")
    except subprocess.CalledProcessError:
        pytest.skip("this gcc cannot write CTF (-gctf)")
    with open(prog, "rb") as f:
        data = ELFFile(f).get_section_by_name(".ctf").data()
    dicts = read_section(data)
    assert [d.name for d in dicts] == ["", "T/main.c".replace("T", str(tmp_path)),
                                       "T/other.c".replace("T", str(tmp_path))]
    parent, main_c, other_c = dicts
    # both files define struct shared differently: each child has its own definition
    # (numbered from 0x80000000) and the variables of that type, the parent none
    assert ("struct", "shared") not in parent.named
    assert "o_shared" not in parent.variables and "v_flags" in parent.variables
    assert [m.name for m in main_c.named[("struct", "shared")].members] == ["a"]
    assert [m.name for m in other_c.named[("struct", "shared")].members] == ["x", "y", "z"]
    assert min(other_c.types) == CHILD_BASE + 1
    assert str(other_c.variables["o_shared"]) == "struct shared"
    assert str(main_c.variables["m_shared"]) == "struct shared"
    flags = parent.named[("struct", "flags")]
    assert [(m.name, m.offset, m.bit_offset, m.bit_size) for m in flags.members] == [
        ("a", 0, 0, 3), ("b", 0, 3, 5), ("c", 1, 0, 0), ("d", 2, 0, 40), ("ok", 7, 0, 0)]
