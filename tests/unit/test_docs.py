"""The README's commands are the ones CI runs."""

from __future__ import annotations

from helpers import ROOT


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text().splitlines()
    blocks = [ln for ln in readme[:12] if ln and not ln.startswith(("```", "#"))]
    install_and_run, test_cmd = blocks[0], blocks[1]
    assert install_and_run.startswith("python3 -m venv .venv && .venv/bin/pip install")
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == test_cmd


def test_commands_md_is_current() -> None:
    from forkdbg.debugger.docs import render
    assert (ROOT / "docs" / "commands.md").read_text() == render()
