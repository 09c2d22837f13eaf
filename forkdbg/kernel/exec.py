"""execve and execveat: do_execve, opening the program and its interpreter, `#!` scripts.

A successful exec keeps the pid and the open files (minus O_CLOEXEC ones), gives
the task a fresh address space with the new image and stack, resets handled
signals to SIG_DFL (ignored ones stay ignored), ends the other threads of the
group and releases a vfork parent.
"""

from __future__ import annotations

import os
import stat as st_mod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.fileflags import O_NONBLOCK, O_RDONLY
from ..arch import x86_64 as arch
from ..elf.loader import ElfError, LoadPlan, parse_elf
from ..fs.file import FdTable
from ..fs.hostfile import HostFile
from ..fs.perm import MAY_EXEC, check
from ..mm.address_space import STACK_SIZE, AddressSpace
from .binfmt_elf import load_image
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


@dataclass
class Binprm:
    """What exec opened and parsed (Linux's linux_binprm): the program, the `#!`-rewritten
    argv, and the interpreter a dynamically linked program names."""

    plan: LoadPlan
    path: str  # the program's guest path
    argv: list[bytes]
    file: HostFile
    interp: LoadPlan | None = None
    interp_file: HostFile | None = None

    def release(self) -> None:
        """Close what exec opened (a failed exec, or after the new image holds it)."""
        self.file.release()
        if self.interp_file is not None:
            self.interp_file.release()


def _read_plan(kernel: "Kernel", exe: HostFile, fd: int, st: os.stat_result,
               interpreter: bool = False) -> LoadPlan:
    """The file's LoadPlan, parsed once while the file is unchanged (ElfError if it is no
    usable ELF)."""
    key = file_key(exe.path, st)
    plan = kernel.images.plan(key)
    if plan is None:
        with os.fdopen(os.dup(fd), "rb") as stream:
            plan = parse_elf(stream, exe.path, interpreter)
        kernel.images.add_plan(key, plan)
    return plan


def _open_file(kernel: "Kernel", start: "Place | None", path: str, follow: bool, ctx: object,
               cred: "Cred") -> tuple[HostFile, os.stat_result]:
    node = kernel.vfs.resolve(None if path.startswith("/") else start, path, follow=follow,
                              ctx=ctx)
    exe = _open_exec(node, cred)
    cache = kernel.page_cache.get(exe.key)
    if cache is not None:  # a program written through a shared mapping runs as written
        cache.writeback()
    st = os.fstat(exe.fd)
    if not st_mod.S_ISREG(st.st_mode):  # swapped since it was looked at
        exe.release()
        raise KernelError(Errno.EACCES)
    return exe, st


def open_interpreter(kernel: "Kernel", start: "Place | None", name: bytes, ctx: object,
                     cred: "Cred") -> tuple[LoadPlan, HostFile]:
    """The interpreter a program's PT_INTERP names, opened as load_elf_binary opens it:
    ENOENT/EACCES from opening it, EIO when it is shorter than an ELF header, ELIBBAD when
    it is no x86-64 ELF or its program headers are unusable.  Its e_type is not checked
    (Linux 6.18 starts an ET_CORE interpreter), its own PT_INTERP is ignored."""
    path = os.fsdecode(name)
    if not path:
        raise KernelError(Errno.ENOENT)
    exe, st = _open_file(kernel, start, path, True, ctx, cred)
    try:
        head = os.pread(exe.fd, 64, 0)
        if len(head) < 64:  # elf_read's short read
            raise KernelError(Errno.EIO)
        if head[:4] != b"\x7fELF" or len(head) < 20 or head[4] != 2 \
                or int.from_bytes(head[18:20], "little") != 62:  # EM_X86_64
            raise KernelError(Errno.ELIBBAD)
        phentsize, phnum = int.from_bytes(head[54:56], "little"), int.from_bytes(head[56:58],
                                                                                 "little")
        if phentsize != 56 or not 0 < phnum * 56 <= 4096:  # load_elf_phdrs
            raise KernelError(Errno.ELIBBAD)
        try:
            plan = _read_plan(kernel, exe, exe.fd, st, interpreter=True)
        except ElfError:
            raise KernelError(Errno.ELIBBAD) from None
    except BaseException:
        exe.release()
        raise
    return plan, exe


def prepare(kernel: "Kernel", start: "Place | None", path: str, argv: list[bytes],
            envp: list[bytes], follow: bool = True, ctx: object = None) -> Binprm:
    """Resolve, check and read the program (following `#!`) and its interpreter, as
    Linux's do_open_execat and binfmt loaders do."""
    _check_args(argv, envp)
    cred = getattr(ctx, "cred", None) or kernel.host_cred
    for _depth in range(MAX_INTERP_DEPTH + 1):
        exe, st = _open_file(kernel, start, path, follow, ctx, cred)
        plan = kernel.images.plan(file_key(exe.path, st))
        if plan is None:
            head = os.pread(exe.fd, BINPRM_BUF, 0)
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
                plan = _read_plan(kernel, exe, exe.fd, st)
            except ElfError:
                exe.release()
                raise KernelError(Errno.ENOEXEC) from None
        bprm = Binprm(plan, exe.path, argv, exe)
        if plan.interp is not None:
            try:
                bprm.interp, bprm.interp_file = open_interpreter(kernel, start, plan.interp,
                                                                 ctx, cred)
            except BaseException:
                exe.release()
                raise
        return bprm
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
    bprm = prepare(kernel, cwd, path, argv, envp)
    try:
        mm, entry, sp = new_image(kernel, bprm, envp, path, kernel.host_cred)
    except KernelError:
        bprm.release()
        raise
    task = first_process(kernel, mm, cwd, entry, sp)
    _set_identity(task, bprm.path, bprm.argv, path)
    task.tg.exe_file = bprm.file.get()
    if bprm.interp_file is not None:
        bprm.interp_file.release()
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
    bprm = prepare(kernel, start if start is not None else task.fs.cwd, path, argv, envp,
                   follow, task)
    cred = task.cred.copy()
    cred.exec()
    try:
        mm, entry, sp = new_image(kernel, bprm, envp, path, cred)
    except KernelError:
        bprm.release()
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
    task.tg.set_exe_file(bprm.file)
    if bprm.interp_file is not None:  # its segments keep a descriptor of their own
        bprm.interp_file.release()
    _set_identity(task, bprm.path, bprm.argv, path)
    kernel.watchers.install(task)
    kernel.bus.emit(Exec(task, bprm.path, list(bprm.argv), old_tid))
    kernel.memory.mapped_changed()
    return 0


def new_image(kernel: "Kernel", bprm: Binprm, envp: list[bytes], path: str,
              cred: "Cred") -> tuple[AddressSpace, int, int]:
    """The address space of a program about to start, built before the point of no
    return so that running out of memory fails the call (ENOMEM) instead of the caller."""
    lo, hi = bprm.plan.span
    size = hi - lo + STACK_SIZE
    if bprm.interp is not None:
        ilo, ihi = bprm.interp.span
        size += ihi - ilo
    kernel.memory.request(size)
    mm = AddressSpace(parked=True)
    try:
        ifile = bprm.interp_file
        loaded = load_image(kernel, mm, bprm.plan, bprm.argv, envp, os.fsencode(path), cred,
                            bprm.file.key, bprm.interp, ifile.path if ifile else "",
                            ifile.key if ifile else None)
    except MemoryError:
        mm.release()
        raise KernelError(Errno.ENOMEM) from None
    return mm, loaded.entry, loaded.sp
