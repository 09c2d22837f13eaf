"""AddressSpace: mapping, splitting, protection, brk, guest access, fork copies."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

import pytest

from forkdbg.mm.address_space import MMAP_BASE, AddressSpace, Fault

RW, R = 3, 1


def test_map_read_write_split() -> None:
    mm = AddressSpace()
    mm.map(0x10000, 0x4000, RW, data=b"abc")
    assert mm.read(0x10000, 3) == b"abc"
    mm.write(0x11FFE, b"xyzw")  # across a page boundary
    assert mm.read(0x11FFE, 4) == b"xyzw"
    mm.unmap(0x11000, 0x1000)  # a hole in the middle
    assert [(v.start, v.end) for v in mm.vmas] == [(0x10000, 0x11000), (0x12000, 0x14000)]
    with pytest.raises(Fault):
        mm.read(0x11000, 1)
    assert mm.read(0x12000, 2) == b"zw"


def test_protect_and_force() -> None:
    mm = AddressSpace()
    mm.map(0x10000, 0x2000, RW)
    mm.protect(0x11000, 0x1000, R)
    with pytest.raises(Fault):
        mm.write(0x11000, b"x")
    mm.write(0x11000, b"x", force=True)  # the debugger's poke ignores protection
    assert mm.read(0x11000, 1) == b"x"
    with pytest.raises(Fault):
        mm.protect(0x13000, 0x1000, R)


def test_find_free_is_top_down() -> None:
    mm = AddressSpace()
    a = mm.find_free(0x1000)
    assert a == MMAP_BASE - 0x1000
    mm.map(a, 0x1000, RW)
    assert mm.find_free(0x2000) == a - 0x2000


def test_brk_grows_and_shrinks() -> None:
    mm = AddressSpace()
    mm.setup_brk(0x600000)
    assert mm.set_brk(0) == 0x600000
    assert mm.set_brk(0x623456) == 0x623456
    mm.write(0x623000, b"heap")
    assert mm.set_brk(0x601000) == 0x601000
    with pytest.raises(Fault):
        mm.read(0x623000, 1)


def test_fork_copies_private_and_shares_shared() -> None:
    mm = AddressSpace()
    mm.map(0x10000, 0x1000, RW, data=b"private")
    mm.map(0x20000, 0x1000, RW, shared=True, data=b"shared")
    mm.map(0x30000, 0x1000, R, data=b"text")
    child = mm.fork()
    child.write(0x10000, b"CHILD")
    child.write(0x20000, b"SHARE")
    assert mm.read(0x10000, 7) == b"private"
    assert mm.read(0x20000, 6) == b"SHAREd"
    assert child.read(0x30000, 4) == b"text"
    child.write(0x30000, b"T", force=True)  # unshares before poking
    assert mm.read(0x30000, 4) == b"text" and child.read(0x30000, 4) == b"Text"


def test_cstr_stops_at_unmapped() -> None:
    mm = AddressSpace()
    mm.map(0x10000, 0x1000, RW)
    mm.write(0x10FFC, b"abcd")
    with pytest.raises(Fault):
        mm.read_cstr(0x10FFC)
    assert mm.readable_prefix(0x10FFE, 10) == b"cd"


def _run(mm: AddressSpace, code_at: int) -> int:
    """Run the guest code at `code_at` up to its hlt in mm's engine; returns rax."""
    from unicorn import x86_const as X
    uc = mm.engine()
    try:
        uc.emu_start(code_at, code_at + 0x100)
    except Exception:  # noqa: BLE001 - hlt stops the engine with an error
        pass
    return uc.reg_read(X.UC_X86_REG_RAX)


def test_recycled_engine_gets_the_parents_bytes_only() -> None:
    """A fork child on an exited child's engine sees the parent's bytes and nothing the
    previous occupant wrote, even in pages the parent never touched."""
    from forkdbg.mm.fork import ShellPool
    pool = ShellPool()
    parent = AddressSpace()
    parent.map(0x10000, 0x2000, RW, data=b"parent")
    parent.map(0x30000, 0x1000, 5, data=b"\x48\xc7\xc0\x07\x00\x00\x00\xf4")  # rax=7; hlt
    first = parent.fork(pool)
    assert first.uc is None  # no engine until it runs
    first.engine()
    first.write(0x10000, b"FIRST!")
    first.write(0x11000, b"stale")
    first.map(0x50000, 0x1000, RW, data=b"only in the first child")
    assert _run(first, 0x30000) == 7
    assert pool.shelve(first) and first.released and first.uc is None
    second = parent.fork(pool)
    assert pool.reused == 1 and second.uc is not None
    assert second.read(0x10000, 6) == b"parent"
    assert second.read(0x11000, 5) == b"\0" * 5
    with pytest.raises(Fault):
        second.read(0x50000, 1)
    assert [(v.start, v.end) for v in second.vmas] == [(v.start, v.end) for v in parent.vmas]
    assert _run(second, 0x30000) == 7
    second.write(0x10000, b"SECOND")
    assert parent.read(0x10000, 6) == b"parent"  # still a private copy


def test_exec_image_on_a_recycled_engine_runs_its_own_code() -> None:
    """A shell's areas the new space does not share are unmapped with their translated
    code: different code at the same address runs as itself."""
    from forkdbg.mm.fork import ShellPool
    pool = ShellPool()
    lib = AddressSpace()
    lib.map(0x20000, 0x1000, R, data=b"shared text")
    a = lib.fork(pool)
    a.map(0x30000, 0x1000, 5, data=b"\x48\xc7\xc0\x01\x00\x00\x00\xf4")  # rax=1
    assert _run(a, 0x30000) == 1
    assert pool.shelve(a)
    b = AddressSpace(parked=True)
    b.map(0x20000, 0x1000, R, backing=lib.find(0x20000).backing)  # same host memory
    b.map(0x30000, 0x1000, 5, data=b"\x48\xc7\xc0\x02\x00\x00\x00\xf4")  # rax=2
    assert pool.attach(b) and pool.reused == 1
    assert _run(b, 0x30000) == 2
    assert b.read(0x20000, 11) == b"shared text"


def test_a_vdso_alone_does_not_choose_a_shell() -> None:
    """Every process maps the vDSO from the same memory: a fork child whose areas match a
    shell only there gets no shell (it would throw the shell's program code away), and
    a program whose text a shell holds gets that shell, its vDSO mapped afresh."""
    from forkdbg.mm.fork import ShellPool
    pool = ShellPool()
    vdso = AddressSpace()
    vdso.map(0x7000_0000, 0x2000, 5, name="[vdso]", data=b"vdso")
    other = AddressSpace()
    other.map(0x7000_0000, 0x2000, 5, name="[vdso]", backing=vdso.find(0x7000_0000).backing)
    other.map(0x30000, 0x1000, 5, data=b"\x48\xc7\xc0\x03\x00\x00\x00\xf4")  # rax=3
    text = other.find(0x30000).backing
    assert _run(other, 0x30000) == 3
    assert pool.shelve(other)
    child = AddressSpace(parked=True)
    child.map(0x7000_0000, 0x2000, 5, name="[vdso]", backing=vdso.find(0x7000_0000).backing)
    child.map(0x40000, 0x1000, 5, data=b"\xf4")
    assert pool.take(child.vmas) is None and pool.reused == 0
    same = AddressSpace(parked=True)
    same.map(0x7000_0000, 0x2000, 5, name="[vdso]", backing=vdso.find(0x7000_0000).backing)
    same.map(0x30000, 0x1000, 5, backing=text)
    assert pool.attach(same) and pool.reused == 1
    assert _run(same, 0x30000) == 3 and same.read(0x7000_0000, 4) == b"vdso"


def test_adjacent_anonymous_areas_merge_as_linux() -> None:
    """Consecutive anonymous mmaps with one protection are one area (and one unicorn
    region); a different protection stays apart; reused spare room reads as zeros."""
    mm = AddressSpace()
    top = MMAP_BASE
    for i in range(1, 6):
        start = mm.find_free(0x1000)
        assert start == top - i * 0x1000
        mm.map(start, 0x1000, RW)
        mm.write(start, b"%d" % i)
    assert [(v.start, v.end) for v in mm.vmas] == [(top - 0x5000, top)]
    assert len(list(mm.engine().mem_regions())) == 1
    assert [mm.read(top - i * 0x1000, 1) for i in range(1, 6)] == [b"1", b"2", b"3", b"4",
                                                                    b"5"]
    mm.unmap(top - 0x5000, 0x2000)  # the lowest two go; their room is taken again
    mm.map(top - 0x4000, 0x1000, RW)
    assert mm.read(top - 0x4000, 2) == b"\0\0"
    mm.map(top - 0x5000, 0x1000, R)
    assert [(v.start, v.end, v.prot) for v in mm.vmas] == [(top - 0x5000, top - 0x4000, R),
                                                          (top - 0x4000, top, RW)]
    mm.map(top, 0x1000, RW)  # growing upward too
    assert [(v.start, v.end) for v in mm.vmas][-1] == (top - 0x4000, top + 0x1000)
    assert mm.read(top - 0x3000, 1) == b"3"


def test_a_file_backed_buffer_reads_the_file_and_copies_whole(tmp_path: Path) -> None:
    """A read-only segment mapped from its file reads as the file without being read
    first; a private copy (a debugger's poke, a write after mprotect) has every page,
    though the host never touched most of them; stores never reach the file."""
    from forkdbg.mm.hostmem import PAGE, Backing
    f = tmp_path / "prog"
    f.write_bytes(bytes(range(256)) * 64)  # 4 pages
    fd = os.open(f, os.O_RDONLY)
    try:
        b = Backing.of_file(fd, PAGE, 2 * PAGE)
    finally:
        os.close(fd)
    assert ctypes.string_at(b.addr, 2 * PAGE) == f.read_bytes()[PAGE:3 * PAGE]
    c = b.copy()
    assert ctypes.string_at(c.addr, 2 * PAGE) == f.read_bytes()[PAGE:3 * PAGE]
    ctypes.memset(b.addr, 0, 16)
    assert f.read_bytes()[PAGE:PAGE + 16] == bytes(range(16))
