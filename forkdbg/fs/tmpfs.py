"""/dev/shm: the machine's own tmpfs, whatever the root holds there.

POSIX shared memory (shm_open, sem_open) makes files under /dev/shm and maps them
MAP_SHARED.  Every machine gets a private, empty /dev/shm, created on first use: a host
directory of forkdbg's (in the host's /dev/shm when there is one, so it is memory too)
inside a parent only forkdbg's user may enter, removed with the machine.  The walk
(vfs.py) enters it as a mount point, and its ".." leads back to the guest's /dev, so
every path call works there as elsewhere and no guest path reaches the directories
around it.  Its files are ordinary host files: their MAP_SHARED mappings share pages
through the page cache (pagecache.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref

from .hostdir import HostDir

MOUNT_POINT = "/dev/shm"
_HOST_TMPFS = "/dev/shm"


class ShmMount:
    """The machine's /dev/shm, made when a walk first enters it."""

    def __init__(self) -> None:
        self._dir: HostDir | None = None
        self.host_path = ""

    @property
    def made(self) -> bool:
        return self._dir is not None

    def root(self) -> HostDir:
        """A descriptor of its top directory, for a walk to go on from."""
        if self._dir is None:
            base = _HOST_TMPFS if os.access(_HOST_TMPFS, os.W_OK | os.X_OK) else None
            parent = tempfile.mkdtemp(prefix="forkdbg-", dir=base)  # mode 0700
            self.host_path = os.path.join(parent, "shm")
            os.mkdir(self.host_path)
            os.chmod(self.host_path, 0o1777)  # as tmpfs mounts /dev/shm
            weakref.finalize(self, shutil.rmtree, parent, True)
            self._dir = HostDir.open_root(self.host_path, MOUNT_POINT)
        return self._dir.dup()

    def is_root(self, d: HostDir) -> bool:
        return self._dir is not None and d.same(self._dir)

    def guest_path(self, host: str) -> str | None:
        """The guest path of the host path `host` if it lies inside, else None."""
        if not self.host_path:
            return None
        if host == self.host_path:
            return MOUNT_POINT
        if host.startswith(self.host_path + "/"):
            return MOUNT_POINT + host[len(self.host_path):]
        return None
