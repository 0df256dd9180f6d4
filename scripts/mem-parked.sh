#!/usr/bin/env bash
# Memory per parked request: N concurrent requests parked, 1 worker each, on
# goresty and on nginx + lua; peak RSS sampled every 0.25 s.
#   bash scripts/mem-parked.sh [N] [sleep|upstream]     (default 10000 sleep; needs wrk, nginx, python3)
# sleep:    the handler waits in ngx.sleep(5);
# upstream: the handler waits on a cosocket to a RESP server (python3, here)
#           that answers 5 s after each request. Each request then holds two
#           descriptors: N is limited to (ulimit -n)/2 minus a margin.
# Prints "server idle_kb peak_kb per_request_kb completed".
set -u
N=${1:-10000}
MODE=${2:-sleep}
BIN=${GORESTY_BIN:-bin/goresty}
WORK=$(mktemp -d)
trap 'kill $(cat $WORK/*/logs/*.pid 2>/dev/null) $SLOW 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf $WORK' EXIT
SLOW=
FDS=$((N + 1000))
[ "$MODE" = upstream ] && FDS=$((2 * N + 100))
ulimit -n "$FDS" 2>/dev/null || { echo "need ulimit -n >= $FDS (have $(ulimit -Hn))" >&2; exit 1; }
SLOWPORT=$((${PORT_BASE:-18401} + 2))
if [ "$MODE" = upstream ]; then
	cat >"$WORK/slow.py" <<'PY'
import asyncio, sys
async def serve(reader, writer):
    try:
        while True:
            # one RESP command per request: *2 $3 GET $1 k = 5 lines
            for _ in range(5):
                if not await reader.readline():
                    return
            await asyncio.sleep(5)
            writer.write(b"$4\r\nslow\r\n")
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()
async def main():
    srv = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]), backlog=20000)
    async with srv:
        await srv.serve_forever()
asyncio.run(main())
PY
	python3 "$WORK/slow.py" $SLOWPORT &
	SLOW=$!
	sleep 0.5
fi
handler() {
	if [ "$MODE" = upstream ]; then
		cat <<LUA
local sock = ngx.socket.tcp()
sock:settimeout(10000)
local ok, err = sock:connect("127.0.0.1", $SLOWPORT)
if not ok then ngx.status = 500 ngx.say("connect: ", err) return end
sock:send("*2\r\n\$3\r\nGET\r\n\$1\r\nk\r\n")
local line, err = sock:receive()
if not line then ngx.status = 500 ngx.say("recv: ", err) return end
local val = sock:receive(tonumber(line:sub(2)) + 2)
sock:setkeepalive(10000, $N)
ngx.say(val)
LUA
	else
		echo 'ngx.sleep(5) ngx.say("slept")'
	fi
}
conf() { # name port
	mkdir -p "$WORK/$1/logs"
	cat >"$WORK/$1/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
worker_processes 1; daemon off; master_process off; pid logs/x.pid;
worker_rlimit_nofile $FDS;
error_log logs/error.log error;
events { worker_connections $((2 * N + 100)); }
http { access_log off;
  server { listen 127.0.0.1:$2 backlog=$N;
    location = /park { content_by_lua_block { $(handler) } } } }
CONF
}
measure() { # name port pid
	local peak=0 idle r
	idle=$(awk '/VmRSS/{print $2}' /proc/$3/status)
	wrk -t2 -c"$N" -d${DUR:-8s} --timeout 12s "http://127.0.0.1:$2/park" >"$WORK/$1.wrk" 2>&1 &
	local wp=$!
	for _ in $(seq 36); do
		r=$(awk '/VmRSS/{print $2}' /proc/$3/status)
		[ "$r" -gt "$peak" ] && peak=$r
		sleep 0.25
	done
	wait $wp
	echo "$1 $idle $peak $(( (peak - idle) / N )) $(awk '/requests in/{print $1}' "$WORK/$1.wrk") $(grep -E 'Non-2xx|Socket errors' "$WORK/$1.wrk" | tr -s ' ' | tr '\n' ' ')"
}
P=${PORT_BASE:-18401}
conf goresty $P
conf nginx $((P + 1))
# one server at a time: the other's pooled upstream connections would
# count against the slow server's descriptors
"$BIN" -p "$WORK/goresty/" -c nginx.conf &
gp=$!
sleep 1
measure goresty $P $gp
kill $gp
wait $gp 2>/dev/null
sleep 1
nginx -p "$WORK/nginx/" -c nginx.conf &
np=$!
sleep 1
measure nginx $((P + 1)) $np
kill $np
