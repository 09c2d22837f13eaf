"""Fixtures shared by every test directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import LIBCS  # noqa: E402


@pytest.fixture(params=LIBCS)
def libc(request: pytest.FixtureRequest) -> str:
    """Each test that takes `libc` runs for the glibc and the musl build of its sample."""
    return request.param
