#!/usr/bin/env bash
# icount.sh: instructions per request or per benchmark op, counted by callgrind (user space only).
# This machine's speed drifts by +-30% within minutes; instruction counts do not, so they show
# what a change saves when timings cannot (they do not show cache misses or system time). The same
# binary counts within 1-3% from run to run (randomly seeded maps), so repeat a count for small changes.
#
#   bash scripts/icount.sh server BIN URLPATH [N]   goresty BIN serving PREFIX/nginx.conf on PORT:
#        N requests on one keep-alive connection after a warm-up of 300, counters zeroed between
#        (PREFIX defaults to the goresty prefix ../shared/bench/pair.sh renders; PORT to 18130)
#   bash scripts/icount.sh bench TESTBIN BENCHREGEX [N]   a Go benchmark (go test -c): the
#        difference between N and 2N iterations, divided by N
#
# Needs valgrind (apt-get install valgrind). Go runs with asynchronous preemption off and one P,
# because callgrind does not survive Go's preemption signals.
set -eu
mode=$1 bin=$2 what=$3 n=${4:-1000}
export GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 GOGC=${GOGC:-400}
case $mode in
bench)
	count() {
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" -test.run XXX -test.bench "$what" \
			-test.benchtime "$1"x 2>&1 | awk '/Collected/ {print $4}'
	}
	a=$(count "$n")
	b=$(count $((2 * n)))
	echo "$what: $(((b - a) / n)) instructions/op"
	;;
server)
	prefix=${PREFIX:-/tmp/bars-work/bench/goresty} port=${PORT:-18130}
	out=$(mktemp -d)
	valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" "$bin" -p "$prefix/" -c "$prefix/nginx.conf" \
		>"$out/log" 2>&1 &
	vp=$!
	trap 'kill -KILL $vp 2>/dev/null; rm -rf "$out"' EXIT
	for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$port$what" && break; sleep 0.2; done
	client() {
		python3 - "$port" "$what" "$1" <<'PY'
import http.client, sys
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    c.request("GET", path, headers={"User-Agent": "icount"})
    r = c.getresponse()
    r.read()
    assert r.status == 200, r.status
PY
	}
	client 300
	callgrind_control -z "$vp" >/dev/null 2>&1
	client "$n"
	callgrind_control -d "$vp" >/dev/null 2>&1
	sleep 1
	total=$(grep -hE '^(summary|totals):' "$out"/cg.out.* | head -1 | awk '{print $2}')
	echo "$(basename "$bin") $what: $((total / n)) instructions/request"
	[ -z "${KEEP:-}" ] || cp "$out"/cg.out.* "$KEEP"
	;;
*)
	echo "usage: icount.sh server|bench ..." >&2
	exit 2
	;;
esac
