#!/usr/bin/env bash
# ab-cpu.sh URL ROUNDS 'COMMAND A' 'COMMAND B': CPU time per request of two server commands that
# listen on the same URL, started in turn (A, B, A, B, ...) and pinned to CPU 1 with wrk on CPU 0,
# so that the machine's drift hits both alike. Prints each round and the medians.
#   bash scripts/ab-cpu.sh 'http://127.0.0.1:18130/w3?name=bench' 6 \
#       'GOGC=400 /tmp/gr-old -p P/ -c P/nginx.conf' 'GOGC=400 /tmp/gr-new -p P/ -c P/nginx.conf'
set -u
url=$1 rounds=$2 a=$3 b=$4 secs=${SECS:-3}
here=$(cd "$(dirname "$0")" && pwd)
res=$(mktemp)
trap 'rm -f "$res"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null' EXIT
for r in $(seq "$rounds"); do
	for which in A B; do
		cmd=$a
		[ $which = B ] && cmd=$b
		bash -c "exec taskset -c 1 env $cmd" >/dev/null 2>&1 &
		pid=$!
		for _ in $(seq 50); do curl -s -o /dev/null "$url" && break; sleep 0.1; done
		line=$(WRK="taskset -c 0 wrk" bash "$here/cpu-per-request.sh" "$pid" "$url" "$secs")
		kill "$pid"; wait "$pid" 2>/dev/null; pid=
		echo "$which $r $line"
		echo "$which $line" >>"$res"
	done
done
python3 - "$res" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
for w in "AB":
    rs = [r for r in rows if r[0] == w]
    rps = statistics.median(float(r[2]) for r in rs)
    cpu = statistics.median(float(r[4]) + float(r[7]) for r in rs)
    print("%s: median %.0f rps, %.1f us CPU per request (user+system)" % (w, rps, cpu))
PY
