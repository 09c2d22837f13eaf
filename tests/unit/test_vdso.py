"""The vDSO image: what glibc, musl, Go and dietlibc look for in it."""

from __future__ import annotations

import io

from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerDefSection

from forkdbg.arch.x86_64 import vdso_stub
from forkdbg.elf.vdso import VDSO_FUNCTIONS, build_vdso, elf_hash


def _elf() -> ELFFile:
    return ELFFile(io.BytesIO(build_vdso(vdso_stub)))


def test_exports_the_functions_at_linux_2_6() -> None:
    elf = _elf()
    assert elf.header.e_type == "ET_DYN" and elf.header.e_machine == "EM_X86_64"
    dynsym = elf.get_section_by_name(".dynsym")
    names = {s.name: s for s in dynsym.iter_symbols() if s.name}
    for fn, alias in VDSO_FUNCTIONS:
        assert names[fn]["st_info"]["type"] == "STT_FUNC"
        assert names[fn]["st_info"]["bind"] == "STB_GLOBAL"
        assert names[alias]["st_info"]["bind"] == "STB_WEAK"
        assert names[fn]["st_value"] == names[alias]["st_value"]
    verdef = next(s for s in elf.iter_sections() if isinstance(s, GNUVerDefSection))
    defs = [(v["vd_flags"], next(aux).name, v["vd_hash"]) for v, aux in verdef.iter_versions()]
    assert defs[1] == (0, "LINUX_2.6", elf_hash(b"LINUX_2.6"))
    versym = elf.get_section_by_name(".gnu.version")
    assert {versym.get_symbol(i)["ndx"] for i in range(1, dynsym.num_symbols())} == {2}


def test_dynamic_section_and_hash_table_lead_to_every_symbol() -> None:
    elf = _elf()
    dyn = next(s for s in elf.iter_sections() if isinstance(s, DynamicSection))
    tags = {t.entry.d_tag for t in dyn.iter_tags()}
    assert {"DT_HASH", "DT_STRTAB", "DT_SYMTAB", "DT_VERSYM", "DT_VERDEF"} <= tags
    hashsec = elf.get_section_by_name(".hash")
    dynsym = elf.get_section_by_name(".dynsym")
    for fn, _alias in VDSO_FUNCTIONS:  # musl and Go walk DT_HASH's chains
        assert hashsec.get_symbol(fn) is not None
    assert hashsec.get_number_of_symbols() == dynsym.num_symbols()


def test_each_function_makes_its_system_call() -> None:
    from forkdbg.abi.sysnums import SYSCALL_NUMBERS
    elf = _elf()
    text = elf.get_section_by_name(".text")
    dynsym = elf.get_section_by_name(".dynsym")
    for fn, call in VDSO_FUNCTIONS:
        sym = dynsym.get_symbol_by_name(fn)[0]
        off = sym["st_value"] - text["sh_addr"]
        code = text.data()[off:off + 8]
        assert code == b"\xb8" + SYSCALL_NUMBERS[call].to_bytes(4, "little") + b"\x0f\x05\xc3"
