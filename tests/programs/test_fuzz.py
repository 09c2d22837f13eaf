"""Fuzzing in CI, bounded: seeded ELF mutants (tests/fuzz/elf.py) and random debugger
command lines (tests/fuzz/commands.py). Longer runs: the same scripts with --cases."""

from __future__ import annotations

import sys

from helpers import ROOT

sys.path.insert(0, str(ROOT / "tests" / "fuzz"))

import commands  # noqa: E402
import elf  # noqa: E402


def test_elf_mutants() -> None:
    verdicts = elf.run(seed=2026, count=160, jobs=2)
    bad = [v for v in verdicts if v.problem]
    assert not bad, elf.summary(verdicts)
    # the mutants exercise both paths: refusal with a reason, and running to an end
    assert sum(v.refused for v in verdicts) > 30
    assert sum(not v.refused for v in verdicts) > 30


def test_command_sessions() -> None:
    """Random sessions over every command: no traceback, no internal error, no hang."""
    results = commands.run(seed=2026, sessions=8, commands=120, jobs=2)
    assert not any(s.problem for s in results), commands.summary(results)
