"""Exact output of `forkdbg trace` for the decoders and options (see cases.py; regen.py rewrites)."""

from __future__ import annotations

import pytest

from cases import CASES
from regen import HERE, run


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    want = (HERE / "cases" / f"{name}.txt").read_text()
    assert run(CASES[name]) == want
