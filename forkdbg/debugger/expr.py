"""gdb expressions over registers and memory: parse, evaluate, and print with /x /d /t /c ...

Values are integers with a C type (size, signedness, pointer-ness).  Symbols without
debug information behave as in gdb: a function is `{<text variable, no debug info>}`,
a data symbol must be cast or have its address taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .registry import CommandError


@dataclass(frozen=True)
class CType:
    name: str
    size: int
    signed: bool = True
    pointee: "CType | None" = None
    code: bool = False  # a function (no debug info)

    @property
    def is_pointer(self) -> bool:
        return self.pointee is not None


CHAR = CType("char", 1)
UCHAR = CType("unsigned char", 1, False)
SHORT = CType("short", 2)
USHORT = CType("unsigned short", 2, False)
INT = CType("int", 4)
UINT = CType("unsigned int", 4, False)
LONG = CType("long", 8)
ULONG = CType("unsigned long", 8, False)
INT64 = CType("int64_t", 8)
VOID = CType("void", 1)
VOIDP = CType("void *", 8, False, VOID)
CODEP = CType("void (*)()", 8, False, CType("void ()", 1, code=True))
TEXT = CType("<text variable, no debug info>", 1, code=True)
TEXTP = CType("<text variable, no debug info> *", 8, False, TEXT)  # main+4, &main
DATA = CType("<data variable, no debug info>", 4)
BASE_TYPES = {
    "char": CHAR, "signed char": CHAR, "unsigned char": UCHAR, "short": SHORT,
    "unsigned short": USHORT, "int": INT, "unsigned int": UINT, "unsigned": UINT, "long": LONG,
    "unsigned long": ULONG, "long long": LONG, "unsigned long long": ULONG, "void": VOID,
    "int8_t": CHAR, "uint8_t": UCHAR, "int16_t": SHORT, "uint16_t": USHORT, "int32_t": INT,
    "uint32_t": UINT, "int64_t": INT64, "uint64_t": ULONG, "size_t": ULONG, "pid_t": INT,
}


@dataclass
class Value:
    v: int
    t: CType
    lval: int | None = None  # the address it was read from
    symbol: str | None = None

    def as_int(self) -> int:
        return self.v


class Env:
    """What expressions can see: registers, memory, symbols, convenience variables."""

    def __init__(self, reg: Callable[[str], int | None], read: Callable[[int, int], bytes],
                 symbol: Callable[[str], tuple[int, bool] | None],
                 history: list["Value"], convenience: dict[str, "Value"]) -> None:
        self.reg = reg
        self.read = read
        self.symbol = symbol  # name -> (address, is_function)
        self.history = history
        self.convenience = convenience


def wrap(v: int, t: CType) -> int:
    bits = 8 * t.size
    v &= (1 << bits) - 1
    if t.signed and not t.is_pointer and v >> (bits - 1):
        v -= 1 << bits
    return v


def parse_type(text: str) -> CType:
    """``int``, ``unsigned long *``, ``char**``..."""
    t = text.strip()
    stars = len(t) - len(t.rstrip("*"))
    base = " ".join(t.rstrip("* ").split())
    if base not in BASE_TYPES:
        raise CommandError(f'No symbol "{base}" in current context.')
    ct = BASE_TYPES[base]
    for _ in range(stars):
        ct = CType(ct.name + " *" if not ct.is_pointer else ct.name + "*", 8, False, ct)
    return ct


TOKEN = re.compile(r"""\s*(?:
    (?P<num>0[xX][0-9a-fA-F]+|\d+)
   |(?P<char>'(?:\\.|[^'])')
   |(?P<var>\$[A-Za-z_]\w*|\$\$?\d*)
   |(?P<name>[A-Za-z_.][\w.@]*)
   |(?P<op>\|\||&&|==|!=|<=|>=|<<|>>|[-+*/%&|^!~<>(){}\[\]])
)""", re.X)
TYPE_WORDS = {"char", "short", "int", "long", "unsigned", "signed", "void", "int8_t", "uint8_t",
              "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t", "size_t",
              "pid_t"}
BINARY = [("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="), ("<", ">", "<=", ">="),
          ("<<", ">>"), ("+", "-"), ("*", "/", "%")]


def tokenize(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise CommandError(f"A syntax error in expression, near `{text[pos:].strip()}'.")
        kind = m.lastgroup
        out.append((kind or "", m.group(kind or 0)))
        pos = m.end()
    return out


class Parser:
    def __init__(self, text: str, env: Env) -> None:
        self.toks = tokenize(text)
        self.i = 0
        self.env = env
        self.text = text

    def peek(self, k: int = 0) -> tuple[str, str] | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            near = " ".join(t[1] for t in self.toks[self.i:]) or ""
            raise CommandError(f"A syntax error in expression, near `{near}'.")
        self.i += 1
        return tok

    def parse(self) -> Value:
        if not self.toks:
            raise CommandError("Argument required (expression to compute).")
        v = self.binary(0)
        if self.peek() is not None:
            near = " ".join(t[1] for t in self.toks[self.i:])
            raise CommandError(f"A syntax error in expression, near `{near}'.")
        return v

    def binary(self, level: int) -> Value:
        if level == len(BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in BINARY[level]:
            self.i += 1
            right = self.binary(level + 1)
            left = apply(tok[1], left, right)
        return left

    def is_cast(self) -> bool:
        tok, nxt = self.peek(), self.peek(1)
        return (tok is not None and tok[1] in ("(", "{") and nxt is not None
                and nxt[0] == "name" and nxt[1] in TYPE_WORDS)

    def read_type(self, close: str) -> CType:
        words = []
        while (tok := self.peek()) is not None and tok[1] != close:
            words.append(tok[1])
            self.i += 1
        self.take(close)
        return parse_type(" ".join(words).replace(" *", "*"))

    def unary(self) -> Value:
        tok = self.peek()
        if tok is None:
            raise CommandError("A syntax error in expression, near `'.")
        if tok[0] == "op" and tok[1] in ("-", "!", "~", "+"):
            self.i += 1
            v = self.unary()
            n = {"-": -v.v, "!": int(not v.v), "~": ~v.v, "+": v.v}[tok[1]]
            t = INT if tok[1] == "!" else (v.t if not v.t.is_pointer else LONG)
            return Value(wrap(n, t), t)
        if tok[1] == "*" and tok[0] == "op":
            self.i += 1
            return self.deref(self.unary())
        if tok[1] == "&" and tok[0] == "op":
            self.i += 1
            v = self.unary()
            if v.lval is None:
                raise CommandError("Attempt to take address of value not located in memory.")
            return Value(v.lval, CType(v.t.name + " *", 8, False, v.t), symbol=v.symbol)
        if self.is_cast():
            brace = tok[1] == "{"
            self.i += 1
            t = self.read_type("}" if brace else ")")
            v = self.unary()
            if brace:  # {type} addr: the object of that type at addr
                return self.load(v.v, t)
            if v.t is DATA and v.lval is not None:
                return self.load(v.lval, t)
            return Value(wrap(v.v, t), t)
        return self.primary()

    def deref(self, p: Value) -> Value:
        if not p.t.is_pointer:
            raise CommandError("Attempt to take contents of a non-pointer value.")
        assert p.t.pointee is not None
        if p.t.pointee is VOID:
            raise CommandError("Attempt to take contents of a non-pointer value.")
        return self.load(p.v, p.t.pointee)

    def load(self, addr: int, t: CType) -> Value:
        data = self.env.read(addr, t.size)
        return Value(wrap(int.from_bytes(data, "little"), t), t, lval=addr)

    def primary(self) -> Value:
        kind, text = self.take()
        if kind == "num":
            n = int(text, 0)
            return Value(n, INT if n < 2**31 else LONG)
        if kind == "char":
            body = text[1:-1]
            c = ord(body.encode().decode("unicode_escape")) if body.startswith("\\") else ord(body)
            return Value(c, CHAR)
        if kind == "var":
            return self.var(text)
        if kind == "name" and text == "sizeof":
            if self.is_cast():
                self.i += 1
                return Value(self.read_type(")").size, ULONG)
            return Value(self.unary().t.size, ULONG)
        if kind == "name":
            hit = self.env.symbol(text)
            if hit is None:
                raise CommandError(f'No symbol "{text}" in current context.')
            addr, is_func = hit
            if is_func:
                return Value(addr, TEXT, lval=addr, symbol=text)
            return Value(0, DATA, lval=addr, symbol=text)
        if text == "(":
            v = self.binary(0)
            self.take(")")
            return v
        raise CommandError(f"A syntax error in expression, near `{text}'.")

    def var(self, text: str) -> Value:
        name = text[1:]
        if name == "" or name.isdigit() or name.startswith("$"):
            h = self.env.history
            if not h:
                raise CommandError("History is empty.")
            if name == "":
                return h[-1]
            if name.startswith("$"):
                back = int(name[1:] or 1)
                return h[-1 - back] if back < len(h) else Value(0, INT)
            idx = int(name)
            if not 1 <= idx <= len(h):
                raise CommandError(f"History has not yet reached ${idx}.")
            return h[idx - 1]
        if name in self.env.convenience:
            return self.env.convenience[name]
        r = self.env.reg(name)
        if r is None:
            return Value(0, VOID)  # gdb: an unset convenience variable is void
        if name in ("pc", "rip"):
            return Value(r, CODEP)
        if name in ("sp", "fp", "rsp", "rbp"):
            return Value(r, VOIDP)
        if name == "eflags":
            return Value(r, CType("i386_eflags", 4, False))
        t = REG_TYPES.get(name, INT64)
        return Value(wrap(r, t), t)


REG_TYPES: dict[str, CType] = {}
for _n in ("eax ebx ecx edx esi edi ebp esp r8d r9d r10d r11d r12d r13d r14d r15d "
           "cs ss ds es fs gs").split():
    REG_TYPES[_n] = INT
for _n in "ax bx cx dx si di bp".split():
    REG_TYPES[_n] = SHORT
for _n in "al bl cl dl ah bh ch dh sil dil".split():
    REG_TYPES[_n] = CHAR


def apply(op: str, a: Value, b: Value) -> Value:
    x, y = a.v, b.v
    if op in ("==", "!=", "<", ">", "<=", ">=", "&&", "||"):
        r = {"==": x == y, "!=": x != y, "<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y,
             "&&": bool(x) and bool(y), "||": bool(x) or bool(y)}[op]
        return Value(int(r), INT)
    if op in ("/", "%") and y == 0:
        raise CommandError("Division by zero")
    if op in ("+", "-") and a.t is TEXT and not b.t.is_pointer:  # a function decays
        a = Value(x, TEXTP)
    elif op == "+" and b.t is TEXT and not a.t.is_pointer:
        a, b, x, y = Value(y, TEXTP), a, y, x
    if a.t.is_pointer and op in ("+", "-") and not b.t.is_pointer:
        step = a.t.pointee.size if a.t.pointee and a.t.pointee is not VOID else 1
        return Value(x + y * step if op == "+" else x - y * step, a.t)
    n = {"+": x + y, "-": x - y, "*": x * y, "/": int(x / y) if y else 0,
         "%": x - int(x / y) * y if y else 0, "&": x & y, "|": x | y, "^": x ^ y,
         "<<": x << y, ">>": x >> y}[op]
    t = a.t if a.t.size >= b.t.size else b.t
    if t.is_pointer or t.code:
        t = LONG
    return Value(wrap(n, t), t)


def evaluate(text: str, env: Env) -> Value:
    """The value of a gdb expression."""
    return Parser(text, env).parse()
