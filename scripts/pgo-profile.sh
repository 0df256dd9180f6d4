#!/usr/bin/env bash
# pgo-profile.sh: regenerates cmd/goresty/default.pgo, the CPU profile `go build` uses for
# profile-guided optimization of the goresty binary (Go's -pgo=auto). The profile is taken while
# wrk loads the kinds of work goresty is benchmarked on: a return, a static file, ngx.say, a shared
# dict, a handler that builds a body with `..` and table.concat, and a pooled cosocket to Redis.
#   bash scripts/pgo-profile.sh        (needs wrk and redis-server; run from the repository)
# Rebuild afterwards (make build) and compare with scripts/icount.sh before committing a new profile.
set -eu
cd "$(dirname "$0")/.."
need() { command -v "$1" >/dev/null || { echo "pgo-profile.sh: $1 is needed" >&2; exit 1; }; }
need wrk
need redis-server
work=$(mktemp -d)
port=18190 rport=16390
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/logs" "$work/html"
head -c 1024 /dev/zero | tr '\0' x >"$work/html/1k.txt"
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
daemon off;
error_log logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    lua_shared_dict d 1m;
    server {
        listen 127.0.0.1:$port;
        location = /return { return 200 "hello\n"; }
        location = /1k.txt { root html; }
        location = /hello { content_by_lua_block { ngx.say("hello") } }
        location = /shdict { content_by_lua_block { ngx.say(ngx.shared.d:incr("k", 1, 0)) } }
        location = /body {
            content_by_lua_block {
                local h = ngx.req.get_headers()
                ngx.header["X-Kind"] = "body"
                local out = { "<p>", ngx.var.arg_name or "-", " ", h["user-agent"] or "-", "</p>" }
                for i = 1, 40 do
                    out[#out + 1] = "<li id=" .. i .. ">item</li>"
                end
                ngx.say(table.concat(out))
            }
        }
        location = /redis {
            content_by_lua_block {
                local sock = ngx.socket.tcp()
                sock:settimeout(1000)
                assert(sock:connect("127.0.0.1", $rport))
                assert(sock:send("*2\r\n\$3\r\nGET\r\n\$1\r\nk\r\n"))
                local line = assert(sock:receive())
                local n = tonumber(line:sub(2))
                local v = sock:receive(n + 2)
                sock:setkeepalive(10000, 100)
                ngx.say(v:sub(1, n))
            }
        }
    }
}
EOF
redis-server --port $rport --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >/dev/null &
go build -o "$work/goresty" ./cmd/goresty
for _ in $(seq 50); do redis-cli -p $rport ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p $rport set k value-from-redis >/dev/null
# exec in a child of its own, so that $! is goresty's PID
env GORESTY_CPUPROFILE="$work/cpu.pprof" GOGC=400 bash -c 'exec "$0" -p "$1/" -c "$1/nginx.conf"' "$work/goresty" "$work" &
pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/return" && break; sleep 0.1; done
for path in /return /1k.txt /hello /shdict '/body?name=pgo' /redis; do
	curl -sf -o /dev/null "http://127.0.0.1:$port$path" || { echo "pgo-profile.sh: $path failed" >&2; exit 1; }
	wrk -t1 -c50 -d5s "http://127.0.0.1:$port$path" | grep Requests/sec | sed "s|^|$path: |"
done
kill -INT $pid
wait $pid || true
cp "$work/cpu.pprof" cmd/goresty/default.pgo
echo "wrote cmd/goresty/default.pgo"
