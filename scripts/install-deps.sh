#!/usr/bin/env bash
# Installs the Debian packages goresty's tests need, when missing.
#   install-deps.sh test    services the test suite talks to
#   install-deps.sh oracle  nginx + lua-nginx-module for `make oracle`
set -euo pipefail
case "${1:-test}" in
test)   pkgs="redis-server memcached nginx libnginx-mod-http-lua libnginx-mod-http-ndk lua-resty-core lua-resty-lrucache lua-cjson" ;;
oracle) pkgs="nginx libnginx-mod-http-lua libnginx-mod-http-ndk lua-resty-core lua-resty-lrucache lua-cjson" ;;
*) echo "usage: $0 test|oracle" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# the packaged services (nginx, redis, memcached) must not start during the
# install: the tests start their own on free loopback ports
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e $policy ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null
	$SUDO chmod +x $policy
	made_policy=1
fi
status=0
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null || status=$?
[ -n "$made_policy" ] && $SUDO rm -f $policy
exit $status
