"""execve and execveat: do_execve, the ELF image loader and `#!` scripts.

A successful exec keeps the pid and the open files (minus O_CLOEXEC ones), gives
the task a fresh address space with the new image and stack, resets handled
signals to SIG_DFL (ignored ones stay ignored), ends the other threads of the
group and releases a vfork parent.
"""

from __future__ import annotations

import os
import stat as st_mod
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import O_NONBLOCK, O_RDONLY
from ..arch import x86_64 as arch
from ..elf.loader import ElfError, LoadPlan, Segment, parse_elf
from ..elf.vdso import build_vdso
from ..fs.file import FdTable
from ..mm.address_space import (STACK_SIZE, STACK_TOP, VDSO_BASE, AddressSpace, page_down,
                                page_up)
from ..mm.hostmem import PAGE, Backing, memmove
from ..mm.vma import PROT_EXEC, PROT_READ, PROT_WRITE
from ..fs.hostfile import HostFile
from ..fs.perm import MAY_EXEC, check
from .errors import KernelError
from .events import Exec
from .images import file_key
from .posix_timers import exit_itimers
from .signal import SigHand
from .task import FsContext, Task
from .thread_group import ThreadGroup

if TYPE_CHECKING:
    from ..fs.vfs import Node, Place
    from .cred import Cred
    from .kernel import Kernel

MAX_ARG_STRLEN = 131072
ARG_MAX = 2 * 1024 * 1024
BINPRM_BUF = 256
MAX_INTERP_DEPTH = 4


class ExecFormatError(Exception):
    """The first program cannot be started (reported by the CLI, not the guest)."""


def load_image(kernel: "Kernel", mm: AddressSpace, plan: LoadPlan, argv: list[bytes],
               envp: list[bytes], execfn: bytes, cred: "Cred") -> tuple[int, int, int]:
    """Map `plan` and build the initial stack; returns (entry pc, stack pointer, load bias)."""
    lo, hi = plan.span
    bias = 0
    if plan.pie:
        bias = mm.find_free(hi - lo) - lo
    for i, seg in enumerate(plan.segments):
        start = page_down(seg.vaddr)
        end = page_up(seg.vaddr + seg.memsz)
        head = seg.vaddr - start
        if seg.prot & PROT_WRITE:
            backing = _filled(end - start, plan, seg, head)
        else:  # one host buffer for every process running this image
            backing = kernel.images.segment(
                plan, i, bias, lambda: _mapped(end - start, plan, seg, head))  # noqa: B023
        mm.map(start + bias, end - start, seg.prot, name=plan.path, backing=backing,
               file_off=seg.offset - head, inode=1)
    mm.setup_brk(page_up(hi + bias))
    mm.load_bias = bias
    mm.map(STACK_TOP - STACK_SIZE, STACK_SIZE, 3, name="[stack]")
    vdso = kernel.images.vdso(lambda: build_vdso(arch.vdso_stub))
    mm.map(VDSO_BASE, vdso.size, PROT_READ | PROT_EXEC, name="[vdso]", backing=vdso)
    mm.vdso = (VDSO_BASE, VDSO_BASE + vdso.size)
    creds = cred
    aux = {
        arch.AT_MINSIGSTKSZ: arch.MINSIGSTKSZ_VALUE, arch.AT_HWCAP: arch.HWCAP,
        arch.AT_PAGESZ: 4096, arch.AT_CLKTCK: 100, arch.AT_PHDR: plan.phdr_vaddr + bias,
        arch.AT_PHENT: plan.phentsize, arch.AT_PHNUM: plan.phnum, arch.AT_BASE: 0,
        arch.AT_FLAGS: 0, arch.AT_ENTRY: plan.entry + bias, arch.AT_UID: creds.uid,
        arch.AT_EUID: creds.euid, arch.AT_GID: creds.gid, arch.AT_EGID: creds.egid,
        arch.AT_SECURE: 0, arch.AT_HWCAP2: arch.HWCAP2, arch.AT_SYSINFO_EHDR: VDSO_BASE,
    }
    stack = arch.build_initial_stack(STACK_TOP, argv, envp, execfn, kernel.rng.randbytes(16), aux)
    mm.write(stack.sp, stack.data)
    mm.auxv = stack.auxv
    mm.start_args = (stack.sp + 8, stack.sp + 8 * (len(argv) + 2), len(envp))
    return plan.entry + bias, stack.sp, bias


def _filled(size: int, plan: LoadPlan, seg: Segment, head: int) -> Backing:
    """A segment's page-aligned bytes: the file's bytes before it on its first page, its
    own bytes, zeros after."""
    data = seg.lead[len(seg.lead) - head:] + seg.data if head else seg.data
    b = Backing(size)
    memmove(b.addr, data, len(data))
    return b


def _mapped(size: int, plan: LoadPlan, seg: Segment, head: int) -> Backing:
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
    return _filled(size, plan, seg, head)


def _open_exec(node: "Node", cred: "Cred") -> HostFile:
    """do_open_execat: a regular file the caller may execute, open for reading (a FIFO or
    a device is refused before it is opened, so nothing blocks)."""
    if not node.exists:
        raise KernelError(Errno.ENOENT)
    if node.magic is not None:  # execveat(fd, "", AT_EMPTY_PATH), /proc/PID/fd/N, exe
        hfd = getattr(node.magic, "fd", None)
        if not isinstance(hfd, int):
            raise KernelError(Errno.EACCES)
        try:
            st = os.fstat(hfd)
            if not st_mod.S_ISREG(st.st_mode):
                raise KernelError(Errno.EACCES)
            check(st.st_mode, st.st_uid, st.st_gid, cred, MAY_EXEC)
            fd = os.open(f"/proc/self/fd/{hfd}", os.O_RDONLY | os.O_CLOEXEC)
        except OSError as e:
            raise KernelError(e.errno or Errno.EACCES) from None
        return HostFile(fd, O_RDONLY, node.magic.path)
    if node.is_link:
        raise KernelError(Errno.ELOOP)
    hst = node.hst
    if node.is_dir or node.dir is None or hst is None or not st_mod.S_ISREG(hst.st_mode):
        raise KernelError(Errno.EACCES)
    check(hst.st_mode, hst.st_uid, hst.st_gid, cred, MAY_EXEC)
    return HostFile(node.dir.open(node.name, O_RDONLY | O_NONBLOCK), O_RDONLY, node.guest)


def _check_args(argv: list[bytes], envp: list[bytes]) -> None:
    total = 0
    for s in argv + envp:
        if len(s) + 1 > MAX_ARG_STRLEN:
            raise KernelError(Errno.E2BIG)
        total += len(s) + 1 + 8
    if total > ARG_MAX:
        raise KernelError(Errno.E2BIG)


def parse_shebang(head: bytes) -> tuple[bytes, bytes | None]:
    """The interpreter and its one optional argument from a script's first bytes
    (binfmt_script: one line, blanks around them dropped); ENOEXEC when there is none."""
    line = head[2:].split(b"\n", 1)[0].strip(b" \t")
    if not line or b"\0" in line:
        raise KernelError(Errno.ENOEXEC)
    parts = line.split(None, 1)
    return parts[0], (parts[1].strip() if len(parts) > 1 else None)


def prepare(kernel: "Kernel", start: "Place | None", path: str, argv: list[bytes],
            envp: list[bytes], follow: bool = True, ctx: object = None
            ) -> tuple[LoadPlan, str, list[bytes], HostFile]:
    """Resolve, check and read the program (following `#!`), as Linux's do_open_execat
    and binfmt loaders do: (plan, guest path, argv, the open program file)."""
    _check_args(argv, envp)
    cred = getattr(ctx, "cred", None) or kernel.host_cred
    for _depth in range(MAX_INTERP_DEPTH + 1):
        node = kernel.vfs.resolve(None if path.startswith("/") else start, path,
                                  follow=follow, ctx=ctx)
        exe = _open_exec(node, cred)
        fd = exe.fd
        cache = kernel.page_cache.get(exe.key)
        if cache is not None:  # a program written through a shared mapping runs as written
            cache.writeback()
        st = os.fstat(fd)
        if not st_mod.S_ISREG(st.st_mode):  # swapped since it was looked at
            exe.release()
            raise KernelError(Errno.EACCES)
        key = file_key(exe.path, st)
        cached = kernel.images.plan(key)
        if cached is not None:
            return cached, exe.path, argv, exe
        head = os.pread(fd, BINPRM_BUF, 0)
        if head[:2] == b"#!":
            exe.release()
            interp, arg = parse_shebang(head)
            newargv = [interp] + ([arg] if arg is not None else [])
            newargv += [os.fsencode(path)]
            newargv += argv[1:]
            argv = newargv
            path = os.fsdecode(interp)
            follow = True
            continue
        try:
            with os.fdopen(os.dup(fd), "rb") as stream:
                plan = parse_elf(stream, exe.path)
        except ElfError:
            exe.release()
            raise KernelError(Errno.ENOEXEC) from None
        kernel.images.add_plan(key, plan)
        return plan, exe.path, argv, exe
    raise KernelError(Errno.ELOOP)


def _setup_registers(task: Task, entry: int, sp: int) -> None:
    uc = task.mm.uc
    for _name, rid in arch.GPRS:
        if _name not in ("cs", "ss", "ds", "es", "fs", "gs"):
            uc.reg_write(rid, 0)
    uc.reg_write(arch.RSP, sp)
    uc.reg_write(arch.RIP, entry)
    uc.reg_write(arch.EFLAGS, 0x202)
    uc.reg_write(arch.REG_IDS["cs"], 0x33)  # the user code and stack selectors Linux loads
    uc.reg_write(arch.REG_IDS["ss"], 0x2B)
    task.mm.loaded = task
    task.ctx = None


def spawn_first(kernel: "Kernel", path: str, argv: list[bytes], envp: list[bytes]) -> Task:
    """Create the first process (pid = the configured base) running `path`."""
    cwd = kernel.initial_cwd()
    plan, guest, argv, exe = prepare(kernel, cwd, path, argv, envp)
    try:
        mm, entry, sp = new_image(kernel, plan, argv, envp, path, kernel.host_cred)
    except KernelError:
        exe.release()
        raise
    task = first_process(kernel, mm, cwd, entry, sp)
    _set_identity(task, guest, argv, path)
    task.tg.exe_file = exe.get()
    return task


def first_process(kernel: "Kernel", mm: AddressSpace, cwd: "Place", entry: int,
                  sp: int) -> Task:
    """The machine's first process, child of the virtual init, about to run at `entry`
    with forkdbg's own descriptors."""
    pid = kernel.alloc_pid()
    tg = ThreadGroup(pid, kernel.init)
    kernel.init.children.append(tg)
    kernel.groups[pid] = tg
    kernel.first = tg
    files = host_table(kernel.config.host_fds)
    task = Task(kernel, pid, tg, mm, files, FsContext(cwd), SigHand())
    files.users = 1
    tg.leader = task
    tg.threads.append(task)
    kernel.tasks[pid] = task
    kernel.engines.give(mm)
    _setup_registers(task, entry, sp)
    kernel.sched.enqueue(task)
    return task


def host_table(fds: tuple[int, ...]) -> FdTable:
    """The first process's descriptors: those forkdbg was started with (0, 1, 2 and any
    a caller handed it, as `prog 3<file` would), shared, never closed on the host."""
    import fcntl

    from ..fs.hostfile import HostFile
    table = FdTable()
    for fd in fds:
        try:
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        except OSError:
            continue
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            path = f"/dev/fd/{fd}"
        table.install_at(fd, HostFile(fd, flags & ~0o100000, path, owned=False))
    return table


def _set_identity(task: Task, guest: str, argv: list[bytes], given: str) -> None:
    task.comm = os.fsencode(os.path.basename(guest))[:15]
    task.tg.comm = task.comm
    task.tg.exe = guest
    task.tg.exec_path = given
    task.tg.argv = list(argv)


def de_thread(kernel: "Kernel", task: Task) -> int:
    """End the other threads of the group; a non-leader takes over the leader's tid."""
    from .exit import do_exit
    tg = task.tg
    old_tid = task.tid
    for t in list(tg.threads):
        if t is not task and t.alive:
            replaced = t is tg.leader and task is not tg.leader
            do_exit(kernel, t, 0, 9, superseded_by=task.tid if replaced else 0)
    if task is not tg.leader:
        kernel.tasks.pop(task.tid, None)
        task.tid = tg.tgid
        kernel.tasks[task.tid] = task
        tg.leader = task
    tg.threads = [task]
    return old_tid


def do_execve(kernel: "Kernel", task: Task, path: str, argv: list[bytes], envp: list[bytes],
              follow: bool = True, start: "Place | None" = None) -> int:
    """Replace the image of `task`'s process with the program at `path` (relative to
    `start`, the working directory by default)."""
    from .exit import mm_release
    plan, guest, argv, exe = prepare(kernel, start if start is not None else task.fs.cwd, path,
                                     argv, envp, follow, task)
    cred = task.cred.copy()
    cred.exec()
    try:
        mm, entry, sp = new_image(kernel, plan, argv, envp, path, cred)
    except KernelError:
        exe.release()
        raise
    # the point of no return
    old_tid = de_thread(kernel, task)
    mm_release(kernel, task, exec_=True)
    old = task.mm
    if old.loaded is task:
        old.loaded = None
    old.users -= 1
    if old.users == 0:
        kernel.engines.release(old)
    kernel.engines.give(mm)  # after the old space became a shell: it may be the best fit
    task.mm = mm
    mm.users += 1
    _setup_registers(task, entry, sp)
    if task.files.users > 1:
        task.files.users -= 1
        task.files = task.files.fork()
        task.files.users = 1
    task.files.close_on_exec()
    if task.sighand is not None:
        task.sighand = task.sighand.copy()
    task.sighand.reset_for_exec()
    task.altstack.sp, task.altstack.flags, task.altstack.size = 0, 2, 0
    task.robust_list = (0, 0)
    task.rseq = None
    task.set_child_tid = 0
    task.cred = cred
    task.tg.execed = True
    task.tg.launcher = False  # the program runs: a tracer shows all it does
    exit_itimers(task.tg, keep_itimers=True)
    task.tg.dumpable = 1
    task.tg.set_exe_file(exe)
    _set_identity(task, guest, argv, path)
    kernel.watchers.install(task)
    kernel.bus.emit(Exec(task, guest, list(argv), old_tid))
    kernel.memory.mapped_changed()
    return 0


def new_image(kernel: "Kernel", plan: LoadPlan, argv: list[bytes], envp: list[bytes],
              path: str, cred: "Cred") -> tuple[AddressSpace, int, int]:
    """The address space of a program about to start, built before the point of no
    return so that running out of memory fails the call (ENOMEM) instead of the caller."""
    lo, hi = plan.span
    kernel.memory.request(hi - lo + STACK_SIZE)
    mm = AddressSpace(parked=True)
    try:
        entry, sp, _bias = load_image(kernel, mm, plan, argv, envp, os.fsencode(path), cred)
    except MemoryError:
        mm.release()
        raise KernelError(Errno.ENOMEM) from None
    return mm, entry, sp
