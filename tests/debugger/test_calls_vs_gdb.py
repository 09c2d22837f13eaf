"""Calling the program's functions from expressions, against gdb: every class of the
System V convention (integers, pointers, floats and doubles, small structs in registers
of both kinds, large structs in memory, unions, more arguments than registers, variadic
functions), the values they return (in rax/rdx, xmm0/xmm1 or through a hidden pointer),
conversions to the prototype's types, and gdb's errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dbg import FORKDBG, GDB, each_ex
from helpers import require

SOURCE = r"""
#include <stdarg.h>
#include <stdio.h>
struct two_ints { int a, b; };
struct mixed { int i; double d; };
struct two_doubles { double x, y; };
struct floats { float f, g, h; };
struct big { long v[5]; char tag; };
struct chars { char c[3]; };
union either { long l; double d; };
struct bits { unsigned a : 3; int b : 9; char c; };

double scale(double x, float f, int n) { return x * f * n; }
float half(float f) { return f / 2; }
long sum8(long a, long b, long c, long d, long e, long f, long g, long h)
{ return a + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8; }
double dsum10(double a, double b, double c, double d, double e, double f, double g,
              double h, double i, double j)
{ return a + b + c + d + e + f + g + h + i * 10 + j * 100; }
struct two_ints swap(struct two_ints t) { struct two_ints r = {t.b, t.a}; return r; }
struct mixed bump(struct mixed m, int by) { m.i += by; m.d *= by; return m; }
struct two_doubles flip(struct two_doubles t) { struct two_doubles r = {t.y, t.x}; return r; }
struct floats grow(struct floats s) { s.f += 1; s.g += 2; s.h += 3; return s; }
struct big make_big(long seed, char tag)
{ struct big b; for (int i = 0; i < 5; i++) b.v[i] = seed * i; b.tag = tag; return b; }
long big_sum(struct big b, int extra) { long s = extra; for (int i = 0; i < 5; i++) s += b.v[i]; return s + b.tag; }
double either_d(union either u) { return u.d; }
int bits_total(struct bits b) { return b.a + b.b + b.c; }
char first(struct chars c) { return c.c[0]; }
unsigned char uc(int x) { return (unsigned char) x; }
long long negll(long long x) { return -x; }
const char *pick(int i) { return i ? "one" : "zero"; }
int vsum(int n, ...)
{ va_list ap; va_start(ap, n); double s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, double); va_end(ap); return (int) s; }
int knr();
int knr(a, b) int a; double b; { return a + (int) b; }
void nothing(void) { }

struct two_ints ti = {3, 4};
struct mixed mx = {7, 1.5};
struct two_doubles td = {1.25, -2.5};
struct floats fl = {0.5f, 1.5f, 2.5f};
struct big bg = {{1, 2, 3, 4, 5}, 'q'};
union either ue = {.d = 6.25};
struct bits bt = {5, -100, 'x'};
struct chars ch = {{'z', 'y', 'x'}};

int main(void)
{
    static int counter[3];
    counter[1] = 2;
    printf("%g %d\n", scale(1, 2, 3), vsum(2, 1.0, 2.0));
    return 0;
}
"""
CALLS = ["print scale(1.5, 2, 3)", "print scale(2, 0.5, 4)", "whatis scale(1, 1, 1)",
         "print half(3)", "print half(2.5)", "print sum8(1, 2, 3, 4, 5, 6, 7, 8)",
         "print dsum10(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)",
         "print dsum10(1.5, 2, 3, 4, 5, 6, 7, 8, 9.25, 10.5)",
         "print swap(ti)", "print bump(mx, 3)", "print flip(td)", "print grow(fl)",
         "print make_big(3, 'k')", "print make_big(2, 'a').v[4]", "print big_sum(bg, 10)",
         "print big_sum(make_big(1, 0), 1)", "print either_d(ue)", "print bits_total(bt)",
         "print first(ch)", "print uc(300)", "print negll(-5)", "print pick(1)",
         "print *pick(0)@4", "print vsum(3, 1.5, 2.5, 3.0)", "print knr(2, 3.9)",
         "call nothing()", "print nothing()", "print scale(1)", "print half(1, 2)",
         "print swap(3)", "print $_isvoid(nothing())", "print sizeof(make_big(1, 2))",
         "output bump(mx, 2)", "print &counter", "print &counter[1]", "print/a &counter[1]",
         "print/a (long) &counter[1]", "output &counter[2]"]


def test_calls_as_gdb(tmp_path: Path) -> None:
    require("gcc")
    (tmp_path / "calls.c").write_text(SOURCE)
    subprocess.run(["gcc", "-static", "-O0", "-g", "-o", "calls", "calls.c"], cwd=tmp_path,
                   check=True, timeout=120, capture_output=True)
    cmds = ["break main", "run"] + CALLS
    gdb = each_ex(GDB, cmds, str(tmp_path / "calls"), tmp_path)
    ours = each_ex(FORKDBG, cmds, str(tmp_path / "calls"), tmp_path)
    assert ours == gdb
    assert any("= {x = -2.5, y = 1.25}" in ln for ln in ours)  # the calls did run


FINISH = r"""
struct two_doubles { double x, y; };
struct big { long v[5]; char tag; };
struct mixed { int i; double d; };
struct two_doubles flip(struct two_doubles t) { struct two_doubles r = {t.y, t.x}; return r; }
struct big make_big(long seed) { struct big b; for (int i = 0; i < 5; i++) b.v[i] = seed * i; b.tag = 'k'; return b; }
struct mixed mix(int i) { struct mixed m = {i, i / 4.0}; return m; }
float half(float f) { return f / 2; }
int inner(int x) { return x * 3; }
int outer(int x) { return inner(x) + 1; }
int main(void)
{
    struct two_doubles t = {1.5, -2};
    t = flip(t);
    struct big b = make_big(3);
    struct mixed m = mix(9);
    return (int) half(t.x) + (int) b.v[1] + m.i + outer(2) == 0;
}
"""


def test_finish_values_as_gdb(tmp_path: Path) -> None:
    """`finish` prints what the function returned wherever the convention left it (two
    SSE registers, memory, INTEGER and SSE together), and `up` then `finish` runs until
    the selected frame returns."""
    require("gcc")
    (tmp_path / "fin.c").write_text(FINISH)
    subprocess.run(["gcc", "-static", "-O0", "-g", "-o", "fin", "fin.c"], cwd=tmp_path,
                   check=True, timeout=120, capture_output=True)
    cmds = ["break flip", "break make_big", "break mix", "break half", "break inner", "run",
            "finish", "p $", "p $.x", "continue", "finish", "p $.v[4]", "continue",
            "finish", "continue", "finish", "continue", "up", "finish", "p $"]
    gdb = each_ex(GDB, cmds, str(tmp_path / "fin"), tmp_path)
    ours = each_ex(FORKDBG, cmds, str(tmp_path / "fin"), tmp_path)
    assert ours == gdb
    assert "Value returned is $1 = {x = -2, y = 1.5}" in ours
