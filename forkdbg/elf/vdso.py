"""The vDSO image: a small shared object the kernel maps into every process.

Linux hands each process an ELF image (AT_SYSINFO_EHDR) whose functions read the
time without a system call.  forkdbg's exports the same names and version
(``__vdso_clock_gettime``... at LINUX_2.6, with the plain names as weak aliases), but
each function makes the system call, so the guest's clock stays the virtual one and a
busy-wait on the time still moves it.  glibc, musl, dietlibc and Go find the functions
through the dynamic section (DT_HASH, DT_SYMTAB, DT_STRTAB, DT_VERSYM, DT_VERDEF); the
section headers are there for tools that read those instead.

The image is linked at 0: one PT_LOAD at offset 0 covers everything, and every
address inside it is an offset from where it is mapped.
"""

from __future__ import annotations

import struct
from typing import Callable

#: the functions, the system calls they make, and the weak alias Linux also exports
VDSO_FUNCTIONS = (("__vdso_clock_gettime", "clock_gettime"),
                  ("__vdso_gettimeofday", "gettimeofday"),
                  ("__vdso_time", "time"),
                  ("__vdso_clock_getres", "clock_getres"),
                  ("__vdso_getcpu", "getcpu"))
VERSION = b"LINUX_2.6"
SONAME = b"linux-vdso.so.1"
PAGE = 4096

ET_DYN, EM_X86_64, PT_LOAD, PT_DYNAMIC = 3, 62, 1, 2
PF_R, PF_X = 4, 1
DT_NULL, DT_HASH, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT, DT_SONAME = 0, 4, 5, 6, 10, 11, 14
DT_VERSYM, DT_VERDEF, DT_VERDEFNUM = 0x6FFFFFF0, 0x6FFFFFFC, 0x6FFFFFFD
SHT_PROGBITS, SHT_STRTAB, SHT_HASH, SHT_DYNAMIC, SHT_DYNSYM = 1, 3, 5, 6, 11
SHT_GNU_VERDEF, SHT_GNU_VERSYM = 0x6FFFFFFD, 0x6FFFFFFF
SHF_ALLOC, SHF_EXECINSTR = 2, 4
STB_GLOBAL, STB_WEAK, STT_FUNC = 1, 2, 2
VER_FLG_BASE = 1
STUB_SIZE = 16


def elf_hash(name: bytes) -> int:
    """The SysV ELF hash (DT_HASH buckets and vd_hash)."""
    h = 0
    for c in name:
        h = ((h << 4) + c) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h


def _align(n: int, a: int = 16) -> int:
    return (n + a - 1) & -a


def build_vdso(stub: Callable[[str], bytes]) -> bytes:
    """The image, one page or more; `stub(name)` is the machine code of the function that
    makes system call `name` and returns (the architecture's part)."""
    names = [n for pair in VDSO_FUNCTIONS for n in pair]
    # strings: "", soname, version, then the symbol names
    dynstr = b"\0" + SONAME + b"\0" + VERSION + b"\0"
    soname_off, version_off = 1, 1 + len(SONAME) + 1
    name_off = {}
    for n in names:
        name_off[n] = len(dynstr)
        dynstr += n.encode() + b"\0"
    nsyms = 1 + len(names)

    # layout
    ehdr_size, phdr_size, n_ph = 64, 56, 2
    off_hash = _align(ehdr_size + phdr_size * n_ph, 8)
    hash_size = 4 * (2 + 1 + nsyms)  # nbucket=1, nchain=nsyms
    off_dynsym = _align(off_hash + hash_size, 8)
    off_dynstr = off_dynsym + 24 * nsyms
    off_versym = _align(off_dynstr + len(dynstr), 2)
    off_verdef = _align(off_versym + 2 * nsyms, 8)
    verdef_size = 2 * (20 + 8)
    off_dynamic = _align(off_verdef + verdef_size, 8)
    dyn_entries = 10
    off_text = _align(off_dynamic + 16 * dyn_entries, 16)
    text = b"".join(stub(syscall).ljust(STUB_SIZE, b"\xcc")
                    for _fn, syscall in VDSO_FUNCTIONS)
    shstr = b"\0.hash\0.dynsym\0.dynstr\0.gnu.version\0.gnu.version_d\0.dynamic\0.text\0" \
        b".shstrtab\0"
    off_shstr = off_text + len(text)
    off_shdr = _align(off_shstr + len(shstr), 8)
    n_sh = 9
    total = off_shdr + 64 * n_sh

    img = bytearray(_align(total, PAGE))
    # ELF header
    img[0:16] = b"\x7fELF\x02\x01\x01" + bytes(9)
    struct.pack_into("<HHIQQQIHHHHHH", img, 16, ET_DYN, EM_X86_64, 1, off_text, ehdr_size,
                     off_shdr, 0, ehdr_size, phdr_size, n_ph, 64, n_sh, n_sh - 1)
    # program headers
    struct.pack_into("<IIQQQQQQ", img, ehdr_size, PT_LOAD, PF_R | PF_X, 0, 0, 0,
                     total, total, PAGE)
    struct.pack_into("<IIQQQQQQ", img, ehdr_size + phdr_size, PT_DYNAMIC, PF_R, off_dynamic,
                     off_dynamic, off_dynamic, 16 * dyn_entries, 16 * dyn_entries, 8)
    # .hash: one bucket chaining every symbol
    chains = [0] + [i + 1 if i + 1 < nsyms else 0 for i in range(1, nsyms)]
    struct.pack_into(f"<II I {nsyms}I", img, off_hash, 1, nsyms, 1 if nsyms > 1 else 0, *chains)
    # .dynsym
    for i, n in enumerate(names, start=1):
        fn = i - 1
        value = off_text + STUB_SIZE * (fn // 2)
        bind = STB_GLOBAL if fn % 2 == 0 else STB_WEAK
        struct.pack_into("<IBBHQQ", img, off_dynsym + 24 * i, name_off[n], bind << 4 | STT_FUNC,
                         0, 7, value, STUB_SIZE)
    img[off_dynstr:off_dynstr + len(dynstr)] = dynstr
    # .gnu.version: every symbol at LINUX_2.6 (index 2)
    struct.pack_into(f"<{nsyms}H", img, off_versym, 0, *([2] * (nsyms - 1)))
    # .gnu.version_d: the base definition, then LINUX_2.6
    for k, (flags, ndx, name, nxt) in enumerate(((VER_FLG_BASE, 1, soname_off, 28),
                                                 (0, 2, version_off, 0))):
        o = off_verdef + 28 * k
        nm = dynstr[name:dynstr.index(b"\0", name)]
        struct.pack_into("<HHHHIII", img, o, 1, flags, ndx, 1, elf_hash(nm), 20, nxt)
        struct.pack_into("<II", img, o + 20, name, 0)
    # .dynamic
    dyn = [(DT_HASH, off_hash), (DT_STRTAB, off_dynstr), (DT_SYMTAB, off_dynsym),
           (DT_STRSZ, len(dynstr)), (DT_SYMENT, 24), (DT_SONAME, soname_off),
           (DT_VERSYM, off_versym), (DT_VERDEF, off_verdef), (DT_VERDEFNUM, 2), (DT_NULL, 0)]
    for i, (tag, val) in enumerate(dyn):
        struct.pack_into("<qQ", img, off_dynamic + 16 * i, tag, val)
    img[off_text:off_text + len(text)] = text
    img[off_shstr:off_shstr + len(shstr)] = shstr

    def sh(i: int, name: bytes, typ: int, flags: int, off: int, size: int, link: int = 0,
           info: int = 0, align: int = 8, entsize: int = 0) -> None:
        addr = off if flags & SHF_ALLOC else 0
        struct.pack_into("<IIQQQQIIQQ", img, off_shdr + 64 * i, shstr.index(name + b"\0"),
                         typ, flags, addr, off, size, link, info, align, entsize)
    sh(1, b".hash", SHT_HASH, SHF_ALLOC, off_hash, hash_size, link=2, entsize=4)
    sh(2, b".dynsym", SHT_DYNSYM, SHF_ALLOC, off_dynsym, 24 * nsyms, link=3, info=1, entsize=24)
    sh(3, b".dynstr", SHT_STRTAB, SHF_ALLOC, off_dynstr, len(dynstr), align=1)
    sh(4, b".gnu.version", SHT_GNU_VERSYM, SHF_ALLOC, off_versym, 2 * nsyms, link=2, align=2,
       entsize=2)
    sh(5, b".gnu.version_d", SHT_GNU_VERDEF, SHF_ALLOC, off_verdef, verdef_size, link=3,
       info=2)
    sh(6, b".dynamic", SHT_DYNAMIC, SHF_ALLOC, off_dynamic, 16 * dyn_entries, link=3,
       entsize=16)
    sh(7, b".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, off_text, len(text), align=16)
    sh(8, b".shstrtab", SHT_STRTAB, 0, off_shstr, len(shstr), align=1)
    return bytes(img)
