"""AddressSpace: one unicorn engine, its areas (Vmas), brk and the mmap allocator.

Hooks on the engine only record what stopped it (a Trap) and stop it; the kernel
acts on the trap outside the emulator (DESIGN.md section 2).  Guest memory lives
in host buffers (hostmem.Backing) mapped with ``mem_map_ptr``, one engine region
per Vma, so the kernel copies to and from the guest with one memmove.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import unicorn
from unicorn import unicorn_const as U

from ..arch import uc_compat
from . import anon, engine
from .hostmem import PAGE, Backing, memmove, string_at
from .vma import PROT_EXEC, PROT_READ, PROT_WRITE, Vma

if TYPE_CHECKING:
    from .fork import ShellPool

TASK_SIZE = 0x7FFFFFFFF000
STACK_TOP = TASK_SIZE
STACK_SIZE = 8 << 20
MMAP_BASE = 0x7FFFF7FFF000
VDSO_BASE = STACK_TOP - STACK_SIZE - 0x10000  # [vdso], between the stack and the mmap area
MMAP_MIN = 0x10000
HEAP_RESERVE = 1 << 30


def page_up(n: int) -> int:
    return (n + PAGE - 1) & ~(PAGE - 1)


def page_down(n: int) -> int:
    return n & ~(PAGE - 1)


class Fault(Exception):
    """A guest address the kernel touched is not mapped with the needed access (EFAULT)."""

    def __init__(self, addr: int) -> None:
        super().__init__(f"bad guest address {addr:#x}")
        self.addr = addr


class NoMemory(Exception):
    """No room in the address space for a mapping (ENOMEM)."""


@dataclass
class Trap:
    """Why the engine stopped: 'syscall', 'fault', 'intr', 'invalid', 'breakpoint', 'watch'."""

    kind: str
    addr: int = 0
    access: int = 0
    size: int = 0
    value: int = 0
    intno: int = 0
    old: bytes | None = None  # a watched store: the bytes it overwrites (read before it)


_ACCESS = {U.UC_MEM_READ_UNMAPPED: "read", U.UC_MEM_WRITE_UNMAPPED: "write",
           U.UC_MEM_FETCH_UNMAPPED: "fetch", U.UC_MEM_READ_PROT: "read",
           U.UC_MEM_WRITE_PROT: "write", U.UC_MEM_FETCH_PROT: "fetch"}


def access_name(access: int) -> str:
    """'read', 'write' or 'fetch' for a unicorn memory access code."""
    return _ACCESS.get(access, "access")


def is_unmapped_access(access: int) -> bool:
    return access in (U.UC_MEM_READ_UNMAPPED, U.UC_MEM_WRITE_UNMAPPED, U.UC_MEM_FETCH_UNMAPPED)


class AddressSpace:
    """A process's memory: areas, brk and one engine to run its threads."""

    def __init__(self, parked: bool = False) -> None:
        self.uc: unicorn.Uc | None = None
        self.ref: engine.EngineRef | None = None  # set with the engine
        self.parked = parked  # no engine until a thread of the space runs
        self.released = False  # the last user exited or exec'd
        self.vmas: list[Vma] = []
        self._starts: list[int] = []
        self.brk_start = 0
        self.brk = 0
        self.mmap_base = MMAP_BASE
        self.users = 0
        self.mapped = 0  # bytes of all areas (kernel/oom.py)
        self.trap: Trap | None = None
        self.loaded: object | None = None  # the task whose registers are in the engine
        self.skip_break: int | None = None
        self._code_hooks: dict[int, int | None] = {}  # address -> hook (None while parked)
        self.watch: dict[int, list] = {}  # address -> code watchers (kernel/watch.py)
        self.watch_muted = False  # finishing the instruction a watchpoint stopped
        self.watch_hooks = 0  # memory hooks in place (a space with some is never parked)
        self.load_bias = 0  # where a static-pie image was placed
        self.vdso = (0, 0)  # [vdso]'s range: calls made from there are the vDSO's
        self.membarrier = 0  # the expedited membarrier commands registered
        self.auxv: list[tuple[int, int]] = []
        self.start_args = (0, 0, 0)  # argv, envp and the number of variables on the first stack
        if not parked:
            self.uc = engine.new_engine(self)

    # ------------------------------------------------------- the engine side
    def add_code_hook(self, addr: int) -> None:
        """Stop the engine before the instruction at `addr` runs (a breakpoint).  User
        code never runs at or above TASK_SIZE: such a breakpoint needs no hook."""
        if 0 <= addr < TASK_SIZE:
            engine.add_code_hook(self, addr)

    def remove_code_hook(self, addr: int) -> None:
        engine.remove_code_hook(self, addr)

    def add_watch_hook(self, begin: int, size: int, access: str) -> int:
        """Stop around accesses to [begin, begin+size) (a watchpoint; only while set)."""
        return engine.add_watch_hook(self, begin, size, access)

    def remove_hook(self, handle: int) -> None:
        """Undo add_watch_hook."""
        if self.uc is not None:
            self.uc.hook_del(handle)
            self.watch_hooks -= 1

    def code_hooks(self) -> list[int]:
        """Addresses that have a breakpoint hook."""
        return list(self._code_hooks)

    def park(self) -> None:
        """Give the engine back while every thread sleeps (memory kept; engine rebuilt later)."""
        engine.park(self)

    def unpark(self) -> None:
        engine.unpark(self)

    def engine(self) -> unicorn.Uc:
        """The engine, rebuilt first if the space was parked."""
        if self.uc is None:
            engine.unpark(self)
        assert self.uc is not None, "address space released"
        return self.uc

    # ----------------------------------------------------------------- areas
    def find(self, addr: int) -> Vma | None:
        """The area containing `addr`."""
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0:
            v = self.vmas[i]
            if addr < v.end:
                return v
        return None

    def _insert(self, v: Vma) -> None:
        i = bisect.bisect_left(self._starts, v.start)
        self.vmas.insert(i, v)
        self._starts.insert(i, v.start)
        self.mapped += v.size
        if self.uc is not None:
            engine.map_vma(self.uc, v)

    def _adopt(self, v: Vma) -> None:
        """Add an area the engine already maps (a recycled engine's)."""
        i = bisect.bisect_left(self._starts, v.start)
        self.vmas.insert(i, v)
        self._starts.insert(i, v.start)
        self.mapped += v.size

    def _remove(self, v: Vma) -> None:
        i = bisect.bisect_left(self._starts, v.start)
        if i >= len(self.vmas) or self.vmas[i] is not v:
            i = next(j for j, w in enumerate(self.vmas) if w is v)
        del self.vmas[i]
        del self._starts[i]
        self.mapped -= v.size
        if self.uc is not None:
            self.uc.mem_unmap(v.start, v.size)

    def overlapping(self, start: int, end: int) -> list[Vma]:
        """Areas that intersect [start, end)."""
        i = max(bisect.bisect_right(self._starts, start) - 1, 0)
        out = []
        for v in self.vmas[i:]:
            if v.start >= end:
                break
            if v.end > start:
                out.append(v)
        return out

    def is_free(self, start: int, end: int) -> bool:
        return not self.overlapping(start, end)

    def find_free(self, length: int, below: int | None = None) -> int:
        """The highest free range of `length` bytes below the mmap base (Linux's top-down search)."""
        top = self.mmap_base if below is None else below
        for v in reversed(self.vmas):
            if v.start >= top:
                continue
            if v.end <= top - length:
                return top - length
            top = min(top, v.start)
        if top - length >= MMAP_MIN:
            return top - length
        raise NoMemory()

    def map(self, start: int, length: int, prot: int, *, shared: bool = False,
            name: str = "", data: bytes | memoryview | None = None, backing: Backing | None = None,
            boff: int = 0, file_off: int = 0, inode: int = 0, dev: int = 0) -> Vma:
        """Map [start, start+length) (page-aligned), replacing whatever was there."""
        length = page_up(length)
        self.unmap(start, length)
        if backing is None and not data and not shared and not name and not inode:
            return anon.map_anonymous(self, start, length, prot)
        if backing is None:
            backing = Backing(length)
            boff = 0
            if data:
                memmove(backing.addr, bytes(data), len(data))
        v = Vma(start, start + length, prot, shared, backing.get(), boff, name, file_off,
                inode, dev)
        self._insert(v)
        return v

    def unmap(self, start: int, length: int) -> None:
        """Remove mappings in [start, start+length), splitting areas at the edges."""
        end = start + page_up(length)
        for v in self.overlapping(start, end):
            self._remove(v)
            if v.start < start:
                self._insert(v.piece(v.start, start))
            if v.end > end:
                self._insert(v.piece(end, v.end))
            v.backing.put()

    def protect(self, start: int, length: int, prot: int) -> None:
        """Change protection of [start, start+length); Fault if any page there is unmapped."""
        end = start + page_up(length)
        covered = start
        for v in self.overlapping(start, end):
            if v.start > covered:
                raise Fault(covered)
            covered = v.end
        if covered < end:
            raise Fault(covered)
        for v in self.overlapping(start, end):
            lo, hi = max(v.start, start), min(v.end, end)
            if v.prot == prot:
                continue
            self._remove(v)
            if v.start < lo:
                self._insert(v.piece(v.start, lo))
            mid = v.piece(lo, hi)
            mid.prot = prot
            if prot & PROT_WRITE and not mid.shared and mid.backing.refs > 1 and mid.inode >= 0:
                mid = self._private_copy(mid)
            self._insert(mid)
            if v.end > hi:
                self._insert(v.piece(hi, v.end))
            v.backing.put()
        self._merge_around(start, end)

    def _private_copy(self, v: Vma) -> Vma:
        """`v` moved onto its own copy of its bytes (before a shared read-only page is written)."""
        nb = Backing(v.size)
        for off, n in v.backing.resident_runs(v.boff, v.size):
            memmove(nb.addr + off - v.boff, v.backing.addr + off, n)
        v.backing.put()
        v.backing = nb.get()
        v.boff = 0
        return v

    def make_private(self, addr: int) -> None:
        """Give the area at `addr` its own bytes if it shares them privately (before a forced write)."""
        v = self.find(addr)
        if v is not None and not v.shared and v.backing.refs > 1:
            self._remove(v)
            self._insert(self._private_copy(v))

    def _merge_around(self, start: int, end: int) -> None:
        i = max(bisect.bisect_right(self._starts, start) - 2, 0)
        while i < len(self.vmas) - 1:
            a, b = self.vmas[i], self.vmas[i + 1]
            if a.start > end:
                break
            if (a.end == b.start and a.prot == b.prot and a.shared == b.shared
                    and a.backing is b.backing and a.boff + a.size == b.boff and a.name == b.name):
                self._remove(a)
                self._remove(b)
                merged = Vma(a.start, b.end, a.prot, a.shared, a.backing, a.boff, a.name,
                             a.file_off, a.inode, a.dev)
                b.backing.put()
                self._insert(merged)
                continue
            i += 1

    def iter_vmas(self) -> Iterator[Vma]:
        return iter(list(self.vmas))

    # ------------------------------------------------------------------- brk
    def setup_brk(self, start: int) -> None:
        """Place the program break at `start` (page-aligned end of the image)."""
        self.brk_start = self.brk = start

    def set_brk(self, new: int) -> int:
        """brk(2), as Linux's: move the end of the area that ends at the break, whatever is
        mapped over that area's start or middle (musl's malloc puts a PROT_NONE guard over
        the heap's first page).  Growing needs [break, new) free and a page of gap after
        it; a break below the program's is refused.  Returns the break."""
        if new < self.brk_start:
            return self.brk
        old_top, new_top = page_up(self.brk), page_up(new)
        if new_top < old_top:
            heap = self.find(new_top)
            if heap is not None and heap.name == "[heap]" and not heap.shared:
                # the same host memory may be grown into again: it must read as zeros
                lo, hi = new_top, min(old_top, heap.end)
                heap.backing.discard(heap.boff + lo - heap.start, hi - lo)
            self.unmap(new_top, old_top - new_top)
        elif new_top > old_top:
            if self.overlapping(old_top, new_top + PAGE):
                return self.brk  # a mapping in the way, or no guard gap before it
            if not self._grow_heap(old_top, new_top):
                return self.brk
        self.brk = new
        return self.brk

    def _grow_heap(self, old_top: int, new_top: int) -> bool:
        """Extend the heap area ending at `old_top` in place if its host memory has room,
        else map a new heap area [old_top, new_top)."""
        prev = self.find(old_top - 1) if old_top > self.brk_start else None
        if (prev is not None and prev.end == old_top and prev.name == "[heap]"
                and not prev.shared and prev.prot == PROT_READ | PROT_WRITE
                and prev.boff + new_top - prev.start <= prev.backing.size):
            self._remove(prev)
            prev.end = new_top
            self._insert(prev)
            return True
        size = new_top - old_top
        try:
            backing = Backing(max(HEAP_RESERVE, size))
        except MemoryError:
            return False
        self.map(old_top, size, PROT_READ | PROT_WRITE, name="[heap]", backing=backing)
        return True

    def is_heap(self, v: Vma) -> bool:
        """Whether /proc/PID/maps calls `v` [heap]: it meets (start of the break, break]."""
        return v.start <= self.brk and v.end > self.brk_start

    # ---------------------------------------------------------------- access
    def _span(self, addr: int, n: int, need: int, force: bool) -> list[tuple[int, int]]:
        """Host (address, length) pieces for guest [addr, addr+n), checking `need` access."""
        out = []
        end = addr + n
        while addr < end:
            v = self.find(addr)
            if v is None or (not force and (v.prot & need) != need):
                raise Fault(addr)
            k = min(end, v.end) - addr
            out.append((v.host + addr - v.start, k))
            addr += k
        return out

    def read(self, addr: int, n: int, force: bool = False) -> bytes:
        """Guest bytes [addr, addr+n); Fault when not readable."""
        if n <= 0:
            return b""
        v = self.find(addr)
        if v is not None and addr + n <= v.end and (force or v.prot & PROT_READ):
            return string_at(v.host + addr - v.start, n)
        return b"".join(string_at(h, k) for h, k in self._span(addr, n, PROT_READ, force))

    def write(self, addr: int, data: bytes, force: bool = False) -> None:
        """Store `data` at guest `addr`; Fault when not writable (force: the debugger's poke)."""
        if not data:
            return
        if force:
            for a in range(page_down(addr), addr + len(data), PAGE):
                self.make_private(a)
        pos = 0
        code = False
        for h, k in self._span(addr, len(data), PROT_WRITE, force):
            memmove(h, data[pos:pos + k], k)
            pos += k
        for v in self.overlapping(addr, addr + len(data)):
            code = code or bool(v.prot & PROT_EXEC)
        if code and self.uc is not None:
            self.uc.ctl_remove_cache(page_down(addr), page_up(addr + len(data)))

    def check(self, addr: int, n: int, need: int = PROT_READ) -> None:
        """Fault unless [addr, addr+n) is mapped with `need` access."""
        if n > 0:
            self._span(addr, n, need, False)

    def read_u64(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, 8), "little")

    def read_u32(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, 4), "little")

    def write_u64(self, addr: int, value: int) -> None:
        self.write(addr, (value & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little"))

    def write_u32(self, addr: int, value: int) -> None:
        self.write(addr, (value & 0xFFFFFFFF).to_bytes(4, "little"))

    def read_cstr(self, addr: int, limit: int = 4096) -> bytes:
        """A NUL-terminated string at `addr` (without the NUL); Fault if it runs off the map."""
        out = bytearray()
        while len(out) < limit:
            v = self.find(addr)
            if v is None or not v.prot & PROT_READ:
                raise Fault(addr)
            chunk = string_at(v.host + addr - v.start, min(v.end - addr, 256, limit - len(out)))
            i = chunk.find(b"\0")
            if i >= 0:
                out += chunk[:i]
                return bytes(out)
            out += chunk
            addr += len(chunk)
        return bytes(out)

    def readable_prefix(self, addr: int, n: int) -> bytes:
        """As many bytes of [addr, addr+n) as are readable (for tracers: never faults)."""
        out = bytearray()
        while n > 0:
            v = self.find(addr)
            if v is None or not v.prot & PROT_READ:
                break
            k = min(n, v.end - addr)
            out += string_at(v.host + addr - v.start, k)
            addr += k
            n -= k
        return bytes(out)

    # ------------------------------------------------------------ lifecycle
    def fork(self, pool: "ShellPool | None" = None) -> "AddressSpace":
        """A fork child's copy of this space (mm/fork.py)."""
        from .fork import fork_space
        return fork_space(self, pool)

    def detach(self) -> None:
        """Forget the engine and areas (a ShellPool took them): the space is released."""
        self.uc = self.ref = None
        self.vmas, self._starts = [], []
        self.mapped = 0
        self._code_hooks.clear()
        self.watch.clear()
        self.loaded = None
        self.parked = False
        self.released = True

    def release(self) -> None:
        """Close the engine and free the areas (the last user exited or exec'd)."""
        if self.uc is not None:
            uc_compat.dispose(self.uc)  # its regions go with it: no unmapping one by one
        for v in self.vmas:
            v.backing.put()
        self.detach()

    def resident_bytes(self) -> int:
        """Host bytes held for this space's private areas (for `info cow` and benchmarks)."""
        total = 0
        for v in self.vmas:
            for _off, n in v.backing.resident_runs(v.boff, v.size):
                total += n
        return total
