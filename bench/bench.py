#!/usr/bin/env python3
"""forkdbg's benchmarks: the same static programs natively, under strace -f, under
qemu-x86_64 and under forkdbg, side by side; medians of wall time, user+sys time and peak
memory, with ratios and the targets of docs/performance.md.

    python3 bench/bench.py            # the full run; its tables go into docs/performance.md
    python3 bench/bench.py --quick    # a smoke run (small sizes, one repetition)
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "samples" / "bin"
FORKDBG = [sys.executable, "-m", "forkdbg"]  # the interpreter itself, not a pyenv shim
#: Python caches compiled modules as users' installs do (a PYTHONDONTWRITEBYTECODE
#: environment would recompile forkdbg on every start, ~60 ms)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Measure:
    wall: float
    cpu: float
    rss_kb: int


@dataclass
class Row:
    workload: str
    config: str
    runs: list[Measure] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(m.wall for m in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(m.cpu for m in self.runs)

    @property
    def rss(self) -> int:
        return int(statistics.median(m.rss_kb for m in self.runs))


def launcher() -> list[str]:
    """GNU time (or busybox's) runs each command: the peak memory the kernel reports for a
    child includes what its parent held when it forked, so the forking parent has to be
    small; Python is not (~16 MiB)."""
    for cmd in (["/usr/bin/time"], ["busybox", "time"]):
        if shutil.which(cmd[0]):
            return cmd
    raise SystemExit("bench: needs GNU time (apt-get install time) or busybox")


def measure(argv: list[str], tmp: Path) -> Measure:
    """One run: wall clock, user+sys of the process tree, peak resident memory (KiB) of
    its largest process."""
    out = tmp / "time.out"
    t0 = time.perf_counter()
    p = subprocess.run(launcher() + ["-f", "%U %S %M", "-o", str(out)] + argv,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=ENV)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed with status {p.returncode}")
    user, sys_, rss = out.read_text().split()[-3:]
    return Measure(wall, float(user) + float(sys_), int(rss))


def bench(workload: str, config: str, argv: list[str], reps: int, warmup: bool,
          tmp: Path) -> Row:
    row = Row(workload, config)
    if warmup:
        measure(argv, tmp)
    for _ in range(reps):
        row.runs.append(measure(argv, tmp))
    return row


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def batch_script(tmp: Path, name: str, text: str) -> str:
    p = tmp / name
    p.write_text(text)
    return str(p)


def workloads(quick: bool, tmp: Path) -> list[tuple[str, str, list[str]]]:
    g = BIN / "glibc"
    m = BIN / "musl"
    cpu_rounds = "4000" if quick else "40000"
    calls = "20000" if quick else "200000"
    forks = "300" if quick else "3000"
    spawns = "50" if quick else "300"
    iters = "10000" if quick else "100000"
    hits = "10000" if quick else "100000"
    out: list[tuple[str, str, list[str]]] = []

    def four(name: str, prog: list[str], strace: bool = True, qemu: bool = True,
             fd: list[str] | None = None) -> None:
        out.append((name, "native", prog))
        if strace and have("strace"):
            out.append((name, "strace -f", ["strace", "-f", "-o", "/dev/null"] + prog))
        if qemu and have("qemu-x86_64"):
            out.append((name, "qemu-x86_64", ["qemu-x86_64"] + prog))
        out.append((name, "forkdbg", FORKDBG + (fd or ["trace", "-f", "-o", "/dev/null"]) + prog))

    four("1 cpu-bound (glibc)", [str(g / "cpu"), cpu_rounds])
    four("2 getppid x" + calls, [str(g / "getppid"), calls])
    # what --timeline adds to a traced run (issue 16: at most 25%)
    out.append(("2 getppid x" + calls, "forkdbg, --timeline", FORKDBG + [
        "trace", "-f", "-o", "/dev/null", "--timeline", str(tmp / "timeline.json"),
        str(g / "getppid"), calls]))
    four("3 fork+_exit+wait4 x" + forks + " (glibc)", [str(g / "forks"), forks],
         fd=["run"])
    four("3 fork+_exit+wait4 x" + forks + " (musl)", [str(m / "forks"), forks], fd=["run"])
    four("4 fork+execve x" + spawns, [str(g / "spawnloop"), spawns, str(g / "true")],
         fd=["run"])
    four("5 threads 4x" + iters + " (glibc)", [str(g / "threads"), "4", iters], fd=["run"])
    four("5 threads 4x" + iters + " (musl)", [str(m / "threads"), "4", iters], fd=["run"])
    cpu = [str(g / "cpu"), cpu_rounds]
    out.append(("6 breakpoints", "forkdbg, none", FORKDBG + ["-batch", "-ex", "run", "--args"]
                + cpu))
    # functions the cpu sample contains but never runs (error and wide-character paths)
    never = ["abort", "__libc_fatal", "__assert_fail", "qsort", "__libc_message",
             "__fortify_fail", "__chk_fail", "__strerror_r", "_IO_wdoallocbuf", "__gconv_open"]
    ten = []
    for fn in never:
        ten += ["-ex", f"break {fn}"]
    out.append(("6 breakpoints", "forkdbg, 10 never hit", FORKDBG + ["-batch"] + ten +
                ["-ex", "run", "--args"] + cpu))
    script = batch_script(tmp, "hits.gdb", f"break syscall\nrun\nignore 1 {hits}\ncontinue\n")
    out.append(("6 breakpoints", f"forkdbg, one hit {hits} times", FORKDBG +
                ["-batch", "-x", script, "--args", str(g / "getppid"), hits]))
    four("7 startup: trace hello", [str(g / "hello")], fd=["trace", "-o", "/dev/null"])
    out.append(("8 memory: 100 idle children", "forkdbg", FORKDBG + ["run", str(g / "idlekids"),
                                                                      "100"]))
    out.append(("8 memory: 100 idle children", "forkdbg, hello (baseline)",
                FORKDBG + ["run", str(g / "hello")]))
    # dynamically linked programs of the system, through their interpreter (issue 15);
    # qemu-x86_64 runs what a guest execs natively, so its shell row runs each true
    # under a qemu-x86_64 of its own
    four("11 dynamic start-up: /bin/true", ["/bin/true"], fd=["run"])
    four("12 dynamic: ls -la /usr/bin", ["/bin/ls", "-la", "/usr/bin"], fd=["run"])
    loop = "for i in $(seq 100); do /bin/true; done"
    four("13 dynamic: sh -c, 100 true", ["/bin/sh", "-c", loop], qemu=False, fd=["run"])
    if have("qemu-x86_64"):
        out.append(("13 dynamic: sh -c, 100 true", "qemu-x86_64",
                    ["qemu-x86_64", "/bin/sh", "-c",
                     "for i in $(seq 100); do qemu-x86_64 /bin/true; done"]))
    real = real_programs()
    if real is not None:  # programs built by others (tests/realprogs/fetch.sh)
        four("9 Go: timers, pipes, os/exec", [str(real / "go-basic")], fd=["run"])
        four("10 ruff check one file", [str(real / "ruff"), "check", "--no-cache",
                                         "--select", "F", str(ROOT / "bench" / "bench.py")],
             fd=["run"])
    return out


def real_programs() -> Path | None:
    """The directory tests/realprogs/fetch.sh fills (it builds and downloads once)."""
    p = subprocess.run(["bash", str(ROOT / "tests" / "realprogs" / "fetch.sh")],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print("bench: real programs unavailable:", p.stderr.strip()[-200:], file=sys.stderr)
        return None
    return Path(p.stdout.strip().splitlines()[-1]) / "bin"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    vers = []
    for tool, flag in (("qemu-x86_64", "--version"), ("strace", "-V")):
        if have(tool):
            first = subprocess.run([tool, flag], capture_output=True, text=True).stdout
            vers.append(first.splitlines()[0] if first else tool)
    from importlib import metadata
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; Linux {platform.release()}; "
            f"Python {platform.python_version()}; unicorn {metadata.version('unicorn')}; "
            + "; ".join(vers))


def render(rows: list[Row], reps: int, warmup: bool = True) -> str:
    base: dict[str, Row] = {}
    for r in rows:
        if r.config in ("native",):
            base[r.workload] = r
    qemu = {r.workload: r for r in rows if r.config == "qemu-x86_64"}
    after = " after a warm-up" if warmup else " (no warm-up)"
    lines = [f"Medians of {reps} run(s){after}. Ratios: wall time over the native run "
             "and over qemu-x86_64.", "",
             "| workload | configuration | wall s | user+sys s | peak RSS MiB | x native | x qemu |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        n = base.get(r.workload)
        q = qemu.get(r.workload)
        xn = f"{r.wall / n.wall:.1f}" if n and n.wall else ""
        xq = f"{r.wall / q.wall:.2f}" if q and q.wall else ""
        lines.append(f"| {r.workload} | {r.config} | {r.wall:.3f} | {r.cpu:.3f} | "
                     f"{r.rss / 1024:.1f} | {xn} | {xq} |")
    return "\n".join(lines) + "\n"


def targets(rows: list[Row], quick: bool) -> str:
    """The targets of the benchmark issue, each with the figure this run reached."""
    def get(workload_prefix: str, config: str) -> Row | None:
        for r in rows:
            if r.workload.startswith(workload_prefix) and r.config == config:
                return r
        return None
    out = ["| target | reached | met |", "| --- | --- | --- |"]

    def line(target: str, reached: str, ok: bool | None) -> None:
        out.append(f"| {target} | {reached} | {'yes' if ok else ('no' if ok is False else '-')} |")
    cpu_f, cpu_q = get("1 ", "forkdbg"), get("1 ", "qemu-x86_64")
    if cpu_f and cpu_q:
        ratio = cpu_f.wall / cpu_q.wall
        line("CPU-bound under `forkdbg trace`: at most 2x qemu-x86_64", f"{ratio:.2f}x",
             ratio <= 2.0)
    sys_f, sys_s = get("2 ", "forkdbg"), get("2 ", "strace -f")
    if sys_f and sys_s:
        ratio = sys_f.wall / sys_s.wall
        line("200,000 getppid traced: no slower than strace -f", f"{ratio:.2f}x strace",
             ratio <= 1.0)
    for libc in ("glibc", "musl"):
        f = get("3 ", "forkdbg") if libc == "glibc" else \
            next((r for r in rows if r.workload.startswith("3 ") and "musl" in r.workload
                  and r.config == "forkdbg"), None)
        if f:
            n = int(f.workload.rsplit(" x", 1)[1].split()[0])
            rate = n / f.wall
            line(f"fork+_exit+wait4 ({libc}): at least 1,000 per second", f"{rate:.0f}/s",
                 rate >= 1000)
    for r in rows:
        if r.workload.startswith("5 ") and r.config == "forkdbg":
            line(f"threads ({r.workload[2:]}): at most 0.25 s", f"{r.wall:.3f} s",
                 r.wall <= 0.25 if not quick else None)
    none, ten = get("6 ", "forkdbg, none"), get("6 ", "forkdbg, 10 never hit")
    if none and ten:
        slow = (ten.wall / none.wall - 1) * 100
        line("10 breakpoints not hit: at most 2% slower", f"{slow:+.1f}%", slow <= 2.0)
    st = get("7 ", "forkdbg")
    if st:
        line("startup, `forkdbg trace` of hello: at most 0.3 s", f"{st.wall:.3f} s",
             st.wall <= 0.3)
    for prefix in ("11 ", "12 ", "13 "):
        f, q = get(prefix, "forkdbg"), get(prefix, "qemu-x86_64")
        if f and q:
            ratio = f.wall / q.wall
            line(f"{f.workload[3:]}: within 3x qemu-x86_64", f"{ratio:.2f}x", ratio <= 3.0)
    idle, hello = get("8 ", "forkdbg"), get("8 ", "forkdbg, hello (baseline)")
    if idle and hello:
        each = (idle.rss - hello.rss) / 100 / 1024
        line("100 idle children: at most 1 MiB of resident memory each", f"{each:.2f} MiB",
             each <= 1.0)
    return "\n".join(out) + "\n"


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def write_results(path: Path, text: str) -> None:
    """Put `text` between the markers of `path` (the prose around them stays), or write
    a new file with just the markers and `text`."""
    block = f"{BEGIN}\n{text}{END}"
    old = path.read_text() if path.exists() else ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + block + rest.split(END, 1)[1]
    else:
        new = block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one run, no warm-up")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--output", default=None,
                    help="the Markdown file to put the tables in (between the bench "
                         "markers if it has them; default docs/performance.md for a full "
                         "run, standard output with --only or --config)")
    ap.add_argument("--only", default="", help="run only workloads whose name contains this")
    ap.add_argument("--config", default="",
                    help="run only configurations whose name contains this (e.g. forkdbg)")
    a = ap.parse_args()
    reps = 1 if a.quick else a.reps
    import tempfile
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for workload, config, argv in workloads(a.quick, Path(tmp)):
            if (a.only and a.only not in workload) or (a.config and a.config not in config):
                continue
            row = bench(workload, config, argv, reps, not a.quick, Path(tmp))
            rows.append(row)
            print(f"{workload:<38} {config:<32} wall {row.wall:8.3f}s  cpu {row.cpu:8.3f}s  "
                  f"rss {row.rss / 1024:7.1f} MiB", flush=True)
    text = (f"## Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
            f"{' (quick)' if a.quick else ''}\n\nMachine: {machine()}\n\n"
            + render(rows, reps, not a.quick) + "\n### Targets\n\n" + targets(rows, a.quick))
    output = a.output
    if output is None and not (a.only or a.config):  # a partial run keeps the full tables
        output = str(ROOT / "docs" / "performance.md")
    print()
    print(render(rows, reps, not a.quick))
    print(targets(rows, a.quick))
    if output is not None:
        write_results(Path(output), text)
        print(f"written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
