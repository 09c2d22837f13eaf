"""Which instruction of a block made a data fault, and the full address it touched.

unicorn 2.1.1 stops a data fault with the registers as they were just before the faulting
instruction, but with rip stale and earlier instructions of the block already run; its
hook reports the address cut to 52 bits.  The block's start is known exactly (the budget
hook records each block entered: arch/budget.py), so the instruction is one of the
block's: a *candidate* is one whose access of the right kind (read or write), computed
with the current registers, covers the fault address.

Several can: `mov (%rdi),%rax; add $8,%rdi; mov (%rdi),%rdx` faulting on the second load
makes the first one compute the same address now.  Each candidate is a hypothesis "the
instructions before it ran, it did not".  The registers before the block are derived
backwards from the current ones (inverting push, pop, add and sub of constants, lea,
inc and dec; anything else leaves a register unknown), then the block is run forwards
symbolically up to the candidate.  A hypothesis is refuted by an earlier access of
unmapped memory, or by a predicted register or stored value that is known and differs
from the real one; each prediction that agrees and that the backward pass could not
take for granted confirms it.  The best-confirmed surviving candidate wins; ties go to
the earliest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .disasm import Insn

MASK64 = (1 << 64) - 1
MASK48 = (1 << 48) - 1
MASK32 = (1 << 32) - 1
READ, WRITE = 1, 2

GPRS = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
        "r12", "r13", "r14", "r15")


def _parent(reg: str) -> str:
    """The 64-bit register a capstone register name is part of ('' if none)."""
    if reg in GPRS:
        return reg
    if reg.startswith("r") and reg[1:].rstrip("dwb").isdigit():
        return reg.rstrip("dwb") if reg[-1] in "dwb" else reg
    table = {"eax": "rax", "ax": "rax", "al": "rax", "ah": "rax", "ebx": "rbx", "bx": "rbx",
             "bl": "rbx", "bh": "rbx", "ecx": "rcx", "cx": "rcx", "cl": "rcx", "ch": "rcx",
             "edx": "rdx", "dx": "rdx", "dl": "rdx", "dh": "rdx", "esi": "rsi", "si": "rsi",
             "sil": "rsi", "edi": "rdi", "di": "rdi", "dil": "rdi", "ebp": "rbp", "bp": "rbp",
             "bpl": "rbp", "esp": "rsp", "sp": "rsp", "spl": "rsp"}
    return table.get(reg, "")


def canonical(addr: int) -> int:
    """An address unicorn cut to 52 bits, back to 64: x86-64 addresses are sign-extended
    from bit 47."""
    addr &= MASK48
    return addr | (MASK64 ^ MASK48) if addr >> 47 else addr


@dataclass
class Ref:
    """A memory access an instruction makes: where, how many bytes, read and/or write."""

    addr: int | None
    size: int
    access: int


@dataclass
class _World:
    """Registers (None: unknown) and the stores made so far, for one hypothesis."""

    regs: dict[str, int | None]
    #: address -> (value, size) of each store the prefix made (value None: unknown)
    stores: dict[int, tuple[int | None, int]] = field(default_factory=dict)
    unknown_store: bool = False  # a store to an address we could not compute


def _addr(mem: tuple[str, str, int, int], insn: Insn, regs: dict[str, int | None]) -> int | None:
    base, index, scale, disp = mem
    a = disp
    if base == "rip":
        a += insn.address + insn.size
    elif base:
        v = regs.get(_parent(base))
        if v is None:
            return None
        a += v if base == _parent(base) else v & MASK32
    if index:
        v = regs.get(_parent(index))
        if v is None:
            return None
        a += v * scale
    return a & MASK64


def refs(insn: Insn, regs: dict[str, int | None]) -> list[Ref]:
    """The memory `insn` touches given `regs`: explicit operands and the stack."""
    out = [Ref(_addr(op.mem, insn, regs), max(op.size, 1), op.access)
           for op in insn.ops if op.kind == "mem" and op.access and op.mem is not None]
    m = insn.mnemonic
    rsp = regs.get("rsp")
    if m.startswith("push") or insn.is_call:
        out.append(Ref(None if rsp is None else (rsp - 8) & MASK64, 8, WRITE))
    elif m.startswith("pop") or insn.is_ret:
        out.append(Ref(rsp, 8, READ))
    elif m == "leave":
        out.append(Ref(regs.get("rbp"), 8, READ))
    return out


@dataclass
class Located:
    """The faulting instruction (None if no candidate fits) and the full fault address."""

    insn: Insn | None
    addr: int


def locate(block: list[Insn], fault: int, access: int, regs: dict[str, int],
           read: Callable[[int, int], bytes | None],
           mapped: Callable[[int, int, int], bool]) -> Located:
    """Find the instruction of `block` (decoded from its start) that faulted.

    `fault` is the address unicorn reported, `access` READ or WRITE, `regs` the current
    general registers; `read(addr, n)` gives guest bytes (None if unreadable) and
    `mapped(addr, n, access)` says whether an access would succeed.
    """
    low = fault & MASK48
    cands: list[tuple[int, int]] = []  # (index in block, full address)
    now: dict[str, int | None] = dict(regs)
    for k, insn in enumerate(block):
        for r in refs(insn, now):
            if r.addr is None or not r.access & access:
                continue
            delta = (low - r.addr) & MASK48
            if delta < r.size:
                cands.append((k, (r.addr + delta) & MASK64))
                break
    if not cands:
        return Located(None, canonical(fault))
    if len(cands) == 1:
        k, full = cands[0]
        return Located(block[k], full)
    best: tuple[int, int] | None = None
    best_score = -1
    for k, full in cands:
        score = _confirmations(block[:k], regs, read, mapped)
        if score is not None and score > best_score:
            best, best_score = (k, full), score
    k, full = best if best is not None else cands[0]
    return Located(block[k], full)


# ---------------------------------------------------------------- the hypotheses
def _imm_of(insn: Insn) -> int | None:
    for op in insn.ops:
        if op.kind == "imm":
            return op.imm
    return None


def _dest_reg(insn: Insn) -> tuple[str, int] | None:
    """(64-bit register, size) of a register first operand."""
    if insn.ops and insn.ops[0].kind == "reg":
        op = insn.ops[0]
        p = _parent(op.reg)
        if p:
            return p, op.size
    return None


def _backward(prefix: list[Insn], regs: dict[str, int]) -> tuple[dict[str, int | None], set]:
    """Registers before `prefix` ran, given them after it (None: unknown), and the
    registers the inversion had to give up on (their later values are predictions)."""
    st: dict[str, int | None] = dict(regs)
    lost: set[str] = set()
    for insn in reversed(prefix):
        m = insn.mnemonic
        dest = _dest_reg(insn)
        imm = _imm_of(insn)
        written = {_parent(r) for r in insn.regs_written} - {""}
        inverted: set[str] = set()
        rsp = st.get("rsp")
        if m.startswith("push") and rsp is not None:
            st["rsp"] = (rsp + 8) & MASK64
            inverted.add("rsp")
        elif m.startswith("pop") and rsp is not None and dest and dest[0] != "rsp":
            st["rsp"] = (rsp - 8) & MASK64
            inverted.add("rsp")
        elif dest and dest[1] == 8 and m in ("add", "sub", "inc", "dec") and \
                (imm is not None or m in ("inc", "dec")) and len(insn.ops) <= 2:
            r = dest[0]
            v = st.get(r)
            if v is not None:
                d = {"add": imm, "sub": -imm if imm is not None else 0, "inc": 1,
                     "dec": -1}[m] or 0
                st[r] = (v - d) & MASK64
                inverted.add(r)
        elif m == "lea" and dest and dest[1] == 8:
            mem = insn.ops[1].mem
            if mem and _parent(mem[0]) == dest[0] and not mem[1] and mem[0] != "rip":
                v = st.get(dest[0])
                if v is not None:
                    st[dest[0]] = (v - mem[3]) & MASK64
                    inverted.add(dest[0])
        if "?" in insn.regs_written:
            written |= set(GPRS)
        for r in written - inverted:
            if r in st:
                st[r] = None
                lost.add(r)
    return st, lost


def _load(w: _World, addr: int | None, size: int, read: Callable[[int, int], bytes | None],
          later_stores: set[int | None]) -> int | None:
    """A value the prefix loaded, if it can be known (no later store may have changed it)."""
    if addr is None or size not in (1, 2, 4, 8):
        return None
    if addr in w.stores:
        v, n = w.stores[addr]
        return None if v is None or n < size else v & ((1 << 8 * size) - 1)
    if w.unknown_store or None in later_stores or any(
            a is not None and a < addr + size and addr < a + 8 for a in later_stores):
        return None
    raw = read(addr, size)
    return int.from_bytes(raw, "little") if raw is not None and len(raw) == size else None


def _value(op, insn: Insn, w: _World, read, later) -> int | None:  # type: ignore[no-untyped-def]
    if op.kind == "imm":
        return op.imm & MASK64
    if op.kind == "reg":
        p = _parent(op.reg)
        v = w.regs.get(p)
        if v is None or not p:
            return None
        if op.size == 8:
            return v
        if op.size == 4 and op.reg != p:
            return v & MASK32
        return None
    if op.kind == "mem" and op.mem is not None:
        return _load(w, _addr(op.mem, insn, w.regs), op.size, read, later)
    return None


def _forward(insn: Insn, w: _World, read, later) -> None:  # type: ignore[no-untyped-def]
    """Run `insn` on the symbolic world (registers it writes in ways not modelled become
    unknown)."""
    m = insn.mnemonic
    regs = w.regs
    dest = _dest_reg(insn)
    written = {_parent(r) for r in insn.regs_written} - {""}
    if "?" in insn.regs_written:
        written = set(GPRS)
    result: dict[str, int | None] = {}
    rsp = regs.get("rsp")
    if m.startswith("push") and insn.ops:
        v = _value(insn.ops[0], insn, w, read, later)
        if rsp is not None:
            rsp = (rsp - 8) & MASK64
            w.stores[rsp] = (v, 8)
        else:
            w.unknown_store = True
        result["rsp"] = rsp
    elif m.startswith("pop") and dest:
        result[dest[0]] = _load(w, rsp, 8, read, later)
        result["rsp"] = None if rsp is None else (rsp + 8) & MASK64
    elif dest and m in ("mov", "movabs", "lea", "add", "sub", "and", "or", "xor", "inc",
                        "dec", "movzx", "movsxd") and dest[1] in (4, 8):
        r, size = dest
        src = insn.ops[1] if len(insn.ops) > 1 else None
        if m == "lea" and src is not None and src.mem is not None:
            v = _addr(src.mem, insn, regs)
        elif m in ("mov", "movabs", "movzx") and src is not None:
            v = _value(src, insn, w, read, later)
        elif m == "movsxd" and src is not None:
            v = _value(src, insn, w, read, later)
            if v is not None:
                v = v - (1 << 32) if v >> 31 & 1 else v
        elif m == "xor" and src is not None and src.kind == "reg" and src.reg == insn.ops[0].reg:
            v = 0
        else:
            a = regs.get(r)
            b = 1 if m in ("inc", "dec") else (
                _value(src, insn, w, read, later) if src is not None else None)
            if a is None or b is None:
                v = None
            else:
                v = {"add": a + b, "inc": a + b, "sub": a - b, "dec": a - b, "and": a & b,
                     "or": a | b, "xor": a ^ b}[m]
        if v is not None:
            v &= MASK64 if size == 8 else MASK32
        result[r] = v
    else:
        for op in insn.ops:
            if op.kind == "mem" and op.access & WRITE and op.mem is not None:
                a = _addr(op.mem, insn, regs)
                if a is None:
                    w.unknown_store = True
                else:
                    v = None
                    if m == "mov" and len(insn.ops) == 2:
                        v = _value(insn.ops[1], insn, w, read, later)
                    w.stores[a] = (v, op.size)
    for r in written:
        regs[r] = result.get(r) if r in result else None


def _store_addrs(prefix: list[Insn], start: dict[str, int | None], read) -> list[set]:  # type: ignore[no-untyped-def]
    """For each instruction of the prefix, the addresses stored to after it (None: an
    address that could not be computed)."""
    w = _World(dict(start))
    each: list[set] = []
    for insn in prefix:
        addrs: set[int | None] = {r.addr for r in refs(insn, w.regs) if r.access & WRITE}
        each.append(addrs)
        _forward(insn, w, read, set())
    out: list[set] = []
    acc: set[int | None] = set()
    for addrs in reversed(each):
        out.append(set(acc))
        acc |= addrs
    return list(reversed(out))


def _confirmations(prefix: list[Insn], regs: dict[str, int], read,  # type: ignore[no-untyped-def]
                   mapped) -> int | None:
    """How strongly "the prefix ran, the next instruction faulted" fits what is seen now:
    None if refuted, else the number of predictions that agree."""
    start, lost = _backward(prefix, regs)
    later = _store_addrs(prefix, start, read)
    w = _World(dict(start))
    for i, insn in enumerate(prefix):
        for r in refs(insn, w.regs):
            if r.addr is not None and r.access and not mapped(r.addr, r.size, r.access):
                return None  # it would have faulted first
        _forward(insn, w, read, later[i])
    score = 0
    for r in lost:
        v = w.regs.get(r)
        if v is None:
            continue
        if v != regs.get(r):
            return None
        score += 1
    for addr, (v, n) in w.stores.items():
        if v is None or n not in (1, 2, 4, 8):
            continue
        raw = read(addr, n)
        if raw is None:
            continue
        if int.from_bytes(raw, "little") != v & ((1 << 8 * n) - 1):
            return None
        score += 1
    return score
