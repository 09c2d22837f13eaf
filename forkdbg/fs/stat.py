"""struct stat and struct statx as x86-64 Linux lays them out."""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from ..abi.fileflags import S_IFCHR, S_IFIFO

STAT = struct.Struct("<QQQIIIIQqqqqqqqqqqqq")  # 144 bytes
STATX = struct.Struct("<IIQIIIHHQQQQqIiqIiqIiqIiIIIIQQ")  # 0x100 minus spare


@dataclass
class Stat:
    """The fields forkdbg reports for a file."""

    dev: int = 0
    ino: int = 0
    mode: int = 0
    nlink: int = 1
    uid: int = 0
    gid: int = 0
    rdev: int = 0
    size: int = 0
    blksize: int = 4096
    blocks: int = 0
    atime: float = 0.0
    mtime: float = 0.0
    ctime: float = 0.0
    atime_ns: int = 0
    mtime_ns: int = 0
    ctime_ns: int = 0

    @classmethod
    def from_host(cls, st: os.stat_result) -> "Stat":
        return cls(dev=st.st_dev, ino=st.st_ino, mode=st.st_mode, nlink=st.st_nlink,
                   uid=st.st_uid, gid=st.st_gid, rdev=st.st_rdev, size=st.st_size,
                   blksize=st.st_blksize, blocks=st.st_blocks, atime_ns=st.st_atime_ns,
                   mtime_ns=st.st_mtime_ns, ctime_ns=st.st_ctime_ns)

    def pack(self) -> bytes:
        """struct stat (144 bytes)."""
        a, m, c = self.atime_ns, self.mtime_ns, self.ctime_ns
        return STAT.pack(self.dev, self.ino, self.nlink, self.mode, self.uid, self.gid, 0,
                         self.rdev, self.size, self.blksize, self.blocks,
                         a // 10**9, a % 10**9, m // 10**9, m % 10**9, c // 10**9, c % 10**9,
                         0, 0, 0)

    def pack_statx(self, mask: int) -> bytes:
        """struct statx (256 bytes) with the basic fields."""
        def ts(ns: int) -> tuple[int, int, int]:
            return ns // 10**9, ns % 10**9, 0
        body = struct.pack("<IIQIIIH", 0x7FF, self.blksize, 0, self.nlink, self.uid, self.gid,
                           self.mode & 0xFFFF)
        body += b"\0\0"  # spare
        body += struct.pack("<QQQQ", self.ino, self.size, self.blocks, 0)
        for ns in (self.atime_ns, 0, self.ctime_ns, self.mtime_ns):  # atime, btime, ctime, mtime
            body += struct.pack("<qIi", *ts(ns))
        body += struct.pack("<IIII", os.major(self.rdev), os.minor(self.rdev),
                            os.major(self.dev), os.minor(self.dev))
        return body.ljust(256, b"\0")


def char_device(rdev: int, ino: int = 1, mode: int = 0o666) -> Stat:
    """A synthetic character device (for /dev/null and friends)."""
    return Stat(dev=5, ino=ino, mode=S_IFCHR | mode, rdev=rdev, blksize=4096)


def fifo(ino: int) -> Stat:
    """A pipe's stat."""
    return Stat(dev=12, ino=ino, mode=S_IFIFO | 0o600, blksize=4096)


#: the one anon inode that pidfd, eventfd, timerfd, signalfd and epoll files share (Linux 6.1)
ANON_INODE = Stat(dev=14, ino=1, mode=0o600, blksize=4096)
