"""Permission checks against a task's credentials (Linux's generic_permission).

The host checks forkdbg's own access; a guest that dropped root must be refused what
Linux would refuse it, so the checks run on the file's mode and owner as the host
reports them.
"""

from __future__ import annotations

import stat as st_mod
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..kernel.cred import CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
from ..kernel.errors import KernelError

if TYPE_CHECKING:
    from ..kernel.cred import Cred

MAY_EXEC, MAY_WRITE, MAY_READ = 1, 2, 4


def permitted(mode: int, uid: int, gid: int, cred: "Cred", mask: int) -> bool:
    """Whether `cred` may access (`mask`: MAY_*) a file with this mode and owner."""
    if cred.fsuid == uid:
        bits = mode >> 6
    elif cred.in_group(gid):
        bits = mode >> 3
    else:
        bits = mode
    if (bits & mask & 7) == mask & 7:
        return True
    is_dir = st_mod.S_ISDIR(mode)
    if cred.capable(CAP_DAC_OVERRIDE):
        if not mask & MAY_EXEC or is_dir or mode & 0o111:
            return True
    if cred.capable(CAP_DAC_READ_SEARCH):
        if mask == MAY_READ or (is_dir and not mask & MAY_WRITE):
            return True
    return False


def check(mode: int, uid: int, gid: int, cred: "Cred", mask: int) -> None:
    """EACCES unless `permitted`."""
    if not permitted(mode, uid, gid, cred, mask):
        raise KernelError(Errno.EACCES)


def owner_or_capable(uid: int, cred: "Cred") -> bool:
    """inode_owner_or_capable: chmod, utimes with explicit times."""
    return cred.fsuid == uid or cred.capable(CAP_FOWNER)
