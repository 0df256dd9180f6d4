#!/bin/sh
# oracle.sh GROUP (req, var or header): runs testdata/GROUP/server.conf on real nginx + lua-nginx-module
# and writes every request of testdata/GROUP/requests.txt with its response
# to testdata/GROUP/nginx-output.txt. Lines of requests.txt are curl arguments
# where $B is the server's base URL. Date and Server headers are dropped.
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
g=$1
port=${PORT:-$((20000 + $$ % 20000))}
dir=$(mktemp -d)
mkdir -p "$dir/logs" "$dir/conf" "$dir/html"
{
  echo "load_module /usr/lib/nginx/modules/ndk_http_module.so;"
  echo "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;"
  echo "daemon off; master_process off; error_log logs/error.log info; pid logs/nginx.pid;"
  echo "events {}"
  echo "http { access_log off;"
  cat "$here/req/common.conf"
  [ -f "$here/$g/http.conf" ] && cat "$here/$g/http.conf"
  echo "server { listen 127.0.0.1:$port; server_name localhost;"
  cat "$here/$g/server.conf"
  echo "} }"
} > "$dir/conf/nginx.conf"
nginx -p "$dir/" -c "$dir/conf/nginx.conf" &
pid=$!
sleep 0.5
B=http://127.0.0.1:$port
out="$here/$g/nginx-output.txt"
: > "$out"
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue;; esac
  echo "=== $line" >> "$out"
  eval "curl -sS -i $line" 2>&1 | tr -d '\r' | grep -v -e '^Date:' -e '^Server:' >> "$out" || true
  echo >> "$out"
done < "$here/$g/requests.txt"
kill $pid; wait $pid 2>/dev/null || true
echo "=== error.log" >> "$out"
sed -e 's/^[0-9/]* [0-9:]* //' -e 's/[0-9]*#[0-9]*: \*[0-9]* //' "$dir/logs/error.log" | grep -v -e '\[notice\]' >> "$out" || true
rm -rf "$dir"
