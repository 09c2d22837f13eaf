"""capstone and keystone behind small dataclasses: no CsInsn leaves this module."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable


@dataclass(frozen=True)
class MemRef:
    """A memory operand: its effective address given the registers, and its size."""

    addr: int
    size: int


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


@lru_cache(maxsize=1)
def _ks():  # type: ignore[no-untyped-def]
    import keystone
    return keystone.Ks(keystone.KS_ARCH_X86, keystone.KS_MODE_64)


def _convert(ci) -> Insn:  # type: ignore[no-untyped-def]
    import capstone
    from capstone import x86_const as cx
    groups = set(ci.groups)
    is_call = capstone.CS_GRP_CALL in groups
    is_ret = capstone.CS_GRP_RET in groups
    is_jump = capstone.CS_GRP_JUMP in groups
    target = None
    mems = []
    for op in ci.operands:
        if op.type == cx.X86_OP_IMM and (is_call or is_jump):
            target = op.imm & 0xFFFFFFFFFFFFFFFF
        elif op.type == cx.X86_OP_MEM:
            m = op.mem
            base = ci.reg_name(m.base) if m.base else ""
            index = ci.reg_name(m.index) if m.index else ""
            mems.append((base, index, m.scale, m.disp, op.size))
    return Insn(ci.address, ci.size, ci.mnemonic, ci.op_str, bytes(ci.bytes), is_call, is_ret,
                is_jump, ci.mnemonic == "syscall", target, tuple(mems))


def disassemble(code: bytes, addr: int, count: int = 0, att: bool = False) -> list[Insn]:
    """Decode `code` placed at `addr` (at most `count` instructions; 0: all).

    `att` gives AT&T syntax (gdb's default); operands are decoded the same either way.
    """
    return [_convert(ci) for ci in _cs(att).disasm(code, addr, count)]


def disassemble_one(code: bytes, addr: int) -> Insn | None:
    out = disassemble(code, addr, 1)
    return out[0] if out else None


class AsmError(Exception):
    """keystone could not assemble the text."""


def assemble(text: str, addr: int) -> bytes:
    """Assemble Intel-syntax `text` (instructions separated by ';' or newlines) at `addr`."""
    import keystone
    try:
        enc, _n = _ks().asm(text, addr)
    except keystone.KsError as e:
        raise AsmError(str(e)) from None
    if not enc:
        raise AsmError("no instructions")
    return bytes(enc)


def effective_refs(insn: Insn, reg: Callable[[str], int]) -> list[MemRef]:
    """Memory the instruction touches, given register values (explicit and stack/string operands)."""
    refs = []
    for base, index, scale, disp, size in insn.mems:
        a = disp
        if base == "rip":
            a += insn.address + insn.size
        elif base:
            a += reg(base)
        if index:
            a += reg(index) * scale
        refs.append(MemRef(a & 0xFFFFFFFFFFFFFFFF, max(size, 1)))
    m = insn.mnemonic
    rsp = None
    if m.startswith("push") or insn.is_call:
        rsp = reg("rsp")
        refs.append(MemRef((rsp - 8) & 0xFFFFFFFFFFFFFFFF, 8))
    elif m.startswith("pop") or insn.is_ret:
        refs.append(MemRef(reg("rsp"), 8))
    elif m == "leave":
        refs.append(MemRef(reg("rbp"), 8))
    if any(m.startswith(p) for p in ("movs", "stos", "cmps", "scas", "rep")):
        refs.append(MemRef(reg("rdi"), 8))
        refs.append(MemRef(reg("rsi"), 8))
    return refs


def find_faulting(code: bytes, block_start: int, fault_addr: int,
                  reg: Callable[[str], int], limit: int = 64) -> Insn | None:
    """The instruction of a block that touched `fault_addr` (unicorn reports only the block)."""
    for insn in disassemble(code, block_start, limit):
        for r in effective_refs(insn, reg):
            if r.addr <= fault_addr < r.addr + max(r.size, 8) or \
                    fault_addr <= r.addr < fault_addr + 8:
                return insn
        if insn.is_jump or insn.is_call or insn.is_ret or insn.is_syscall:
            break
    return None
