"""`--calls`: an ltrace-style view of libc calls inside a static binary.

Function entries are breakpoints (one ranged hook per address, nothing on the hot
path); a call's return is a one-shot breakpoint on its return address, matched by
the stack pointer.  pthread_atfork registrations are read as they happen, so each
handler is shown with its own name and phase: ``[atfork prepare] prepare_b()``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from ..abi.clone import CLONE_VFORK, CLONE_VM
from ..arch.sysv_call import ARG_REGS as SYSV_ARG_REGS
from ..arch.x86_64 import RAX, REG_IDS, RSP
from ..kernel.events import Exec, TaskCreated, TaskExited
from ..kernel.objfiles import object_map
from .describe import ptr, quote
from .prototypes import arguments, prototype, result

if TYPE_CHECKING:
    from ..dwarf.info import Function
    from ..kernel.kernel import Kernel
    from ..kernel.objfiles import Objfile
    from ..kernel.task import Task
    from .options import TraceOptions
    from .strace import StracePrinter

#: the process family of glibc and musl, traced by default
DEFAULT_CALLS = [
    "fork", "_Fork", "vfork", "__clone", "__clone_internal", "__clone3", "clone",
    "pthread_create", "pthread_join", "pthread_atfork", "__register_atfork",
    "__run_prefork_handlers", "__run_postfork_handlers", "__fork_handler",
    "execve", "execv", "execvp", "execvpe", "execl", "execlp", "execle", "fexecve",
    "posix_spawn", "posix_spawnp", "system", "wait", "waitpid", "wait3", "exit", "_exit", "_Exit",
]
ARG_REGS = tuple(REG_IDS[r] for r in SYSV_ARG_REGS)  # the convention's, by unicorn id
#: argument kinds of well-known functions: int, ptr, str, argv, sym (a function pointer)
SIGNATURES: dict[str, tuple[str, ...]] = {
    "pthread_create": ("ptr", "ptr", "sym", "ptr"), "pthread_join": ("hex", "ptr"),
    "pthread_atfork": ("sym", "sym", "sym"), "__register_atfork": ("sym", "sym", "sym", "ptr"),
    "__run_prefork_handlers": ("int",), "__run_postfork_handlers": ("int", "int", "int"),
    "__fork_handler": ("int",), "execve": ("str", "argv", "ptr"), "execv": ("str", "argv"),
    "execvp": ("str", "argv"), "execvpe": ("str", "argv", "ptr"), "execl": ("str", "str"),
    "execlp": ("str", "str"), "execle": ("str", "str"), "fexecve": ("int", "argv", "ptr"),
    "posix_spawn": ("ptr", "str", "ptr", "ptr", "argv", "ptr"),
    "posix_spawnp": ("ptr", "str", "ptr", "ptr", "argv", "ptr"), "system": ("str",),
    "wait": ("ptr",), "waitpid": ("int", "ptr", "int"), "wait3": ("ptr", "int", "ptr"),
    "exit": ("int",), "_exit": ("int",), "_Exit": ("int",),
    "__clone_internal": ("ptr", "sym", "ptr"), "__clone3": ("ptr", "int", "sym", "ptr"),
    "__clone": ("sym", "ptr", "hex", "ptr"), "clone": ("sym", "ptr", "hex", "ptr"),
    "fork": (), "_Fork": (), "vfork": (),
}
VOID = {"__run_prefork_handlers", "__run_postfork_handlers", "__fork_handler"}
NORETURN = {"exit", "_exit", "_Exit"}
INT_RESULT = {"fork", "_Fork", "vfork", "pthread_create", "pthread_join", "pthread_atfork",
              "__register_atfork", "execve", "execv", "execvp", "execvpe", "execl", "execlp",
              "execle", "fexecve", "posix_spawn", "posix_spawnp", "system", "wait", "waitpid",
              "wait3", "__clone_internal", "__clone3", "__clone", "clone"}
PHASES = ("prepare", "parent", "child")


@dataclass
class Frame:
    name: str
    ret: int
    sp: int  # rsp at entry; the return runs with rsp == sp + 8
    head: str  # "name(args)" with any label
    opened: bool = False  # "{" printed: something was shown inside
    void: bool = False
    proto: "Function | None" = None  # its DWARF description: a typed value


@dataclass
class Registry:
    """atfork handlers a process registered: address -> phases."""

    handlers: dict[int, set[str]] = field(default_factory=dict)

    def copy(self) -> "Registry":
        return Registry({a: set(p) for a, p in self.handlers.items()})


class CallTracer:
    """A code watcher that prints libc calls through the strace printer."""

    def __init__(self, kernel: "Kernel", opts: "TraceOptions", printer: "StracePrinter") -> None:
        self.k = kernel
        self.printer = printer
        extra = opts.calls or []
        self.patterns = DEFAULT_CALLS + extra
        self.frames: dict[int, list[Frame]] = {}
        self.registries: dict[int, Registry] = {}
        self._entries: dict[tuple[str, int], dict[int, str]] = {}
        #: ((object path, bias), entry address) -> the name its signature is known by
        self._sig_names: dict[tuple[tuple[str, int], int], str] = {}
        printer.indent = self.depth
        printer.before_line = self.flush_open
        kernel.bus.subscribe(TaskCreated, self.on_created)
        kernel.bus.subscribe(Exec, self.on_exec)
        kernel.bus.subscribe(TaskExited, self.on_exited)
        kernel.watchers.add(self, list(kernel.tasks.values()))

    # ------------------------------------------------------------ watching
    def _entry_map(self, task: "Task") -> dict[int, str]:
        """Entry address -> name of every traced function in every object mapped in the
        task's process (the program, libc.so.6 once the loader has mapped it...)."""
        m: dict[int, str] = {}
        for o in object_map(self.k, task.mm):
            m.update(self._object_entries(o))
        return m

    def _object_entries(self, o: "Objfile") -> dict[int, str]:
        key = (o.path, o.bias)
        m = self._entries.get(key)
        if m is None:
            m = {}
            syms = o.image.symbols
            for pat in self.patterns:
                for s in syms.match(pat):
                    m.setdefault(s.addr, syms.names_at(s.addr)[0])
            self._entries[key] = m
            for addr in m:  # the signature may be known under another of its names
                for alias in syms.names_at(addr):
                    if alias in SIGNATURES:
                        self._sig_names[(key, addr)] = alias
                        break
        return m

    def addresses(self, task: "Task") -> Iterable[int]:
        reg = self.registries.get(task.tg.tgid)
        extra = list(reg.handlers) if reg else []
        return list(self._entry_map(task)) + extra

    def depth(self, task: "Task") -> int:
        return len(self.frames.get(task.tid, ()))

    def on_hit(self, task: "Task", addr: int) -> None:
        if not self.printer.traced(task):
            return
        stack = self.frames.get(task.tid, [])
        sp = task.reg(RSP)
        for i in range(len(stack) - 1, -1, -1):
            f = stack[i]
            if f.ret == addr and f.sp + 8 == sp:
                # the frame returns, and with it any caller that tail-called into it
                j = i
                while j > 0 and stack[j - 1].ret == addr and stack[j - 1].sp == f.sp:
                    j -= 1
                done = stack[j:i + 1]
                del stack[j:]
                self._unhook_ret(task, f.ret)
                for depth in range(len(done) - 1, -1, -1):
                    self._returned(task, done[depth], j + depth)
                return
        names = self._entry_map(task)
        reg = self.registries.get(task.tg.tgid)
        if addr in names:
            self._entered(task, addr, names[addr], None)
        elif reg and addr in reg.handlers:
            hit = object_map(self.k, task.mm).containing(addr)
            name = hit[0].name if hit is not None and hit[1] == 0 else f"{addr:#x}"
            self._entered(task, addr, name, self._phase(task, reg.handlers[addr]))

    def _phase(self, task: "Task", phases: set[str]) -> str:
        if len(phases) == 1:
            return next(iter(phases))
        for f in reversed(self.frames.get(task.tid, [])):
            if f.name == "__run_prefork_handlers":
                return "prepare"
            if f.name in ("__run_postfork_handlers", "__fork_handler"):
                return "child" if "child" in f.head.split("(", 1)[1][:3] else "parent"
        return "/".join(p for p in PHASES if p in phases)

    # ---------------------------------------------------------- rendering
    def _args(self, task: "Task", name: str, addr: int = 0) -> str:
        objs = object_map(self.k, task.mm)
        o = objs.at(addr)
        if o is not None:
            name = self._sig_names.get(((o.path, o.bias), addr), name)
            fn = prototype(o, addr) if name not in SIGNATURES else None
            if fn is not None:
                return arguments(task, fn, objs.describe)
        kinds = SIGNATURES.get(name, ())
        out = []
        mm = task.mm
        for kind, rid in zip(kinds, ARG_REGS):
            v = task.reg(rid)
            if kind == "int":
                v &= 0xFFFFFFFF
                out.append(str(v - (1 << 32) if v >> 31 else v))
            elif kind == "hex":
                out.append(hex(v))
            elif kind == "sym":
                hit = objs.containing(v) if v else None
                out.append(hit[0].name if hit is not None and hit[1] == 0 else ptr(v))
            elif kind == "str":
                s = mm.readable_prefix(v, 256).split(b"\0")[0] if v else None
                out.append(quote(s, self.printer.o.style) if s is not None else ptr(v))
            elif kind == "argv":
                out.append(self._argv(task, v))
            else:
                out.append(ptr(v))
        return ", ".join(out)

    def _argv(self, task: "Task", addr: int) -> str:
        if not addr:
            return "NULL"
        items = []
        for i in range(64):
            b = task.mm.readable_prefix(addr + 8 * i, 8)
            if len(b) < 8:
                return ptr(addr)
            p = struct.unpack("<Q", b)[0]
            if not p:
                break
            s = task.mm.readable_prefix(p, 256).split(b"\0")[0]
            items.append(quote(s, self.printer.o.style))
        return "[" + ", ".join(items) + "]"

    def _result(self, task: "Task", name: str, void: bool = False) -> str:
        v = task.reg(RAX)
        if name in VOID or void:
            return "void"
        if name in INT_RESULT or name.startswith(("wait", "exec")):
            v &= 0xFFFFFFFF
            return str(v - (1 << 32) if v >> 31 else v)
        if v >> 63:
            v -= 1 << 64
        return str(v) if -65536 < v < 65536 else hex(v & 0xFFFFFFFFFFFFFFFF)

    def _entered(self, task: "Task", addr: int, name: str, phase: str | None) -> None:
        if name in ("pthread_atfork", "__register_atfork"):
            self._register(task)
        ret = task.mm.readable_prefix(task.reg(RSP), 8)
        label = f"[atfork {phase}] " if phase else ""
        head = f"{label}{name}({self._args(task, name, addr)})"
        self.flush_open(task)
        stack = self.frames.setdefault(task.tid, [])
        if name in NORETURN or len(ret) < 8:
            self.printer.call_line(task, head + " {" if name in NORETURN else head, self.depth(task))
            if name in NORETURN:
                stack.append(Frame(name, 0, task.reg(RSP), head, True))
            return
        retaddr = struct.unpack("<Q", ret)[0]
        o = object_map(self.k, task.mm).at(addr)
        proto = prototype(o, addr) if o is not None and name not in SIGNATURES else None
        stack.append(Frame(name, retaddr, task.reg(RSP), head, void=phase is not None,
                           proto=proto))
        self.k.watchers.hook(task.mm, retaddr, self)

    def flush_open(self, task: "Task") -> None:
        """Something is about to be shown inside the open calls: print their ``{`` lines."""
        for depth, f in enumerate(self.frames.get(task.tid, [])):
            if not f.opened:
                f.opened = True
                self.printer.call_line(task, f.head + " {", depth)

    def _returned(self, task: "Task", f: Frame, depth: int) -> None:
        if f.proto is not None:
            res = result(task, f.proto.return_type, object_map(self.k, task.mm).describe)
        else:
            res = self._result(task, f.name, f.void)
        if f.opened:
            self.printer.call_line(task, f"}} {f.name} = {res}", depth)
        else:
            self.flush_open(task)
            self.printer.call_line(task, f"{f.head} = {res}", depth)

    def _unhook_ret(self, task: "Task", addr: int) -> None:
        users = [t for t in self.k.tasks.values() if t.mm is task.mm]
        if not any(fr.ret == addr for t in users for fr in self.frames.get(t.tid, [])):
            self.k.watchers.unhook(task.mm, addr, self)

    def _register(self, task: "Task") -> None:
        reg = self.registries.setdefault(task.tg.tgid, Registry())
        for phase, rid in zip(PHASES, ARG_REGS):  # the first three arguments
            a = task.reg(rid)
            if a:
                reg.handlers.setdefault(a, set()).add(phase)
                self.k.watchers.hook(task.mm, a, self)

    # -------------------------------------------------------------- events
    def on_created(self, e: TaskCreated) -> None:
        parent, child = e.parent, e.child
        if child.tg is not parent.tg:
            reg = self.registries.get(parent.tg.tgid)
            if reg is not None:
                self.registries[child.tg.tgid] = reg.copy()
                if child.mm is not parent.mm:
                    for a in reg.handlers:
                        self.k.watchers.hook(child.mm, a, self)
        if not e.flags & CLONE_VM or e.flags & CLONE_VFORK:
            # the child returns from the calls that forked it: each opened where the parent's
            # was (else the child's return shows whole: `_Fork() = 0`)
            frames = [Frame(f.name, f.ret, f.sp, f.head, f.opened, f.void) for f in
                      self.frames.get(parent.tid, [])]
            self.frames[child.tid] = frames
            if child.mm is not parent.mm:
                for f in frames:
                    if f.ret:
                        self.k.watchers.hook(child.mm, f.ret, self)

    def on_exec(self, e: Exec) -> None:
        self.frames.pop(e.task.tid, None)
        self.registries.pop(e.task.tg.tgid, None)

    def on_exited(self, e: TaskExited) -> None:
        self.frames.pop(e.task.tid, None)
