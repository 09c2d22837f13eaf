"""Values only partly optimized out (a struct in pieces, one piece gone): shown member by
member (`{a = 21, b = <optimized out>, c = 15}`) in `print`, `info locals`, `p/x` and
`output`; a member that is there prints, one that is not is `<optimized out>`; and an
operation that needs an optimized-out value's contents fails with gdb's `value has
been optimized out` (it computed with zeros). Compared with gdb 13 on `-O2 -g` code."""

from __future__ import annotations

import re
from pathlib import Path

from dbg import FORKDBG, GDB, build_c, each_ex

PROGRAM = r"""struct big { long a; long b; long c; };
__attribute__((noinline)) long use(long v) { __asm__ volatile("" ::: "memory"); return v + 1; }
__attribute__((noinline)) long opaque(void) {
    static long k = 5; __asm__ volatile("" ::: "memory"); return k++;
}
__attribute__((noinline)) long g(long n) {
    struct big b = { n * 7, opaque(), n * 5 };
    long s = use(b.a);
    s += use(b.c);
    return s + b.b;
}
__attribute__((noinline)) long h(long n) {
    struct big b = { n * 7, opaque(), n * 5 };
    long s = use(b.a);
    s += use(b.c);
    return s;
}
int main(void) { return (int)(g(7) + h(3)); }
"""

# in g's first frame b.c is gone; in h's, b.b.  gdb 13 dies on arithmetic with any
# member of such a value (`p b.c * 2`: dwarf2/expr.c:165 internal-error): left out
COMMANDS = ["break use", "run", "up", "info locals", "p b", "p b.b", "p b.a", "p/x b",
            "p s", "p s + 1", "p -s", "p !s", "p s == 0", "p (char) s", "p/x s", "output s",
            "p $_isvoid(s)", "p &s", "p s ? 1 : 2", "p s && 1",
            "continue", "continue", "up", "info locals", "p b", "p b.b", "p b.c",
            "output b", "p/x b"]


def test_partly_optimized_out_values_as_gdb(tmp_path: Path) -> None:
    prog = build_c(tmp_path, "q", PROGRAM, ["-O2", "-g", "-static"])
    gdb = each_ex(GDB, COMMANDS, prog, tmp_path)
    ours = each_ex(FORKDBG, COMMANDS, prog, tmp_path)
    partial = [ln for ln in gdb if re.search(r"\{a = \d+, .*<optimized out>", ln)]
    assert partial and "value has been optimized out" in gdb
    assert ours == gdb
