# Shell features real scripts use; run by each static shell (test_real_programs.py).
# External commands come from the static busybox so the run needs no dynamic loader.
BB=${BB:-/bin/busybox}
echo "pipeline: $(echo hello world | $BB tr a-z A-Z | $BB wc -c)"
x=$( (echo sub; exit 3) ); echo "subshell: $x status $?"
( exit 4 ); echo "status: $?"
$BB cat <<EOT
here-document with $BB expanded
EOT
trap 'echo trapped USR1' USR1
kill -USR1 $$
trap - USR1
$BB sleep 0.05 & pid=$!
wait $pid; echo "waited: $?"
$BB sleep 10 & pid=$!
kill $pid
wait $pid; echo "killed: $?"
$BB printf 'a 1\nb 2\nc 3\n' | while read k v; do echo "read: $k=$v"; done
n=0; while [ $n -lt 3 ]; do n=$((n + 1)); done; echo "loop: $n"
for f in one two; do echo "for: $f"; done
case abc in a*) echo "case: matched";; esac
f() { echo "function: $1"; return 5; }; f arg; echo "returned: $?"
echo "exit trap next"
trap 'echo on exit' EXIT
exit 6
