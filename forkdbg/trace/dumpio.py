"""-e read=FDS and -e write=FDS: hex dumps of the data a call moved, as strace prints them."""

from __future__ import annotations

import struct
from typing import Iterator

from .ctx import Call
from .options import TraceOptions

READS = {"read", "pread64"}
WRITES = {"write", "pwrite64"}
READVS = {"readv", "preadv", "preadv2"}
WRITEVS = {"writev", "pwritev", "pwritev2"}


def hexdump(data: bytes) -> Iterator[str]:
    """`` | 00000  68 65 6c ... 6f  hello... |``: 16 bytes a line, a gap after eight."""
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
        cells = [f"{b:02x} " for b in chunk] + ["   "] * (16 - len(chunk))
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        yield f" | {off:05x}  {''.join(cells[:8])} {''.join(cells[8:])} {text:<16} |"


def dump_lines(o: TraceOptions, c: Call) -> list[str]:
    """The dump lines owed for a finished call `c` (none if it failed or is not chosen)."""
    if c.failed or c.ret is None or c.ret < 0:
        return []
    name, fd = c.name, c.args[0] & 0xFFFFFFFF
    if name in READS and fd in o.dump_read:
        return _buffer(c, c.args[1], c.ret)
    if name in WRITES and fd in o.dump_write:
        return _buffer(c, c.args[1], c.args[2])
    if name in READVS and fd in o.dump_read:
        return _iov(c, c.ret)
    if name in WRITEVS and fd in o.dump_write:
        return _iov(c, None)
    return []


def _buffer(c: Call, addr: int, n: int) -> list[str]:
    data = c.mem(addr, n) if n > 0 else b""
    return list(hexdump(data)) if data else []


def _iov(c: Call, limit: int | None) -> list[str]:
    """Each buffer of the vector (a read's only up to what it returned)."""
    out: list[str] = []
    count = c.args[2] & 0xFFFFFFFF
    for i in range(min(count, 1024)):
        raw = c.mem(c.args[1] + 16 * i, 16)
        if raw is None:
            break
        base, size = struct.unpack("<QQ", raw)
        if limit is not None:
            size = min(size, limit)
            limit -= size
        data = c.mem(base, size) if size else b""
        if data is None:
            break
        out.append(f" * {size} bytes in buffer {i}")
        out += hexdump(data)
        if limit == 0:
            break
    return out
