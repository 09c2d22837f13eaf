"""gdb's command language inside command lists: `if`/`else`/`while`/`end` blocks,
`loop_break`/`loop_continue`, and breakpoint commands (gdb's bpstat actions): `silent`
first hides the stop, and a command that resumes the program ends its list; the next
stop's commands then run in turn, iteratively, as gdb's bpstat_do_actions runs them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .registry import CommandError

if TYPE_CHECKING:
    from .session import Session

#: commands whose body is a block ended by `end`
BLOCKS = ("if", "while", "commands", "define", "document", "python", "compile")
#: a `while` that never ends is the user's to interrupt; this bounds runaway scripts
MAX_ITERATIONS = 1_000_000


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def read_block(next_line: Callable[[], str | None]) -> list[str]:
    """Lines up to the `end` that closes the block (nested blocks kept whole)."""
    lines: list[str] = []
    depth = 0
    while True:
        line = next_line()
        if line is None:
            return lines
        word = line.strip().split(None, 1)[0] if line.strip() else ""
        if word == "end":
            if depth == 0:
                return lines
            depth -= 1
        elif word in BLOCKS:
            depth += 1
        lines.append(line.strip())


def _split(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(the body of the block at the top of `lines`, its `else` part, what follows)."""
    depth = 0
    body: list[str] = []
    other: list[str] = []
    rest: list[str] = []
    target = body
    for i, line in enumerate(lines):
        word = line.split(None, 1)[0] if line else ""
        if word == "end" and depth == 0:
            rest = lines[i + 1:]
            return body, other, rest
        if word == "else" and depth == 0 and target is body:
            target = other
            continue
        if word in BLOCKS:
            depth += 1
        elif word == "end":
            depth -= 1
        target.append(line)
    return body, other, rest


def run(s: "Session", lines: list[str]) -> bool:
    """Execute a command list; False when a command resumed the program (the rest of the
    list is then skipped, as gdb skips it)."""
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        word, _sp, arg = line.partition(" ")
        if word in ("if", "while"):
            body, other, rest = _split(lines[i + 1:])
            if word == "if":
                if not run(s, body if _true(s, arg) else other):
                    return False
            else:
                for _ in range(MAX_ITERATIONS):
                    if not _true(s, arg):
                        break
                    try:
                        if not run(s, body):
                            return False
                    except _Continue:
                        continue
                    except _Break:
                        break
            lines, i = rest, 0
            continue
        if word == "loop_break":
            raise _Break
        if word == "loop_continue":
            raise _Continue
        resumes = s.resumes
        s.execute(line)
        if s.resumes != resumes:
            return False
        i += 1
    return True


def _true(s: "Session", expr: str) -> bool:
    if not expr.strip():
        raise CommandError("if/while commands require arguments.")
    return bool(s.eval_int(expr))


def do_actions(s: "Session") -> None:
    """Run the commands of the breakpoints the last stops hit, one stop after another
    (a `continue` among them makes a new stop whose commands come next)."""
    if s.in_actions:
        return
    s.in_actions = True
    try:
        while s.pending_actions:
            lines, s.pending_actions = s.pending_actions, []
            run(s, [ln for ln in lines if ln.strip() != "silent"])
    finally:
        s.in_actions = False
        s.pending_actions = []


def top_block(s: "Session", word: str, arg: str) -> None:
    """`if`/`while` typed at the prompt or in a file: the block is read, then run."""
    if s.line_source is None:
        raise CommandError(f"{word}: no lines to read the block from.")
    body = read_block(s.line_source)
    run(s, [f"{word} {arg}", *body, "end"])
