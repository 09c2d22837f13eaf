"""gdb expressions over registers and memory: parse, evaluate, and print with /x /d /t /c ...

Values are integers with a C type (size, signedness, pointer-ness).  Symbols without
debug information behave as in gdb: a function is `{<text variable, no debug info>}`,
a data symbol must be cast or have its address taken.
"""

from __future__ import annotations

from ..dwarf.types import Type
from ..dwarf.values import missing_within
from .arith import (apply, array_value, char_constant_string, program_type, promote,
                    string_value)
from .calls import call_result, is_function, return_type
from .escapes import char_constant
from .lexer import TYPE_WORDS, parse_number, tokenize
from .expr_types import (
    decode,
    BASE_TYPES,
    CHAR,
    CODEP,
    DATA,
    INT,
    INT64,
    LONG,
    SHORT,
    TEXT,
    UCHAR,
    ULONG,
    VOID,
    VOIDP,
    CType,
    Env,
    Value,
    value_part,
    wrap,
)
from .ranges import decimal
from .registry import CommandError

# re-exported: the rest of the debugger takes its types from here
__all__ = ["BASE_TYPES", "CHAR", "CODEP", "DATA", "INT", "INT64", "LONG", "TEXT", "UCHAR",
           "ULONG", "VOID", "VOIDP", "CType", "Env", "Value", "apply", "evaluate",
           "parse_type", "promote", "string_value", "wrap"]


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


# binary operators by precedence, loosest first (C's table below ?:)
PRECEDENCE = {op: level for level, ops in enumerate(
    [("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="), ("<", ">", "<=", ">="),
     ("<<", ">>"), ("@",), ("+", "-"), ("*", "/", "%")]) for op in ops}
MAX_NESTING = 128  # parentheses and unary operators; deeper is refused, not recursed


class Parser:
    def __init__(self, text: str, env: Env) -> None:
        self.toks, self.starts = tokenize(text)
        self.i = 0
        self.env = env
        self.text = text
        self.depth = 0  # nesting of parentheses, casts and unary operators
        self.skip = 0  # > 0 inside a branch whose value is not needed: no reads, no errors
        self.call_cast: CType | None = None  # `(long) f(x)`: the type of a call's value

    def rest(self) -> str:
        """The input from the next token on, as typed."""
        return self.text.rstrip()[self.starts[self.i]:] if self.i < len(self.starts) else ""

    def peek(self, k: int = 0) -> tuple[str, str] | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise CommandError(f"A syntax error in expression, near `{self.rest()}'.")
        self.i += 1
        return tok

    def parse(self) -> Value:
        if not self.toks:
            raise CommandError("Argument required (expression to compute).")
        v = self.comma()
        if self.peek() is not None:
            raise CommandError(f"A syntax error in expression, near `{self.rest()}'.")
        return v

    def comma(self) -> Value:
        """A, B: both evaluated, the value the last one's (C's comma operator)."""
        v = self.conditional()
        while (tok := self.peek()) is not None and tok[1] == ",":
            self.i += 1
            v = self.conditional()
        return v

    def nest(self) -> None:
        """Count one level of recursion; an absurdly deep expression is an error."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise CommandError(f"Expression nested too deeply, near `{self.rest()[:40]}'.")

    def conditional(self) -> Value:
        """COND ? A : B, evaluating only the branch taken (gdb's EVAL_SKIP)."""
        cond = self.binary(0)
        if (tok := self.peek()) is None or tok[1] != "?":
            return cond
        self.i += 1
        self.nest()
        self.contents(cond)
        first = bool(cond.v)
        self.skip += 0 if first else 1
        a = self.conditional()
        self.skip -= 0 if first else 1
        self.take(":")
        self.skip += 1 if first else 0
        b = self.conditional()
        self.skip -= 1 if first else 0
        self.depth -= 1
        return a if first else b

    def binary(self, min_level: int) -> Value:
        """Precedence climbing over PRECEDENCE; && and || skip what they need not evaluate."""
        left = self.unary()
        while ((tok := self.peek()) is not None and tok[0] == "op"
               and PRECEDENCE.get(tok[1], -1) >= min_level):
            op = tok[1]
            self.i += 1
            self.contents(left)
            skip = (op == "&&" and not left.v) or (op == "||" and bool(left.v))
            self.skip += skip
            right = self.binary(PRECEDENCE[op] + 1)
            self.skip -= skip
            self.contents(right)
            if op == "@":
                left = self.repeat(left, right.v)
                continue
            left = apply(op, left, right, self.skip > 0, self.env.warn)
        return left

    def contents(self, v: Value) -> Value:
        """`v`, whose contents an operation needs: gdb's error if it is optimized out
        (only typed, when skipped)."""
        if v.optimized and not self.skip:
            raise CommandError("value has been optimized out")
        return v

    def is_cast(self) -> bool:
        tok, nxt = self.peek(), self.peek(1)
        if tok is None or tok[1] not in ("(", "{") or nxt is None or nxt[0] != "name":
            return False
        if nxt[1] in TYPE_WORDS or nxt[1] in ("struct", "union", "enum"):
            return True
        return self.env.type_named is not None and self.env.type_named(nxt[1]) is not None \
            and self.env.variable is not None and self.env.variable(nxt[1]) is None

    def read_type(self, close: str) -> CType:
        words = []
        while (tok := self.peek()) is not None and tok[1] != close:
            words.append(tok[1])
            self.i += 1
        self.take(close)
        text = " ".join(words).replace(" *", "*")
        if self.env.type_named is not None and (words[0] in ("struct", "union", "enum")
                                                or words[0] not in TYPE_WORDS):
            found = self.env.type_named(" ".join(words))
            if found is not None:
                return found
        return parse_type(text)

    def unary(self) -> Value:
        self.nest()
        try:
            return self._unary()
        finally:
            self.depth -= 1

    def _unary(self) -> Value:
        tok = self.peek()
        if tok is None:
            raise CommandError("A syntax error in expression, near `'.")
        if tok[0] == "op" and tok[1] in ("-", "!", "~", "+"):
            self.i += 1
            v = self.contents(self.unary())
            if v.t.floating and v.t.size > 8 and tok[1] in "-+!":  # x87's long double
                return apply("-", Value(0, INT), v) if tok[1] == "-" else \
                    Value(int(not v.v), INT) if tok[1] == "!" else v  # - as 0 - x, below
            if tok[1] == "~" and v.t.floating:
                raise CommandError("Argument to complement operation not an integer, "
                                   "boolean.")
            # a float negates as 0 - x (x86: a NaN keeps its sign, -(0.0) is 0)
            n = {"-": 0.0 - v.v if v.t.floating else -v.v, "!": int(not v.v),
                 "~": ~v.v if tok[1] == "~" else 0, "+": v.v}[tok[1]]
            t = INT if tok[1] == "!" else (promote(v.t) if not v.t.is_pointer else LONG)
            return Value(wrap(n, t), t)
        if tok[1] == "*" and tok[0] == "op":
            self.i += 1
            return self.deref(self.unary())
        if tok[1] == "&" and tok[0] == "op":
            self.i += 1
            v = self.unary()
            if v.lval is None:
                if v.t.dwarf is not None and v.symbol:
                    raise CommandError(f'Can\'t take address of "{v.symbol}" which isn\'t '
                                       "an lvalue.")
                raise CommandError("Attempt to take address of value not located in memory.")
            if v.t.dwarf is not None and self.env.typed is not None:
                return Value(v.lval, self.env.typed(Type("pointer", None, 8, v.t.dwarf)))
            return Value(v.lval, CType(v.t.name + " *", 8, False, v.t), symbol=v.symbol)
        if self.is_cast():
            brace = tok[1] == "{"
            self.i += 1
            t = self.read_type("}" if brace else ")")
            self.call_cast = t if not brace else None
            try:
                v = self.unary()
            finally:
                self.call_cast = None
            self.contents(v)
            if brace:  # {type} addr: the object of that type at addr
                return self.load(v.v, t)
            if v.t is DATA and v.lval is not None:
                return self.load(v.lval, t)
            return Value(wrap(v.v, t), t)
        return self.postfix(self.primary())

    def postfix(self, v: Value) -> Value:
        """Subscripts, `.member` and `->member` after a primary expression."""
        while (tok := self.peek()) is not None:
            if tok[1] == "[":
                self.i += 1
                index = self.conditional()
                self.take("]")
                v = self.subscript(v, index.v)
            elif tok[1] == "->":
                self.i += 1
                if not v.t.is_pointer and v.t.dwarf is not None and \
                        v.t.dwarf.strip().kind in ("struct", "union"):
                    v = self.member(v, self.take()[1])  # `s->x` on a struct, as gdb takes it
                else:
                    v = self.member(self.deref(v), self.take()[1])
            elif tok[0] == "name" and tok[1].startswith("."):
                self.i += 1
                for part in tok[1][1:].split("."):
                    v = self.member(v, part)
            elif tok[1] == "(" and is_function(v):
                v = self.call(v)
            else:
                return v
        return v

    def call(self, fn: Value) -> Value:
        """`F(ARGS)`: the program's function, called (not inside sizeof)."""
        cast, self.call_cast = self.call_cast, None  # the cast applies to this call only
        args = self.arguments()
        if self.skip:  # sizeof: the type, no call
            return Value(0, return_type(self.env, fn, cast) or VOID)
        return call_result(self.env, fn, args, cast)

    def arguments(self) -> list[Value]:
        """`(A, B, ...)`: a call's argument values."""
        self.take("(")
        args: list[Value] = []
        while (tok := self.peek()) is not None and tok[1] != ")":
            args.append(self.conditional())
            if (tok := self.peek()) is not None and tok[1] == ",":
                self.i += 1
        self.take(")")
        return args

    def repeat(self, v: Value, n: int) -> Value:
        """gdb's ``OBJ@N``: N objects of OBJ's type from OBJ's address, as an array."""
        if n <= 0:
            raise CommandError("Only values in memory can be extended with '@'."
                               if v.lval is None else "Invalid number 0 of repetitions.")
        if v.lval is None:
            raise CommandError("Only values in memory can be extended with '@'.")
        if self.env.typed is None:
            raise CommandError("Only values in memory can be extended with '@'.")
        elem = program_type(v.t)
        return self.load(v.lval, self.env.typed(Type("array", None, 0, elem, count=n)))

    def subscript(self, v: Value, i: int) -> Value:
        d = v.t.dwarf.strip() if v.t.dwarf is not None else None
        if d is not None and d.kind == "array" and self.env.typed is not None:
            elem = self.env.typed(d.target)
            if v.optimized:
                return Value(0, elem, optimized=True)
            if v.lval is None and v.raw is not None:  # an element of a literal
                raw = v.raw[i * elem.size:(i + 1) * elem.size]
                if len(raw) < elem.size:
                    raise CommandError("no such vector element")
                return value_part(elem, raw, missing_within(v.missing, i * elem.size, elem.size))
            if v.lval is None:
                raise CommandError("Attempt to take address of value not located in memory.")
            return self.load(v.lval + i * elem.size, elem)
        if v.t.is_pointer:
            assert v.t.pointee is not None
            return self.load(v.v + i * v.t.pointee.size, v.t.pointee)
        raise CommandError("cannot subscript something of type `" + v.t.name + "'")

    def member(self, v: Value, name: str) -> Value:
        if v.t.is_pointer and v.t.pointee is not None and v.t.pointee.dwarf is not None \
                and v.t.pointee.dwarf.strip().kind in ("struct", "union"):
            v = self.deref(v)  # `p.x` on a pointer to a struct: gdb follows it
        d = v.t.dwarf.strip() if v.t.dwarf is not None else None
        if d is None or d.kind not in ("struct", "union") or self.env.typed is None:
            raise CommandError(f"Attempt to extract a component of a value that is not a "
                               f"structure{' pointer' if v.t.is_pointer else ''}.")
        m = d.find_member(name)
        if m is None:
            raise CommandError(f'There is no member named {name}.')
        t = self.env.typed(m.type)
        if v.optimized or (m.bit_size and v.lval is None and missing_within(
                v.missing, m.offset, (m.bit_offset + m.bit_size + 7) // 8)):
            return Value(0, t, optimized=True)
        if m.bit_size:  # the field's bits, sign-extended from its width
            word = int.from_bytes(
                (v.raw or b"")[m.offset:m.offset + 8] if v.lval is None else
                self.env.read(v.lval + m.offset, 8), "little")
            n = (word >> m.bit_offset) & ((1 << m.bit_size) - 1)
            if t.signed and n >> (m.bit_size - 1):
                n -= 1 << m.bit_size
            return Value(wrap(n, t), t)
        if v.lval is None:
            raw = (v.raw or b"")[m.offset:m.offset + t.size]
            return value_part(t, raw, missing_within(v.missing, m.offset, t.size))
        return self.load(v.lval + m.offset, t)

    def deref(self, p: Value) -> Value:
        self.contents(p)
        if p.t is TEXT or (p.t.dwarf is not None and not p.t.is_pointer
                           and p.t.dwarf.strip().kind == "func"):
            return p  # `*f` of a function is the function (C)
        if not p.t.is_pointer:
            raise CommandError("Attempt to take contents of a non-pointer value.")
        assert p.t.pointee is not None
        if p.t.pointee is VOID:
            raise CommandError("Attempt to take contents of a non-pointer value.")
        return self.load(p.v, p.t.pointee)

    def load(self, addr: int, t: CType) -> Value:
        if self.skip or t.aggregate:
            return Value(addr if t.aggregate else 0, t, lval=addr)
        data = self.env.read(addr, t.size)
        return Value(decode(data, t), t, lval=addr)

    def primary(self) -> Value:
        kind, text = self.take()
        if kind == "num":
            return parse_number(text)
        if kind == "char":
            if len(text) < 2 or not text.endswith("'"):
                raise CommandError("Unmatched single quote.")
            return Value(wrap(char_constant(text[1:-1]), CHAR), CHAR)
        if kind == "str":
            return string_value(char_constant_string(text[1:-1]))
        if kind == "var":
            if (nxt := self.peek()) is not None and nxt[1] == "(" and self.env.call:
                return self.function(text[1:])
            return self.var(text)
        if kind == "name" and text == "sizeof":
            if self.is_cast():
                self.i += 1
                return Value(self.read_type(")").size, ULONG)
            self.skip += 1  # sizeof's operand is not evaluated
            try:
                return Value(self.unary().t.size, ULONG)
            finally:
                self.skip -= 1
        if kind == "scope" and self.env.scoped is not None:
            scope, _, name = text.rpartition("::")
            return self.env.scoped(scope, name)
        if kind == "name" and text.endswith("@entry") and self.env.entry is not None:
            return self.env.entry(text[:-len("@entry")])
        if kind == "name" and self.env.variable is not None:
            base, _dot, members = text.partition(".")
            found = self.env.variable(base)
            if found is not None:
                for part in members.split(".") if members else []:
                    found = self.member(found, part)
                return found
        if kind == "name":
            try:
                hit = self.env.symbol(text)
            except CommandError:
                if "." in text.strip("."):  # `p.x` with no `p`: name the variable
                    self.env.symbol(text.partition(".")[0])
                raise
            if hit is None:
                raise CommandError(f'No symbol "{text}" in current context.')
            addr, is_func = hit
            if is_func:
                return Value(addr, TEXT, lval=addr, symbol=text)
            return Value(0, DATA, lval=addr, symbol=text)
        if text == "(":
            v = self.comma()
            self.take(")")
            return v
        if text == "{":  # an array literal (a `{TYPE} ADDR` is a cast, read before)
            elems = [self.conditional()]
            while self.peek() is not None and self.peek()[1] == ",":  # type: ignore[index]
                self.i += 1
                elems.append(self.conditional())
            self.take("}")
            return array_value(elems)
        self.i -= 1  # gdb quotes the input from the token it could not take on
        raise CommandError(f"A syntax error in expression, near `{self.rest()}'.")

    def function(self, name: str) -> Value:
        """`$NAME(ARGS)`: one of gdb's internal functions."""
        args = self.arguments()
        assert self.env.call is not None
        got = self.env.call(name, args)
        if got is None:
            raise CommandError(f"You must provide an argument to ${name}")
        return got

    def var(self, text: str) -> Value:
        name = text[1:]
        if name == "" or decimal(name) or name.startswith("$"):
            h = self.env.history  # gdb's access_value_history and its words
            if name == "":
                if not h:
                    raise CommandError("The history is empty.")
                return h[-1]
            if name.startswith("$"):
                back = int(name[1:] or 1)
                if back >= len(h):
                    raise CommandError(f"History does not go back to $${back}.")
                return h[-1 - back]
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


def evaluate(text: str, env: Env, typed_only: bool = False) -> Value:
    """The value of a gdb expression; with `typed_only` its type, without side effects
    (gdb's EVAL_AVOID_SIDE_EFFECTS, for whatis and ptype: no function is called)."""
    p = Parser(text, env)
    p.skip = int(typed_only)
    return p.parse()

