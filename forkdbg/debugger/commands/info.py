"""Status inquiries: info registers, breakpoints, display, symbol, files, proc mappings,
signals, auxv (and the subcommands other modules add)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Callable

from elftools.elf.elffile import ELFFile

from ...arch.x86_64 import AT_EXECFN, AT_PLATFORM, AUXV_DESCRIPTIONS, AUXV_NAMES, GPRS, REG_IDS
from ...kernel.objfiles import image_at
from .. import gdbsignals
from ..breakpoints import Breakpoint, Catchpoint, Point, Watchpoint, locations
from ..format import register_lines
from ..ranges import spans
from ..registry import CommandError, command
from ..solib import info_sharedlibrary_lines

if TYPE_CHECKING:
    from ..session import Session

INFO: dict[str, Callable[["Session", str], None]] = {}


def info(name: str, *aliases: str):  # type: ignore[no-untyped-def]
    def deco(fn: Callable[["Session", str], None]) -> Callable[["Session", str], None]:
        INFO[name] = fn
        for a in aliases:
            INFO[a] = fn
        return fn
    return deco


@command("info", "i", category="status", subcommands=(
    "registers", "breakpoints", "display", "symbol", "files", "proc", "signals", "auxv",
    "inferiors", "threads", "clone", "atfork", "cow", "sharedlibrary", "watchpoints", "frame",
    "line", "checkpoints", "timeline", "program", "locals", "args", "source", "functions",
    "variables", "types", "scope"))
def cmd_info(s: "Session", arg: str) -> None:
    """Generic command for showing things about the program being debugged."""
    word, _, rest = arg.partition(" ")
    if not word:
        raise CommandError('List of info subcommands:\n\n' + "\n".join(
            f"info {n}" for n in sorted(set(INFO))))
    names = [n for n in INFO if n.startswith(word)]
    if word in INFO:
        names = [word]
    if len({INFO[n] for n in names}) != 1:
        raise CommandError(f'Undefined info command: "{word}".  Try "help info".')
    INFO[names[0]](s, rest.strip())


@info("timeline")
def info_timeline(s: "Session", arg: str) -> None:
    """Write what the program has done so far, as `forkdbg trace --timeline` writes it
    (Chrome's trace-event JSON: Perfetto opens it), to the file ARG."""
    if not arg:
        raise CommandError("Argument required (file name to write the timeline to).")
    if s.timeline is None:
        raise CommandError("The program has not been run.")
    try:
        s.timeline.snapshot(arg)
    except OSError as e:
        raise CommandError(f"{arg}: {e.strerror}.") from None
    s.say(f"Timeline of the run so far written to {arg}.")


@info("registers", "r", "all-registers")
def info_registers(s: "Session", arg: str) -> None:
    s.require_running("The program has no registers now.")
    t = s.task()
    names = arg.replace("$", "").split() if arg else [n for n, _ in GPRS]
    regs = []
    for n in names:
        rid = REG_IDS.get(n)
        if rid is None:
            raise CommandError(f"Invalid register `{n}'")
        regs.append((n if n not in ("pc", "sp", "fp") else n, t.reg(rid)))
    for ln in register_lines(regs, s.describe):
        s.say(ln)


@info("breakpoints", "b", "break")
def info_breakpoints(s: "Session", arg: str) -> None:
    """Every point, or those numbered in ARG (a gdb number list)."""
    _list_points(s, arg, s.points, "breakpoint or watchpoint", "breakpoints or watchpoints")


@info("watchpoints")
def info_watchpoints(s: "Session", arg: str) -> None:
    _list_points(s, arg, [p for p in s.points if isinstance(p, Watchpoint)],
                 "watchpoint", "watchpoints")


def _list_points(s: "Session", arg: str, points: list[Point], one: str, many: str) -> None:
    if arg:
        wanted = spans(arg, s.convenience_int)
        points = [p for p in points if any(a <= p.num <= b for a, b in wanted)]
        if not points:
            s.say(f"No {one} matching '{arg}'.")
            return
    if not points:
        s.say(f"No {many}.")
        return
    types = [_type(p) for p in points]
    tw = max([14] + [len(t) for t in types])
    aw = 18 if any(isinstance(p, Breakpoint) and p.addrs for p in s.points) else 10
    s.say(f"{'Num':<7} {'Type':<{tw}} Disp Enb {'Address':<{aw}} What")
    for p in reversed(points):  # `x` goes on from the last location listed (gdb's $_)
        listed = [a for _n, a in locations(s, p)] if isinstance(p, Breakpoint) else []
        if listed:
            s.set_next_address(listed[-1])
            break
    for p, typ in zip(points, types):
        disp = "del " if p.temporary else "keep"
        enb = "y" if p.enabled else "n"
        rows: list[tuple[int, int]] = []  # (inferior, address) of each location
        if isinstance(p, Breakpoint):
            locs = locations(s, p)
            addr = locs[0][1] if locs else next((a[0] for a in p.addrs.values() if a), None)
            a = f"0x{addr:016x}" if addr is not None else "<PENDING>"
            what = p.what(s.describe, addr)
            if len(locs) > 1:
                rows = locs
                a, what = "<MULTIPLE>", ""
            elif locs and len(s.inferiors) > 1:  # gdb names inferiors once there are several
                what += f" inf {locs[0][0]}"
            if p.thread is not None:
                what += f" thread {_thread_id(s, p.thread)}"
        elif isinstance(p, Watchpoint):
            a, what = "", p.expr
        else:
            a, what = "", p.what()  # type: ignore[attr-defined]
        s.say(f"{p.num:<7} {typ:<{tw}} {disp} {enb:<3} {a:<{aw}} {what}")
        if p.condition:
            s.say(f"\tstop only if {p.condition}")
        if isinstance(p, Breakpoint) and p.thread is not None:
            s.say(f"\tstop only in thread {_thread_id(s, p.thread)}")
        if p.hits:
            what_hit = "catchpoint" if isinstance(p, Catchpoint) else "breakpoint"
            s.say(f"\t{what_hit} already hit {p.hits} time{'s' if p.hits != 1 else ''}")
        for c in p.commands:
            s.say(f"        {c}")
        for i, (n, addr) in enumerate(rows, 1):
            assert isinstance(p, Breakpoint)
            on = "n" if (n, addr) in p.off else "y"
            where = f" inf {n}" if len(s.inferiors) > 1 else ""
            s.say(f"{f'{p.num}.{i}':<7} {'':<{tw}} {'':<4} {on:<3} 0x{addr:016x} "
                  f"{p.what(s.describe, addr)}{where}")


def _type(p) -> str:  # type: ignore[no-untyped-def]
    if isinstance(p, Watchpoint):
        return p.type_name
    return "catchpoint" if isinstance(p, Catchpoint) else "breakpoint"


@info("display")
def info_display(s: "Session", arg: str) -> None:
    if not s.displays:
        s.say("There are no auto-display expressions now.")
        return
    s.say("Auto-display expressions now in effect:\nNum Enb Expression")
    for num, expr, fmt in s.displays:
        enabled = "n" if num in s.disabled_displays else "y"
        fmt = fmt[2:] if fmt.startswith("x/") else fmt  # x/1bs shows as /1bs
        s.say(f"{num}:   {enabled}  {'/' + fmt + ' ' if fmt else ''}{expr}")


@info("symbol")
def info_symbol(s: "Session", arg: str) -> None:
    if not arg:
        raise CommandError("Argument required (address).")
    addr = s.eval_int(arg)
    syms = s.symbols()
    hit = syms.containing(addr) if syms else None
    if hit is None:
        s.say(f"No symbol matches {arg}.")
        return
    sym, off = hit
    lib = syms.library_of(addr) if syms is not None else None
    img = image_at(s.kernel, s.task(), addr) if lib and s.kernel is not None else None
    if img is not None:  # a shared object's section, in its own file
        section = _section_in(img.data, addr - img.bias)
    else:
        section = _section_of(s.program, addr - (s.task().mm.load_bias if s.running else 0))
    section = section or (".text" if sym.kind in ("func", "text") else ".data")
    # gdb names the file once a process brings more than one (its vDSO)
    exe = f" of {lib}" if lib else f" of {s.task().tg.exe}" if s.running else ""
    s.say(f"{sym.name}{' + ' + str(off) if off else ''} in section {section}{exe}")


def _section_of(path: str | None, addr: int) -> str | None:
    """The name of the allocated ELF section that holds `addr` in the program file."""
    if not path:
        return None
    try:
        with open(path, "rb") as f:
            return _section_in(f.read(), addr)
    except OSError:
        return None


def _section_in(data: bytes, addr: int) -> str | None:
    """The name of the allocated ELF section that holds `addr` in the ELF image `data`."""
    try:
        for sec in ELFFile(io.BytesIO(data)).iter_sections():
            if sec["sh_flags"] & 2 and sec["sh_addr"] <= addr < sec["sh_addr"] + sec["sh_size"]:
                return sec.name  # SHF_ALLOC
    except Exception:  # noqa: BLE001 - an unreadable file has no sections to name
        return None
    return None


@info("files", "target")
def info_files(s: "Session", arg: str) -> None:
    if not s.program:
        raise CommandError("No executable file now.")
    plan = s.file_plan()
    if plan is None:
        raise CommandError(f"{s.program}: No such file or directory.")
    s.say(f"Symbols from \"{s.program}\".")
    if s.running:
        t = s.task()
        s.say("Native process:")
        s.say(f"\tUsing the running image of child process {t.tg.tgid}.")
    s.say(f"Local exec file:\n\t`{s.program}', file type elf64-x86-64.")
    bias = s.task().mm.load_bias if s.running else 0
    s.say(f"\tEntry point: {plan.entry + bias:#x}")
    for seg in plan.segments:
        lo = seg.vaddr + bias
        perms = ("r" if seg.flags & 4 else "-") + ("w" if seg.flags & 2 else "-") + \
            ("x" if seg.flags & 1 else "-")
        s.say(f"\t{lo:#018x} - {lo + seg.memsz:#018x} is LOAD ({perms})")


@info("proc")
def info_proc(s: "Session", arg: str) -> None:
    t = s.task()
    what = arg.split()[0] if arg else ""
    s.say(f"process {t.tg.tgid}")
    if what in ("", "cmdline", "all"):
        s.say("cmdline = '" + " ".join(a.decode(errors="replace") for a in t.tg.argv) + "'")
    if what in ("", "cwd", "all"):
        s.say(f"cwd = '{s.kernel.vfs.path_of(t.fs.cwd) if s.kernel else t.fs.cwd}'")
    if what in ("", "exe", "all"):
        s.say(f"exe = '{t.tg.exe}'")
    if what in ("mappings", "all"):
        s.say("Mapped address spaces:\n")
        s.say(f"{'Start Addr':>18} {'End Addr':>18} {'Size':>10} {'Offset':>10} Perms  objfile")
        for v in t.mm.iter_vmas():
            s.say(f"{v.start:#18x} {v.end:#18x} {v.size:#10x} {v.file_off:#10x} "
                  f"{v.perms():<5}  {v.name}")


@info("signals", "handle")
def info_signals(s: "Session", arg: str) -> None:
    """gdb's signal table, or one signal's row (a gdb name or a number 1-15)."""
    s.say(SIGNAL_HEADER)
    if arg:
        g = gdbsignals.parse_arg(arg.strip(), s.eval_int)
        if g is None:
            raise CommandError(gdbsignals.NUMERIC_ERROR)
        s.say(signal_row(s, g))
        return
    s.say("")
    for g in gdbsignals.SIGNALS:
        s.say(signal_row(s, g))
    s.say('\nUse the "handle" command to change these tables.')


SIGNAL_HEADER = "Signal        Stop\tPrint\tPass to program\tDescription"


def signal_row(s: "Session", g: gdbsignals.GdbSignal) -> str:
    stop, show, pas = s.events.policy(g)
    yn = ("No", "Yes")
    pad = " " * max(13 - len(g.name), 0)
    return f"{g.name}{pad} {yn[stop]}\t{yn[show]}\t{yn[pas]}\t\t{g.description}"


@info("auxv")
def info_auxv(s: "Session", arg: str) -> None:
    t = s.task()
    for key, val in t.mm.auxv:
        name = AUXV_NAMES.get(key, str(key))
        desc = AUXV_DESCRIPTIONS.get(key, "")
        if key in (AT_EXECFN, AT_PLATFORM):
            text = f"{val:#x} {s.read_str(val)}"
        elif key in (3, 7, 9, 25, 33):
            text = f"{val:#x}"
        else:
            text = str(val) if key not in (16, 26) else f"{val:#x}"
        s.say(f"{key:<4} {name:<20} {desc:<38} {text}".rstrip())


@info("sharedlibrary", "dll")
def info_sharedlibrary(s: "Session", arg: str) -> None:
    """The shared objects the current process maps, each with its .text range."""
    if not s.running or s.kernel is None:
        s.say("No shared libraries loaded at this time.")
        return
    for line in info_sharedlibrary_lines(s.kernel, s.task()):
        s.say(line)


#: gdb's names for DWARF register numbers, in the order `info frame` lists saved ones
def _thread_id(s: "Session", thread: tuple[int, int]) -> str:
    """gdb's thread id: N, or INF.N once there are several inferiors."""
    return f"{thread[0]}.{thread[1]}" if len(s.inferiors) > 1 else str(thread[1])
