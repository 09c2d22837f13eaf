"""Host signals and the wall-clock limit while the emulated machine runs, turned into
exact stops of the machine (shared by `run`, `trace` and the debugger)."""

from __future__ import annotations

import os
import signal
import threading

from .kernel.kernel import Kernel


class Interrupts:
    """Signals to forkdbg while the machine runs, and its wall-clock timeout: a watcher
    thread turns Ctrl-C, SIGTERM and SIGHUP into an exact stop of the machine
    (Kernel.interrupt: Python's own handlers would wait for the engine to return), with
    the reason the front-end answers: "interrupt", "terminate" or "timeout"."""

    REASONS = {signal.SIGINT: "interrupt", signal.SIGTERM: "terminate",
               signal.SIGHUP: "terminate"}
    #: machines running now (inside `with Interrupts`): the TUI gives the program the
    #: keyboard only then
    running = 0

    def __init__(self, kernel: Kernel, timeout: float | None = None) -> None:
        self.kernel = kernel
        self.timeout = timeout
        self._r, self._w = os.pipe()
        os.set_blocking(self._w, False)
        self._old: dict[int, object] = {}
        self._timer: threading.Timer | None = None

    def __enter__(self) -> "Interrupts":
        Interrupts.running += 1
        if self.timeout is not None:
            self._timer = threading.Timer(self.timeout, self.kernel.interrupt, ("timeout",))
            self._timer.daemon = True
            self._timer.start()
        if threading.current_thread() is not threading.main_thread():
            return self
        for sig in self.REASONS:
            self._old[sig] = signal.signal(sig, lambda *_a: None)
        signal.set_wakeup_fd(self._w, warn_on_full_buffer=False)
        threading.Thread(target=self._watch, daemon=True).start()
        return self

    def _watch(self) -> None:
        while True:
            try:
                data = os.read(self._r, 64)
            except OSError:
                return
            if not data:
                return
            for sig, reason in self.REASONS.items():
                if sig in data:
                    self.kernel.interrupt(reason)

    def __exit__(self, *exc: object) -> None:
        Interrupts.running -= 1
        if self._timer is not None:
            self._timer.cancel()
        if self._old:
            signal.set_wakeup_fd(-1)
            for sig, old in self._old.items():
                signal.signal(sig, old)  # type: ignore[arg-type]
        os.close(self._w)
