"""A first process that starts the program by calling execve, as strace's child does.

`forkdbg trace` of a program Linux would refuse to exec (a directory, a file without
execute permission, one in no format it knows) must show what strace shows: the failed
`execve` with its errno, the child's `NAME: exec: REASON` on stderr and `+++ exited
with 1 +++`.  The machine's first process is then a launcher: a page of code
(arch.exec_launcher) and a stack holding the program's path, argv and environment,
which makes the real execve system call and, when it returns, writes the message and
exits with status 1.  A program that does start needs no launcher: the first process is
made from its image directly.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..arch import x86_64 as arch
from ..mm.address_space import STACK_SIZE, STACK_TOP, AddressSpace, page_up
from ..mm.vma import PROT_EXEC, PROT_READ
from .exec import first_process

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task

LAUNCHER_BASE = 0x10000


def spawn_launcher(kernel: "Kernel", path: str, argv: list[bytes], envp: list[bytes],
                   message: bytes) -> "Task":
    """The first process, about to `execve(path, argv, envp)` and, if that fails, to
    write `message` to descriptor 2 and exit with status 1."""
    code = arch.exec_launcher()
    page = code + message
    mm = AddressSpace(parked=True)
    mm.map(LAUNCHER_BASE, page_up(len(page)), PROT_READ | PROT_EXEC, data=page)
    mm.map(STACK_TOP - STACK_SIZE, STACK_SIZE, 3, name="[stack]")
    st = arch.build_initial_stack(STACK_TOP, argv, envp, os.fsencode(path),
                                  kernel.rng.randbytes(16), {})
    mm.write(st.sp, st.data, force=True)
    argv_ptr = st.sp + 8
    envp_ptr = argv_ptr + 8 * (len(argv) + 1)
    execfn = dict(st.auxv)[arch.AT_EXECFN]
    task = first_process(kernel, mm, kernel.initial_cwd(), LAUNCHER_BASE, st.sp)
    task.tg.launcher = True
    for name, value in (("rdi", execfn), ("rsi", argv_ptr), ("rdx", envp_ptr),
                        ("r12", LAUNCHER_BASE + len(code)), ("r13", len(message))):
        task.set_reg(arch.REG_IDS[name], value)
    return task
