"""The syscall table against the facts it is built from."""

from __future__ import annotations

from forkdbg.abi.sysprotos import PROTOS, narrow
from forkdbg.syscalls.table import build_table


def test_every_registered_call_has_its_c_prototype() -> None:
    """Narrowing int arguments needs Linux's argument types for each call forkdbg runs."""
    table = build_table()
    missing = sorted(d.name for d in table.values() if d.name not in PROTOS)
    assert missing == []
    assert all(len(PROTOS[d.name]) >= d.nargs for d in table.values())


def test_narrowing_keeps_register_form() -> None:
    assert narrow(0x1_0000_0001, "i") == 1
    assert narrow(0xFFFF_FFFF, "i") == 0xFFFF_FFFF_FFFF_FFFF  # int -1
    assert narrow(0x7_FFFF_FFFF, "u") == 0xFFFF_FFFF
    assert narrow(0x1_01A4, "h") == 0x01A4  # umode_t 0644
    d = build_table()[61]  # wait4(pid_t, int *, int, struct rusage *)
    assert d.arguments((0x1_0000_0005, 0x7000, 0x2_0000_0001, 0, 0, 0)) == (5, 0x7000, 1, 0)
