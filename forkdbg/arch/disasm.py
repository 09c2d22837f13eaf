"""capstone and keystone behind small dataclasses: no CsInsn leaves this module."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Operand:
    """An explicit operand: a register, an immediate, or memory (base, index, scale, disp).
    `access` is 1 read, 2 write, 3 both (0 for lea's address, which touches nothing)."""

    kind: str  # "reg", "imm", "mem"
    size: int
    access: int = 0
    reg: str = ""
    imm: int = 0
    mem: tuple[str, str, int, int] | None = None


@dataclass(frozen=True)
class Insn:
    """One decoded instruction."""

    address: int
    size: int
    mnemonic: str
    op_str: str
    raw: bytes
    is_call: bool = False
    is_ret: bool = False
    is_jump: bool = False
    is_syscall: bool = False
    target: int | None = None  # direct branch target
    mems: tuple[tuple[str, str, int, int, int], ...] = ()  # (base, index, scale, disp, size)
    ops: tuple[Operand, ...] = ()
    regs_read: tuple[str, ...] = ()  # explicit and implicit (push reads rsp)
    regs_written: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return f"{self.mnemonic} {self.op_str}".rstrip()


@lru_cache(maxsize=2)
def _cs(att: bool = False):  # type: ignore[no-untyped-def]
    import capstone
    md = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
    md.detail = True
    if att:
        md.syntax = capstone.CS_OPT_SYNTAX_ATT
    return md


def _convert(ci) -> Insn:  # type: ignore[no-untyped-def]
    import capstone
    from capstone import x86_const as cx
    groups = set(ci.groups)
    is_call = capstone.CS_GRP_CALL in groups
    is_ret = capstone.CS_GRP_RET in groups
    is_jump = capstone.CS_GRP_JUMP in groups
    target = None
    mems = []
    ops = []
    for op in ci.operands:
        if op.type == cx.X86_OP_IMM:
            if is_call or is_jump:
                target = op.imm & 0xFFFFFFFFFFFFFFFF
            ops.append(Operand("imm", op.size, 1, imm=op.imm))
        elif op.type == cx.X86_OP_MEM:
            m = op.mem
            base = ci.reg_name(m.base) if m.base else ""
            index = ci.reg_name(m.index) if m.index else ""
            mems.append((base, index, m.scale, m.disp, op.size))
            access = 0 if ci.mnemonic == "lea" or ci.mnemonic.startswith("nop") else op.access
            ops.append(Operand("mem", op.size, access, mem=(base, index, m.scale, m.disp)))
        elif op.type == cx.X86_OP_REG:
            ops.append(Operand("reg", op.size, op.access, reg=ci.reg_name(op.reg)))
    try:
        rd, wr = ci.regs_access()
        read = tuple(ci.reg_name(r) for r in rd)
        written = tuple(ci.reg_name(r) for r in wr)
    except Exception:  # noqa: BLE001 - capstone cannot tell for a few instructions
        read, written = (), ("?",)
    return Insn(ci.address, ci.size, ci.mnemonic, ci.op_str, bytes(ci.bytes), is_call, is_ret,
                is_jump, ci.mnemonic == "syscall", target, tuple(mems), tuple(ops), read,
                written)


def disassemble(code: bytes, addr: int, count: int = 0, att: bool = False) -> list[Insn]:
    """Decode `code` placed at `addr` (at most `count` instructions; 0: all).

    `att` gives AT&T syntax (gdb's default); operands are decoded the same either way.
    """
    return [_convert(ci) for ci in _cs(att).disasm(code, addr, count)]


def disassemble_one(code: bytes, addr: int) -> Insn | None:
    out = disassemble(code, addr, 1)
    return out[0] if out else None
