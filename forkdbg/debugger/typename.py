"""C type names as gdb reads them in `ptype`, `whatis` and casts: specifiers (base
words, `struct X`, typedef names, const/volatile) and an abstract declarator
(`int *(*)(int, ...)`, `char (*(*)())[23]`, `void (** const)()`, `struct s &`)."""

from __future__ import annotations

import re
from typing import Any, Callable

from ..dwarf.types import Type
from .registry import CommandError

TOKEN = re.compile(r"\s*(\.\.\.|[A-Za-z_]\w*|\d+|[*&()\[\],])")
#: C's base type words and the size of the type they make (long long too)
BASE_WORDS = {"char", "short", "int", "long", "unsigned", "signed", "float", "double",
              "void", "_Bool"}
QUALIFIERS = ("const", "volatile")
Lookup = Callable[[str, str | None], Type | None]  # (name, struct|union|enum|None)


def _size(words: list[str]) -> tuple[str, int]:
    """gdb's name and size for a list of base words (`unsigned long int`)."""
    ws = [w for w in words if w != "int" or len(words) == 1]
    unsigned = "unsigned" in ws
    core = [w for w in ws if w not in ("signed", "unsigned")]
    longs = core.count("long")
    if "char" in core:
        return ("unsigned char" if unsigned else "signed char" if "signed" in ws
                else "char"), 1
    if "short" in core:
        return ("unsigned short" if unsigned else "short"), 2
    if "double" in core:
        return ("long double", 16) if longs else ("double", 8)
    if "float" in core:
        return "float", 4
    if "void" in core:
        return "void", 1
    if "_Bool" in core:
        return "_Bool", 1
    if longs:
        return ("unsigned long" if unsigned else "long") if longs == 1 else \
            ("unsigned long long" if unsigned else "long long"), 8
    return ("unsigned int" if unsigned else "int"), 4


class _Parser:
    def __init__(self, text: str, lookup: Lookup) -> None:
        self.toks: list[str] = []
        pos = 0
        while pos < len(text.rstrip()):
            m = TOKEN.match(text, pos)
            if not m:
                raise ValueError(text[pos:])
            self.toks.append(m.group(1))
            pos = m.end()
        self.i = 0
        self.lookup = lookup

    def peek(self, k: int = 0) -> str | None:
        return self.toks[self.i + k] if self.i + k < len(self.toks) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise ValueError(want or "end")
        self.i += 1
        return tok

    def type_name(self) -> Type:
        base = self.specifiers()
        return self.declarator()(base)

    def specifiers(self) -> Type:
        quals, words, named = [], [], None
        while (tok := self.peek()) is not None:
            if tok in QUALIFIERS:
                quals.append(self.take())
            elif tok in BASE_WORDS and named is None:
                words.append(self.take())
            elif tok in ("struct", "union", "enum") and not words and named is None:
                kind = self.take()
                name = self.take()
                named = self.lookup(name, kind)
                if named is None:
                    raise CommandError(f"No {kind} type named {name}.")
            elif re.fullmatch(r"[A-Za-z_]\w*", tok) and not words and named is None:
                named = self.lookup(self.take(), None)
                if named is None:
                    raise ValueError(tok)
            else:
                break
        if named is None and not words:
            raise ValueError("no type")
        t = named if named is not None else Type("base", *_size(words))
        for q in quals:
            t = Type(q, None, t.size, t)
        return t

    def declarator(self) -> Callable[[Type], Type]:
        ptrs: list[tuple[str, list[str]]] = []
        while self.peek() in ("*", "&"):
            kind = "pointer" if self.take() == "*" else "reference"
            quals = []
            while self.peek() in QUALIFIERS:
                quals.append(self.take())
            ptrs.append((kind, quals))
        inner: Callable[[Type], Type] = lambda t: t  # noqa: E731
        if self.peek() == "(" and self.peek(1) in ("*", "&", "(", "["):
            self.take("(")
            inner = self.declarator()
            self.take(")")
        suffixes: list[tuple[str, Any]] = []
        while self.peek() in ("[", "("):
            if self.take() == "[":
                n = int(self.take()) if self.peek() not in ("]", None) else None
                self.take("]")
                suffixes.append(("array", n))
            else:
                suffixes.append(("func", self.params()))
                self.take(")")

        def apply(base: Type) -> Type:
            t = base
            for kind, quals in ptrs:
                t = Type(kind, None, 8, t)
                for q in quals:
                    t = Type(q, None, 8, t)
            for kind, arg in reversed(suffixes):
                if kind == "array":
                    t = Type("array", None, 0, t, count=arg)  # type: ignore[arg-type]
                else:
                    params, variadic, proto = arg
                    t = Type("func", None, 1, t, params=params, variadic=variadic,
                             prototyped=proto)
            return inner(t)
        return apply

    def params(self) -> tuple[list[Type], bool, bool]:
        if self.peek() == ")":
            return [], False, False
        if self.peek() == "void" and self.peek(1) == ")":
            self.take()
            return [], False, True
        out, variadic = [], False
        while True:
            if self.peek() == "...":
                self.take()
                variadic = True
            else:
                out.append(self.type_name())
            if self.peek() != ",":
                voids = [i for i, t in enumerate(out) if t.kind == "base" and t.name == "void"]
                if voids and len(out) > 1:
                    raise CommandError("parameter types following 'void'" if voids[0] == 0
                                       else "'void' invalid as parameter type")
                return out, variadic, True
            self.take(",")


def parse_type_name(text: str, lookup: Lookup) -> Type | None:
    """The type `text` names, or None when it is not (wholly) a type name."""
    try:
        p = _Parser(text, lookup)
        t = p.type_name()
        if p.peek() is not None:
            return None
        return t
    except ValueError:
        return None
