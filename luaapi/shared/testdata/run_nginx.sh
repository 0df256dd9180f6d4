#!/bin/bash
# Reruns every case on real nginx + lua-nginx-module and rewrites its .out:
#   apt-get install -y nginx libnginx-mod-http-lua lua-resty-core
#   bash luaapi/shared/testdata/run_nginx.sh
# Each case runs once in a fresh nginx whose nginx.conf is nginx.conf.in.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
for lua in "$here"/cases/*.lua; do
  dir=$(mktemp -d)
  mkdir -p "$dir/logs"
  cat "$here/prelude.lua" "$lua" > "$dir/case.lua"
  port=$((20000 + RANDOM % 20000))
  sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" "$here/nginx.conf.in" > "$dir/nginx.conf"
  nginx -p "$dir/" -c "$dir/nginx.conf" &
  pid=$!
  for _ in $(seq 50); do curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$port/ping" && break; sleep 0.1; done
  curl -s --max-time 10 "http://127.0.0.1:$port/" > "${lua%.lua}.out"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  if grep -q '\[error\]' "$dir/logs/error.log"; then grep '\[error\]' "$dir/logs/error.log" >&2; fi
  rm -rf "$dir"
  echo "$(basename "$lua"): $(wc -l < "${lua%.lua}.out") lines"
done
