"""gdb's number lists: `delete 1 3-5 $bpnum`, as its number_or_range_parser reads them."""

from __future__ import annotations

from typing import Callable

from .registry import CommandError


def decimal(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes '²', which int() refuses."""
    return text.isascii() and text.isdigit()


NOT_INTEGER = "Convenience variable must have integer value."
BAD_ARG = NOT_INTEGER + "\nArguments must be numbers or '$' variables."


def _one(word: str, var: Callable[[str], int | None],
         bad: Callable[[str], None] | None) -> int:
    if word.startswith("$"):
        n = var(word[1:])
        if n is None:
            if bad is not None:
                bad(word)  # the caller's own words (it raises)
            raise CommandError(BAD_ARG)
    elif decimal(word):
        n = int(word)
    else:
        raise CommandError(BAD_ARG)
    if n < 0:
        raise CommandError("negative value")
    return n


def spans(arg: str, var: Callable[[str], int | None],
          bad: Callable[[str], None] | None = None) -> list[tuple[int, int]]:
    """Each word as an inclusive (first, last) span, checked before any is used; `bad`
    says what is wrong with a `$` variable that is not an integer."""
    out = []
    for word in arg.split():
        if word.startswith("-"):
            raise CommandError("negative value")
        first, dash, last = word.partition("-")
        a = _one(first, var, bad)
        if not dash:
            out.append((a, a))
            continue
        if not last:
            raise CommandError("inverted range")
        b = _one(last, var, bad)
        if b < a:
            raise CommandError("inverted range")
        out.append((a, b))
    return out


def report_missing(spans_: list[tuple[int, int]], exists: Callable[[int], bool],
                   highest: int, say: Callable[[str], None], what: str) -> list[int]:
    """The numbers in the spans that exist; gdb's "No WHAT number N." for each one that
    does not, except that a range reaching past every number in use is told in one line."""
    found = []
    for a, b in spans_:
        n = a
        while n <= b:
            if n > highest and b - n > 16:
                say(f"No {what} numbers {n}-{b}.")
                break
            if exists(n):
                found.append(n)
            else:
                say(f"No {what} number {n}.")
            n += 1
    return found
