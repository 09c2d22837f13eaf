"""Shared libraries as gdb presents them: `info sharedlibrary` and libthread_db's lines.

The objects come from the kernel's record of file mappings (kernel/objfiles.py), named
as the dynamic loader's link_map names them; gdb's table shows each library's .text
range.  gdb enables libthread_db for a process once glibc's libc.so.6 (the one that
carries __nptl_version) is loaded and a libthread_db.so.1 sits beside it, or, for a
static program that carries __nptl_version itself, when the system has one; from then on
it names threads `Thread 0x... (LWP N)` in its fork messages.  forkdbg needs no
libthread_db to see threads, but says what gdb says, under the same condition.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..kernel.errors import KernelError
from ..kernel.objfiles import Objfile, link_map_names, object_map

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task

THREAD_DB = "libthread_db.so.1"
#: where the system's dynamic loader finds it (gdb's $sdir, for a static program)
SYSTEM_THREAD_DB = tuple(os.path.join(d, THREAD_DB) for d in (
    "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64"))


def shared_libraries(kernel: "Kernel", task: "Task") -> list[Objfile]:
    """The shared objects of `task`'s process (the program left out), the interpreter
    first, then the others in the order the loader mapped them."""
    objs = object_map(kernel, task.mm)
    prog = objs.program
    libs = [o for o in objs if o is not prog]
    return sorted(libs, key=lambda o: (o.start != objs.interp_base, -o.start))


def text_range(o: Objfile) -> tuple[int, int] | None:
    """[start, end) of the object's .text section where it is loaded (gdb's From/To)."""
    r = o.image.section_range(".text")
    return (r[0] + o.bias, r[1] + o.bias) if r is not None else None


def info_sharedlibrary_lines(kernel: "Kernel", task: "Task") -> list[str]:
    """gdb's table, or its sentence when nothing is loaded."""
    libs = shared_libraries(kernel, task)
    if not libs:
        return ["No shared libraries loaded at this time."]
    out = ["From                To                  Syms Read   Shared Object Library"]
    missing = False
    for o in libs:
        r = text_range(o)
        lo, hi = (f"0x{r[0]:016x}", f"0x{r[1]:016x}") if r else ("", "")
        debug = o.image.debug is not None
        missing = missing or not debug
        out.append(f"{lo:<19} {hi:<19} {'Yes' if debug else 'Yes (*)':<11} {o.name}")
    if missing:
        out.append("(*): Shared library is missing debugging information.")
    return out


def thread_db_library(kernel: "Kernel", task: "Task") -> str | None:
    """The libthread_db gdb would load for `task`'s process, once the loader has entered
    glibc's libc.so.6 in its link map; None before, for musl, or when there is none."""
    objs = object_map(kernel, task.mm)
    if objs.interp_base == 0:  # a static program with nptl: the system's libthread_db
        prog = objs.program
        if prog is None or prog.image.symbols.lookup("__nptl_version") is None:
            return None
        return next((p for p in SYSTEM_THREAD_DB if _exists(kernel, p)), None)
    for o, name in link_map_names(task.mm, objs).items():
        if os.path.basename(name) != "libc.so.6" or \
                o.image.symbols.lookup("__nptl_version") is None:
            continue
        path = os.path.join(os.path.dirname(name), THREAD_DB)  # gdb's $pdir
        return path if _exists(kernel, path) else None
    return None


def _exists(kernel: "Kernel", path: str) -> bool:
    try:
        return kernel.vfs.resolve(None, path).exists
    except KernelError:
        return False

