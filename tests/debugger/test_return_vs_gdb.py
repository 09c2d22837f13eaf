"""`return [EXPR]`: the selected frame is popped and its caller goes on with the value
converted to the function's return type (rax, xmm0), or with what EXPR's cast says in a
frame without debug information; compared with gdb 13 on a static `-g` program, from
the innermost frame and from an outer one (`up`, then `return 77` from `outer`)."""

from __future__ import annotations

from pathlib import Path

from dbg import FORKDBG, GDB, build_c, each_ex

PROGRAM = r"""#include <stdio.h>
struct pt { int x, y; };
int func1(void) { return 1; }
int func2(int a) { int b = a * 2; return -5 + b * 0; }
double func3(void) { return -5.0; }
long func4(long v) { return v + 1; }
struct pt func5(void) { struct pt p = {1, 2}; return p; }
void func6(void) { puts("six"); }
int outer(int n) { return func2(n) + 1; }
int main(void) {
    int tmp1 = func1();
    int tmp2 = func2(3);
    double tmp3 = func3();
    long tmp4 = func4(9);
    struct pt tmp5 = func5();
    func6();
    int tmp7 = outer(4);
    printf("%d %d %g %ld %d %d\n", tmp1, tmp2, tmp3, tmp4, tmp5.x, tmp7);
    return 0;
}
"""

COMMANDS = ["return", "break func1", "break func2", "break func3", "break func4",
            "break func6", "run", "return", "next", "p tmp1", "continue", "return 5",
            "next", "p tmp2", "continue", "return 5.5", "next", "p tmp3", "continue",
            "return (char) 7", "next", "p tmp4", "continue", "return", "continue",
            "up", "return 77", "info frame", "continue"]


def test_return_as_gdb(tmp_path: Path) -> None:
    prog = build_c(tmp_path, "r", PROGRAM, ["-O0", "-g", "-static"])
    gdb = each_ex(GDB, COMMANDS, prog, tmp_path)
    ours = each_ex(FORKDBG, COMMANDS, prog, tmp_path)
    assert "$2 = 5" in gdb and "$3 = 5.5" in gdb and "$4 = 7" in gdb
    assert any(ln.endswith(" 5 5.5 7 1 77") for ln in gdb)  # outer's 77 through main
    assert ours == gdb
