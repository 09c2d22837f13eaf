#!/usr/bin/env python3
"""Assemble samples/asm/*.asm (Intel syntax) with keystone into static ELF executables.

Each program is one read-execute PT_LOAD at 0x400000 (headers) / 0x401000 (code), with a
.symtab naming every label, so forkdbg can break on them.  Usage: build_asm.py OUTDIR.
"""

from __future__ import annotations

import re
import struct
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from forkdbg.arch.assembler import assemble  # noqa: E402

BASE = 0x400000
TEXT = 0x401000
LABEL = re.compile(r"^\s*([A-Za-z_.][\w.]*):")


def label_addresses(lines: list[str]) -> dict[str, int]:
    """Where each label lands: keystone reports no symbols, so append a table of their
    addresses after the code and read it back."""
    names = [m.group(1) for m in map(LABEL.match, lines) if m]
    if not names:
        return {}
    blob = assemble("\n".join(lines) + "\n.quad " + ", ".join(names), TEXT)
    table = blob[len(blob) - 8 * len(names):]
    return {n: struct.unpack_from("<Q", table, 8 * i)[0] for i, n in enumerate(names)}


def build(src: Path, out: Path) -> None:
    lines = [ln.split(";", 1)[0].rstrip() for ln in src.read_text().splitlines()]
    code = assemble("\n".join(lines), TEXT)
    labels = label_addresses(lines)
    entry = labels.get("_start", TEXT)
    # sections after the code: .symtab, .strtab, .shstrtab
    strtab = b"\0"
    syms = [bytes(24)]
    for name, addr in labels.items():
        off = len(strtab)
        strtab += name.encode() + b"\0"
        syms.append(struct.pack("<IBBHQQ", off, 0x12 if name == "_start" else 0x02, 0, 1, addr, 0))
    symtab = b"".join(syms)
    shstr = b"\0.text\0.symtab\0.strtab\0.shstrtab\0"
    text_off = TEXT - BASE
    sym_off = text_off + len(code)
    sym_off = (sym_off + 7) & ~7
    str_off = sym_off + len(symtab)
    shs_off = str_off + len(strtab)
    sh_off = (shs_off + len(shstr) + 7) & ~7
    ehdr = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + bytes(9), 2, 62, 1, entry,
                       64, sh_off, 0, 64, 56, 2, 64, 5, 4)
    load = struct.pack("<IIQQQQQQ", 1, 5, 0, BASE, BASE, text_off + len(code),
                       text_off + len(code), 0x1000)
    stack = struct.pack("<IIQQQQQQ", 0x6474E551, 6, 0, 0, 0, 0, 0, 16)
    img = bytearray(ehdr + load + stack)
    img += bytes(text_off - len(img)) + code
    img += bytes(sym_off - len(img)) + symtab + strtab + shstr
    img += bytes(sh_off - len(img))
    shdrs = [bytes(64),
             struct.pack("<IIQQQQIIQQ", 1, 1, 6, TEXT, text_off, len(code), 0, 0, 16, 0),
             struct.pack("<IIQQQQIIQQ", 7, 2, 0, 0, sym_off, len(symtab), 3, 1, 8, 24),
             struct.pack("<IIQQQQIIQQ", 15, 3, 0, 0, str_off, len(strtab), 0, 0, 1, 0),
             struct.pack("<IIQQQQIIQQ", 23, 3, 0, 0, shs_off, len(shstr), 0, 0, 1, 0)]
    img += b"".join(shdrs)
    out.write_bytes(bytes(img))
    out.chmod(0o755)


def main() -> int:
    outdir = Path(sys.argv[1] if len(sys.argv) > 1 else "bin/asm")
    outdir.mkdir(parents=True, exist_ok=True)
    for src in sorted((Path(__file__).parent / "asm").glob("*.asm")):
        build(src, outdir / src.stem)
        print(f"assembled {outdir / src.stem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
