"""FlagSet: an ordered table of bit flags with strace-style rendering."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FlagSet:
    """Named bits in the order strace prints them (ascending bit order by default)."""

    names: tuple[tuple[int, str], ...]

    @classmethod
    def of(cls, **bits: int) -> "FlagSet":
        """Build from keyword arguments, sorted by bit value."""
        return cls(tuple(sorted(((v, k) for k, v in bits.items()), key=lambda t: t[0])))

    def value(self, name: str) -> int:
        """The bit(s) called `name`; KeyError if unknown."""
        for v, n in self.names:
            if n == name:
                return v
        raise KeyError(name)

    def split(self, value: int) -> tuple[list[str], int]:
        """Names of the set bits, and the bits no name covers."""
        out: list[str] = []
        rest = value
        for bit, name in self.names:
            if bit and value & bit == bit and rest & bit:
                out.append(name)
                rest &= ~bit
        return out, rest

    def render(self, value: int, zero: str = "0") -> str:
        """``A|B|0x40`` as strace prints a flags word."""
        if value == 0:
            return zero
        names, rest = self.split(value)
        if rest:
            names.append(hex(rest))
        return "|".join(names)


def render_value(table: dict[int, str], value: int, unknown: str = "{:#x}") -> str:
    """A constant by name, or in the given format when it has none."""
    name = table.get(value)
    return name if name is not None else unknown.format(value)
