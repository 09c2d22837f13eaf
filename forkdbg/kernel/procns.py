"""/proc/PID/ns/ and the user namespace files: uid_map, gid_map, setgroups.

/proc/PID/ns/NAME are magic links (`pid:[4026531836]`) whose opening gives a namespace
file (fs/nsfs.py).  uid_map and gid_map show the process's user namespace's maps and
take them once (kernel/user_namespace.py); setgroups says whether setgroups(2) may be
used in it, and must be "deny" before an unprivileged process writes its gid_map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..abi.errno import Errno
from ..fs.nsfs import FIXED, NAMES, Namespace, NsFile, link_text
from ..fs.synthetic import SynthNode
from .errors import KernelError
from .pid_namespace import PidNamespace
from .user_namespace import render_map, write_map

if TYPE_CHECKING:
    from .task import Task
    from .thread_group import ThreadGroup

NS_DIR_SLOT = 30  # inode slots under a /proc/PID directory (procfs._ino)


def ns_of(tg: "ThreadGroup", who: "Task", name: str) -> Namespace:
    """The namespace /proc/PID/ns/NAME names for the process."""
    if name == "pid":
        return tg.pid_ns
    if name == "pid_for_children":
        return who.pid_ns_for_children
    if name == "user":
        return who.cred.user_ns
    return FIXED[name][1]


def ns_dir(tg: "ThreadGroup", who: "Task", more: list[str], ino: Callable[[int], int]
           ) -> SynthNode | None:
    """/proc/PID/ns and its links."""
    if not more:
        return SynthNode("dir", ino(NS_DIR_SLOT), children=lambda: list(NAMES),
                         child=lambda n: ns_dir(tg, who, [n], ino))
    if len(more) != 1 or more[0] not in NAMES:
        return None
    name = more[0]
    ns = ns_of(tg, who, name)
    if isinstance(ns, PidNamespace) and ns.level and ns.reaper is None:
        return None  # pidns_for_children_get: nothing until its init exists
    text = link_text(name, ns)
    return SynthNode("link", ino(NS_DIR_SLOT + 1 + NAMES.index(name)), target=text,
                     jump=lambda: NsFile(ns, name, 0, text))


def id_files(who: "Task", what: str, asker: "Task | None", ino: int) -> SynthNode | None:
    """uid_map, gid_map and setgroups of `who`'s user namespace."""
    ns = who.cred.user_ns
    if what in ("uid_map", "gid_map"):
        def write(data: bytes) -> None:
            if asker is None:
                raise KernelError(Errno.EPERM)
            write_map(ns, asker.cred, what, data)
        return SynthNode("file", ino, content=lambda: render_map(getattr(ns, what)),
                         writer=write)
    if what == "setgroups":
        def setgroups(data: bytes) -> None:
            word = data.strip()
            if word not in (b"allow", b"deny"):
                raise KernelError(Errno.EINVAL)
            if word == b"allow" and not ns.setgroups_allowed or ns.gid_map:
                raise KernelError(Errno.EPERM)  # "deny" is for good, and before gid_map
            ns.setgroups_allowed = word == b"allow"
        return SynthNode("file", ino, content=lambda: b"allow\n" if ns.setgroups_allowed
                         else b"deny\n", writer=setgroups)
    return None
