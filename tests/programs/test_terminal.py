"""Programs whose standard streams are a terminal (as under gdb's testsuite, a terminal
emulator or tmux): the terminal ioctls copy exactly what Linux copies."""

from __future__ import annotations

import os
import select
import subprocess
import sys

import pytest

from helpers import ROOT


def _on_a_terminal(argv: list[str]) -> tuple[int, str]:
    """Run `argv` with a fresh pseudo-terminal as stdin, stdout and stderr."""
    master, slave = os.openpty()
    try:
        p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
                             env={"PATH": "/usr/bin:/bin", "LANG": "C", "TERM": "dumb",
                                  "PYTHONPATH": str(ROOT)}, start_new_session=True)
        os.close(slave)
        out = b""
        while True:
            ready, _w, _x = select.select([master], [], [], 60)
            if not ready:
                p.kill()
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            out += chunk
        return p.wait(timeout=60), out.decode("utf-8", "replace").replace("\r\n", "\n")
    finally:
        os.close(master)


@pytest.mark.parametrize("prog", ["/usr/bin/stty", "/usr/bin/tty"])
def test_terminal_settings_as_native(prog: str) -> None:
    """stty reads the terminal's settings with TCGETS into the kernel's 36-byte struct
    termios on its stack: writing glibc's 60-byte one smashed the stack (SIGABRT)."""
    if not os.path.exists(prog):
        pytest.skip(f"{prog} is not installed")
    args = ["-a"] if prog.endswith("stty") else []
    native = _on_a_terminal([prog, *args])
    emulated = _on_a_terminal([sys.executable, "-m", "forkdbg", "run", prog, *args])
    assert "stack smashing" not in emulated[1]
    assert emulated[1].replace("/dev/pts/", "PTS").split("PTS")[0] == \
        native[1].replace("/dev/pts/", "PTS").split("PTS")[0]
    assert emulated[0] == native[0]
