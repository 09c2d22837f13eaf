#!/usr/bin/env bash
# gdb 13.1's own tests (DejaGnu .exp files) with forkdbg standing in for gdb.
#
#   tests/external/gdb_suite.sh [--reference] [EXP...]
#
# Fetches gdb's source from Debian's packages (a deb-src entry derived from this machine's
# own apt sources) and unpacks only its testsuite, configures it once, then runs DejaGnu's
# runtest on the chosen .exp files (default: gdb_suite_tests.txt) with GDB pointing at a
# wrapper that starts forkdbg with gdb's prompt.  --reference runs the real gdb instead.
# Prints one line per .exp (passes, failures, unresolved, unsupported), the result of
# every test case, and a summary line.  The unpacked source is cached in $FORKDBG_EXTERNAL
# (default: build/external in the checkout).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${FORKDBG_EXTERNAL:-$ROOT/build/external}
LIST="$ROOT/tests/external/gdb_suite_tests.txt"
REFERENCE=0
while [ $# -gt 0 ]; do
    case $1 in
        --reference) REFERENCE=1; shift ;;
        *) break ;;
    esac
done
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
SRC="$CACHE/gdb-13.1"
BUILD="$CACHE/gdb-testsuite"

# shellcheck source=tests/external/deb_src.sh
. "$ROOT/tests/external/deb_src.sh"

fetch() {
    [ -f "$SRC/gdb/testsuite/configure" ] && return
    mkdir -p "$CACHE"
    deb_src gdb
    (cd "$CACHE" && apt-get source --download-only -qq gdb >/dev/null 2>&1)
    local tarball
    tarball=$(ls "$CACHE"/gdb_13.1.orig.tar.* 2>/dev/null | head -1)
    [ -n "$tarball" ] || { echo "gdb_suite: apt-get source gdb gave no gdb 13.1" >&2; exit 2; }
    # the testsuite and what its configure and Makefile include, not gdb itself
    tar -C "$CACHE" -xf "$tarball" --wildcards 'gdb-13.1/gdb/testsuite' 'gdb-13.1/gdb/*.mk' \
        'gdb-13.1/config.guess' 'gdb-13.1/config.sub' 'gdb-13.1/install-sh'
}

configure() {
    [ -f "$BUILD/site.exp" ] && return
    mkdir -p "$BUILD"
    (cd "$BUILD" && "$SRC/gdb/testsuite/configure" >configure.log 2>&1 &&
        make site.exp >>configure.log 2>&1)
}

command -v runtest >/dev/null || { echo "gdb_suite: runtest (dejagnu) is missing" >&2; exit 2; }
fetch
configure
if [ $# -gt 0 ]; then
    tests=("$@")
else
    mapfile -t tests < <(grep -v '^#' "$LIST" | grep .)
fi
if [ "$REFERENCE" = 1 ]; then
    GDB=$(command -v gdb)
else
    GDB=$BUILD/forkdbg-as-gdb
    printf '#!/bin/sh\nPYTHONPATH=%q${PYTHONPATH:+:$PYTHONPATH} exec %q -m forkdbg -iex "set prompt (gdb) " "$@"\n' \
        "$ROOT" "$(command -v python3)" >"$GDB"
    chmod +x "$GDB"
fi
cd "$BUILD"
rm -f gdb.sum gdb.log
runtest --tool gdb GDB="$GDB" "${tests[@]}" >runtest.log 2>&1 || true
# one line per .exp, then every test case's result
awk '
    /^Running .*\.exp \.\.\./ { n = $2; sub(/.*\/testsuite\//, "", n); order[++k] = n; cur = n; next }
    /^(PASS|FAIL|XFAIL|KFAIL|XPASS|KPASS|UNRESOLVED|UNSUPPORTED|UNTESTED|ERROR):/ {
        r = $1; sub(/:$/, "", r); count[cur, r]++; cases[++m] = $0 }
    END {
        for (i = 1; i <= k; i++) {
            t = order[i]
            printf "%-45s %4d passed %4d failed %4d unresolved %4d unsupported\n", t,
                count[t, "PASS"] + count[t, "XFAIL"] + count[t, "KFAIL"],
                count[t, "FAIL"] + count[t, "XPASS"] + count[t, "KPASS"] + count[t, "ERROR"],
                count[t, "UNRESOLVED"] + count[t, "UNTESTED"], count[t, "UNSUPPORTED"]
            p += count[t, "PASS"] + count[t, "XFAIL"] + count[t, "KFAIL"]
            f += count[t, "FAIL"] + count[t, "XPASS"] + count[t, "KPASS"] + count[t, "ERROR"] \
                + count[t, "UNRESOLVED"] + count[t, "UNTESTED"]
        }
        for (i = 1; i <= m; i++) print "case " cases[i]
        printf "%d passed, %d failed\n", p, f
    }' gdb.sum
