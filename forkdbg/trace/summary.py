"""strace -c / -C: the per-syscall summary table (on forkdbg's virtual clock)."""

from __future__ import annotations

from dataclasses import dataclass

from ..abi.sysnums import SYSCALL_NUMBERS


@dataclass
class Row:
    calls: int = 0
    errors: int = 0
    ns: int = 0


class Summary:
    """Counts and times per syscall name."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}

    def add(self, name: str, ns: int, failed: bool) -> None:
        r = self.rows.setdefault(name, Row())
        r.calls += 1
        r.ns += ns
        if failed:
            r.errors += 1

    def render(self, sort_by: str = "time") -> str:
        """The table as strace prints it, rows by time (or -S calls, errors, name, nothing)."""
        total_ns = sum(r.ns for r in self.rows.values())
        lines = ["% time     seconds  usecs/call     calls    errors syscall",
                 "------ ----------- ----------- --------- --------- ----------------"]
        # strace sorts its per-number table stably: ties stay in syscall-number order
        keys = {"time": lambda kv: (-kv[1].ns, _nr(kv[0])),
                "calls": lambda kv: (-kv[1].calls, _nr(kv[0])),
                "errors": lambda kv: (-kv[1].errors, _nr(kv[0])),
                "name": lambda kv: kv[0], "nothing": lambda kv: _nr(kv[0])}
        order = sorted(self.rows.items(), key=keys[sort_by])
        for name, r in order:
            pct = 100.0 * r.ns / total_ns if total_ns else 0.0
            per = r.ns // 1000 // r.calls if r.calls else 0
            err = str(r.errors) if r.errors else ""
            lines.append(f"{pct:6.2f} {r.ns / 1e9:11.6f} {per:11d} {r.calls:9d} {err:>9} {name}")
        lines.append(lines[1])
        calls = sum(r.calls for r in self.rows.values())
        errors = sum(r.errors for r in self.rows.values())
        per = total_ns // 1000 // calls if calls else 0
        lines.append(f"{100.0 if self.rows else 0:6.2f} {total_ns / 1e9:11.6f} {per:11d} "
                     f"{calls:9d} {errors if errors else '':>9} total")
        return "\n".join(lines) + "\n"


def _nr(name: str) -> int:
    return SYSCALL_NUMBERS.get(name, 1 << 20)
