"""The ELF loader and the symbol table."""

from __future__ import annotations

from pathlib import Path

import pytest

from forkdbg.elf.loader import ElfError, parse_elf
from forkdbg.elf.symbols import SymbolTable
from helpers import sample


def test_plan_of_static_exec() -> None:
    data = Path(sample("glibc", "hello")).read_bytes()
    plan = parse_elf(data, "hello")
    assert not plan.pie
    assert plan.segments[0].vaddr == 0x400000
    prots = [s.prot for s in plan.segments]
    assert 5 in prots and 3 in prots  # r-x text, rw- data (PROT_* bits)
    assert plan.tls is not None
    assert any(s.memsz > len(s.data) for s in plan.segments)  # bss


def test_plan_of_static_pie() -> None:
    plan = parse_elf(Path(sample("glibc", "hello-pie")).read_bytes(), "hello-pie")
    assert plan.pie and plan.segments[0].vaddr == 0


def test_rejects() -> None:
    with pytest.raises(ElfError, match="not an ELF"):
        parse_elf(b"#!/bin/sh\n", "x")
    with pytest.raises(ElfError, match="truncated"):
        parse_elf(b"\x7fELF\x02\x01\x01" + bytes(20), "x")


def test_symbols_prefer_public_names() -> None:
    st = SymbolTable.from_elf_bytes(Path(sample("glibc", "forkexec")).read_bytes())
    fork = st.address("fork")
    assert fork is not None and fork == st.address("__libc_fork")
    assert st.names_at(fork)[0] == "fork"
    assert st.describe(fork + 3) == "fork+3"
    main = st.lookup("main")
    assert main is not None and st.containing(main.addr + 1) == (main, 1)
    assert st.address("__run_prefork_handlers") is not None
    assert [s.name for s in st.match("_Fork")] == ["_Fork"]


def test_symbols_with_bias() -> None:
    st = SymbolTable.from_elf_bytes(Path(sample("glibc", "hello-pie")).read_bytes(), 0x7000000)
    assert st.address("main") is not None and st.address("main") > 0x7000000


@pytest.mark.parametrize("path", ["glibc/threads", "musl/forkexec", "glibc/hello-pie"])
def test_symbols_match_pyelftools(path: str) -> None:
    """The one-pass unpacking reads what pyelftools reads, symbol by symbol."""
    import io

    from elftools.elf.elffile import ELFFile
    p = sample(*path.split("/"))
    data = Path(p).read_bytes()
    want = set()
    sec = ELFFile(io.BytesIO(data)).get_section_by_name(".symtab")
    if sec is None:
        pytest.fail(f"{p} has no .symtab")
    for s in sec.iter_symbols():
        if s.name and s["st_shndx"] != "SHN_UNDEF" and \
                s["st_info"]["type"] not in ("STT_SECTION", "STT_FILE"):
            want.add((s.name, s["st_value"], s["st_size"]))
    st = SymbolTable.from_elf_bytes(data)
    got = {(s.name, s.addr, s.size) for a in st._by_addr()[0].values() for s in a}
    got |= {(s.name, s.addr, s.size) for s in st._by_name.values()}
    assert {w for w in want if w[0] in st._by_name} <= got
    assert {n for n, _a, _s in want} == set(st._by_name)


def test_ifunc_symbols_are_functions() -> None:
    st = SymbolTable.from_elf_bytes(Path(sample("glibc", "hello")).read_bytes())
    sym = st.lookup("memcpy") or st.lookup("__new_memcpy")
    assert sym is not None and sym.kind == "func"
