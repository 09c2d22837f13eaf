"""gdb's settings: their names, defaults, allowed values, `show` sentences, and how a
`set`/`show` argument names one (each word a unique prefix, as gdb's command lookup)."""

from __future__ import annotations

from ..debuginfo import DEFAULT_DEBUG_DIRECTORY
from .registry import CommandError
from .syscalltable import ARCHITECTURES, DEFAULT_DATA_DIRECTORY, NATIVE

DEFAULT_SETTINGS: dict[str, str] = {
    "follow-fork-mode": "parent", "detach-on-fork": "on", "follow-exec-mode": "same",
    "schedule-multiple": "off", "disassembly-flavor": "att", "confirm": "on",
    "pagination": "off", "width": "0", "height": "0", "print pretty": "off",
    "scheduler-locking": "off", "listsize": "10", "backtrace past-main": "off",
    "breakpoint pending": "auto", "verbose": "off", "print inferior-events": "on",
    "print thread-events": "on", "prompt": "(forkdbg) ",
    # settings gdb's setshow.exp exercises; forkdbg keeps and shows them as gdb does
    "annotate": "0", "check range": "auto", "check type": "on", "complaints": "0",
    "editing": "on", "history expansion": "off", "history filename": "",
    "history save": "off", "history size": "256", "language": "auto", "write": "off",
    "solib-search-path": "", "data-directory": DEFAULT_DATA_DIRECTORY, "radix": "10",
    "architecture": "auto", "endian": "auto", "print finish": "on",
    "print object": "off",  # C++'s dynamic types: nothing to change for C programs
    # C++/ObjC name demangling: C names are never mangled, so nothing to change either
    "print demangle": "on", "print asm-demangle": "off",
    "print address": "on", "print frame-arguments": "scalars",
    "print entry-values": "default",
    "debug-file-directory": DEFAULT_DEBUG_DIRECTORY,
    # forkdbg's host charset is ASCII (gdb's under LANG=C), where 8-bit characters print
    # as \nnn either way
    "print sevenbit-strings": "off",
    # gdb styles output on a terminal (the prompt turns it on there); source lines by
    # pygments, as gdb's own Python styling does
    "style enabled": "off", "style sources": "on",
}
CHOICES = {"follow-fork-mode": ("parent", "child", "ask"), "follow-exec-mode": ("same", "new"),
           "breakpoint pending": ("on", "off", "auto"),
           "disassembly-flavor": ("att", "intel"), "scheduler-locking": ("off", "on", "step"),
           "check range": ("on", "warn", "off", "auto"),
           "language": ("auto", "local", "unknown", "ada", "asm", "c", "c++", "d", "fortran",
                        "go", "minimal", "modula-2", "objective-c", "opencl", "pascal",
                        "rust"),
           "architecture": tuple(ARCHITECTURES), "endian": ("auto", "big", "little"),
           "print frame-arguments": ("all", "scalars", "none", "presence"),
           "print entry-values": ("no", "only", "preferred", "if-needed", "both", "compact",
                                  "default")}
BOOLEAN = {"style enabled", "style sources", "print finish", "print object", "print demangle", "print asm-demangle",
           "print address", "print sevenbit-strings", "detach-on-fork", "schedule-multiple", "confirm", "pagination", "print pretty",
           "backtrace past-main", "verbose", "print inferior-events", "print thread-events",
           "check type", "editing", "history expansion", "history save", "write"}
#: numbers, `unlimited` allowed where gdb allows it
INTEGER = {"width": True, "height": True, "listsize": True, "history size": True,
           "annotate": False, "complaints": False}
#: file names, made absolute as gdb makes them (`~` expanded, relative to the cwd)
FILENAME = {"history filename", "data-directory"}
#: auto settings: what `show` says they currently are
AUTO_NOW = {"check range": "off", "language": "c"}
#: settings `show` words as enabled/disabled
STYLE = ("style enabled", "style sources")
#: `show NAME`'s sentence, `{}` the value (the rest say "NAME is VALUE.")
SHOW = {
    "follow-fork-mode": "Debugger response to a program call of fork or vfork is \"{}\".",
    "detach-on-fork": "Whether gdb will detach the child of a fork is {}.",
    "follow-exec-mode": "Follow exec mode is \"{}\".",
    "schedule-multiple": "Resuming the execution of threads of all processes is {}.",
    "disassembly-flavor": "The disassembly flavor is \"{}\".",
    "confirm": "Whether to confirm potentially dangerous operations is {}.",
    "scheduler-locking": "Mode for locking scheduler during execution is \"{}\".",
    "breakpoint pending": "Debugger's behavior regarding pending breakpoints is {}.",
    "print inferior-events": "Printing of inferior events is {}.",
    "print thread-events": "Printing of thread events is {}.",
    "print finish": "Printing of return value after `finish' is {}.",
    "print object": "Printing of object's derived type based on vtable info is {}.",
    "print address": "Printing of addresses is {}.",
    "print sevenbit-strings": "Printing of 8-bit characters in strings as \\nnn is {}.",
    "print frame-arguments": "Printing of non-scalar frame arguments is \"{}\".",
    "style enabled": "CLI output styling is {}.",
    "style sources": "Source code styling is {}.",
    "print entry-values": "Printing of function arguments at function entry is \"{}\".",
    "print demangle": "Demangling of encoded C++/ObjC names when displaying symbols is {}.",
    "print asm-demangle": "Demangling of C++/ObjC names in disassembly listings is {}.",
    "prompt": "Gdb's prompt is \"{}\".",
    "annotate": "Annotation_level is {}.",
    "check range": "Range checking is \"{}\".",
    "check type": "Strict type checking is {}.",
    "complaints": "Max number of complaints about incorrect symbols is {}.",
    "editing": "Editing of command lines as they are typed is {}.",
    "height": "Number of lines gdb thinks are in a page is {}.",
    "width": "Number of characters gdb thinks are in a line is {}.",
    "history expansion": "History expansion on command input is {}.",
    "history filename": "The filename in which to record the command history is \"{}\".",
    "history save": "Saving of the history record on exit is {}.",
    "history size": "The size of the command history is {}.",
    "language": "The current source language is \"{}\".",
    "listsize": "Number of source lines gdb will list by default is {}.",
    "write": "Writing into executable and core files is {}.",
    "data-directory": "GDB's data directory is \"{}\".",
    "debug-file-directory": "The directory where separate debug symbols are searched for is "
                            "\"{}\".",
    "solib-search-path": "The search path for loading non-absolute shared library symbol "
                         "files is {}.",
}
#: what `show verbose` says, by value (gdb words the two differently)
VERBOSE = {"on": "Verbose printing of informational messages is on.", "off": "Verbosity is off."}


#: `help set NAME` / `help show NAME`: gdb's first line after "Set"/"Show" (what gdb's
#: tests match), then forkdbg's own account of the setting
HELP = {
    # gdb's own testsuite (foll-fork.exp) matches every line of this one
    "follow-fork-mode": (
        "debugger response to a program call of fork or vfork.",
        "A fork or vfork creates a new process.  follow-fork-mode can be:\n"
        "  parent  - the original process is debugged after a fork\n"
        "  child   - the new process is debugged after a fork\n"
        "The unfollowed process will continue to run.\n"
        "By default, the debugger will follow the parent process."),
    "detach-on-fork": (
        "whether gdb will detach the child of a fork.",
        "on: the process not followed runs on by itself.  off: it becomes an inferior\n"
        "of its own, held stopped until resumed (see schedule-multiple)."),
    "follow-exec-mode": (
        "debugger response to a program call of exec.",
        "same: the inferior runs the new program, and `run` restarts that program.\n"
        "new: the process moves to a new inferior; the old one keeps the old program."),
    "schedule-multiple": (
        "mode for resuming threads of all processes.",
        "on: continue, next and the other execution commands resume every inferior.\n"
        "off (the default): they resume the current inferior only."),
    "breakpoint pending": (
        "debugger's behavior regarding pending breakpoints.",
        "on: a location no loaded object defines becomes a pending breakpoint;\n"
        "off: it is an error; auto (the default): ask."),
    "print inferior-events": (
        "printing of inferior events (such as inferior start and exit).",
        "off hides the fork, detach and new-inferior messages."),
    "print thread-events": (
        "printing of thread events (such as thread start and exit).",
        "off hides [New Thread ...] and [Thread ... exited]."),
}


def help_text(verb: str, words: list[str], names: list[str]) -> str:
    """`help set NAME` / `help show NAME`."""
    key, _n = resolve(words, names)
    first, rest = HELP.get(key, (f"{key}.", f"See `show {key}` for its value."))
    return f"{verb.capitalize()} {first}\n{rest}"


def resolve(words: list[str], names: list[str]) -> tuple[str, int]:
    """The setting `words` name and how many of the words that took: each word is the
    setting's word at that place or a unique prefix of it (an exact word wins), as gdb's
    command lookup; CommandError with gdb's sentence when none or several match."""
    for n in (2, 1):
        if len(words) < n:
            continue
        cands = [k for k in names if len(k.split()) == n]
        for i in range(n):
            exact = [k for k in cands if k.split()[i] == words[i]]
            cands = exact or [k for k in cands if k.split()[i].startswith(words[i])]
        if len(cands) == 1:
            return cands[0], n
        if len(cands) > 1 and n == 1:
            raise CommandError(f'Ambiguous set command "{words[0]}": '
                               f'{", ".join(sorted(cands))}.')
    raise CommandError(f'Undefined set command: "{words[0] if words else ""}".  '
                       'Try "help set".')


def sentence(key: str, value: str) -> str:
    """What `show KEY` says (and `set architecture` too)."""
    if key == "verbose":
        return VERBOSE[value]
    if key == "architecture":
        now = f' (currently "{NATIVE}")' if value == "auto" else ""
        return f'The target architecture is set to "{value}"{now}.'
    if key == "endian":
        if value == "auto":
            return "The target endianness is set automatically (currently little endian)."
        return f"The target is set to {value} endian."
    if key in STYLE:  # gdb words these as enabled/disabled
        return SHOW[key].format("enabled" if value == "on" else "disabled")
    return SHOW.get(key, key + " is {}.").format(shown(key, value))


def shown(key: str, value: str) -> str:
    """The value as `show` words it (`auto; currently c`)."""
    if value == "auto" and key in AUTO_NOW:
        return f"auto; currently {AUTO_NOW[key]}"
    if key in INTEGER and value == "0" and INTEGER[key]:
        return "unlimited"
    return value


def setting_value(key: str, value: str, as_string: bool) -> int | str:
    """`$_gdb_setting_str` (the words `show` uses) or `$_gdb_setting` (numbers for
    numbers and booleans, -1 for auto, text for the rest)."""
    if as_string:
        return shown(key, value) if key in INTEGER else value
    if key in BOOLEAN:
        return 1 if value == "on" else 0
    if key in INTEGER:
        return 0 if value == "unlimited" else int(value)
    if key in CHOICES and CHOICES[key][:3] == ("on", "off", "auto"):
        return {"on": 1, "off": 0, "auto": -1}[value]
    return value
