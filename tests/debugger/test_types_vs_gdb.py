"""gdb's type printer and C expression rules, against gdb itself on a generated -g
program: ptype's depth of expansion (anonymous members, incomplete and empty structs),
ptype/o's offset column, qualifiers' order, array literals, the comma operator, C's
conversions (enums and typedefs promote, `1u` is unsigned int, floats read from memory),
bitfields in expressions, char pointers and NaNs as gdb prints them, and typedefs
looked up in the file last listed first."""

from __future__ import annotations

import subprocess
from pathlib import Path

from dbg import FORKDBG, GDB, each_ex
from helpers import require

MAIN = """
typedef int foo;
struct opaque;
struct opaque *op;
struct empty {} emp;
const volatile int cv = 3;
volatile const char *vcp;
char *const volatile pcv;
enum colour { RED, GREEN = 5, BLUE = -2 } colour = BLUE;
enum level { LOW, HIGH } level = HIGH;
struct flags { unsigned a : 3; int b : 5; unsigned char c; long d : 40; char e; };
struct flags fl = {5, -3, 'q', -1000, 'e'};
union un { char c; struct flags f; } un;
struct wrap { struct flags f; char tail; union un uu; struct flags *fp; struct flags arr[2]; } wr;
struct outer {
    int tag;
    struct { short s; union { char c; int i; } u; } inner;
    union { long l; float f; };
} vo = {1, {2, {'z'}}, {-7}};
struct node { struct node *next; int (*cmp)(const struct node *, int, ...); } node = {&node, 0};
char buf[8] = "hello";
unsigned char ubuf[4] = "ab";
const char *cp = buf + 1;
unsigned char *up = ubuf;
typedef char *str_t;
str_t st = buf;
unsigned short us = 65535;
long long ll = -5;
unsigned long ul = 7;
int ints[3] = {4, 5, 6};
float fv = 1.5;
double dv = -2.25;
long double ldv = 1.0L / 3, ldbig = -2.5e300L, ldzero;
extern char charfoo(int);
foo intfoo(int afoo)
{
    charfoo(afoo);
    return afoo * 2;
}
int main(void) { return intfoo(1) == 0; }
"""
OTHER = """typedef char foo;
foo charfoo(int afoo)
{
    return afoo * 2;
}
"""
STATIC = ["ptype op", "ptype struct opaque", "whatis *op", "ptype emp", "print emp",
          "whatis cv", "ptype vcp", "whatis pcv", "ptype vo", "whatis vo.inner",
          "ptype vo.inner", "print vo", "ptype node", "print node", "ptype/o struct outer",
          "ptype/o vo", "ptype/o emp", "ptype/o op", "ptype/o struct flags",
          "ptype/o union un", "ptype/o struct wrap", "ptype/ox struct wrap",
          "ptype/o struct flags *", "ptype/x wr", "whatis/o wr", "ptype/o int",
          "ptype/q int", "ptype/ int", "ptype/o", "print fl", "print fl.d", "print fl.b",
          "print/x fl.b", "print fl.d + 1", "whatis fl.d", "print RED + BLUE",
          "whatis RED + BLUE", "whatis LOW + HIGH", "print -colour", "whatis -colour",
          "whatis us + 1", "whatis ll + 1", "whatis ul * 2", "whatis 1u + 1",
          "whatis 1ll + 1", "whatis 1 == 1", "print cp", "print up", "print st",
          "print &buf[2]", "print &ubuf[1]", "print (char *) buf",
          "print (unsigned char *) buf", "output cp", "print/x cp", "print vo.f",
          "print 1, 2", "print (ints[1], 9)", "print fv * 2", "print dv + 1",
          "print vo.f + 1", "print -(vo.f)", "print ints[1] + fv", "print -dv",
          "print (int) dv", "print fv == 1.5", "print/x fv", "whatis fv * 2",
          "whatis fv * 2.0", "print fv / 3", "whatis 1.5f + 1", "print 0.0/0", "print ldv", "print ldbig", "print ldzero", "whatis ldv",
          "print -(0.0/0)", "print -(0.0)", "print !fv", "set var fv = 2.25", "list intfoo", "ptype foo",
          "list charfoo", "ptype foo", "whatis foo", "list intfoo", "ptype foo",
          # print's format letters as gdb decodes them, functions in arithmetic
          "print/d ints[0]", "print/r ints[0]", "print/x ints[0]", "print/r ints[0]",
          "print/ ints[0]", "print ints[0]", "print/0 ints[0]", "print/2x us", "print/i us",
          "print/xb us", "print/s us", "print/k us", "print/c", "output/i us",
          "print main+4", "print/a main+4", "whatis main+4", "print *main",
          "print main - main", "print 1 +", "print )", "print/a &&us",
          "show print asm-demangle", "set print asm-demangle on", "show print asm-demangle",
          "show print demangle"]
RUNNING = ["break main", "run", "break 3 thread 999", "break 3 thread 1.999",
           "break 3 thread 2.1", "break 3 thread foo", "thread foo", "thread 0",
           "thread -1", "set listsize 1", "list -", "list -", "set listsize 10",
           "advance intfoo", "bt", "up", "set print address off", "bt", "print &us",
           "print cp", "print node", "print (int *) 8", "print (char *) 0", "print main",
           "print intfoo", "tbreak other.c:4", "stepi", "set print frame-arguments none",
           "bt", "set print frame-arguments presence", "bt", "show print frame-arguments",
           "set print frame-arguments scalars", "set print address on", "print (int *) 8",
           "ptype \"abc\"", "ptype {'a','b','c'}", "ptype {0,1,2}",
           "ptype {(long)0,(long)1,(long)2}", "ptype {(float)0,(float)1,(float)2}",
           "ptype {{0,1,2},{3,4,5}}", "ptype {4,5,6}[2]", "ptype *&{4,5,6}[1]",
           "print {4,5,6}", "print {1.5,2.5}", "print {{1,2},{3,4}}[1]", "print {1,2}[5]",
           "print {'a','b'}", "print sizeof({1,2,3})", "print {1, 2L}",
           "print ints[1], 5", "set var fv = 2.25", "print fv", "set var ints[0] = 7.9",
           "print ints", "set var dv = fv * 3", "print dv", "break charfoo", "continue",
           "ptype foo", "up", "ptype foo",
           # a call that stops inside: gdb's dummy frame, popped when the function returns
           "frame 0", "print intfoo(3)", "bt", "up 2", "frame 3", "print intfoo(4)", "bt",
           "continue", "bt", "delete", "continue", "bt", "print $pc == charfoo + 4",
           "frame 1", "frame 3"]


def test_types_and_expressions_as_gdb(tmp_path: Path) -> None:
    require("gcc")
    (tmp_path / "main.c").write_text(MAIN)
    (tmp_path / "other.c").write_text(OTHER)
    subprocess.run(["gcc", "-static", "-O0", "-g", "-o", "prog", "main.c", "other.c"],
                   cwd=tmp_path, check=True, timeout=120)
    prog = str(tmp_path / "prog")
    gdb = each_ex(GDB, STATIC + RUNNING, prog, tmp_path)
    ours = each_ex(FORKDBG, STATIC + RUNNING, prog, tmp_path)
    assert ours == gdb
    assert "type = int [2][3]" in ours and "type = char" in ours  # not an empty run
