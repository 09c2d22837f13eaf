"""keystone, run where its bugs cannot reach the debugger.

keystone is a C library that loops for ever on some malformed text (`!!'a'` is one) and
can allocate without bound on others, so each `assemble` forks a child that alone loads
keystone, under a CPU-time alarm and a data-size limit, and reads its answer from a pipe.
A fork of the debugger costs a few milliseconds; `patch` is typed, not looped.
"""

from __future__ import annotations

import os
import resource
import signal

SECONDS = 2
"""CPU seconds (and wall-clock alarm) one assembly may take."""
MEMORY = 256 << 20
"""Bytes of data the child may allocate beyond what it inherits."""
MAX_TEXT = 64 << 10
"""Longest text handed to keystone."""
_OK, _ERROR = b"+", b"-"


class AsmError(Exception):
    """keystone could not assemble the text (or gave up within its bounds)."""


def assemble(text: str, addr: int) -> bytes:
    """Assemble Intel-syntax `text` (instructions separated by ';' or newlines) at `addr`."""
    if len(text) > MAX_TEXT:
        raise AsmError(f"text longer than {MAX_TEXT} characters")
    if "\0" in text:
        raise AsmError("text contains a NUL character")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is its answer
        os.close(r)
        _child(w, text, addr)
    os.close(w)
    try:
        with os.fdopen(r, "rb") as f:
            answer = f.read()
    finally:
        _reap(pid)
    if answer[:1] == _OK and len(answer) > 1:
        return answer[1:]
    if answer[:1] == _ERROR:
        raise AsmError(answer[1:].decode(errors="replace") or "no instructions")
    raise AsmError(f"keystone gave up (over {SECONDS} s or {MEMORY >> 20} MiB)")


def _reap(pid: int) -> None:
    """Wait for the child, killing it first if the parent was interrupted."""
    try:
        os.waitpid(pid, 0)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise


def _child(w: int, text: str, addr: int) -> None:
    """Assemble in the forked child, write the answer and leave without cleanup."""
    status = 1
    try:
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.alarm(SECONDS + 1)
        resource.setrlimit(resource.RLIMIT_CPU, (SECONDS, SECONDS + 1))
        resource.setrlimit(resource.RLIMIT_DATA, (_data_now() + MEMORY,) * 2)
        answer = _OK + _keystone(text, addr)
    except AsmError as e:
        answer = _ERROR + str(e).encode()
    except BaseException:  # noqa: BLE001 - a child must never return into the debugger
        answer = b""
    try:
        view = memoryview(answer)
        while view:
            view = view[os.write(w, view):]
        status = 0
    finally:
        os._exit(status)


def _keystone(text: str, addr: int) -> bytes:
    import keystone
    try:
        enc, _n = keystone.Ks(keystone.KS_ARCH_X86, keystone.KS_MODE_64).asm(text, addr)
    except keystone.KsError as e:
        raise AsmError(str(e)) from None
    if not enc:
        raise AsmError("no instructions")
    return bytes(enc)


def _data_now() -> int:
    """This process's data segment size (VmData), which RLIMIT_DATA counts."""
    with open("/proc/self/status", "rb") as f:
        for line in f:
            if line.startswith(b"VmData:"):
                return int(line.split()[1]) * 1024
    return 0
