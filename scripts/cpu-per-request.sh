#!/usr/bin/env bash
# cpu-per-request.sh PID URL [SECONDS]: user and system CPU time per request of process PID (all its
# threads) while wrk -t1 -c50 loads URL; reads utime/stime from /proc/PID/stat before and after.
set -eu
pid=$1 url=$2 secs=${3:-4}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
${WRK:-wrk} -t1 -c50 -d$((secs + 2))s "$url" >"$out" &
w=$!
sleep 1
read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
sleep "$secs"
read -r u2 s2 < <(awk '{print $14, $15}' "/proc/$pid/stat")
wait $w
rps=$(awk '/Requests\/sec/ {print $2}' "$out")
awk -v u=$((u2 - u1)) -v s=$((s2 - s1)) -v r="$rps" -v t="$(getconf CLK_TCK)" -v d="$secs" 'BEGIN {
	n = r * d; printf "rps %.0f user %.1f us system %.1f us per request\n", r, u / t / n * 1e6, s / t / n * 1e6 }'
