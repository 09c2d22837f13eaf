"""gdb's settings: their names, defaults, allowed values, `show` sentences, and how a
`set`/`show` argument names one (each word a unique prefix, as gdb's command lookup)."""

from __future__ import annotations

from .registry import CommandError

DEFAULT_SETTINGS: dict[str, str] = {
    "follow-fork-mode": "parent", "detach-on-fork": "on", "follow-exec-mode": "same",
    "schedule-multiple": "off", "disassembly-flavor": "att", "confirm": "on",
    "pagination": "off", "width": "0", "height": "0", "print pretty": "off",
    "scheduler-locking": "off", "listsize": "10", "backtrace past-main": "off",
    "breakpoint pending": "auto", "verbose": "off", "print inferior-events": "on",
    "print thread-events": "on", "prompt": "(forkdbg) ",
}
CHOICES = {"follow-fork-mode": ("parent", "child", "ask"), "follow-exec-mode": ("same", "new"),
           "breakpoint pending": ("on", "off", "auto"),
           "disassembly-flavor": ("att", "intel"), "scheduler-locking": ("off", "on", "step")}
BOOLEAN = {"detach-on-fork", "schedule-multiple", "confirm", "pagination", "print pretty",
           "backtrace past-main", "verbose", "print inferior-events", "print thread-events"}
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
    "prompt": "Gdb's prompt is \"{}\".",
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
