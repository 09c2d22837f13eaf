#!/usr/bin/env bash
# strace 6.1's own tests for the process family, timers and event descriptors, run with
# STRACE pointing at forkdbg.
#
#   tests/external/strace_suite.sh [--reference] [--jobs N] [TEST...]
#
# Fetches strace's source from Debian's packages (a deb-src entry derived from this
# machine's own apt sources), configures it once with static linking, builds only the
# test programs the chosen tests need, runs them with automake's driver and prints one
# line per test and a summary.  --reference runs the real strace (/usr/bin/strace)
# instead, to see which tests pass on this build at all.  The build is cached in
# $FORKDBG_EXTERNAL (default: build/external in the checkout).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${FORKDBG_EXTERNAL:-$ROOT/build/external}
LISTS=("$ROOT/tests/external/strace_process_family.txt"
       "$ROOT/tests/external/strace_timers_events.txt")
REFERENCE=0
JOBS=$(nproc)
while [ $# -gt 0 ]; do
    case $1 in
        --reference) REFERENCE=1; shift ;;
        --jobs) JOBS=$2; shift 2 ;;
        *) break ;;
    esac
done
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# shellcheck source=tests/external/deb_src.sh
. "$ROOT/tests/external/deb_src.sh"

fetch() {
    [ -d "$CACHE/strace-6.1/tests" ] && return
    mkdir -p "$CACHE"
    deb_src strace
    command -v dpkg-source >/dev/null || $SUDO apt-get install -y -qq dpkg-dev >/dev/null
    (cd "$CACHE" && apt-get source -qq strace >/dev/null 2>&1)
    [ -d "$CACHE/strace-6.1/tests" ] || {
        echo "strace_suite: apt-get source strace gave no strace-6.1 tree" >&2; exit 2; }
}

build() {
    cd "$CACHE/strace-6.1"
    if [ ! -f tests/Makefile ]; then
        ./configure -q --enable-mpers=no --disable-dependency-tracking LDFLAGS=-static \
            >"$CACHE/configure.log" 2>&1
    fi
    make -s -C tests scno.h libtests.a >"$CACHE/build.log" 2>&1
}

fetch
build
cd "$CACHE/strace-6.1/tests"
if [ $# -gt 0 ]; then
    tests=("$@")
else
    mapfile -t tests < <(cat "${LISTS[@]}" | grep -v '^#' | grep .)
fi
# each test's program: its name, less "-..." suffixes until a source exists, and the
# helpers its script runs as ../NAME
progs=()
for t in "${tests[@]}"; do
    n=${t%.test}; n=${n%.gen}; p=$n
    while [ ! -f "$p.c" ] && [ "$p" != "${p%-*}" ]; do p=${p%-*}; done
    [ -f "$p.c" ] && progs+=("$p")
    for h in $(grep -ho '\.\./[a-z_0-9-]*' "$t" | sed 's|\.\./||'); do
        [ -f "$h.c" ] && progs+=("$h")
    done
done
if [ "$REFERENCE" = 1 ]; then
    STRACE=$(command -v strace)
else
    STRACE=$CACHE/forkdbg-strace
    printf '#!/bin/sh\nFORKDBG_PROGNAME="$0" PYTHONPATH=%q${PYTHONPATH:+:$PYTHONPATH} exec %q -m forkdbg trace "$@"\n' \
        "$ROOT" "$(command -v python3)" >"$STRACE"
    chmod +x "$STRACE"
fi
rm -f -- *.trs
# a test's time limit: threads-execve retries for half of it before failing, and the
# qual_fault tests run strace about a hundred times each
slow=() quick=()
for t in "${tests[@]}"; do
    case $t in qual_fault.test|qual_fault-syscall.test) slow+=("$t") ;; *) quick+=("$t") ;; esac
done
check() {  # TIMEOUT TEST...
    local limit=$1; shift
    [ $# -gt 0 ] || return 0
    TIMEOUT_DURATION=$limit make -s -j"$JOBS" -k check TESTS="$*" \
        check_PROGRAMS="$(printf '%s\n' "${progs[@]}" | sort -u | tr '\n' ' ')" \
        STRACE="$STRACE" >>"$CACHE/check.log" 2>&1 || true
}
: >"$CACHE/check.log"
check "${TIMEOUT_DURATION:-60}" "${quick[@]}"
check 900 "${slow[@]}"
pass=0 fail=0 skip=0
for t in "${tests[@]}"; do
    r=$(sed -n 's/^:test-result: //p' "${t%.test}.trs" 2>/dev/null | head -1)
    r=${r:-ERROR}
    printf '%-55s %s\n' "$t" "$r"
    case $r in PASS) pass=$((pass + 1)) ;; SKIP) skip=$((skip + 1)) ;; *) fail=$((fail + 1)) ;; esac
done
echo "$pass passed, $fail failed, $skip skipped"
