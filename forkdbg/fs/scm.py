"""Ancillary data on AF_UNIX sockets (net/core/scm.c): descriptors (SCM_RIGHTS) and
credentials (SCM_CREDENTIALS) that travel with the bytes they were sent with."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..kernel.errors import KernelError

if TYPE_CHECKING:
    from .file import File

SOL_SOCKET, SCM_RIGHTS, SCM_CREDENTIALS = 1, 1, 2
CMSG_HDR = 16  # size_t cmsg_len, int cmsg_level, int cmsg_type
SCM_MAX_FD = 253


def cmsg_align(n: int) -> int:
    return (n + 7) & ~7


@dataclass
class Ancillary:
    """What one send carried besides its bytes: open files (with a reference each, held
    while in flight) and credentials."""

    files: list["File"] = field(default_factory=list)
    creds: tuple[int, int, int] | None = None

    def drop(self) -> None:
        """Never received: the in-flight references go."""
        for f in self.files:
            f.put()
        self.files = []


def parse_control(raw: bytes, lookup, own: tuple[int, int, int]) -> Ancillary:  # type: ignore[no-untyped-def]
    """The control messages of a sendmsg: `lookup(fd)` gives the sender's File (EBADF);
    credentials other than the sender's own are EPERM."""
    anc = Ancillary()
    off = 0
    try:
        while off + CMSG_HDR <= len(raw):
            length, level, kind = struct.unpack_from("<Qii", raw, off)
            if length < CMSG_HDR or off + length > len(raw):
                raise KernelError(Errno.EINVAL)
            data = raw[off + CMSG_HDR:off + length]
            if level != SOL_SOCKET or kind not in (SCM_RIGHTS, SCM_CREDENTIALS):
                raise KernelError(Errno.EINVAL)
            if kind == SCM_RIGHTS:
                n = len(data) // 4
                if not n or len(anc.files) + n > SCM_MAX_FD:
                    raise KernelError(Errno.EINVAL)
                for fd in struct.unpack_from(f"<{n}i", data):
                    anc.files.append(lookup(fd).get())
            else:
                if len(data) < 12:
                    raise KernelError(Errno.EINVAL)
                creds = struct.unpack_from("<iII", data)
                if creds != own:
                    raise KernelError(Errno.EPERM)
                anc.creds = creds
            off += cmsg_align(length)
    except KernelError:
        anc.drop()
        raise
    return anc


def cmsg(kind: int, data: bytes) -> bytes:
    """One control message, padded to the next one's alignment."""
    body = struct.pack("<Qii", CMSG_HDR + len(data), SOL_SOCKET, kind) + data
    return body + b"\0" * (cmsg_align(len(body)) - len(body))
