"""`forkdbg trace --tree`: the process tree of a run, as text and as data.

A ProcessTree listens to the kernel's TaskCreated, Exec and TaskExited events and keeps,
for every process and thread the run made: its pid, who made it and how (fork, vfork,
clone with its flags, a thread), what it exec'd, how it ended and when, on the virtual
clock.  `render` draws it as `pstree` would, with those facts on each line; `as_dict`
gives the same for `--json`'s final event.  The first process is the root; a process
whose parent is not in the tree (the virtual init) hangs from the root's level.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..abi.clone import CLONE_FLAGS, CLONE_THREAD
from ..abi.signals import signal_name
from ..kernel.clock import BOOT_MONOTONIC_NS
from ..kernel.events import Exec, TaskCreated, TaskExited

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task


@dataclass
class Node:
    """One process (or, as a child of one, a thread)."""

    pid: int
    thread: bool
    how: str  # "start", "fork", "vfork", "clone", "clone3", "thread"
    flags: int
    start_ns: int
    execs: list[tuple[str, list[bytes]]] = field(default_factory=list)
    end_ns: int | None = None
    status: str = "running"
    children: list["Node"] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"pid": self.pid, "thread": self.thread, "how": self.how,
                "flags": CLONE_FLAGS.render(self.flags & ~0xFF) if self.flags else "",
                "execs": [{"path": p, "argv": [a.decode(errors="replace") for a in argv]}
                          for p, argv in self.execs],
                "status": self.status, "start_ns": self.start_ns, "end_ns": self.end_ns,
                "children": [c.as_dict() for c in self.children]}


class ProcessTree:
    """The tree of one run, kept from the kernel's events."""

    def __init__(self, kernel: "Kernel") -> None:
        self.k = kernel
        self.nodes: dict[int, Node] = {}
        self.roots: list[Node] = []
        first = kernel.first
        if first is not None and first.leader is not None:
            root = Node(first.tgid, False, "start", 0, kernel.clock.mono_ns)
            if first.exe and not first.launcher:  # the path as it was given
                root.execs.append((first.exec_path or first.exe, list(first.argv)))
            self.nodes[first.tgid] = root
            self.roots.append(root)
        bus = kernel.bus
        bus.subscribe(TaskCreated, self.on_created)
        bus.subscribe(Exec, self.on_exec)
        bus.subscribe(TaskExited, self.on_exited)

    def on_created(self, e: TaskCreated) -> None:
        thread = bool(e.flags & CLONE_THREAD)
        how = "thread" if thread else e.via
        node = Node(e.child.tid, thread, how, e.flags, self.k.clock.mono_ns)
        self.nodes[e.child.tid] = node
        parent = self.nodes.get(e.parent.tg.tgid)  # a thread hangs from its process
        (parent.children if parent is not None else self.roots).append(node)

    def on_exec(self, e: Exec) -> None:
        node = self.nodes.get(e.task.tg.tgid)
        if node is not None:
            node.execs.append((e.path, list(e.argv)))

    def on_exited(self, e: TaskExited) -> None:
        task: "Task" = e.task
        node = self.nodes.get(task.tid)
        if node is None:
            return
        if not node.thread and not e.group_exit:
            return  # a leader's own thread ended; the process lives while others run
        node.end_ns = self.k.clock.mono_ns
        if e.superseded_by:
            node.status = f"superseded by {e.superseded_by}'s execve"
        elif e.sig:
            node.status = f"killed by {signal_name(e.sig)}" + (" (core dumped)" if e.core
                                                               else "")
        else:
            node.status = f"exited {e.code}"

    # ---------------------------------------------------------------- output
    def render(self) -> str:
        """The tree as text, one line per process and thread."""
        lines: list[str] = []
        for root in self.roots:
            lines.append(self._line(root))
            self._below(root, "", lines)
        return "\n".join(lines) + "\n" if lines else ""

    def _below(self, node: Node, prefix: str, lines: list[str]) -> None:
        for i, child in enumerate(node.children):
            last = i == len(node.children) - 1
            lines.append(prefix + ("└─ " if last else "├─ ") + self._line(child))
            self._below(child, prefix + ("   " if last else "│  "), lines)

    def _line(self, n: Node) -> str:
        parts = [str(n.pid), _how(n)]
        for path, argv in n.execs:
            parts.append(f"exec {path} {_argv(argv)}")
        parts.append(n.status)
        end = n.end_ns if n.end_ns is not None else self.k.clock.mono_ns
        parts.append(f"{_ms(n.start_ns - BOOT_MONOTONIC_NS)}–"
                     f"{_ms(end - BOOT_MONOTONIC_NS)} ms")
        return "  ".join(parts)

    def as_dict(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.roots]


def _how(n: Node) -> str:
    """How the task was made, short: `fork`, `vfork`, `thread`, `clone(VM|FS)`."""
    if n.how in ("start", "fork", "vfork", "thread"):
        return n.how
    names, _rest = CLONE_FLAGS.split(n.flags & ~0xFF)
    short = "|".join(x.removeprefix("CLONE_") for x in names)
    return f"{n.how}({short})" if short else n.how


def _argv(argv: list[bytes], most: int = 6, width: int = 40) -> str:
    """``["tr", "a", "b"]``: the first arguments, each cut to `width` characters."""
    def one(a: bytes) -> str:
        t = a.decode(errors="replace")
        return json.dumps(t if len(t) <= width else t[:width] + "...", ensure_ascii=False)
    items = [one(a) for a in argv[:most]] + (["..."] if len(argv) > most else [])
    return "[" + ", ".join(items) + "]"


def _ms(ns: int) -> str:
    return f"{ns / 1e6:.3f}"
