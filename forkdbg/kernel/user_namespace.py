"""User namespaces, as far as forkdbg has them (Linux's kernel/user_namespace.c).

`unshare(CLONE_NEWUSER)` (or clone's) gives the caller a namespace of its own, owned by
its effective ids, in which it holds every capability (`Cred.enter_user_ns`): enough for
the unprivileged `unshare(CLONE_NEWUSER | CLONE_NEWPID)` that container tools and test
suites make. Ids inside read as the overflow id (65534) until /proc/PID/uid_map and
gid_map say how they map, with Linux's rules for who may write them (once; an
unprivileged writer maps one id, its own, and must first write "deny" to
/proc/PID/setgroups for gid_map).

What forkdbg does not do: capabilities held in a nested namespace count only for what
happens inside it (`Cred.ns_capable`); checks of the machine's own (`Cred.capable`),
file permissions included, see no capability there.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from .errors import KernelError

if TYPE_CHECKING:
    from .cred import Cred

OVERFLOW_ID = 65534
MAX_USER_NS_LEVEL = 32
PROC_USER_INIT_INO = 0xEFFFFFFD
_inodes = itertools.count(0xF0000000)
IdMap = list[tuple[int, int, int]]  # (first inside, first outside, count)


class UserNamespace:
    """One namespace: its owner and its id maps (empty until written)."""

    def __init__(self, parent: "UserNamespace | None" = None, owner: int = 0,
                 group: int = 0) -> None:
        self.parent = parent
        self.level: int = parent.level + 1 if parent is not None else 0
        self.ino = PROC_USER_INIT_INO if parent is None else next(_inodes)
        self.owner, self.group = owner, group
        full: IdMap = [(0, 0, 0xFFFFFFFF)]
        self.uid_map: IdMap = full if parent is None else []
        self.gid_map: IdMap = list(full) if parent is None else []
        self.setgroups_allowed = True

    def is_within(self, other: "UserNamespace") -> bool:
        """Whether this namespace is `other` or nested inside it."""
        ns: UserNamespace | None = self
        while ns is not None:
            if ns is other:
                return True
            ns = ns.parent
        return False

    def _down(self, kid: int, which: str) -> int | None:
        """The id inside this namespace of machine id `kid` (None: unmapped)."""
        if self.parent is None:
            return kid
        outer = self.parent._down(kid, which)
        if outer is None:
            return None
        for first, lower, count in getattr(self, which):
            if lower <= outer < lower + count:
                return first + outer - lower
        return None

    def uid(self, kuid: int) -> int:
        """from_kuid_munged: the uid seen inside, or the overflow uid."""
        got = self._down(kuid, "uid_map")
        return OVERFLOW_ID if got is None else got

    def gid(self, kgid: int) -> int:
        got = self._down(kgid, "gid_map")
        return OVERFLOW_ID if got is None else got


def render_map(m: IdMap) -> bytes:
    """/proc/PID/uid_map's text."""
    return b"".join(b"%10d %10d %10d\n" % e for e in m)


def write_map(ns: UserNamespace, writer: "Cred", which: str, data: bytes) -> None:
    """map_write: parse the lines and allow them as Linux's new_idmap_permitted does
    (`which`: "uid_map" or "gid_map")."""
    if getattr(ns, which) or ns.parent is None:
        raise KernelError(Errno.EPERM)  # written once; the first namespace's is fixed
    entries: IdMap = []
    for line in data.decode(errors="replace").splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise KernelError(Errno.EINVAL)
        first, lower, count = (int(p) for p in parts)
        if count == 0 or first + count > 1 << 32 or lower + count > 1 << 32:
            raise KernelError(Errno.EINVAL)
        entries.append((first, lower, count))
    if not entries or len(entries) > 340:
        raise KernelError(Errno.EINVAL)
    uid = which == "uid_map"
    own = writer.euid if uid else writer.egid
    single = len(entries) == 1 and entries[0][2] == 1 and entries[0][1] == own
    if not (single and (uid or not ns.setgroups_allowed)) \
            and not (writer.user_ns is ns.parent and writer.may_set_ids(uid)):
        raise KernelError(Errno.EPERM)  # CAP_SETUID / CAP_SETGID over the parent
    setattr(ns, which, entries)


#: the machine's first user namespace: ids map to themselves
INIT_USER_NS = UserNamespace()
