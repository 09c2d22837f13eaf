"""The words of gdb's C expressions: tokens, and C constants with C's types."""

from __future__ import annotations

import re
from fractions import Fraction

from .expr_types import DOUBLE, FLOAT, INT, LONG, LONG_DOUBLE, UINT, ULONG, Value, wrap
from .registry import CommandError
from .x87 import LongDouble, round_fraction

TOKEN = re.compile(r"""\s*(?:
    (?P<num>(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?[fFlL]?|\d+[eE][-+]?\d+[fFlL]?|\d[\w]*)
   |(?P<char>'(?:\\.|[^'\\])*'?)
   |(?P<str>"(?:\\.|[^"\\])*")
   |(?P<var>\$[A-Za-z_]\w*|\$\$?\d*)
   |(?P<name>[A-Za-z_.][\w.]*(?:@[A-Za-z_][\w.]*)?)
   |(?P<op>->|\|\||&&|==|!=|<=|>=|<<|>>|[-+*/%&|^!~<>(){}\[\],?:@])
)""", re.X | re.ASCII)
TYPE_WORDS = {"char", "short", "int", "long", "unsigned", "signed", "void", "int8_t", "uint8_t",
              "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t", "size_t",
              "pid_t", "float", "double"}


def parse_number(text: str) -> Value:
    """A C constant: a floating one (double; float with an f suffix), or an integer with
    C's type rules (int, unsigned, long, unsigned long)."""
    if re.fullmatch(r"(\d+\.\d*|\.\d+|\d+(?=[eE]))([eE][-+]?\d+)?[fFlL]?", text):
        if text[-1] in "lL":  # a long double: from the decimal text, exactly rounded
            return Value(LongDouble(round_fraction(Fraction(text[:-1]))), LONG_DOUBLE)
        t = FLOAT if text[-1] in "fF" else DOUBLE
        return Value(wrap(float(text.rstrip("fF")), t), t)
    m = re.fullmatch(r"(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)([uU]?[lL]{0,2}|[lL]{1,2}[uU])", text)
    if m is None:
        raise CommandError(f'Invalid number "{text}".')
    digits, suffix = m.group(1), m.group(2).lower()
    base = 16 if digits[:2].lower() == "0x" else 8 if digits.startswith("0") else 10
    n = int(digits, base)
    if n >= 1 << 64:
        raise CommandError("Numeric constant too large.")
    unsigned, long_ = "u" in suffix, "l" in suffix
    ladder = [INT, UINT, LONG, ULONG] if base != 10 or unsigned else [INT, LONG, ULONG]
    for t in ladder:
        if (unsigned and t.signed) or (long_ and t.size < 8):
            continue
        if n < 1 << (8 * t.size - (1 if t.signed else 0)):
            return Value(n, t)
    return Value(n, ULONG)


def tokenize(text: str) -> tuple[list[tuple[str, str]], list[int]]:
    """(kind, text) of each token, and where each starts in `text` (for error messages)."""
    out, starts, pos = [], [], 0
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise CommandError(f"A syntax error in expression, near `{text[pos:].strip()}'.")
        kind = m.lastgroup
        out.append((kind or "", m.group(kind or 0)))
        starts.append(m.start(kind or 0))
        pos = m.end()
    return _entry_names(out, starts)


def _entry_names(tokens: list[tuple[str, str]], starts: list[int]
                 ) -> tuple[list[tuple[str, str]], list[int]]:
    """`NAME @ entry` (blanks allowed) as one name, `NAME@entry`: gdb's ENTRY token, a
    parameter's value at the function's entry; `FUNCTION::NAME`, `'FILE'::NAME` and
    `'FILE'::FUNCTION::NAME` as one scope token (gdb's scope operator)."""
    out, where, i = [], [], 0
    while i < len(tokens):
        if tokens[i][0] == "name" and tokens[i + 1:i + 3] == [("op", "@"), ("name", "entry")]:
            out.append(("name", tokens[i][1] + "@entry"))
            where.append(starts[i])
            i += 3
            continue
        if tokens[i][0] in ("name", "char") and tokens[i + 1:i + 3] == [("op", ":")] * 2 \
                and i + 3 < len(tokens) and tokens[i + 3][0] == "name":
            parts = [tokens[i][1].strip("'"), tokens[i + 3][1]]  # FUNCTION::NAME, 'FILE'::NAME
            j = i + 4
            while tokens[j:j + 2] == [("op", ":")] * 2 and j + 2 < len(tokens) and \
                    tokens[j + 2][0] == "name":  # 'FILE'::FUNCTION::NAME
                parts.append(tokens[j + 2][1])
                j += 3
            out.append(("scope", "::".join(parts)))
            where.append(starts[i])
            i = j
            continue
        out.append(tokens[i])
        where.append(starts[i])
        i += 1
    return out, where
