#!/usr/bin/env bash
# Soak of pooled cosocket requests (issue 5): N requests of the W5 shape
# (connect to a private redis-server, RESP "GET k", receive, setkeepalive(10000, 100))
# through goresty with 2 workers, then checks that nothing leaked.
#   make build && bash scripts/soak.sh [N]     (default 100000; needs wrk, redis-server, curl, ss)
# Records goroutines (net/http/pprof via GORESTY_PPROF), established TCP connections from
# goresty to redis and RSS before the soak, 2 s after it, and after the pool's 10 s idle
# timeout, prints a table, and exits 1 if
#   - fewer than N requests completed, or any failed (non-2xx, socket errors, bad body),
#   - goroutines after > before + SLACK (default 10),
#   - redis connections ever exceed pool size x workers (sampled during the soak too),
#   - idle pooled connections are not closed by their idle timeout,
#   - the error log has [error] or worse.
# Env: GORESTY_BIN (bin/goresty), PORT (18421; PORT+1 redis, PORT+2 pprof), SLACK, CONNS (50).
set -u
N=${1:-100000}
BIN=${GORESTY_BIN:-bin/goresty}
PORT=${PORT:-18421}
RPORT=$((PORT + 1))
PPORT=$((PORT + 2))
SLACK=${SLACK:-10}
CONNS=${CONNS:-50}
WORKERS=2
POOL=100
WORK=$(mktemp -d)
gp='' rp=''
cleanup() {
	[ -n "$gp" ] && kill "$gp" 2>/dev/null
	[ -n "$rp" ] && kill "$rp" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
for t in wrk redis-server redis-cli curl ss; do
	command -v $t >/dev/null || { echo "soak: $t not found" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "soak: $BIN not found (make build)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

mkdir -p "$WORK/logs"
cat >"$WORK/nginx.conf" <<CONF
worker_processes $WORKERS; daemon off; master_process off; pid logs/goresty.pid;
error_log logs/error.log warn;
events { worker_connections 4096; }
http { access_log off;
  server { listen 127.0.0.1:$PORT;
    location = /redis {
      content_by_lua_block {
        local sock = ngx.socket.tcp()
        sock:settimeout(2000)
        local ok, err = sock:connect("127.0.0.1", $RPORT)
        if not ok then ngx.status = 500 ngx.say("connect: ", err) return end
        local _, err = sock:send("*2\r\n\$3\r\nGET\r\n\$1\r\nk\r\n")
        if err then ngx.status = 500 ngx.say("send: ", err) return end
        local line, err = sock:receive()
        if not line then ngx.status = 500 ngx.say("recv: ", err) return end
        local n = tonumber(string.sub(line, 2))
        local val, err = sock:receive(n + 2)
        if not val then ngx.status = 500 ngx.say("recv: ", err) return end
        local ok, err = sock:setkeepalive(10000, $POOL)
        if not ok then ngx.status = 500 ngx.say("setkeepalive: ", err) return end
        ngx.say(string.sub(val, 1, n))
      }
    }
  }
}
CONF

# wrk: each thread stops after its share of N responses; done() reports
# responses that were not 200 "soak" (a 200 with a wrong body counts too).
cat >"$WORK/soak.lua" <<'LUA'
local threads = {}
function setup(thread)
	thread:set("share", tonumber(os.getenv("SOAK_SHARE")))
	table.insert(threads, thread)
end
function init() limit, seen, bad = share, 0, 0 end
function response(status, headers, body)
	seen = seen + 1
	if status ~= 200 or body ~= "soak\n" then bad = bad + 1 end
	if seen == limit then
		-- wrk's main thread sleeps for the whole -d even when every thread
		-- stopped: tell the script, which interrupts it with SIGINT
		io.open(os.getenv("SOAK_DIR") .. "/stopped." .. tostring(wrk.thread):gsub("%W", ""), "w"):close()
		wrk.thread:stop()
	end
end
function done(summary, latency, requests)
	local b = 0
	for _, t in ipairs(threads) do b = b + t:get("bad") end
	print("soak_bad " .. b)
end
LUA

redis-server --save '' --appendonly no --bind 127.0.0.1 --port "$RPORT" --daemonize no \
	--dir "$WORK" >"$WORK/redis.log" 2>&1 &
rp=$!
for _ in $(seq 50); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$RPORT" set k soak >/dev/null || { echo "soak: redis did not start" >&2; cat "$WORK/redis.log" >&2; exit 2; }

GORESTY_PPROF=127.0.0.1:$PPORT "$BIN" -p "$WORK/" -c nginx.conf >"$WORK/stderr.log" 2>&1 &
gp=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PPORT/debug/pprof/" >/dev/null 2>&1 &&
	[ "$(curl -s "http://127.0.0.1:$PORT/redis" 2>/dev/null)" = soak ] && break; sleep 0.1; done
[ "$(curl -s "http://127.0.0.1:$PORT/redis")" = soak ] || {
	echo "soak: goresty did not start or /redis does not answer" >&2
	cat "$WORK/stderr.log" "$WORK/logs/error.log" >&2
	exit 2
}

goroutines() { curl -s "http://127.0.0.1:$PPORT/debug/pprof/goroutine?debug=1" | awk 'NR==1{print $4}'; }
redis_conns() { ss -Htnp state established "( dport = :$RPORT )" 2>/dev/null | grep -c "pid=$gp,"; }
rss_kb() { awk '/VmRSS/{print $2}' "/proc/$gp/status"; }
snap() { echo "$(goroutines) $(redis_conns) $(rss_kb)"; }

read -r g0 c0 r0 <<<"$(snap)"
accepted() { redis-cli -p "$RPORT" info stats | awk -F: '/total_connections_received/{print $2 + 0}'; }
a0=$(accepted) # counts its own connection

threads=2
SOAK_DIR=$WORK SOAK_SHARE=$(( (N + threads - 1) / threads )) wrk -t$threads -c"$CONNS" -d600s \
	--timeout 5s -s "$WORK/soak.lua" "http://127.0.0.1:$PORT/redis" >"$WORK/wrk.out" 2>&1 &
wp=$!
peak=0
while kill -0 $wp 2>/dev/null; do
	c=$(redis_conns)
	[ "$c" -gt "$peak" ] && peak=$c
	if [ "$(ls "$WORK" | grep -c '^stopped\.')" -ge $threads ]; then
		kill -INT $wp
		break
	fi
	sleep 0.2
done
wait $wp
wrc=$?
sleep 2
read -r g1 c1 r1 <<<"$(snap)"
[ "$c1" -gt "$peak" ] && peak=$c1
sleep 9 # the pooled connections' idle timeout is 10 s, counted from their last use
read -r g2 c2 r2 <<<"$(snap)"

done_n=$(awk '/requests in/{print $1}' "$WORK/wrk.out")
non2xx=$(awk '/Non-2xx/{print $NF}' "$WORK/wrk.out")
sockerr=$(awk '/Socket errors/{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i} END{print s + 0}' "$WORK/wrk.out")
took=$(awk '/requests in/{sub(",", "", $4); print $4}' "$WORK/wrk.out")
rps=$(awk '/Requests\/sec/{printf "%d", $2}' "$WORK/wrk.out")
errlines=$(grep -cE '\[(error|crit|alert|emerg)\]' "$WORK/logs/error.log" 2>/dev/null)
opened=$(( $(accepted) - a0 - 1 ))
: "${done_n:=0}" "${non2xx:=0}" "${sockerr:=0}" "${errlines:=0}"

printf '%-34s %12s %12s %12s\n' "" "before" "after +2s" "after +11s"
printf '%-34s %12s %12s %12s\n' "goroutines" "$g0" "$g1" "$g2"
printf '%-34s %12s %12s %12s\n' "redis connections (established)" "$c0" "$c1" "$c2"
printf '%-34s %12s %12s %12s\n' "RSS (KB)" "$r0" "$r1" "$r2"
echo
echo "requests completed: $done_n (wanted >= $N) in ${took:-?}, $rps req/s, wrk -t$threads -c$CONNS, exit $wrc"
echo "non-2xx: $non2xx  socket errors: $sockerr  error log [error]+ lines: $errlines"
echo "redis connections: peak $peak (limit $((POOL * WORKERS)) = pool $POOL x $WORKERS workers), $opened opened during the soak"

fail=0
bad() { echo "FAIL: $*"; fail=1; }
[ "$wrc" -eq 0 ] || bad "wrk exited $wrc"
[ "$done_n" -ge "$N" ] || bad "only $done_n of $N requests completed"
[ "$non2xx" -eq 0 ] || bad "$non2xx non-2xx responses"
[ "$sockerr" -eq 0 ] || bad "$sockerr socket errors"
badbody=$(awk '/soak_bad/{print $2}' "$WORK/wrk.out")
[ "${badbody:-x}" = 0 ] || bad "${badbody:-?} responses were not 200 \"soak\""
[ "$g1" -le $((g0 + SLACK)) ] || bad "goroutines $g0 before, $g1 after (slack $SLACK)"
[ "$peak" -le $((POOL * WORKERS)) ] || bad "$peak connections to redis (pool $POOL x $WORKERS workers)"
[ "$c2" -eq 0 ] || bad "$c2 pooled connections still open after their 10 s idle timeout"
[ "$errlines" -eq 0 ] || { bad "error log:"; grep -E '\[(error|crit|alert|emerg)\]' "$WORK/logs/error.log" | head -5; }
if [ "$fail" -ne 0 ]; then
	echo "--- wrk output"
	cat "$WORK/wrk.out"
	exit 1
fi
echo "PASS"
