"""Support: help, file, set/show settings and arguments, echo, source, handle, cd, pwd, quit."""

from __future__ import annotations

import os
import re
import subprocess
from typing import TYPE_CHECKING

from ... import __version__
from ...debuginfo import set_debug_file_directories
from .. import complete as completion  # a module: complete.py loads the commands
from .. import gdbsignals, settings
from ..control import top_block
from ..escapes import shell_words, unescape_echo
from ..expr import INT, Value
from ..ranges import decimal
from ..registry import CATEGORIES, COMMANDS, CommandError, command, lookup
from ..script import source_file
from ..settings import BOOLEAN, CHOICES
from .breakpoints import CATCH_HELP
from .info import SIGNAL_HEADER, signal_row

if TYPE_CHECKING:
    from ..session import Session



@command("help", "h", category="support")
def cmd_help(s: "Session", arg: str) -> None:
    """Print the list of commands, of one category, or one command's help."""
    if not arg:
        s.say("List of classes of commands:\n")
        for cat, desc in CATEGORIES.items():
            s.say(f"{cat} -- {desc}")
        s.say('\nType "help" followed by a class name for a list of commands in that class.')
        s.say('Type "help" followed by command name for full documentation.')
        return
    if arg in CATEGORIES:
        s.say(CATEGORIES[arg] + "\n\nList of commands:\n")
        for c in sorted(COMMANDS.values(), key=lambda c: c.name):
            if c.category == arg:
                alias = f", {', '.join(c.aliases)}" if c.aliases else ""
                s.say(f"{c.name}{alias} -- {c.summary}")
        return
    words = arg.split()
    if words[0] in ("set", "show") and len(words) > 1 and words[1] not in ("var", "args"):
        s.say(settings.help_text(words[0], words[1:], list(s.settings)))
        return
    cmd = lookup(words[0])
    if cmd.name in ("catch", "tcatch") and len(words) > 1 and words[1] in CATCH_HELP:
        s.say(CATCH_HELP[words[1]])
        return
    s.say(cmd.help)
    if cmd.aliases:
        s.say(f"Aliases: {', '.join(cmd.aliases)}")


@command("shell", category="support", trailing=True)
def cmd_shell(s: "Session", arg: str) -> None:
    """Run a command of the host's shell (not the program's machine), as gdb's shell."""
    shell = os.environ.get("SHELL") or "/bin/sh"
    s.out.flush()
    try:
        p = subprocess.run([shell, "-c", arg] if arg.strip() else [shell],
                           capture_output=True, text=True, errors="replace", timeout=None)
    except OSError as e:
        raise CommandError(f"Cannot execute {shell}: {e.strerror}.") from None
    s.out.write(p.stdout)
    s.out.flush()
    if p.stderr:
        s.err.write(p.stderr)
        s.err.flush()
    s.convenience["_shell_exitcode"] = Value(p.returncode, INT)


@command("complete", category="support")
def cmd_complete(s: "Session", arg: str) -> None:
    """List the completions of the rest of the line, as the Tab key would offer them."""
    word = "" if arg.endswith(" ") or not arg else arg.split()[-1]
    head = arg[:len(arg) - len(word)]
    for cand in sorted(set(completion.complete(s, arg))):
        s.say(head + cand)


@command("file", "exec-file", category="support")
def cmd_file(s: "Session", arg: str) -> None:
    """Use FILE as the program to be debugged."""
    if not arg:
        raise CommandError("No executable file now.")
    path = os.path.expanduser(arg.strip())
    if not s.program_exists(path):
        raise CommandError(f"{path}: No such file or directory.")
    s.set_program(path)
    s.say(f"Reading symbols from {path}...")
    syms = s.symbols()
    if syms is None or not len(syms):
        s.say(f"(No debugging symbols found in {path})")


def change_setting(s: "Session", arg: str) -> None:
    """`set NAME VALUE` for gdb's settings (NAME by unique prefixes, as gdb), `set args`,
    `set environment`."""
    text = arg.strip()
    words = text.split()
    if not words:
        raise CommandError("Argument required (expression to compute).")
    value = text[len(words[0]):].strip()
    if words[0] == "args":
        s.args = shell_words(value)
        return
    if words[0] in ("environment", "env"):
        var, _, val = value.replace(" = ", "=").partition("=") if "=" in value else \
            value.partition(" ")
        s.env_changes[var.strip()] = val.strip()
        return
    if words[0] == "radix":
        _set_radix(s, value)
        return
    glued = re.search(r"[\w-][/~=]", text)  # `set history file/home/`: gdb wants a blank
    if glued is not None:
        head = text[:glued.start() + 1].split()
        try:
            _name, used = settings.resolve(head, list(s.settings))
        except CommandError:
            pass
        else:
            if used == len(head):  # the value is glued to the setting's name
                raise CommandError("Argument must be preceded by space.")
    name, n = _setting(s, words)
    for w in words[:n]:  # `set history file/home/`: gdb wants a blank first
        if not all(c.isalnum() or c in "-_" for c in w):
            raise CommandError("Argument must be preceded by space.")
    rest = arg.lstrip()
    for _ in range(n):
        rest = rest.lstrip()
        rest = rest[len(rest.split(None, 1)[0]):]
    value = rest.lstrip() if name == "prompt" else rest.strip()  # a prompt keeps its blank
    if name in BOOLEAN:
        value = {"": "on", "1": "on", "yes": "on", "enable": "on", "0": "off", "no": "off",
                 "disable": "off"}.get(value, value)
        if value not in ("on", "off"):
            raise CommandError('"on" or "off" expected.')
    elif name in settings.INTEGER:
        if value == "unlimited" and settings.INTEGER[name]:
            value = "0"
        elif not value.lstrip("-").isdigit():
            raise CommandError(f'integer {value} out of range' if value else
                               'Argument required (integer to set it to.).')
    elif name in settings.FILENAME:
        value = os.path.join(s.machine.cwd or os.getcwd(), os.path.expanduser(value)) \
            if value else ""
    elif name in CHOICES:
        if not value:
            raise CommandError(f'Requires an argument. Valid arguments are '
                               f'{", ".join(CHOICES[name])}.')
        if value not in CHOICES[name]:  # a unique prefix names a choice, as in gdb
            found = [c for c in CHOICES[name] if c.startswith(value)]
            if len(found) > 1:
                raise CommandError(f'Ambiguous item "{value}".')
            if not found:
                raise CommandError(f'Undefined item: "{value}".')
            value = found[0]
    if name == "endian" and value == "big":  # x86-64 only: no big-endian target
        raise CommandError("forkdbg's only target, x86-64, is little endian.")
    s.settings[name] = value
    if name in ("architecture", "endian"):
        s.say(settings.sentence(name, value))
    elif name == "data-directory" and not os.path.isdir(value):
        s.error(f"Warning: {value}: No such file or directory.")
    elif name == "debug-file-directory":
        set_debug_file_directories(value)


def _radix_words(r: int) -> str:
    return f"decimal {r}, hex {r:x}, octal {r:o}"


def _set_radix(s: "Session", value: str) -> None:
    """`set radix N`: gdb's input and output radix (output only 8, 10 or 16)."""
    r = int(value, 0) if value.strip() else 10
    if r not in (8, 10, 16):
        raise CommandError(f"Unsupported output radix ``decimal {r}''; output radix "
                           "unchanged.")
    s.settings["radix"] = str(r)
    s.say(f"Input and output radices now set to {_radix_words(r)}.")


def _setting(s: "Session", words: list[str]) -> tuple[str, int]:
    """The setting the words name; gdb's own error when they name none (an expression
    to evaluate, for gdb: `No symbol "X" in current context.`)."""
    try:
        return settings.resolve(words, list(s.settings))
    except CommandError as e:
        if str(e).startswith("Ambiguous"):
            raise
        raise CommandError(f'No symbol "{words[0]}" in current context.') from None


@command("show", category="support")
def cmd_show(s: "Session", arg: str) -> None:
    """Show a setting (show follow-fork-mode, show args, show version ...)."""
    name = arg.strip()
    if name == "args":
        s.say('Argument list to give program being debugged when it is started is "'
              + " ".join(s.args) + '".')
    elif name == "version":
        s.say(f"forkdbg {__version__} (a gdb-style debugger for x86-64 programs)")
    elif name in ("directories", "dir", "directory"):
        s.say("Source directories searched: " + ":".join(s.source.source_path
                                                          + ["$cdir", "$cwd"]))
    elif name == "user":
        pass  # no user-defined commands: gdb prints nothing
    elif name == "radix":
        r = int(s.settings.get("radix", "10"))
        s.say(f"Input and output radices set to {_radix_words(r)}.")
    elif name.split()[:1] in (["environment"], ["env"]):
        var = name.split(None, 1)[1] if len(name.split()) > 1 else None
        env = dict(e.decode(errors="replace").split("=", 1)
                   for e in s.machine.environment() if b"=" in e)
        env.update({k: v for k, v in s.env_changes.items() if v is not None})
        for k in [var] if var else sorted(env):
            if k in env:
                s.say(f"{k} = {env[k]}")
            else:
                s.say(f"Environment variable \"{k}\" not defined.")
    else:
        try:
            key, _n = settings.resolve(name.split(), list(s.settings))
        except CommandError:
            raise CommandError(f'Undefined show command: "{name}".  Try "help show".') \
                from None
        s.say(settings.sentence(key, s.settings[key]))


@command("echo", category="support")
def cmd_echo(s: "Session", arg: str) -> None:
    """Print text (\\n for a newline)."""
    s.out.write(unescape_echo(arg))
    s.out.flush()


@command("source", category="support")
def cmd_source(s: "Session", arg: str) -> None:
    """Run the commands in a file."""
    if not arg:
        raise CommandError("source command requires file name of file to source.")
    source_file(s, os.path.expanduser(arg.strip()))


@command("handle", category="running")
def cmd_handle(s: "Session", arg: str) -> None:
    """handle SIGNAL... [no]stop [no]print [no]pass: what to do when the program gets them.

    Signals are gdb names, numbers 1-15, ranges of them or `all`; an action applies to
    every signal named before it (gdb's rules, SIGINT and SIGTRAP asked about first)."""
    words = arg.split()
    if not words:
        raise CommandError("Argument required (signal and actions to apply).")
    chosen: dict[int, gdbsignals.GdbSignal] = {}
    for w in words:
        effects = gdbsignals.action_of(w)
        if effects is not None:
            for g in chosen.values():
                pol = s.events.policy(g)
                for idx, on in effects:
                    pol[idx] = on
            continue
        every = "all".startswith(w)
        if every:
            picked = gdbsignals.SIGNALS
        elif w[:1] in tuple("0123456789"):
            first, dash, last = w.partition("-")
            a = gdbsignals.from_command(gdbsignals.digits_prefix(first)).num
            b = gdbsignals.from_command(gdbsignals.digits_prefix(last)).num if dash else a
            picked = gdbsignals.SIGNALS[min(a, b) - 1:max(a, b)]
        else:
            named = gdbsignals.from_name(w)
            if named is None:
                raise CommandError(f"Unrecognized or ambiguous flag word: \"{w}\".")
            picked = [named]
        for g in picked:
            if g.num in chosen:
                continue
            if g.name in gdbsignals.INTERNAL:
                if every or not s.confirm(f"{g.name} is used by the debugger.\n"
                                          "Are you sure you want to change it? (y or n) "):
                    if not every:
                        s.say("Not confirmed, unchanged.")
                    continue
            chosen[g.num] = g
    if chosen and s.from_tty:
        s.say(SIGNAL_HEADER)
        for num in sorted(chosen):
            s.say(signal_row(s, chosen[num]))


@command("cd", category="support")
def cmd_cd(s: "Session", arg: str) -> None:
    """Set the working directory of the program for the next run."""
    path = os.path.abspath(os.path.expanduser(arg or "~"))
    if not os.path.isdir(path):
        raise CommandError(f"{arg}: No such file or directory.")
    s.machine.cwd = path
    s.say(f"Working directory {path}.")


@command("pwd", category="support")
def cmd_pwd(s: "Session", arg: str) -> None:
    """Print the working directory the program runs in."""
    s.say(f"Working directory {s.machine.cwd or os.getcwd()}.")


@command("quit", "q", "exit", category="support")
def cmd_quit(s: "Session", arg: str) -> None:
    """Exit forkdbg (asks first when a program is live, unless in batch mode)."""
    if s.running:
        live = [i for i in s.inferiors.values() if i.live]
        text = "\n".join(f"\tInferior {i.num} [process {i.pid}] will be killed." for i in live)
        if not s.confirm(f"A debugging session is active.\n\n{text}\n\nQuit anyway? (y or n) "):
            raise CommandError("Not confirmed.")
    code = int(arg) if decimal(arg.strip().lstrip("-")) else None
    raise SystemExit(code if code is not None else 0)


@command("if", category="support")
def cmd_if(s: "Session", arg: str) -> None:
    """if EXPR, then commands up to `else` or `end`: run them when EXPR is nonzero."""
    top_block(s, "if", arg)


@command("while", category="support")
def cmd_while(s: "Session", arg: str) -> None:
    """while EXPR, then commands up to `end`: run them while EXPR is nonzero."""
    top_block(s, "while", arg)


@command("loop_break", category="support")
def cmd_loop_break(s: "Session", arg: str) -> None:
    """Leave the innermost while loop."""
    raise CommandError("This command cannot be used at the top level.")


@command("loop_continue", category="support")
def cmd_loop_continue(s: "Session", arg: str) -> None:
    """Go on with the innermost while loop's next round."""
    raise CommandError("This command cannot be used at the top level.")
