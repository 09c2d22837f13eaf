"""A seeded ELF mutator and the judge of what forkdbg does with each mutant.

    python3 tests/fuzz/elf.py [--cases N] [--seed S] [--jobs J] [--keep DIR]

Each case takes one of the sample programs and breaks it the way a damaged or
adversarial file is broken: header fields, program headers (type, offsets, addresses,
sizes, alignment), truncation, a PT_INTERP or PT_TLS of odd shape, random bytes in the
headers or the code.  forkdbg runs it under a virtual-time limit and a memory cap.  A
case passes when forkdbg ends on its own within the wall-clock bound, prints no
traceback and no internal error, and either refuses the file (status 2, one line naming
it) or runs it to some end (the program's status, a fault, the time limit).  Its peak
memory is recorded too.  The same seed makes the same mutants.
"""

from __future__ import annotations

import argparse
import os
import random
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "samples/bin/glibc/hello", ROOT / "samples/bin/musl/hello",
           ROOT / "samples/bin/glibc/hello-pie", ROOT / "samples/bin/glibc/threads"]
EDGES = [0, 1, 7, 0x7F, 0x80, 0xFF, 0xFFF, 0x1000, 0x1001, 0x7FFFFFFF, 0x80000000,
         0xFFFFFFFF, 1 << 32, 1 << 47, (1 << 47) - 0x1000, 1 << 63, (1 << 64) - 1,
         (1 << 64) - 0x1000]
PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE, PT_PHDR, PT_TLS = 1, 2, 3, 4, 6, 7
PT_GNU_STACK, PT_GNU_RELRO = 0x6474E551, 0x6474E552
WALL_LIMIT = 60.0  # seconds a case may take before it counts as a hang
RSS_LIMIT_KB = 1 << 20  # 1 GiB: far above what any mutant of these samples needs


@dataclass
class Mutant:
    name: str
    data: bytes
    how: str


@dataclass
class Verdict:
    name: str
    how: str
    status: int
    seconds: float
    rss_kb: int
    problem: str  # "" when the case passed

    @property
    def refused(self) -> bool:
        return self.status == 2


def _phdrs(d: bytearray) -> list[int]:
    """Offsets of the program headers that lie inside the file."""
    phoff = struct.unpack_from("<Q", d, 32)[0]
    n = struct.unpack_from("<H", d, 56)[0]
    return [phoff + 56 * i for i in range(n) if phoff + 56 * (i + 1) <= len(d)]


def _edge(rng: random.Random, d: bytearray) -> int:
    return rng.choice(EDGES + [len(d), len(d) + 1, len(d) - 1, rng.getrandbits(64)])


def _set(d: bytearray, fmt: str, off: int, value: int) -> None:
    width = struct.calcsize(fmt)
    struct.pack_into(fmt, d, off, value & ((1 << (8 * width)) - 1))


EHDR_FIELDS = [("<H", 16, "e_type"), ("<H", 18, "e_machine"), ("<I", 20, "e_version"),
               ("<Q", 24, "e_entry"), ("<Q", 32, "e_phoff"), ("<Q", 40, "e_shoff"),
               ("<H", 52, "e_ehsize"), ("<H", 54, "e_phentsize"), ("<H", 56, "e_phnum"),
               ("<H", 58, "e_shentsize"), ("<H", 60, "e_shnum"), ("<H", 62, "e_shstrndx")]
PHDR_FIELDS = [("<I", 0, "p_type"), ("<I", 4, "p_flags"), ("<Q", 8, "p_offset"),
               ("<Q", 16, "p_vaddr"), ("<Q", 32, "p_filesz"), ("<Q", 40, "p_memsz"),
               ("<Q", 48, "p_align")]


def mutate(rng: random.Random, src: bytes) -> tuple[bytes, str]:
    """One mutant of `src` and what was done to it."""
    d = bytearray(src)
    kind = rng.randrange(9)
    phdrs = _phdrs(d)
    if kind == 0:
        fmt, off, name = rng.choice(EHDR_FIELDS)
        v = _edge(rng, d)
        _set(d, fmt, off, v)
        return bytes(d), f"{name}={v:#x}"
    if kind in (1, 2) and phdrs:
        ph = rng.choice(phdrs)
        fmt, off, name = rng.choice(PHDR_FIELDS)
        if name == "p_type":
            v = rng.choice([PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE, PT_PHDR, PT_TLS,
                            PT_GNU_STACK, PT_GNU_RELRO, 0, 0x70000000, rng.getrandbits(32)])
        elif name == "p_flags":
            v = rng.getrandbits(3)
        else:
            v = _edge(rng, d)
        _set(d, fmt, ph + off, v)
        return bytes(d), f"phdr@{ph:#x}.{name}={v:#x}"
    if kind == 3:
        cut = rng.choice([rng.randrange(len(d)), rng.randrange(4096), 64, 63, 0])
        return bytes(d[:cut]), f"truncated at {cut}"
    if kind == 4 and phdrs:  # make some header a PT_INTERP of odd shape
        ph = rng.choice(phdrs)
        text = rng.choice([b"/nonexistent\0", b"/proc/self/exe\0", b"x" * 5000,
                           b"/lib64/ld-linux-x86-64.so.2\0", b"\0", b""])
        at = rng.randrange(max(1, len(d) - len(text)))
        d[at:at + len(text)] = text
        _set(d, "<I", ph, PT_INTERP)
        _set(d, "<Q", ph + 8, at)
        _set(d, "<Q", ph + 32, rng.choice([len(text), 0, 1 << 40, len(text) + 7]))
        return bytes(d), f"PT_INTERP {text[:20]!r} at {at:#x}"
    if kind == 5 and phdrs:  # a PT_TLS of odd size or alignment
        ph = rng.choice(phdrs)
        _set(d, "<I", ph, PT_TLS)
        field = rng.choice([(32, "p_filesz"), (40, "p_memsz"), (48, "p_align")])
        v = _edge(rng, d)
        _set(d, "<Q", ph + field[0], v)
        return bytes(d), f"PT_TLS {field[1]}={v:#x}"
    if kind == 6 and len(phdrs) >= 2:  # reorder or duplicate headers
        a, b = rng.sample(phdrs, 2)
        if rng.random() < 0.5:
            d[a:a + 56], d[b:b + 56] = d[b:b + 56], d[a:a + 56]
            return bytes(d), f"swapped phdrs {a:#x} {b:#x}"
        d[b:b + 56] = d[a:a + 56]
        return bytes(d), f"phdr {a:#x} copied over {b:#x}"
    if kind == 7:  # random bytes in the headers
        n = rng.randrange(1, 16)
        for _ in range(n):
            d[rng.randrange(min(len(d), 4096))] = rng.getrandbits(8)
        return bytes(d), f"{n} random header bytes"
    n = rng.randrange(1, 64)  # random bytes anywhere (code, data)
    for _ in range(n):
        d[rng.randrange(len(d))] = rng.getrandbits(8)
    return bytes(d), f"{n} random bytes"


def mutant(seed: int, i: int) -> Mutant:
    """Case i of a seed: the same bytes every time, whatever ran before it."""
    rng = random.Random(f"{seed}:{i}")
    src = SOURCES[i % len(SOURCES)]
    data, how = mutate(rng, src.read_bytes())
    return Mutant(f"case{i:05d}-{src.parent.name}-{src.name}", data, how)


def judge(m: Mutant, workdir: Path, keep: bool = False) -> Verdict:
    """Run forkdbg on one mutant; what happened, and whether that was acceptable."""
    path = workdir / m.name
    path.write_bytes(m.data)
    path.chmod(0o755)
    m.data = b""
    try:
        return _judge(m, path, workdir)
    finally:
        if not keep:
            path.unlink()


def _judge(m: Mutant, path: Path, workdir: Path) -> Verdict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-m", "forkdbg", "run", "--vtime-limit", "300ms",
            "--max-memory", "512M", "--timeout", str(WALL_LIMIT / 2), str(path)]
    t0 = time.monotonic()
    status, rss, err = _run_measured(argv, workdir, env)
    seconds = time.monotonic() - t0
    if status is None:
        return Verdict(m.name, m.how, -1, seconds, rss, "hang: no end within the bound")
    text = err.decode("utf-8", "replace")
    lines = text.strip().splitlines()
    problem = ""
    if "Traceback" in text or "internal error" in text.lower():
        problem = "traceback or internal error: " + (lines[-1][:200] if lines else "")
    elif status == 2 and not (lines and lines[-1].startswith("forkdbg: ")):
        problem = "refused without a one-line reason"
    elif status < 0:
        problem = f"forkdbg itself died of signal {-status}"
    elif rss > RSS_LIMIT_KB:
        problem = f"peak memory {rss // 1024} MiB"
    return Verdict(m.name, m.how, status, seconds, rss, problem)


def _run_measured(argv: list[str], cwd: Path, env: dict[str, str]
                  ) -> tuple[int | None, int, bytes]:
    """(exit status or None on a hang, peak RSS in KiB, stderr) of one command."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, cwd=cwd, env=env)
    assert p.stderr is not None
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(
        lambda: p.stderr.read(65536), b"")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    deadline = time.monotonic() + WALL_LIMIT
    while True:
        pid, wstatus, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            p.kill()
            os.wait4(p.pid, 0)
            p.returncode = -9
            reader.join(5)
            return None, 0, b"".join(chunks)
        time.sleep(0.02)
    p.returncode = os.waitstatus_to_exitcode(wstatus)
    reader.join(5)
    return p.returncode, usage.ru_maxrss, b"".join(chunks)


def run(seed: int, count: int, jobs: int, keep: Path | None = None) -> list[Verdict]:
    with tempfile.TemporaryDirectory(prefix="forkdbg-fuzz-") as tmp:
        work = keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(jobs) as pool:  # mutants made one at a time: a forked
            # child's peak RSS starts from its parent's, so the parent stays small
            return list(pool.map(lambda i: judge(mutant(seed, i), work, keep is not None),
                                 range(count)))


def summary(verdicts: list[Verdict]) -> str:
    refused = sum(v.refused for v in verdicts)
    ran = len(verdicts) - refused
    bad = [v for v in verdicts if v.problem]
    slowest = max(verdicts, key=lambda v: v.seconds)
    lines = [f"{len(verdicts)} mutants: {refused} refused with a reason, {ran} ran to an end, "
             f"{len(bad)} problems; slowest {slowest.seconds:.1f} s ({slowest.name}: "
             f"{slowest.how}); largest peak RSS {max(v.rss_kb for v in verdicts) // 1024} MiB"]
    lines += [f"  {v.name}: {v.how}: {v.problem}" for v in bad]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", type=Path, default=None, help="write the mutants here")
    ns = ap.parse_args()
    verdicts = run(ns.seed, ns.cases, ns.jobs, ns.keep)
    print(summary(verdicts))
    return 1 if any(v.problem for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
