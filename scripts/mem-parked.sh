#!/usr/bin/env bash
# Memory per parked request: N concurrent requests parked in ngx.sleep(5) on
# goresty and on nginx + lua (1 worker each), peak RSS sampled every 0.25 s.
#   bash scripts/mem-parked.sh [N]        (default 10000; needs wrk, nginx)
# Prints "server idle_kb peak_kb per_request_kb completed".
set -u
N=${1:-10000}
BIN=${GORESTY_BIN:-bin/goresty}
WORK=$(mktemp -d)
trap 'kill $(cat $WORK/*/logs/*.pid 2>/dev/null) 2>/dev/null; rm -rf $WORK' EXIT
ulimit -n $((N + 1000)) 2>/dev/null || { echo "need ulimit -n > $N" >&2; exit 1; }
conf() { # name port
	mkdir -p "$WORK/$1/logs"
	cat >"$WORK/$1/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
worker_processes 1; daemon off; master_process off; pid logs/x.pid;
worker_rlimit_nofile $((N + 1000));
error_log logs/error.log error;
events { worker_connections $((N + 100)); }
http { access_log off;
  server { listen 127.0.0.1:$2 backlog=$N;
    location = /sleep { content_by_lua_block { ngx.sleep(5) ngx.say("slept") } } } }
CONF
}
measure() { # name port pid
	local peak=0 idle r
	idle=$(awk '/VmRSS/{print $2}' /proc/$3/status)
	wrk -t2 -c"$N" -d8s --timeout 12s "http://127.0.0.1:$2/sleep" >"$WORK/$1.wrk" 2>&1 &
	local wp=$!
	for _ in $(seq 36); do
		r=$(awk '/VmRSS/{print $2}' /proc/$3/status)
		[ "$r" -gt "$peak" ] && peak=$r
		sleep 0.25
	done
	wait $wp
	echo "$1 $idle $peak $(( (peak - idle) / N )) $(awk '/requests in/{print $1}' "$WORK/$1.wrk")"
}
conf goresty 18401
conf nginx 18402
"$BIN" -p "$WORK/goresty/" -c nginx.conf &
gp=$!
nginx -p "$WORK/nginx/" -c nginx.conf &
np=$!
sleep 1
measure goresty 18401 $gp
measure nginx 18402 $np
kill $gp $np
