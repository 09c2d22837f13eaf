"""Futexes: wait/wake keyed by address, with bitsets, requeue and virtual-clock timeouts.

Private futexes are keyed by (address space, address); shared ones by the host
address of the page's backing, so MAP_SHARED memory works across processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi.errno import Errno
from ..abi.procflags import (
    FUTEX_BITSET_MATCH_ANY,
    FUTEX_CLOCK_REALTIME,
    FUTEX_CMP_REQUEUE,
    FUTEX_OWNER_DIED,
    FUTEX_PRIVATE_FLAG,
    FUTEX_REQUEUE,
    FUTEX_TID_MASK,
    FUTEX_WAIT,
    FUTEX_WAIT_BITSET,
    FUTEX_WAITERS,
    FUTEX_WAKE,
    FUTEX_WAKE_BITSET,
    FUTEX_WAKE_OP,
    ROBUST_LIST_LIMIT,
)
from ..mm.address_space import Fault
from .errors import Block, KernelError
from .sched import WaitQueue

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task


class Futexes:
    """The kernel's futex hash: key -> queue, and each waiter's bitset."""

    def __init__(self, kernel: "Kernel") -> None:
        self.kernel = kernel
        self.queues: dict[tuple, WaitQueue] = {}
        self.bitsets: dict["Task", int] = {}
        self.keys: dict["Task", tuple] = {}
        #: futex_waitv's sleepers: the keys they wait on, in order, and which one woke them
        self.vkeys: dict["Task", list[tuple]] = {}
        self.woken_index: dict["Task", int] = {}

    def key(self, task: "Task", addr: int, private: bool) -> tuple:
        v = task.mm.find(addr)
        if v is None:
            raise KernelError(Errno.EFAULT)
        if v.shared and not private:
            return ("shared", v.backing.addr + v.boff + (addr - v.start))
        return ("private", id(task.mm), addr)

    def _queue(self, key: tuple) -> WaitQueue:
        q = self.queues.get(key)
        if q is None:
            q = self.queues[key] = WaitQueue("futex")
        return q

    def wait(self, task: "Task", addr: int, val: int, deadline: int | None, bitset: int,
             private: bool) -> int:
        """FUTEX_WAIT[_BITSET]: sleep while *addr == val."""
        if addr & 3:
            raise KernelError(Errno.EINVAL)
        if bitset == 0:
            raise KernelError(Errno.EINVAL)
        reason = task.wake_reason
        if reason == "futex":
            return 0
        if reason == "timeout":
            self._forget(task)
            raise KernelError(Errno.ETIMEDOUT)
        if reason is None:
            cur = task.mm.read_u32(addr)
            if cur != val & 0xFFFFFFFF:
                raise KernelError(Errno.EAGAIN)
        key = self.key(task, addr, private)
        q = self._queue(key)
        self.bitsets[task] = bitset
        self.keys[task] = key
        raise Block([q], deadline=deadline)

    def waitv(self, task: "Task", waiters: list[tuple[int, int, bool]],
              deadline: int | None) -> int:
        """futex_waitv: sleep until any of the (addr, val, private) futexes is woken;
        returns its index (EAGAIN if one no longer holds its value at the start)."""
        reason = task.wake_reason
        if reason == "futex":
            return self.woken_index.pop(task, 0)
        if reason == "timeout":
            self._forget(task)
            raise KernelError(Errno.ETIMEDOUT)
        if reason is None:
            for addr, val, _p in waiters:
                if task.mm.read_u32(addr) != val & 0xFFFFFFFF:
                    raise KernelError(Errno.EAGAIN)
        keys = [self.key(task, addr, private) for addr, _v, private in waiters]
        queues = [self._queue(k) for k in keys]
        self.vkeys[task] = keys
        self.bitsets[task] = FUTEX_BITSET_MATCH_ANY
        raise Block(queues, deadline=deadline)

    def _forget(self, task: "Task") -> None:
        self.bitsets.pop(task, None)
        for key in self.vkeys.pop(task, []):
            q = self.queues.get(key)
            if q is not None:
                q.remove(task)
                if not q.waiters:
                    del self.queues[key]
        key = self.keys.pop(task, None)
        if key is not None:
            q = self.queues.get(key)
            if q is not None:
                q.remove(task)
                if not q.waiters:
                    del self.queues[key]

    def wake(self, task: "Task", addr: int, n: int, bitset: int = FUTEX_BITSET_MATCH_ANY,
             private: bool = True, key: tuple | None = None) -> int:
        """FUTEX_WAKE[_BITSET]: wake up to `n` waiters whose bitset matches."""
        if key is None:
            try:
                key = self.key(task, addr, private)
            except KernelError:
                return 0
        q = self.queues.get(key)
        if q is None:
            return 0
        woken = 0
        for t in list(q.waiters):
            if woken >= n:
                break
            if self.bitsets.get(t, FUTEX_BITSET_MATCH_ANY) & bitset:
                vkeys = self.vkeys.get(t)
                if vkeys is not None:
                    self.woken_index[t] = vkeys.index(key)
                self._forget(t)
                self.kernel.wake(t, "futex")
                woken += 1
        return woken

    def requeue(self, task: "Task", addr: int, n_wake: int, n_requeue: int, addr2: int,
                cmp: int | None, private: bool) -> int:
        """FUTEX_[CMP_]REQUEUE: wake some, move the rest to another futex."""
        if cmp is not None and task.mm.read_u32(addr) != cmp & 0xFFFFFFFF:
            raise KernelError(Errno.EAGAIN)
        key = self.key(task, addr, private)
        key2 = self.key(task, addr2, private)
        woken = self.wake(task, addr, n_wake, private=private, key=key)
        q = self.queues.get(key)
        moved = 0
        if q is not None:
            dst = self._queue(key2)
            for t in list(q.waiters):
                if moved >= n_requeue:
                    break
                q.remove(t)
                dst.add(t)
                if t.sleep is not None:
                    t.sleep.queues = [dst if x is q else x for x in t.sleep.queues]
                self.keys[t] = key2
                moved += 1
            if not q.waiters:
                self.queues.pop(key, None)
        return woken + moved

    def wake_op(self, task: "Task", addr: int, n: int, n2: int, addr2: int, op: int,
                private: bool) -> int:
        """FUTEX_WAKE_OP: *addr2 = op(*addr2); wake n at addr and, if the test holds, n2 at addr2."""
        encoded_op = (op >> 28) & 7
        cmp = (op >> 24) & 15
        oparg = (op >> 12) & 0xFFF
        cmparg = op & 0xFFF
        if (op >> 28) & 8:
            oparg = 1 << oparg
        old = task.mm.read_u32(addr2)
        new = {0: oparg, 1: old + oparg, 2: old | oparg, 3: old & ~oparg, 4: old ^ oparg}.get(encoded_op)
        if new is None:
            raise KernelError(Errno.ENOSYS)
        task.mm.write_u32(addr2, new)
        woken = self.wake(task, addr, n, private=private)
        s_old = old - (1 << 32) if old & 0x80000000 else old
        test = {0: s_old == cmparg, 1: s_old != cmparg, 2: s_old < cmparg, 3: s_old <= cmparg,
                4: s_old > cmparg, 5: s_old >= cmparg}.get(cmp, False)
        if test:
            woken += self.wake(task, addr2, n2, private=private)
        return woken

    def exit_robust_list(self, task: "Task") -> None:
        """A task leaving its address space releases the robust locks it still holds.

        Each entry of the list registered with set_robust_list (and the pending one, a
        lock being taken or dropped when the task died) whose futex word names this task
        gets FUTEX_OWNER_DIED, and one waiter is woken: its next lock returns EOWNERDEAD.
        A bad pointer ends the walk quietly, as in Linux.
        """
        head, _ = task.robust_list
        task.robust_list = (0, 0)
        if not head:
            return
        mm = task.mm
        try:
            entry, offset, pending = (mm.read_u64(head + 8 * i) for i in range(3))
            offset -= (1 << 64) if offset >> 63 else 0
            for _ in range(ROBUST_LIST_LIMIT):
                if entry & ~1 == head:
                    break
                nxt = mm.read_u64(entry & ~1)
                if entry != pending:
                    self._owner_died(task, (entry & ~1) + offset, bool(entry & 1), False)
                entry = nxt
            if pending:
                self._owner_died(task, (pending & ~1) + offset, bool(pending & 1), True)
        except Fault:
            return

    def _owner_died(self, task: "Task", addr: int, pi: bool, pending: bool) -> None:
        """handle_futex_death: mark one robust futex owned by the dead `task`."""
        addr &= (1 << 64) - 1
        if addr & 3:
            return
        word = task.mm.read_u32(addr)
        if pending and not pi and word == 0:
            self.wake(task, addr, 1, private=False)  # it died between unlock and wake
            return
        if word & FUTEX_TID_MASK != task.tid:
            return
        task.mm.write_u32(addr, (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED)
        if not pi and word & FUTEX_WAITERS:
            self.wake(task, addr, 1, private=False)

    def do_futex(self, task: "Task", addr: int, op: int, val: int, timeout_ptr: int, addr2: int,
                 val3: int) -> int:
        """The futex(2) syscall."""
        private = bool(op & FUTEX_PRIVATE_FLAG)
        cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)
        val &= 0xFFFFFFFF
        if cmd in (FUTEX_WAIT, FUTEX_WAIT_BITSET):
            deadline = None
            if timeout_ptr and task.wake_reason is None:
                sec, nsec = task.mm.read_u64(timeout_ptr), task.mm.read_u64(timeout_ptr + 8)
                if nsec >= 10**9 or sec >> 63:
                    raise KernelError(Errno.EINVAL)
                ns = sec * 10**9 + nsec
                clock = self.kernel.clock
                if cmd == FUTEX_WAIT:
                    deadline = clock.now + ns  # relative
                elif op & FUTEX_CLOCK_REALTIME:
                    deadline = ns - clock.realtime_offset
                else:
                    deadline = ns
            bitset = val3 if cmd == FUTEX_WAIT_BITSET else FUTEX_BITSET_MATCH_ANY
            return self.wait(task, addr, val, deadline, bitset & 0xFFFFFFFF, private)
        if cmd in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
            bitset = val3 & 0xFFFFFFFF if cmd == FUTEX_WAKE_BITSET else FUTEX_BITSET_MATCH_ANY
            if bitset == 0:
                raise KernelError(Errno.EINVAL)
            return self.wake(task, addr, val, bitset, private)
        if cmd in (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE):
            # both counts are ints: nr_wake is val, nr_requeue the timeout's low 32 bits
            nr_wake = _s32(val)
            nr_requeue = _s32(timeout_ptr)
            if nr_wake < 0 or nr_requeue < 0:
                raise KernelError(Errno.EINVAL)
            return self.requeue(task, addr, nr_wake, nr_requeue, addr2,
                                val3 if cmd == FUTEX_CMP_REQUEUE else None, private)
        if cmd == FUTEX_WAKE_OP:
            return self.wake_op(task, addr, val, timeout_ptr & 0x7FFFFFFF, addr2, val3, private)
        raise KernelError(Errno.ENOSYS)


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v
