"""x87 `long double` values for expressions: the 80-bit format (64-bit significand with
its explicit integer bit, 15-bit exponent, sign), with C's arithmetic done as the x87
does it, exactly: each operation on rationals, rounded to nearest-even at 64 bits, as
gdb computes with the host's long double."""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from fractions import Fraction

BIAS = 16383
MANT_BITS = 64
MAX_EXP = 0x7FFF
#: the NaN an x87 invalid operation gives (0/0, inf - inf): sign set, the quiet bit alone
DEFAULT_NAN = ((1 << 15 | MAX_EXP) << 64 | 0xC000 << 48).to_bytes(10, "little")


@dataclass(frozen=True)
class LongDouble:
    """One x87 long double, held as its 10 bytes."""

    data: bytes

    @property
    def _top(self) -> int:
        return int.from_bytes(self.data[8:10], "little")

    @property
    def negative(self) -> bool:
        return bool(self._top >> 15)

    @property
    def _exp(self) -> int:
        return self._top & MAX_EXP

    @property
    def _mant(self) -> int:
        return int.from_bytes(self.data[:8], "little")

    def is_nan(self) -> bool:
        return self._exp == MAX_EXP and bool(self._mant & ((1 << 63) - 1))

    def is_inf(self) -> bool:
        return self._exp == MAX_EXP and not self._mant & ((1 << 63) - 1)

    def fraction(self) -> Fraction:
        """The exact value of a finite one."""
        q = Fraction(self._mant) * Fraction(2) ** (max(self._exp, 1) - BIAS - (MANT_BITS - 1))
        return -q if self.negative else q

    def __float__(self) -> float:
        if self.is_nan():
            return math.copysign(math.nan, -1.0 if self.negative else 1.0)
        if self.is_inf():
            return -math.inf if self.negative else math.inf
        try:
            return float(self.fraction())
        except OverflowError:
            return -math.inf if self.negative else math.inf

    def __int__(self) -> int:
        if self.is_nan() or self.is_inf():  # x87's integer indefinite
            return -(1 << 63)
        return math.trunc(self.fraction())

    def __bool__(self) -> bool:
        return self.is_nan() or self._mant != 0

    def __neg__(self) -> "LongDouble":
        return LongDouble(self.data[:9] + bytes([self.data[9] ^ 0x80]))

    @classmethod
    def of(cls, v: object) -> "LongDouble":
        """An int, a float or a long double as a long double."""
        if isinstance(v, LongDouble):
            return v
        if isinstance(v, float):
            if math.isnan(v):
                sign = 1 << 79 if math.copysign(1.0, v) < 0 else 0
                bits = int.from_bytes(_double_bytes(v), "little") & ((1 << 52) - 1)
                return cls((sign | MAX_EXP << 64 | 1 << 63 | bits << 11).to_bytes(10, "little"))
            if math.isinf(v):
                return cls(_inf(v < 0))
            return cls(round_fraction(Fraction(v), math.copysign(1.0, v) < 0))
        return cls(round_fraction(Fraction(int(v))))  # type: ignore[call-overload]


def _double_bytes(v: float) -> bytes:
    return struct.pack("<d", v)


def _inf(negative: bool) -> bytes:
    return ((1 << 15 if negative else 0) << 64 | MAX_EXP << 64 | 1 << 63).to_bytes(10, "little")


def round_fraction(q: Fraction, negative_zero: bool = False) -> bytes:
    """`q` rounded to the nearest long double (ties to even; overflow to infinity,
    gradual underflow to denormals), as its 10 bytes."""
    negative = q < 0 or (q == 0 and negative_zero)
    q = abs(q)
    sign = (1 << 15 if negative else 0) << 64
    if q == 0:
        return sign.to_bytes(10, "little")
    exp = q.numerator.bit_length() - q.denominator.bit_length()
    if Fraction(2) ** exp > q:
        exp -= 1  # now 2**exp <= q < 2**(exp+1)
    biased = exp + BIAS
    shift = MANT_BITS - 1 - exp if biased >= 1 else MANT_BITS - 1 - (1 - BIAS)  # denormal
    scaled = q * Fraction(2) ** shift
    mant = scaled.numerator // scaled.denominator
    rest = scaled - mant
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and mant & 1):
        mant += 1
    if mant >> MANT_BITS:  # rounding carried into a new bit
        mant >>= 1
        biased += 1
    if biased < 1:
        biased = 1 if mant >> (MANT_BITS - 1) else 0  # a denormal, or rounded up out of one
    if biased >= MAX_EXP:
        return _inf(negative)
    return (sign | biased << 64 | mant).to_bytes(10, "little")


def compute(op: str, a: LongDouble, b: LongDouble) -> LongDouble | bool:
    """`a OP b` as the x87 computes it: + - * / (rounded once) and comparisons."""
    if op in ("==", "!=", "<", ">", "<=", ">="):
        if a.is_nan() or b.is_nan():
            return op == "!="
        x, y = _ordered(a), _ordered(b)
        return {"==": x == y, "!=": x != y, "<": x < y, ">": x > y, "<=": x <= y,
                ">=": x >= y}[op]
    if a.is_nan() or b.is_nan():
        return a if a.is_nan() else b
    if a.is_inf() or b.is_inf():
        return LongDouble(_infinite(op, a, b))
    x, y = a.fraction(), b.fraction()
    if op == "/" and y == 0:
        if x == 0:
            return LongDouble(DEFAULT_NAN)
        return LongDouble(_inf(a.negative != b.negative))
    r = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y, "/": lambda: x / y}[op]()
    zero_sign = {"+": a.negative and b.negative, "-": a.negative and not b.negative,
                 "*": a.negative != b.negative, "/": a.negative != b.negative}[op]
    return LongDouble(round_fraction(r, zero_sign))


def _ordered(v: LongDouble) -> Fraction | float:
    if v.is_inf():
        return -math.inf if v.negative else math.inf
    return v.fraction()


def _infinite(op: str, a: LongDouble, b: LongDouble) -> bytes:
    """An operation with an infinite operand (no NaN): IEEE's rules (a finite operand
    counts only by its sign and whether it is zero)."""
    fa, fb = (_sign_only(v) for v in (a, b))
    r = {"+": lambda: fa + fb, "-": lambda: fa - fb, "*": lambda: fa * fb,
         "/": lambda: fa / fb if fb else math.copysign(math.inf, fa) * math.copysign(1, fb)}
    try:
        v = r[op]()
    except ZeroDivisionError:
        v = math.nan
    if math.isnan(v):
        return DEFAULT_NAN
    if math.isinf(v):
        return _inf(v < 0)
    return LongDouble.of(v).data  # a finite result (x / inf): zero with its sign


def _sign_only(v: LongDouble) -> float:
    if v.is_inf():
        return -math.inf if v.negative else math.inf
    return math.copysign(1.0 if v else 0.0, -1.0 if v.negative else 1.0)
