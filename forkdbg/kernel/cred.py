"""Credentials (Linux's struct cred): the ids and capabilities of one task.

Each task has its own (a raw setuid changes only the calling thread; glibc makes every
thread call it), copied at clone.  The rules are kernel/sys.c's and
security/commoncap.c's, without user namespaces, securebits or file capabilities:
"privileged" is having the capability in the effective set, and capabilities follow
the uids as cap_task_fix_setuid moves them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from ..abi.errno import Errno
from .errors import KernelError
from .user_namespace import INIT_USER_NS, MAX_USER_NS_LEVEL, UserNamespace

NGROUPS_MAX = 65536
CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID = 0, 1, 2, 3, 4
CAP_KILL, CAP_SETGID, CAP_SETUID = 5, 6, 7
CAP_IPC_OWNER = 15
CAP_SYS_ADMIN, CAP_SYS_NICE, CAP_SYS_RESOURCE, CAP_SYS_TIME = 21, 23, 24, 25
#: the capabilities that follow fsuid (CAP_FS_MASK)
CAP_FS_MASK = sum(1 << c for c in (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
                                   CAP_FOWNER, CAP_FSETID, 9))  # 9: CAP_LINUX_IMMUTABLE
NO_ID = 0xFFFFFFFF  # (uid_t)-1: "leave this one as it is"
ALL_CAPS = (1 << 41) - 1  # CAP_FULL_SET (CAP_LAST_CAP 40)


def host_capabilities() -> int:
    """The capabilities forkdbg itself holds (what a root process here has natively)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16)
    except (OSError, ValueError):
        pass
    return (1 << 41) - 1 if os.geteuid() == 0 else 0


@dataclass
class Cred:
    """real, effective, saved and filesystem user and group ids, groups, capabilities."""

    uid: int
    euid: int
    suid: int
    fsuid: int
    gid: int
    egid: int
    sgid: int
    fsgid: int
    groups: list[int] = field(default_factory=list)
    cap_permitted: int = 0
    cap_effective: int = 0
    cap_inheritable: int = 0
    cap_bounding: int = 0
    user_ns: UserNamespace = INIT_USER_NS

    @classmethod
    def of_host(cls) -> "Cred":
        """The first process's: forkdbg's own ids, and its capabilities if it is root."""
        uid, gid = os.getuid(), os.getgid()
        euid, egid = os.geteuid(), os.getegid()
        caps = host_capabilities()
        root = uid == 0 or euid == 0
        return cls(uid, euid, euid, euid, gid, egid, egid, egid, sorted(set(os.getgroups())),
                   caps if root else 0, caps if euid == 0 else 0, 0, caps)

    def copy(self) -> "Cred":
        return replace(self, groups=list(self.groups))

    def capable(self, cap: int) -> bool:
        """The capability over the machine (in its first user namespace)."""
        return self.user_ns.level == 0 and bool(self.cap_effective >> cap & 1)

    def ns_capable(self, cap: int) -> bool:
        """The capability over the caller's own user namespace."""
        return bool(self.cap_effective >> cap & 1)

    def may_set_ids(self, uid: bool) -> bool:
        """CAP_SETUID (or CAP_SETGID) in the caller's own user namespace."""
        return self.ns_capable(CAP_SETUID if uid else CAP_SETGID)

    def enter_user_ns(self) -> None:
        """unshare(CLONE_NEWUSER): a new namespace owned by the effective ids, with every
        capability inside it."""
        if self.user_ns.level + 1 >= MAX_USER_NS_LEVEL:
            raise KernelError(Errno.EUSERS)
        self.user_ns = UserNamespace(self.user_ns, self.euid, self.egid)
        self.cap_permitted = self.cap_effective = self.cap_bounding = ALL_CAPS
        self.cap_inheritable = 0

    def in_group(self, gid: int) -> bool:
        return gid == self.fsgid or gid in self.groups

    # ------------------------------------------------------------ uids
    def _fix_setuid(self, old: "Cred") -> None:
        """cap_emulate_setxuid and the fsuid rule of cap_task_fix_setuid."""
        was_root = 0 in (old.uid, old.euid, old.suid)
        if was_root and 0 not in (self.uid, self.euid, self.suid):
            self.cap_permitted = self.cap_effective = 0
        if old.euid == 0 and self.euid != 0:
            self.cap_effective = 0
        if old.euid != 0 and self.euid == 0:
            self.cap_effective = self.cap_permitted
        if old.fsuid == 0 and self.fsuid != 0:
            self.cap_effective &= ~CAP_FS_MASK
        elif old.fsuid != 0 and self.fsuid == 0:
            self.cap_effective |= self.cap_permitted & CAP_FS_MASK

    def setuid(self, uid: int) -> None:
        if uid == NO_ID:
            raise KernelError(Errno.EINVAL)
        old = self.copy()
        if self.capable(CAP_SETUID):
            self.uid = self.suid = uid
        elif uid not in (self.uid, self.suid):
            raise KernelError(Errno.EPERM)
        self.euid = self.fsuid = uid
        self._fix_setuid(old)

    def setreuid(self, ruid: int, euid: int) -> None:
        old = self.copy()
        priv = self.capable(CAP_SETUID)
        if ruid != NO_ID:
            if not priv and ruid not in (old.uid, old.euid):
                raise KernelError(Errno.EPERM)
            self.uid = ruid
        if euid != NO_ID:
            if not priv and euid not in (old.uid, old.euid, old.suid):
                raise KernelError(Errno.EPERM)
            self.euid = euid
        if ruid != NO_ID or (euid != NO_ID and euid != old.uid):
            self.suid = self.euid
        self.fsuid = self.euid
        self._fix_setuid(old)

    def setresuid(self, ruid: int, euid: int, suid: int) -> None:
        old = self.copy()
        if not self.capable(CAP_SETUID):
            ids = (old.uid, old.euid, old.suid)
            if any(v != NO_ID and v not in ids for v in (ruid, euid, suid)):
                raise KernelError(Errno.EPERM)
        if ruid != NO_ID:
            self.uid = ruid
        if euid != NO_ID:
            self.euid = euid
        if suid != NO_ID:
            self.suid = suid
        self.fsuid = self.euid
        self._fix_setuid(old)

    def setfsuid(self, uid: int) -> int:
        old = self.copy()
        if uid in (self.uid, self.euid, self.suid, self.fsuid) or self.capable(CAP_SETUID):
            self.fsuid = uid
            self._fix_setuid(old)
        return old.fsuid

    # ------------------------------------------------------------ gids
    def setgid(self, gid: int) -> None:
        if gid == NO_ID:
            raise KernelError(Errno.EINVAL)
        if self.capable(CAP_SETGID):
            self.gid = self.sgid = gid
        elif gid not in (self.gid, self.sgid):
            raise KernelError(Errno.EPERM)
        self.egid = self.fsgid = gid

    def setregid(self, rgid: int, egid: int) -> None:
        old = self.copy()
        priv = self.capable(CAP_SETGID)
        if rgid != NO_ID:
            if not priv and rgid not in (old.gid, old.egid):
                raise KernelError(Errno.EPERM)
            self.gid = rgid
        if egid != NO_ID:
            if not priv and egid not in (old.gid, old.egid, old.sgid):
                raise KernelError(Errno.EPERM)
            self.egid = egid
        if rgid != NO_ID or (egid != NO_ID and egid != old.gid):
            self.sgid = self.egid
        self.fsgid = self.egid

    def setresgid(self, rgid: int, egid: int, sgid: int) -> None:
        if not self.capable(CAP_SETGID):
            ids = (self.gid, self.egid, self.sgid)
            if any(v != NO_ID and v not in ids for v in (rgid, egid, sgid)):
                raise KernelError(Errno.EPERM)
        if rgid != NO_ID:
            self.gid = rgid
        if egid != NO_ID:
            self.egid = egid
        if sgid != NO_ID:
            self.sgid = sgid
        self.fsgid = self.egid

    def setfsgid(self, gid: int) -> int:
        old = self.fsgid
        if gid in (self.gid, self.egid, self.sgid, self.fsgid) or self.capable(CAP_SETGID):
            self.fsgid = gid
        return old

    def setgroups(self, groups: list[int]) -> None:
        if not self.capable(CAP_SETGID):
            raise KernelError(Errno.EPERM)
        self.groups = sorted(set(groups))

    # ------------------------------------------------------------ exec, signals
    def exec(self) -> None:
        """execve of a program without set-id bits: root keeps (regains) what it is
        allowed, anyone else has no capabilities."""
        if self.uid == 0 or self.euid == 0:
            self.cap_permitted = self.cap_bounding | self.cap_inheritable
            self.cap_effective = self.cap_permitted if self.euid == 0 else 0
        else:
            self.cap_permitted = self.cap_effective = 0
        self.suid, self.fsuid = self.euid, self.euid
        self.sgid, self.fsgid = self.egid, self.egid

    def may_signal(self, target: "Cred") -> bool:
        """kill_ok_by_cred: the sender's real or effective uid is the target's real or
        saved uid, or it holds CAP_KILL."""
        return (self.euid in (target.suid, target.uid) or self.uid in (target.suid, target.uid)
                or self.capable(CAP_KILL))
