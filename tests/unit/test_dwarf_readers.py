"""forkdbg's own readers of a unit's DIE and of line-program headers read what pyelftools
reads, on DWARF 4 and 5 samples and on libc's separate debug file (2,000 units, DWARF 5
with .debug_line_str) when the machine has it; and the line table decoded unit by unit
answers as the whole table does."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from helpers import sample

from forkdbg.dwarf.info import DebugInfo
from forkdbg.dwarf.lines import SortedRows, _files

FILES = ["glibc/lines-g", "glibc/lines-O2-g", "glibc/lines-dwarf4"]


def _libc_debug() -> list[str]:
    """libc.so.6's separate debug file, found by its build ID (libc6-dbg)."""
    try:
        elf = ELFFile(open("/lib/x86_64-linux-gnu/libc.so.6", "rb"))  # noqa: SIM115
    except OSError:
        return []
    build_id = next((str(n["n_desc"]) for sec in elf.iter_sections()
                     if sec.name == ".note.gnu.build-id" for n in sec.iter_notes()), "")
    path = f"/usr/lib/debug/.build-id/{build_id[:2]}/{build_id[2:]}.debug"
    return [path] if build_id and Path(path).exists() else []


def _info(path: str) -> DebugInfo:
    p = sample(*path.split("/")) if not path.startswith("/") else path
    return DebugInfo(Path(p).read_bytes())


@pytest.mark.parametrize("path", FILES + _libc_debug())
def test_unit_die_and_line_headers_match_pyelftools(path: str) -> None:
    info = _info(path)
    checked = 0
    for unit in info.units[:400]:
        top = unit.cu.get_top_DIE().attributes
        if "DW_AT_stmt_list" not in top:
            continue
        assert info.reader.unit_die(unit.cu).number(0x10) == top["DW_AT_stmt_list"].value
        for attr in ("DW_AT_name", "DW_AT_comp_dir"):
            text = info.reader.unit_text(unit.cu, attr)
            want = top[attr].value.decode() if attr in top else None
            assert text is None or text == want
        ours = info.reader.line_program(unit.cu)
        theirs = info.dwarf.line_program_for_CU(unit.cu)
        assert ours.program_start_offset == theirs.program_start_offset
        assert ours.program_end_offset == theirs.program_end_offset
        for f in ("version", "minimum_instruction_length", "default_is_stmt", "line_base",
                  "line_range", "opcode_base"):
            assert getattr(ours.header, f) == theirs.header[f]
        assert list(ours.header.standard_opcode_lengths) == \
            list(theirs.header.standard_opcode_lengths)
        assert _files(ours, unit) == _files(theirs, unit)
        checked += 1
    assert checked


@pytest.mark.parametrize("path", FILES)
def test_unit_by_unit_table_answers_as_the_merged_one(path: str) -> None:
    info = _info(path)
    lines = info.lines
    merged = SortedRows(list(lines.rows))
    fresh = _info(path).lines  # nothing decoded yet: each question decodes what it needs
    for r in merged.rows[::7]:
        for pc in (r.addr, r.addr + 1):
            assert fresh.find_pc(pc) == merged.find_pc(pc)
    assert fresh.find_pc(0) is None and fresh.find_pc(1 << 60) is None
    main = next(f for f in fresh.files(lambda f: f.name.endswith("lines.c")))
    assert fresh.line_addresses([main], 30) == \
        lines.line_addresses(lines.files(lambda f: f.fullname == main.fullname), 30)


def test_a_search_in_a_shared_objects_file_reads_only_what_it_names() -> None:
    """A shared object's debug information is searched through its ELF symbols: asking
    for one function reads its unit, not the other 2,000."""
    paths = _libc_debug()
    if not paths:
        pytest.fail("libc.so.6 has no separate debug file: install libc6-dbg")
    data = Path(paths[0]).read_bytes()
    elf = ELFFile(io.BytesIO(data))
    assert elf.get_section_by_name(".debug_info") is not None
    info = DebugInfo(data, exhaustive=False)
    found = info.functions_named("__libc_fork")
    assert found and found[0].name == "__libc_fork"
    assert sum(u.functions is not None for u in info.units) <= 3 < len(info.units)
