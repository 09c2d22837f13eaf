"""`_Complex` values as gdb 13 shows them: `1 + 2i` in frame lines, `info args`, `print`,
`output` and `finish`; `/x` on the whole; passed to and returned from functions called
in expressions by the System V convention (two SSE eightbytes for a double complex, one
for a float complex), converted half by half to the parameter's type."""

from __future__ import annotations

from pathlib import Path

from dbg import FORKDBG, GDB, build_c, each_ex

PROGRAM = r"""#include <complex.h>
#include <stdio.h>
double complex add(double complex a, double complex b) { return a + b; }
float complex twice(float complex a) { return a * 2; }
long double complex ld(long double complex a) { return a; }
double complex z = 1.0 + 2.0 * I;
float complex w = 3.0f - 1.0f * I;
long double complex x = 5.0L + 6.0L * I;
int main(void) {
    double complex r = add(z, z);
    float complex q = twice(w);
    long double complex y = ld(x);
    printf("%g %g %g %g %Lg\n", creal(r), cimag(r), crealf(q), cimagf(q), creall(y));
    return 0;
}
"""

COMMANDS = ["break add", "break twice", "run", "info args", "bt 1", "finish", "continue",
            "finish", "p z", "p w", "p x", "p/x w", "output z", "whatis z", "ptype w",
            "p sizeof(x)", "delete", "p add(z, z)", "p twice(w)", "p $",
            "whatis add(z, w)", "p add(z, w)", "p add(w, w)"]


def test_complex_values_as_gdb(tmp_path: Path) -> None:
    prog = build_c(tmp_path, "c", PROGRAM, ["-O0", "-g", "-static"])
    gdb = each_ex(GDB, COMMANDS, prog, tmp_path)
    ours = each_ex(FORKDBG, COMMANDS, prog, tmp_path)
    assert "Value returned is $1 = 2 + 4i" in gdb and "$3 = 1 + 2i" in gdb
    assert ours == gdb
