"""Backslash escapes as gdb reads them: in `echo` text and in C character constants.

`echo` knows the classic set (\\a \\b \\f \\n \\r \\t \\v, up to three octal digits,
\\^c for a control character); any other escaped character stands for itself, and a
backslash at the very end is dropped.  C constants add \\e and \\xHH.  Also: where a
command line's text is at its top level (outside quotes and brackets).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator

from .registry import CommandError

SIMPLE = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
OCTAL = "01234567"
HEX = "0123456789abcdefABCDEF"


def escape_at(text: str, i: int, c_lang: bool) -> tuple[int | None, int]:
    """Decode the escape whose backslash is at text[i]: (code or None, index after it)."""
    j = i + 1
    if j >= len(text):
        return None, j
    ch = text[j]
    if ch in SIMPLE:
        return SIMPLE[ch], j + 1
    if ch in OCTAL:
        k = j
        while k < len(text) and k < j + 3 and text[k] in OCTAL:
            k += 1
        return int(text[j:k], 8) & 0xFF, k
    if ch == "^" and j + 1 < len(text):
        c = text[j + 1]
        return (0x7F if c == "?" else ord(c) & 0x1F), j + 2
    if c_lang and ch == "e":
        return 27, j + 1
    if c_lang and ch == "x":
        k = j + 1
        while k < len(text) and text[k] in HEX:
            k += 1
        if k == j + 1:
            return ord("x"), k
        return int(text[j + 1:k], 16) & 0xFF, k
    return ord(ch), j + 1


def unescape_echo(text: str) -> str:
    """What `echo TEXT` prints."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] != "\\":
            out.append(text[i])
            i += 1
            continue
        code, i = escape_at(text, i, c_lang=False)
        if code is not None:
            out.append(chr(code))
    return "".join(out)


def char_constant(body: str) -> int:
    """The value of the C character constant whose text between the quotes is `body`."""
    if not body:
        raise CommandError("A character constant must contain at least one character.")
    if body[0] == "\\":
        code, end = escape_at(body, 0, c_lang=True)
    else:
        code, end = ord(body[0]), 1
    if code is None or end != len(body):
        raise CommandError("Invalid character constant.")
    return code


def top_level(text: str) -> Iterator[tuple[int, str]]:
    """(index, character) of each character of `text` outside quotes and brackets."""
    depth, quote = 0, ""
    for i, c in enumerate(text):
        if quote:
            quote = "" if c == quote and text[i - 1] != "\\" else quote
        elif c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0:
            yield i, c


def shell_words(text: str) -> list[str]:
    """Program arguments as gdb's shell splits them: quotes and backslashes as sh reads
    them; a backslash at the very end stands for itself; an unclosed quote is an error."""
    if (len(text) - len(text.rstrip("\\"))) % 2:
        text += "\\"
    try:
        return shlex.split(text)
    except ValueError:
        raise CommandError(f"Unterminated quoted string in the arguments: {text}") from None
