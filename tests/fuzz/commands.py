"""Random debugger sessions: every command in the registry, arguments a person might
mistype or an attacker might choose, fed to `forkdbg PROG` on its standard input.

    python3 tests/fuzz/commands.py [--sessions N] [--commands M] [--seed S] [--jobs J]

A session passes when forkdbg reads all its input and ends within the wall-clock bound
with no traceback and no "Internal error" (a forkdbg bug caught by the safety net is
still a bug to fix).  The same seed makes the same sessions.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from forkdbg.debugger import commands as _registered  # noqa: E402,F401 - fills COMMANDS
from forkdbg.debugger.commands.info import INFO  # noqa: E402
from forkdbg.debugger.registry import COMMANDS  # noqa: E402

PROGRAMS = [["samples/bin/glibc/hello"], ["samples/bin/glibc/threads", "2", "1"],
            ["samples/bin/glibc/forks", "3"], ["samples/bin/musl/signals"],
            ["samples/bin/glibc/atfork"]]
WALL_LIMIT = 180.0
NUMBERS = ["0", "1", "2", "3", "-1", "99999999999", "18446744073709551616", "0x401000",
           "0xffffffffffffffff", "-0", "1-3", "3-1", "1-", "$bpnum", "$_", "07", "08", "1e5"]
SYMBOLS = ["main", "_start", "fork", "_Fork", "clone", "work", "exit", "nosuch", "main+4",
           "*main", "*0", "*-1", "*$pc", "*$sp", "'main'", "printf"]
REGISTERS = ["$pc", "$sp", "$rax", "$eax", "$al", "$eflags", "$fs_base", "$orig_rax", "$x",
             "$1", "$$", "$$9", "$_exitcode", "$nosuch"]
WORDS = ["all", "on", "off", "child", "parent", "yes", "no", "stop", "nostop", "print",
         "pass", "SIGINT", "SIGUSR1", "SIG34", "SIGFOO", "fork", "exec", "syscall", "signal",
         "write", "clone", "group:process", "if", "end", "\\", "'", '"', "{", "}", "/x",
         "/99999999x", "/-1x", "/s", "/i", "/0", "&&", "||", "?", ":", "=", "@", "..",
         "\u00e9t\u00e9", "\x7f", "%n%s", "x" * 300]
EXPR_ATOMS = NUMBERS[:12] + REGISTERS + ["main", "'a'", "'\\n'", "'\\x41'", "sizeof(int)",
                                         "(char)300", "{int}$sp", "*(long*)$sp", "&main"]
BINOPS = ["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "&&", "||", "==", "<", ">="]


def expression(rng: random.Random, depth: int = 0) -> str:
    r = rng.random()
    if depth > 3 or r < 0.35:
        return rng.choice(EXPR_ATOMS)
    if r < 0.55:
        return f"{rng.choice(['-', '!', '~', '*', '&', '+'])}{expression(rng, depth + 1)}"
    if r < 0.65:
        return f"({expression(rng, depth + 1)})"
    if r < 0.72:
        return (f"{expression(rng, depth + 1)} ? {expression(rng, depth + 1)} : "
                f"{expression(rng, depth + 1)}")
    if r < 0.78:
        return f"({rng.choice(['int', 'char', 'unsigned long', 'short *', 'void *'])})" \
               f"{expression(rng, depth + 1)}"
    return f"{expression(rng, depth + 1)} {rng.choice(BINOPS)} {expression(rng, depth + 1)}"


def argument(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.3:
        return expression(rng)
    if pick < 0.5:
        return rng.choice(NUMBERS)
    if pick < 0.65:
        return rng.choice(SYMBOLS)
    if pick < 0.75:
        return rng.choice(REGISTERS)
    if pick < 0.95:
        return rng.choice(WORDS)
    return "".join(chr(rng.randrange(1, 0x250)) for _ in range(rng.randrange(1, 12)))


ASM = ["nop", "int3", "syscall", "jmp $", "mov rax, 60; syscall", "ud2", "hlt",
       "push rax; ret", "xor eax, eax", "db 0x0f, 0x0b", "call 0", "jmp -1", "mov [0], rax",
       "lock nop", "rep movsb", "movabs rax, 0xffffffffffffffff", "int 0x80", "sysenter",
       "in al, dx", "cli", "wrmsr", "vzeroupper", "xbegin $", "db " + ",".join(["0x90"] * 40)]
ADDRESSES = ["$pc", "$sp", "main", "_start", "0", "-1", "0x401000", "$pc+1", "&main"]


def structured(rng: random.Random) -> str:
    """Commands whose argument has a shape: patch, x/FMT, set var, display/FMT."""
    kind = rng.randrange(4)
    if kind == 0:
        asm = rng.choice(ASM) if rng.random() < 0.8 else argument(rng)
        return f'patch {rng.choice(ADDRESSES)} "{asm}"'
    if kind == 1:
        n = rng.choice(["", "1", "3", "16", "0", "-2", "200", "4000"])
        f = rng.choice("xduotacfsizb") + rng.choice(["", "b", "h", "w", "g"])
        return f"x/{n}{f} {rng.choice(ADDRESSES + [expression(rng)])}"
    if kind == 2:
        lhs = rng.choice(["$rax", "$x", "$pc", "$eflags", "$sp", "*(char*)$sp",
                          "{long}$sp", "{int}0", "$al", "$fs_base"])
        return f"set var {lhs} = {expression(rng)}"
    return f"display/{rng.choice('xdicsu')} {expression(rng)}"


def command_line(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.04:  # (re)start now and then: most commands want a live process
        return rng.choice(["starti", "start", "run"])
    if pick < 0.19:
        return structured(rng)
    # not `quit`, and not `shell`: it runs the host's shell, which is not under test
    cmd = rng.choice([c for c in COMMANDS.values() if c.name not in ("quit", "shell")])
    name = rng.choice((cmd.name,) + tuple(cmd.aliases))
    words = []
    if cmd.name == "info" and rng.random() < 0.9:
        words.append(rng.choice(sorted(INFO)))
    elif cmd.subcommands and rng.random() < 0.8:
        words.append(rng.choice(cmd.subcommands))
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        words.append(argument(rng))
    sep = rng.choice([" ", " ", "/", " /x "]) if cmd.name in ("print", "x", "display",
                                                             "output") else " "
    return (name + sep + " ".join(words)).rstrip()


@dataclass
class Session:
    index: int
    program: list[str]
    lines: list[str]
    status: int = 0
    problem: str = ""


def session(seed: int, i: int, count: int) -> Session:
    rng = random.Random(f"{seed}:{i}")
    program = PROGRAMS[i % len(PROGRAMS)]
    lines = [rng.choice(["starti", "start", "break main", "run", "catch fork"])]
    while len(lines) <= count:
        line = command_line(rng)
        lines.append(line)
        if line.split()[0] in COMMANDS["commands"].aliases + ("commands",):
            # a block: a few commands and its `end` (else it swallows the session)
            lines += [command_line(rng) for _ in range(rng.randrange(3))] + ["end"]
    return Session(i, program, lines)


def judge(s: Session) -> Session:
    env = dict(os.environ, PYTHONPATH=str(ROOT), FORKDBG_HISTORY="/dev/null")
    argv = [sys.executable, "-m", "forkdbg", "-q", "--timeout", str(WALL_LIMIT / 2),
            "--args", str(ROOT / s.program[0]), *s.program[1:]]
    text = "\n".join(s.lines) + "\n"
    try:
        # in a directory of its own: commands that write files (info timeline FILE,
        # set logging) name them at random
        with tempfile.TemporaryDirectory(prefix="forkdbg-fuzz-") as cwd:
            p = subprocess.run(argv, input=text.encode("utf-8", "surrogateescape"),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd,
                               env=env, timeout=WALL_LIMIT)
    except subprocess.TimeoutExpired:
        s.problem = "hang: no end within the bound"
        return s
    out = p.stdout.decode("utf-8", "replace")
    s.status = p.returncode
    lines = out.splitlines()
    found = []
    for n, line in enumerate(lines):
        if any(m in line for m in ("Traceback", "Internal error", "internal error")):
            found.append("\n".join(lines[max(0, n - 2):n + 1])
                         if "Traceback" not in line else "\n".join(lines[n:n + 30]))
    s.problem = "\n".join(found)
    if not s.problem and p.returncode < 0:
        s.problem = f"forkdbg died of signal {-p.returncode}"
    return s


def run(seed: int, sessions: int, commands: int, jobs: int) -> list[Session]:
    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(lambda i: judge(session(seed, i, commands)), range(sessions)))


def summary(results: list[Session]) -> str:
    bad = [s for s in results if s.problem]
    total = sum(len(s.lines) for s in results)
    lines = [f"{len(results)} sessions, {total} command lines: {len(bad)} problems"]
    for s in bad:
        lines.append(f"--- session {s.index} ({' '.join(s.program)}):\n{s.problem}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--commands", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ns = ap.parse_args()
    results = run(ns.seed, ns.sessions, ns.commands, ns.jobs)
    print(summary(results))
    return 1 if any(s.problem for s in results) else 0


if __name__ == "__main__":
    sys.exit(main())
