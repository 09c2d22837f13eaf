"""x86-64 facts: register names, the syscall ABI and the initial process stack (SysV ABI)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from unicorn import x86_const as X

from ..abi.sysnums import SYSCALL_NUMBERS

#: General registers in gdb's `info registers` order, with their engine ids.
GPRS: list[tuple[str, int]] = [
    ("rax", X.UC_X86_REG_RAX), ("rbx", X.UC_X86_REG_RBX), ("rcx", X.UC_X86_REG_RCX),
    ("rdx", X.UC_X86_REG_RDX), ("rsi", X.UC_X86_REG_RSI), ("rdi", X.UC_X86_REG_RDI),
    ("rbp", X.UC_X86_REG_RBP), ("rsp", X.UC_X86_REG_RSP), ("r8", X.UC_X86_REG_R8),
    ("r9", X.UC_X86_REG_R9), ("r10", X.UC_X86_REG_R10), ("r11", X.UC_X86_REG_R11),
    ("r12", X.UC_X86_REG_R12), ("r13", X.UC_X86_REG_R13), ("r14", X.UC_X86_REG_R14),
    ("r15", X.UC_X86_REG_R15), ("rip", X.UC_X86_REG_RIP), ("eflags", X.UC_X86_REG_EFLAGS),
    ("cs", X.UC_X86_REG_CS), ("ss", X.UC_X86_REG_SS), ("ds", X.UC_X86_REG_DS),
    ("es", X.UC_X86_REG_ES), ("fs", X.UC_X86_REG_FS), ("gs", X.UC_X86_REG_GS),
    ("fs_base", X.UC_X86_REG_FS_BASE), ("gs_base", X.UC_X86_REG_GS_BASE),
]
REG_IDS: dict[str, int] = dict(GPRS)
REG_IDS.update({"pc": X.UC_X86_REG_RIP, "sp": X.UC_X86_REG_RSP, "fp": X.UC_X86_REG_RBP})
for _n in ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "ax", "bx", "cx", "dx",
           "al", "bl", "cl", "dl", "ah", "bh", "ch", "dh", "si", "di", "sil", "dil", "bp", "sp",
           "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"):
    _id = getattr(X, f"UC_X86_REG_{_n.upper()}", None)
    if _id is not None and _n not in REG_IDS:
        REG_IDS[_n] = _id
XMM_IDS = [getattr(X, f"UC_X86_REG_XMM{i}") for i in range(16)]
#: the x87 registers as the hardware numbers them (ST(0) is FP[TOP]), and the status
#: word whose bits 11-13 hold TOP; unicorn reads an FP register as (significand, exponent)
FP_IDS = [getattr(X, f"UC_X86_REG_FP{i}") for i in range(8)]
FPSW = X.UC_X86_REG_FPSW
#: the System V ABI's DWARF register numbers, 0-16, by gdb's register names
DWARF_REGS = ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10",
              "r11", "r12", "r13", "r14", "r15", "rip"]
#: the general registers an outer frame gets by unwinding, by DWARF number (rsp is the
#: CFA): from the CFI rule that saved one, else as the frame it called has it (gdb's
#: "same value" for a register without a rule, callee-saved or not)
UNWOUND_REGS = tuple(n for n in range(16) if n != 7)

RAX, RDI, RSI, RDX, R10, R8, R9 = (X.UC_X86_REG_RAX, X.UC_X86_REG_RDI, X.UC_X86_REG_RSI,
                                    X.UC_X86_REG_RDX, X.UC_X86_REG_R10, X.UC_X86_REG_R8,
                                    X.UC_X86_REG_R9)
RIP, RSP, RBP, RCX, R11 = (X.UC_X86_REG_RIP, X.UC_X86_REG_RSP, X.UC_X86_REG_RBP,
                           X.UC_X86_REG_RCX, X.UC_X86_REG_R11)
EFLAGS, FS_BASE, GS_BASE = X.UC_X86_REG_EFLAGS, X.UC_X86_REG_FS_BASE, X.UC_X86_REG_GS_BASE
#: Registers read at a syscall: number, six arguments, and the pc (one batched read).
SYSCALL_REGS = [RAX, RDI, RSI, RDX, R10, R8, R9, RIP, EFLAGS, RCX, R11]
#: what the syscall instruction itself sets: rcx the return address, r11 the flags
SYSCALL_CLOBBERS = [RCX, R11]
SYSCALL_INSN_LEN = 2
ADDRESS_MASK = (1 << 64) - 1
"""An address wraps at the word size (x -1 examines 0xffffffffffffffff)."""

EFLAGS_NAMES = [(0, "CF"), (2, "PF"), (4, "AF"), (6, "ZF"), (7, "SF"), (8, "TF"), (9, "IF"),
                (10, "DF"), (11, "OF")]


def render_eflags(v: int) -> str:
    """``[ ZF PF ]`` as gdb prints eflags."""
    return "[ " + " ".join(n for b, n in EFLAGS_NAMES if v >> b & 1) + " ]"


# auxiliary vector keys
AT_NULL, AT_IGNORE, AT_EXECFD, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ = 0, 1, 2, 3, 4, 5, 6
AT_BASE, AT_FLAGS, AT_ENTRY, AT_NOTELF, AT_UID, AT_EUID, AT_GID, AT_EGID = 7, 8, 9, 10, 11, 12, 13, 14
AT_PLATFORM, AT_HWCAP, AT_CLKTCK, AT_SECURE, AT_BASE_PLATFORM, AT_RANDOM = 15, 16, 17, 23, 24, 25
AT_HWCAP2, AT_EXECFN, AT_SYSINFO_EHDR, AT_MINSIGSTKSZ = 26, 31, 33, 51
AUXV_NAMES = {
    AT_NULL: "AT_NULL", AT_IGNORE: "AT_IGNORE", AT_EXECFD: "AT_EXECFD", AT_PHDR: "AT_PHDR",
    AT_PHENT: "AT_PHENT", AT_PHNUM: "AT_PHNUM", AT_PAGESZ: "AT_PAGESZ", AT_BASE: "AT_BASE",
    AT_FLAGS: "AT_FLAGS", AT_ENTRY: "AT_ENTRY", AT_NOTELF: "AT_NOTELF", AT_UID: "AT_UID",
    AT_EUID: "AT_EUID", AT_GID: "AT_GID", AT_EGID: "AT_EGID", AT_PLATFORM: "AT_PLATFORM",
    AT_HWCAP: "AT_HWCAP", AT_CLKTCK: "AT_CLKTCK", AT_SECURE: "AT_SECURE",
    AT_BASE_PLATFORM: "AT_BASE_PLATFORM", AT_RANDOM: "AT_RANDOM", AT_HWCAP2: "AT_HWCAP2",
    AT_EXECFN: "AT_EXECFN", AT_SYSINFO_EHDR: "AT_SYSINFO_EHDR", AT_MINSIGSTKSZ: "AT_MINSIGSTKSZ",
}
#: What gdb's `info auxv` says of each key.
AUXV_DESCRIPTIONS = {
    AT_PHDR: "Program headers for program", AT_PHENT: "Size of program header entry",
    AT_PHNUM: "Number of program headers", AT_PAGESZ: "System page size",
    AT_BASE: "Base address of interpreter", AT_FLAGS: "Flags", AT_ENTRY: "Entry point of program",
    AT_UID: "Real user ID", AT_EUID: "Effective user ID", AT_GID: "Real group ID",
    AT_EGID: "Effective group ID", AT_PLATFORM: "String identifying platform",
    AT_HWCAP: "Machine-dependent CPU capability hints",
    AT_CLKTCK: "Frequency of times()", AT_SECURE: "Boolean, was exec setuid-like?",
    AT_RANDOM: "Address of 16 random bytes", AT_HWCAP2: "Extension of AT_HWCAP",
    AT_EXECFN: "File name of executable", AT_MINSIGSTKSZ: "Minimal stack size for signal delivery",
    AT_NULL: "End of vector",
}
HWCAP = 0x178BFBFF
HWCAP2 = 0x2
MINSIGSTKSZ_VALUE = 0x800
PLATFORM = b"x86_64"


@dataclass
class InitialStack:
    """The bytes of a new process's stack and where its pieces landed."""

    sp: int
    data: bytes
    base: int
    auxv: list[tuple[int, int]]
    argv_addrs: list[int]
    envp_addrs: list[int]


def build_initial_stack(top: int, argv: list[bytes], envp: list[bytes], execfn: bytes,
                        random16: bytes, aux: dict[int, int]) -> InitialStack:
    """Lay out argc, argv, envp and auxv below `top` as Linux's create_elf_tables does.

    `aux` gives the image-dependent entries (AT_PHDR, AT_ENTRY, ...); AT_RANDOM,
    AT_PLATFORM and AT_EXECFN are filled in here.
    """
    strings = bytearray()
    pos = top - 8  # Linux leaves an 8-byte end marker at the very top

    def push_str(s: bytes) -> int:
        nonlocal pos
        b = s + b"\0"
        pos -= len(b)
        strings[0:0] = b
        return pos

    execfn_addr = push_str(execfn)
    envp_addrs = [0] * len(envp)
    for i in range(len(envp) - 1, -1, -1):
        envp_addrs[i] = push_str(envp[i])
    argv_addrs = [0] * len(argv)
    for i in range(len(argv) - 1, -1, -1):
        argv_addrs[i] = push_str(argv[i])
    str_base = pos
    # platform string and random bytes, 16-byte aligned below the strings
    pos &= ~0xF
    pos -= 16
    random_addr = pos
    pos -= len(PLATFORM) + 1
    platform_addr = pos
    auxv = list(aux.items())
    auxv += [(AT_RANDOM, random_addr), (AT_EXECFN, execfn_addr), (AT_PLATFORM, platform_addr),
             (AT_NULL, 0)]
    words = 1 + len(argv) + 1 + len(envp) + 1 + 2 * len(auxv)
    sp = (pos - words * 8) & ~0xF
    table = [len(argv)] + argv_addrs + [0] + envp_addrs + [0]
    for k, v in auxv:
        table += [k, v]
    blob = bytearray(top - sp)
    struct.pack_into(f"<{len(table)}Q", blob, 0, *table)
    blob[platform_addr - sp:platform_addr - sp + len(PLATFORM)] = PLATFORM
    blob[random_addr - sp:random_addr - sp + 16] = random16
    blob[str_base - sp:str_base - sp + len(strings)] = strings
    return InitialStack(sp, bytes(blob), sp, auxv, argv_addrs, envp_addrs)


def vdso_stub(syscall: str) -> bytes:
    """A vDSO function: ``mov eax, NR; syscall; ret`` (rcx and r11 are the caller's to lose)."""
    return b"\xb8" + struct.pack("<I", SYSCALL_NUMBERS[syscall]) + b"\x0f\x05\xc3"


def exec_launcher() -> bytes:
    """What strace's child does to start a program, as code: ``execve(rdi, rsi, rdx)``;
    if that returns, ``write(2, r12, r13)`` (the message) and ``exit_group(1)``."""
    nr = SYSCALL_NUMBERS
    return (b"\xb8" + struct.pack("<I", nr["execve"]) + b"\x0f\x05"   # mov eax, execve; syscall
            + b"\xbf\x02\x00\x00\x00"                                 # mov edi, 2
            + b"\x4c\x89\xe6" + b"\x4c\x89\xea"                       # mov rsi, r12; mov rdx, r13
            + b"\xb8" + struct.pack("<I", nr["write"]) + b"\x0f\x05"     # mov eax, write; syscall
            + b"\xbf\x01\x00\x00\x00"                                 # mov edi, 1
            + b"\xb8" + struct.pack("<I", nr["exit_group"]) + b"\x0f\x05")
