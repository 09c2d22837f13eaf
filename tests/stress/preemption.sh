#!/usr/bin/env bash
# The preemption stress, unbounded: each program N times (default 200) under forkdbg with
# a 1 us time slice (thousands of preemption points per run), optionally beside busy host
# loops, counting the runs whose output differs from the native run's.  The test suite
# runs a bounded form (tests/programs/test_preemption.py); docs/performance.md has the
# figures of a full run.
#
#   tests/stress/preemption.sh [N] [BUSY_LOOPS]
set -u
cd "$(dirname "$0")/../.."
N=${1:-200}
BUSY=${2:-2}
BIN=samples/bin
FORKDBG=(python3 -m forkdbg run --timeslice 1us)
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
pids=()
for _ in $(seq 1 "$BUSY"); do (while :; do :; done) & pids+=($!); done
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
total=0
failed=0
check() {  # name, then the command (its native output is the reference)
    local name=$1; shift
    local want got bad=0
    want=$("$@" 2>&1)
    for _ in $(seq 1 "$N"); do
        got=$("${FORKDBG[@]}" "$@" 2>&1)
        [ "$got" = "$want" ] || { bad=$((bad + 1)); printf '%s: %s\n' "$name" "$got" | tail -3; }
    done
    printf '%-34s %5d runs, %d failed\n' "$name" "$N" "$bad"
    total=$((total + N))
    failed=$((failed + bad))
}
for libc in glibc musl; do
    check "preempt count ($libc)" "$BIN/$libc/preempt" count 1000000
    check "preempt threadfork ($libc)" "$BIN/$libc/preempt" threadfork 40
    check "preempt forkexec ($libc)" "$BIN/$libc/preempt" forkexec 10 "$BIN/$libc/true"
done
check "busybox 3-stage pipeline x5" /bin/busybox sh -c \
    'for i in 1 2 3 4 5; do /bin/busybox seq 1 3000 | /bin/busybox sort -rn | /bin/busybox head -1; done'
echo "$failed of $total runs failed"
[ "$failed" = 0 ]
