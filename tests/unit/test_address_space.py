"""AddressSpace: mapping, splitting, protection, brk, guest access, fork copies."""

from __future__ import annotations

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
