"""capstone's AT&T text rewritten the way objdump and gdb print it.

capstone writes `movq   %rsp, %rbp`, `addq $8, %rsi`, `callq 0x401020`; gdb writes
`mov    %rsp,%rbp`, `add    $0x8,%rsi`, `call   0x401020`: no space after commas, every
number in hex (negative immediates as the operand's unsigned value), the scale of an
index register, an encoded zero displacement, and no size suffix where a register
operand already gives the size.
"""

from __future__ import annotations

import re

ALWAYS_BARE = {"callq": "call", "retq": "ret", "jmpq": "jmp", "pushq": "push", "popq": "pop",
               "leaveq": "leave", "movabsq": "movabs"}
BASES = {"mov", "add", "sub", "and", "or", "xor", "cmp", "test", "lea", "push", "pop", "inc",
         "dec", "neg", "not", "shl", "shr", "sar", "sal", "rol", "ror", "rcl", "rcr", "imul",
         "idiv", "div", "mul", "sbb", "adc", "xchg", "bt", "bts", "btr", "btc", "cmpxchg", "xadd",
         "bsf", "bsr", "lzcnt", "tzcnt", "popcnt", "shld", "shrd", "bswap"}
GPR = re.compile(r"%(?:r\d+[dwb]?|[re]?[abcd]x|[abcd][lh]|[re]?[sd]il?|[re]?[sb]pl?)\b")
VEC = re.compile(r"%[xyz]?mm\d+")
NUMBER = re.compile(r"(?<![\w%$])(-?)(\d+)(?=\(|$|,)")
IMM = re.compile(r"\$(-?)(\d+|0x[0-9a-f]+)\b")
PREFIXES = {0x66, 0x67, 0xF2, 0xF3, 0x2E, 0x3E, 0x26, 0x64, 0x65, 0x36, 0xF0}
SUFFIX_BITS = {"b": 8, "w": 16, "l": 32, "q": 64}


def _opcode_and_modrm(raw: bytes) -> tuple[int, int | None]:
    """The primary opcode byte and the ModRM byte (None if there is none we can find)."""
    i = 0
    while i < len(raw) and raw[i] in PREFIXES:
        i += 1
    if i < len(raw) and 0x40 <= raw[i] <= 0x4F:
        i += 1
    if i >= len(raw):
        return 0, None
    op = raw[i]
    i += 1
    if op == 0x0F and i < len(raw):
        op = 0x0F00 | raw[i]
        i += 1
        if op in (0x0F38, 0x0F3A) and i < len(raw):
            i += 1
    return op, raw[i] if i < len(raw) else None


def _base(mnemonic: str) -> str | None:
    if mnemonic in ALWAYS_BARE:
        return ALWAYS_BARE[mnemonic]
    if mnemonic[-1:] in "bwlq" and len(mnemonic) > 2:
        b = mnemonic[:-1]
        if b in BASES or (b.startswith("cmov") and len(b) <= 7) or b.startswith("set"):
            return b
    return None


def objdump(mnemonic: str, op_str: str, raw: bytes = b"") -> tuple[str, str]:
    """(mnemonic, operands) as objdump -d prints them."""
    bits = SUFFIX_BITS.get(mnemonic[-1:], 64) if _base(mnemonic) else 64
    regs = re.findall(r"%[re]?\w+", re.sub(r"\([^)]*\)", "", op_str))
    if regs:
        r = regs[-1]
        bits = 64 if r.startswith("%r") and not r[-1] in "dwb" else \
            32 if r.startswith("%e") or r.endswith("d") else bits
    ops = op_str.replace(", ", ",")

    def imm(m: re.Match[str]) -> str:
        v = int(m.group(2), 0)
        if m.group(1):
            return f"${(-v) & ((1 << bits) - 1):#x}"
        return f"${v:#x}"
    ops = IMM.sub(imm, ops)
    ops = NUMBER.sub(lambda m: f"{m.group(1)}{int(m.group(2)):#x}", ops)
    ops = re.sub(r"\((%\w+),(%\w+)\)", r"(\1,\2,1)", ops)
    op, modrm = _opcode_and_modrm(raw)
    if modrm is not None and modrm >> 6 in (1, 2) and op not in (0xE8, 0xE9):
        ops = re.sub(r"(^|,|:|\*)\((%)", r"\g<1>0x0(\2", ops, count=1)
    if op in (0xD0, 0xD1) and ops.startswith("$0x1,"):
        ops = ops[5:]
    m = re.match(r"^(rep |repne |repe )?(stos|movs|lods|scas|cmps)[bwlq]$", mnemonic)
    if m:  # string instructions name their segments
        mnemonic = (m.group(1) or "") + m.group(2)
        ops = ops.replace("(%rdi)", "%es:(%rdi)").replace("(%rsi)", "%ds:(%rsi)")
        return mnemonic, ops
    if ops.startswith("%cs:") and mnemonic.startswith("nop"):
        return "cs " + mnemonic, ops[4:]
    if mnemonic == "nop" and raw[:2] == b"\x66\x90":
        return "xchg", "%ax,%ax"
    base = _base(mnemonic)
    outside = re.sub(r"\([^)]*\)", "", ops)
    if base is not None and (mnemonic in ALWAYS_BARE or
                             (GPR.search(outside) and not VEC.search(outside))):
        mnemonic = base
    return mnemonic, ops
