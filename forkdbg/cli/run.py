"""`forkdbg run PROG [ARGS...]`: run a program, stdio connected, exit with its status."""

from __future__ import annotations

import argparse
import sys

from ..abi.signals import Sig, signal_description, signal_name
from ..interrupts import Interrupts
from ..kernel.events import Fault, Note
from ..kernel.kernel import Kernel
from ..kernel.thread_group import ThreadGroup
from .common import (
    Parser,
    add_kernel_options,
    build_kernel,
    guest_env,
    machine_options,
    start,
)


def make_parser() -> argparse.ArgumentParser:
    p = Parser(prog="forkdbg run",
                                description="Run an x86-64 program in the emulator.")
    add_kernel_options(p)
    p.add_argument("prog", metavar="PROG")
    p.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS")
    return p


#: deaths a shell does not report: the user pressed Ctrl-C, the reader went away
QUIET_DEATHS = (Sig.SIGINT, Sig.SIGPIPE)


def describe_addr(kernel: Kernel, tg: "ThreadGroup", addr: int) -> str:
    """``0x401136 (main+6)`` using the program's symbols when there are some."""
    syms = kernel.symbols_for(tg)
    where = syms.describe(addr) if syms is not None else ""
    return f"{addr:#x} ({where})" if where else f"{addr:#x}"


#: how forkdbg itself ends when it has to end the program tree: status and why
ENDINGS = {"terminate": (143, "terminated: killed every process"),
           "timeout": (124, "timed out after {timeout:g} s: killed every process"),
           "vtime-limit": (124, "the virtual time limit was reached: killed every process")}


def run_to_end(kernel: Kernel, err=sys.stderr,  # type: ignore[no-untyped-def]
               timeout: float | None = None) -> int:
    """Run until every task is gone; the first process's exit status as a shell would see
    it (or forkdbg's own when a signal to it, --timeout or --vtime-limit ended the run)."""
    first = kernel.first
    assert first is not None
    faults: dict[int, Fault] = {}

    def on_fault(ev: Fault) -> None:
        faults[ev.task.tg.tgid] = ev

    def on_note(ev: Note) -> None:
        err.write(f"forkdbg: {ev.text}\n")
        err.flush()

    kernel.bus.subscribe(Fault, on_fault)
    kernel.bus.subscribe(Note, on_note)
    interrupts = 0
    ending: int | None = None
    with Interrupts(kernel, timeout):
        while True:
            stop = kernel.run()
            if stop is None:
                break
            if stop.reason in ENDINGS and ending is None:
                ending, text = ENDINGS[stop.reason]
                err.write(f"forkdbg: {text.format(timeout=timeout or 0)}\n")
                err.flush()
                kill_all(kernel)
                if stop.reason == "vtime-limit":
                    kernel.config.vtime_limit_ns = 1 << 63  # let the killed tasks die
                continue
            if stop.reason == "interrupt":
                # Ctrl-C: SIGINT to the foreground process group, as a terminal does;
                # a second Ctrl-C kills every process still running (SIGKILL)
                interrupts += 1
                sig = Sig.SIGINT if interrupts == 1 else Sig.SIGKILL
                for g in list(kernel.groups.values()):
                    if g.live_threads and (sig == Sig.SIGKILL or g.pgid == first.pgid):
                        kernel.signals.send_to_group(g, sig)
                if interrupts == 2:
                    err.write("forkdbg: interrupted twice: killing every process\n")
                    err.flush()
                continue
            if stop.reason == "deadlock":
                return 1 if ending is None else ending
            break
    if ending is not None:
        return ending
    if first.exit_sig:
        sig = first.exit_sig
        if sig in QUIET_DEATHS:
            return 128 + sig
        f = faults.get(first.tgid)
        where = ""
        if f is not None and f.sig == sig:
            where = f": {f.detail} at {describe_addr(kernel, first, f.pc)}"
        core = " (core dumped)" if first.core else ""
        err.write(f"forkdbg: {first.exe} (pid {first.tgid}) killed by {signal_name(sig)} "
                  f"({signal_description(sig)}){core}{where}\n")
        err.flush()
        return 128 + sig
    return first.exit_code


def kill_all(kernel: Kernel) -> None:
    """SIGKILL to every process still alive."""
    for g in list(kernel.groups.values()):
        if g.live_threads:
            kernel.signals.send_to_group(g, Sig.SIGKILL)


def main(argv: list[str]) -> int:
    opts = make_parser().parse_args(argv)
    machine = machine_options(opts)
    kernel = build_kernel(machine)
    start(kernel, opts.prog, opts.args, guest_env(machine))
    return run_to_end(kernel, timeout=machine.timeout_s)

