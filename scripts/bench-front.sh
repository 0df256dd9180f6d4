#!/usr/bin/env bash
# The front end without Lua, side by side in one run: nginx (1 worker),
# a bare Go net/http server (scripts/nethttp) and goresty (1 worker), on
# `return 200 "hello\n"` and a 1 KB static file, wrk -c50, ROUNDS
# alternating rounds of DUR each. Prints median rps, p99 and the ratios.
#   bash scripts/bench-front.sh          (GORESTY_BIN, default bin/goresty; ROUNDS=5 DUR=4s)
set -u
BIN=${GORESTY_BIN:-bin/goresty}
ROUNDS=${ROUNDS:-5}
DUR=${DUR:-4s}
WORK=$(mktemp -d)
PIDS=()
trap 'kill ${PIDS[@]} 2>/dev/null; rm -rf $WORK' EXIT
go build -o "$WORK/nethttp" ./scripts/nethttp || exit 1
mkdir -p "$WORK/www" "$WORK/ngx/logs" "$WORK/gr/logs"
head -c 1024 /dev/zero | tr '\0' 'x' >"$WORK/www/1k.txt"
conf() { # port
	cat <<CONF
worker_processes 1; daemon off; master_process off; pid logs/x.pid;
error_log logs/error.log error;
events { worker_connections 1024; }
http { access_log off; default_type text/plain;
  server { listen 127.0.0.1:$1 backlog=4096; root $WORK/www;
    location = /hello { return 200 "hello\n"; } } }
CONF
}
conf 18511 >"$WORK/ngx/nginx.conf"
conf 18512 >"$WORK/gr/nginx.conf"
nginx -p "$WORK/ngx/" -c nginx.conf & PIDS+=($!)
"$WORK/nethttp" -addr 127.0.0.1:18513 -root "$WORK/www" & PIDS+=($!)
"$BIN" -p "$WORK/gr/" -c nginx.conf & PIDS+=($!)
sleep 1
declare -A PORT=([nginx]=18511 [nethttp]=18513 [goresty]=18512)
for r in $(seq "$ROUNDS"); do
	for path in /hello /1k.txt; do
		for s in nginx nethttp goresty; do
			out=$(wrk -t1 -c50 -d"$DUR" --latency "http://127.0.0.1:${PORT[$s]}$path")
			rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
			p99=$(awk '$1=="99%"{print $2}' <<<"$out")
			echo -e "$r\t$path\t$s\t$rps\t$p99" >>"$WORK/res.tsv"
		done
	done
done
python3 - "$WORK/res.tsv" <<'PY'
import sys, statistics
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
def ms(v):
    v = v.strip()
    for suf, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(suf):
            return float(v[:-len(suf)]) * f
    return float(v)
for path in ("/hello", "/1k.txt"):
    med = {}
    p99 = {}
    for s in ("nginx", "nethttp", "goresty"):
        med[s] = statistics.median(float(r[3]) for r in rows if r[1] == path and r[2] == s)
        p99[s] = statistics.median(ms(r[4]) for r in rows if r[1] == path and r[2] == s)
    # ratios per round, then the median
    def ratio(a, b):
        rs = []
        for rd in sorted({r[0] for r in rows}):
            x = [float(r[3]) for r in rows if r[0] == rd and r[1] == path and r[2] == a]
            y = [float(r[3]) for r in rows if r[0] == rd and r[1] == path and r[2] == b]
            rs.append(x[0] / y[0])
        return statistics.median(rs)
    print(f"{path}: nginx {med['nginx']:.0f} rps p99 {p99['nginx']:.2f} ms | net/http {med['nethttp']:.0f} p99 {p99['nethttp']:.2f} | "
          f"goresty {med['goresty']:.0f} p99 {p99['goresty']:.2f} | goresty/nginx {ratio('goresty','nginx'):.2f}x, "
          f"goresty/net/http {ratio('goresty','nethttp'):.2f}x, p99 goresty/nginx {p99['goresty']/p99['nginx']:.1f}x")
PY
