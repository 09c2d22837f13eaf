"""binfmt_elf: map an ELF program (and the interpreter it names) and build its first stack.

As Linux's load_elf_binary with address-space randomisation off, as under a debugger: an
ET_EXEC program at its own addresses; a position-independent program that names an
interpreter at ELF_ET_DYN_BASE (0x555555554000); a static-pie program, and every
interpreter, where a top-down mmap would put them.  The process then starts at the
interpreter's entry, which finds the program from AT_PHDR, AT_ENTRY and AT_BASE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..arch import x86_64 as arch
from ..elf.loader import LoadPlan, Segment
from ..elf.vdso import build_vdso
from ..mm.address_space import (
    STACK_SIZE,
    STACK_TOP,
    TASK_SIZE,
    VDSO_BASE,
    AddressSpace,
    page_down,
    page_up,
)
from ..mm.hostmem import PAGE, Backing, memmove
from ..mm.vma import PROT_EXEC, PROT_READ, PROT_WRITE

if TYPE_CHECKING:
    from .cred import Cred
    from .kernel import Kernel

#: where Linux puts a position-independent program that has an interpreter (2/3 of the
#: 47-bit user space, page-aligned)
ELF_ET_DYN_BASE = (TASK_SIZE // 3 * 2) & ~(PAGE - 1)


@dataclass
class Loaded:
    """Where exec put the program: its entry and stack, and the load biases."""

    entry: int  # the first instruction: the interpreter's entry, else the program's
    sp: int
    bias: int  # the program's
    interp_base: int = 0  # AT_BASE: where the interpreter was loaded (0: none)


def map_plan(kernel: "Kernel", mm: AddressSpace, plan: LoadPlan, bias: int, name: str,
             ident: tuple[int, int] | None) -> None:
    """Map each PT_LOAD of `plan` at `bias`, named by the file's path, (device, inode);
    read-only segments share one host buffer per (file, bias) among every process that
    runs it."""
    dev, inode = ident if ident is not None else (0, 1)
    for i, seg in enumerate(plan.segments):
        start = page_down(seg.vaddr)
        end = page_up(seg.vaddr + seg.memsz)
        head = seg.vaddr - start
        if seg.prot & PROT_WRITE:
            backing = _filled(end - start, seg, head)
        else:  # one host buffer for every process running this image
            backing = kernel.images.segment(
                plan, i, bias, lambda: _mapped(end - start, seg, head))  # noqa: B023
        mm.map(start + bias, end - start, seg.prot, name=name, backing=backing,
               file_off=seg.offset - head, inode=inode or 1, dev=dev)


def load_image(kernel: "Kernel", mm: AddressSpace, plan: LoadPlan, argv: list[bytes],
               envp: list[bytes], execfn: bytes, cred: "Cred",
               ident: tuple[int, int] | None = None, interp: LoadPlan | None = None,
               interp_name: str = "", interp_ident: tuple[int, int] | None = None) -> Loaded:
    """Map `plan` (and its interpreter's plan) and build the initial stack; `ident` is the
    file's (device, inode), as /proc/PID/maps shows it."""
    lo, hi = plan.span
    bias = 0
    if plan.pie:
        if interp is not None:
            bias = page_down(ELF_ET_DYN_BASE - lo)
        else:
            bias = mm.find_free(hi - lo) - lo
    map_plan(kernel, mm, plan, bias, plan.path, ident)
    mm.setup_brk(page_up(hi + bias))
    mm.load_bias = bias
    mm.map(STACK_TOP - STACK_SIZE, STACK_SIZE, 3, name="[stack]")
    vdso = kernel.images.vdso(lambda: build_vdso(arch.vdso_stub))
    mm.map(VDSO_BASE, vdso.size, PROT_READ | PROT_EXEC, name="[vdso]", backing=vdso)
    mm.vdso = (VDSO_BASE, VDSO_BASE + vdso.size)
    entry = plan.entry + bias
    interp_base = 0
    if interp is not None:
        ilo, ihi = interp.span
        ibias = mm.find_free(ihi - ilo) - ilo if interp.pie else 0
        map_plan(kernel, mm, interp, ibias, interp_name, interp_ident)
        interp_base = ilo + ibias
        entry = interp.entry + ibias
    aux = {
        arch.AT_MINSIGSTKSZ: arch.MINSIGSTKSZ_VALUE, arch.AT_HWCAP: arch.HWCAP,
        arch.AT_PAGESZ: 4096, arch.AT_CLKTCK: 100, arch.AT_PHDR: plan.phdr_vaddr + bias,
        arch.AT_PHENT: plan.phentsize, arch.AT_PHNUM: plan.phnum, arch.AT_BASE: interp_base,
        arch.AT_FLAGS: 0, arch.AT_ENTRY: plan.entry + bias, arch.AT_UID: cred.uid,
        arch.AT_EUID: cred.euid, arch.AT_GID: cred.gid, arch.AT_EGID: cred.egid,
        arch.AT_SECURE: 0, arch.AT_HWCAP2: arch.HWCAP2, arch.AT_SYSINFO_EHDR: VDSO_BASE,
    }
    stack = arch.build_initial_stack(STACK_TOP, argv, envp, execfn, kernel.rng.randbytes(16), aux)
    mm.write(stack.sp, stack.data)
    mm.auxv = stack.auxv
    mm.start_args = (stack.sp + 8, stack.sp + 8 * (len(argv) + 2), len(envp))
    return Loaded(entry, stack.sp, bias, interp_base)


def _filled(size: int, seg: Segment, head: int) -> Backing:
    """A segment's page-aligned bytes: the file's bytes before it on its first page, its
    own bytes, zeros after."""
    data = seg.lead[len(seg.lead) - head:] + seg.data if head else seg.data
    b = Backing(size)
    memmove(b.addr, data, len(data))
    return b


def _mapped(size: int, seg: Segment, head: int) -> Backing:
    """A read-only segment's pages straight from the program file, as Linux maps them
    (only the pages the program touches are ever read; the tail of the last page is the
    file's next bytes); copied instead when the file cannot be mapped or the segment
    runs past the file's pages (memsz beyond filesz)."""
    fd = seg.source.fd
    if fd is not None and head == seg.offset % PAGE and size <= page_up(head + seg.filesz):
        try:
            return Backing.of_file(fd, seg.offset - head, size)
        except MemoryError:
            pass
    return _filled(size, seg, head)
