#!/bin/sh
# Regenerates cases.out and error.log.out from real nginx + lua-nginx-module.

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
cp "$here"/nginx.conf "$here"/cases.lua "$here"/cert.pem "$here"/key.pem "$here"/srv.py "$here"/tls.py "$work"/
mkdir -p "$work"/logs "$work"/conf && mv "$work"/nginx.conf "$work"/conf/
cd "$work"
python3 srv.py 28991 & p1=$!
python3 tls.py 28992 & p2=$!
trap "kill $p1 $p2 2>/dev/null; true" EXIT
sleep 0.5
nginx -p "$work"/ -c conf/nginx.conf & p3=$!
sleep 1
: > "$here"/cases.out
for c in $(grep -o '^function cases\.[a-z_]*' cases.lua | sed 's/function cases\.//'); do
    loc=t; [ "$c" = ssl_noca ] && loc=noca
    echo "== $c" >> "$here"/cases.out
    curl -s "http://127.0.0.1:28990/$loc?case=$c&tcp=28991&udp=28991&closed=28999&tls=28992" >> "$here"/cases.out
done
kill $p3
sleep 0.3
grep -v 'closed keepalive\|\[notice\]\|epoll_wait' logs/error.log | sed 's/^[0-9/: ]*\[/[/; s/#[0-9]*: \*[0-9]*/#/' > "$here"/error.log.out
rm -rf "$work"
