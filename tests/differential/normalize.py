"""Make two strace-style logs comparable: per-pid streams, joined unfinished lines, names for pids and addresses."""

from __future__ import annotations

import re

PREFIX = re.compile(r"^(\d+)\s+(.*)$")
UNFINISHED = " <unfinished ...>"
RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
ADDR = re.compile(r"0x[0-9a-f]{4,}")
SPACES = re.compile(r"\)\s+= ")


def per_pid(text: str) -> dict[str, list[str]]:
    """Lines of a `-f -o` log by pid, with unfinished/resumed pairs joined and pids renamed."""
    streams: dict[str, list[str]] = {}
    order: list[str] = []
    open_: dict[str, str] = {}
    for raw in text.splitlines():
        m = PREFIX.match(raw)
        if not m:
            continue
        pid, line = m.group(1), m.group(2)
        if pid not in order:
            order.append(pid)
        if line.endswith(UNFINISHED):
            open_[pid] = line[: -len(UNFINISHED)]
            continue
        r = RESUMED.match(line)
        if r and pid in open_:
            line = open_.pop(pid) + r.group(2)
        streams.setdefault(pid, []).append(line)
    names = _names(order, streams)

    def rename(s: str) -> str:
        s = ADDR.sub("0xADDR", s)
        s = SPACES.sub(") = ", s)
        for pid, nm in names.items():
            s = re.sub(rf"(?<![\w.]){pid}(?![\w.])", nm, s)
        return s
    return {names[p]: [rename(x) for x in lines] for p, lines in streams.items()}


CREATED = re.compile(r"^(?:clone3?|fork|vfork)\(.*\) += (\d+)")


def _names(order: list[str], streams: dict[str, list[str]]) -> dict[str, str]:
    """P0 for the first process, then P1, P2... in the order forks returned them."""
    names: dict[str, str] = {}
    if order:
        names[order[0]] = "P0"
    pending = [order[0]] if order else []
    while pending:
        pid = pending.pop(0)
        for ln in streams.get(pid, []):
            m = CREATED.match(ln)
            if m and m.group(1) not in names:
                names[m.group(1)] = f"P{len(names)}"
                pending.append(m.group(1))
    for pid in order:
        names.setdefault(pid, f"P{len(names)}")
    return names


FAMILY = re.compile(r"^(clone3?|fork|vfork|execve|execveat|wait4|waitid|exit|exit_group)\(|^\+\+\+ ")


#: a call the kernel restarts by itself (`= ? ERESTARTNOINTR`, `ERESTARTSYS`...): natively a
#: signal that lands mid-fork makes Linux undo and re-issue the fork, which strace shows as an
#: extra line. The retry is the line that counts, and when signals land is host timing.
RESTARTED = re.compile(r"\) = \? ERESTART\w+ \(")


def family(streams: dict[str, list[str]]) -> dict[str, list[str]]:
    """Only the process-family lines (and +++ exit lines) of each stream, restarts dropped."""
    return {p: [ln for ln in lines if FAMILY.match(ln) and not RESTARTED.search(ln)]
            for p, lines in streams.items()}
