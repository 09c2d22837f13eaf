"""Program images a front-end may ask about: symbols and unwind tables, loaded once each."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..arch.unwind import Unwinder
    from ..elf.symbols import SymbolTable


class Image:
    """One executable file as loaded at one bias."""

    def __init__(self, host_path: str, guest_path: str, bias: int) -> None:
        self.host_path = host_path
        self.path = guest_path
        self.bias = bias
        self._data: bytes | None = None
        self._symbols: "SymbolTable | None" = None
        self._unwinder: "Unwinder | None" = None

    @property
    def data(self) -> bytes:
        if self._data is None:
            try:
                with open(self.host_path, "rb") as f:
                    self._data = f.read()
            except OSError:
                self._data = b""
        return self._data

    @property
    def symbols(self) -> "SymbolTable":
        if self._symbols is None:
            from ..elf.symbols import SymbolTable
            self._symbols = SymbolTable.from_elf_bytes(self.data, self.bias)
        return self._symbols

    @property
    def unwinder(self) -> "Unwinder":
        if self._unwinder is None:
            from ..arch.unwind import Unwinder
            self._unwinder = Unwinder(self.data, self.bias)
        return self._unwinder


class ImageCache:
    """Images by (guest path, bias)."""

    def __init__(self) -> None:
        self._images: dict[tuple[str, int], Image] = {}

    def get(self, host_path: str, guest_path: str, bias: int) -> Image:
        key = (guest_path, bias)
        img = self._images.get(key)
        if img is None:
            img = self._images[key] = Image(host_path, guest_path, bias)
        return img
