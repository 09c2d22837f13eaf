"""strace 6.1's long options, spelled as the short options and -e expressions they mean.

`expand` rewrites the options in front of PROG (`--trace=clone` becomes `-e trace=clone`,
`--follow-forks` becomes `-f`), accepting a unique prefix as getopt_long does, so the rest
of the parser knows one spelling of each option.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

NONE, REQUIRED, OPTIONAL = 0, 1, 2


class LongOptionError(ValueError):
    """A long option strace would refuse, or one forkdbg cannot honour."""


def _qual(key: str) -> Callable[[str | None], list[str]]:
    return lambda v: ["-e", f"{key}={v}"]


def _short(*flags: str) -> Callable[[str | None], list[str]]:
    return lambda v: list(flags) if v is None else list(flags) + [v]


def _unsupported(why: str) -> Callable[[str | None], list[str]]:
    def refuse(_v: str | None) -> list[str]:
        raise LongOptionError(why)
    return refuse


def _timestamps(v: str | None) -> list[str]:
    """--absolute-timestamps=[format:]FMT,[precision:]PREC as -t, -tt or -ttt."""
    fmt, prec = "time", "s"
    for item in (v or "").split(","):
        key, _, val = item.rpartition(":")
        if not item:
            continue
        if key in ("format", "") and val in ("none", "time", "unix"):
            fmt = val
        elif key in ("precision", "") and val in ("s", "ms", "us", "ns"):
            prec = val
        else:
            raise LongOptionError(f"invalid --absolute-timestamps argument: '{item}'")
    if fmt == "none":
        return []
    if fmt == "unix":
        return ["-ttt"]
    if prec in ("ms", "ns"):
        raise LongOptionError(f"--absolute-timestamps precision {prec}: only s and us are "
                              "supported")
    return ["-tt" if prec == "us" else "-t"]


def _precision(flag: str) -> Callable[[str | None], list[str]]:
    def parse(v: str | None) -> list[str]:
        if v not in (None, "us", "precision:us"):
            raise LongOptionError(f"{flag} precision {v}: only us is supported")
        return [flag]
    return parse


def _hex(v: str | None) -> list[str]:
    if v in (None, "all"):
        return ["-xx"]
    if v == "non-ascii":
        return ["-x"]
    if v == "none":
        return []
    raise LongOptionError(f"invalid --strings-in-hex argument: '{v}'")


def _decode_pids(v: str | None) -> list[str]:
    """comm (-Y) and pidns (--pidns-translation)."""
    items = (v or "").split(",")
    if not all(i in ("comm", "pidns") for i in items):
        raise LongOptionError(f"invalid --decode-pids argument: '{v}'")
    return (["-Y"] if "comm" in items else []) + \
        (["--pidns-translation"] if "pidns" in items else [])


@dataclass(frozen=True)
class LongOption:
    name: str
    arg: int
    expand: Callable[[str | None], list[str]]


OPTIONS = [LongOption(*o) for o in (
    ("columns", REQUIRED, _short("-a")),
    ("summary-only", NONE, _short("-c")),
    ("summary", NONE, _short("-C")),
    ("env", REQUIRED, _short("-E")),
    ("follow-forks", NONE, _short("-f")),
    ("output-separately", NONE, _short("--output-separately")),
    ("vdso-calls", NONE, _short("--vdso-calls")),
    ("help", NONE, _short("-h")),
    ("instruction-pointer", NONE, _short("-i")),
    ("interruptible", REQUIRED, lambda _v: []),  # forkdbg's own signals are its business
    ("stack-trace", NONE, _short("-k")),
    ("syscall-number", NONE, _short("-n")),
    ("output", REQUIRED, _short("-o")),
    ("trace-path", REQUIRED, _short("-P")),
    ("quiet", OPTIONAL, lambda v: ["-e", f"quiet={v or 'attach,personality'}"]),
    ("silent", OPTIONAL, lambda v: ["-e", f"quiet={v or 'attach,personality'}"]),
    ("silence", OPTIONAL, lambda v: ["-e", f"quiet={v or 'attach,personality'}"]),
    ("relative-timestamps", OPTIONAL, _precision("-r")),
    ("string-limit", REQUIRED, _short("-s")),
    ("absolute-timestamps", OPTIONAL, _timestamps),
    ("timestamps", OPTIONAL, _timestamps),
    ("syscall-times", OPTIONAL, _precision("-T")),
    ("no-abbrev", NONE, _short("-v")),
    ("version", NONE, _short("-V")),
    ("summary-wall-clock", NONE, _short("-w")),
    ("strings-in-hex", OPTIONAL, _hex),
    ("const-print-style", REQUIRED, _short("-X")),
    ("decode-fds", OPTIONAL, lambda v: ["-e", f"decode-fd={v or 'path'}"]),
    ("decode-pids", REQUIRED, _decode_pids),
    ("pidns-translation", NONE, _short("--pidns-translation")),
    ("successful-only", NONE, _short("-z")),
    ("failed-only", NONE, _short("-Z")),
    ("failing-only", NONE, _short("-Z")),
    ("summary-sort-by", REQUIRED, _short("-S")),
    ("seccomp-bpf", NONE, lambda _v: []),  # a speed-up of ptrace; forkdbg stops nothing
    ("trace", REQUIRED, _qual("trace")),
    ("abbrev", REQUIRED, _qual("abbrev")),
    ("verbose", REQUIRED, _qual("verbose")),
    ("raw", REQUIRED, _qual("raw")),
    ("signal", REQUIRED, _qual("signal")),
    ("signals", REQUIRED, _qual("signal")),
    ("status", REQUIRED, _qual("status")),
    ("read", REQUIRED, _qual("read")),
    ("write", REQUIRED, _qual("write")),
    ("fault", REQUIRED, _qual("fault")),
    ("inject", REQUIRED, _qual("inject")),
    ("attach", REQUIRED, _unsupported("--attach (-p): forkdbg runs the programs it traces; "
                                      "it cannot attach to a host process")),
    ("user", REQUIRED, _unsupported("--user (-u): the guest's credentials are its own; "
                                    "run forkdbg as that user")),
    ("daemonize", OPTIONAL, _unsupported("--daemonize (-D): forkdbg is not a ptrace tracer")),
    ("secontext", OPTIONAL, _unsupported("--secontext: SELinux contexts are not supported")),
    ("detach-on", REQUIRED, _short("-b")),
    ("output-append-mode", NONE, _short("-A")),
)]
BY_NAME = {o.name: o for o in OPTIONS}


def _meaning(o: LongOption) -> tuple[int, tuple[str, ...]]:
    try:
        return o.arg, tuple(o.expand("VALUE"))
    except LongOptionError as e:
        return o.arg, (str(e),)


def lookup(name: str) -> LongOption:
    """The option `name` names, exactly or as a unique prefix (getopt_long's rule);
    KeyError when no strace option starts so (forkdbg's own, or a mistake)."""
    if name in BY_NAME:
        return BY_NAME[name]
    hits = [o for o in OPTIONS if o.name.startswith(name)]
    if hits and len({_meaning(o) for o in hits}) == 1:  # --sil: silent and silence agree
        return hits[0]
    if not hits:
        raise KeyError(name)
    raise LongOptionError(f"option '--{name}' is ambiguous; possibilities: "
                          + " ".join(f"'--{o.name}'" for o in hits))


def expand(argv: list[str], with_value: set[str]) -> list[str]:
    """argv with strace's long options before PROG rewritten as short ones; `with_value`
    holds the short options that take the next word, and long options this table does
    not know (forkdbg's own, such as --root) pass through."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--" or not a.startswith("-") or a == "-":
            return out + argv[i:]
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            try:
                opt = lookup(name)
            except KeyError:
                out.append(a)  # forkdbg's own long options, or argparse's error
                if not eq and a in with_value and i + 1 < len(argv):
                    out.append(argv[i + 1])
                    i += 1
                i += 1
                continue
            if opt.arg == NONE and eq:
                raise LongOptionError(f"option '--{opt.name}' doesn't allow an argument")
            if opt.arg == REQUIRED and not eq:
                if i + 1 >= len(argv):
                    raise LongOptionError(f"option '--{opt.name}' requires an argument")
                value, i = argv[i + 1], i + 1
            out += opt.expand(value if (eq or opt.arg == REQUIRED) else None)
        else:
            out.append(a)
            if a in with_value and i + 1 < len(argv):
                out.append(argv[i + 1])
                i += 1
        i += 1
    return out
