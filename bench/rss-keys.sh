#!/usr/bin/env bash
# bench/rss-keys.sh — resident memory with many small keys: a standalone RaftKV node against redis-server, in one run.
#
# Starts both on free loopback ports in one temporary folder (redis-server without persistence, as bench/run.sh's
# redis-no; RaftKV standalone with its defaults), loads KEYS keys (16-byte keys, 64-byte values, the shape of
# bench/run.sh's 1M-key row) into each with redis-cli --pipe, and prints VmRSS idle and loaded, the load time, and the
# ratio ours/redis of the loaded and of the growth. Then deletes all but a quarter of the keys (redis-cli --pipe of
# DELs) and prints VmRSS again: the memory a mass delete gives back.
# Settings (env): KEYS (10000000), KEEP=1 keeps the temp folder.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
KEYS="${KEYS:-10000000}"
work="$(mktemp -d /tmp/raftkv-rss.XXXXXX)"
pids=()
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
for tool in redis-server redis-cli; do
  command -v "$tool" >/dev/null || { echo "rss-keys.sh: $tool not found" >&2; exit 1; }
done
[ -d "$root/server/target/lib" ] || { echo "rss-keys.sh: build first (mvn -o -q package -DskipTests)" >&2; exit 1; }

free_base 2; redis_port=$((BASE + 1)); ours_port=$((BASE + 2))
mkdir -p "$work/redis" "$work/ours"
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --save '' --appendonly no \
  --daemonize no --logfile "$work/redis/redis.log" &
pids+=($!)
"$root/bin/raftkv-server" --port "$ours_port" --dir "$work/ours" >"$work/ours/server.log" 2>&1 &
pids+=($!)
wait_ping "$redis_port"
wait_ping "$ours_port"
sleep 2 # the idle figure after start-up settles
declare -A PID=([redis]="${pids[0]}" [ours]="${pids[1]}") PORT=([redis]="$redis_port" [ours]="$ours_port")
rss_mib() { awk '$1=="VmRSS:" {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
sets() { awk -v n="$KEYS" 'BEGIN{v=sprintf("%064d",0); gsub(/0/,"v",v); for(i=0;i<n;i++) printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$64\r\n%s\r\n", i, v}'; }
dels() { awk -v n="$KEYS" 'BEGIN{for(i=int(n/4);i<n;i++) printf "*2\r\n$3\r\nDEL\r\n$16\r\nkey:%012d\r\n", i}'; }

declare -A IDLE LOADED LOAD_S AFTER
for s in redis ours; do
  IDLE[$s]=$(rss_mib "${PID[$s]}")
  t0=$(date +%s%N)
  sets | redis-cli -p "${PORT[$s]}" --pipe >"$work/load-$s.out" 2>&1
  t1=$(date +%s%N)
  grep -q 'errors: 0' "$work/load-$s.out" || { log "load into $s had errors:"; cat "$work/load-$s.out" >&2; }
  sleep 2
  keys=$(redis-cli -p "${PORT[$s]}" DBSIZE)
  [ "$keys" = "$KEYS" ] || log "$s holds $keys keys, not $KEYS"
  LOADED[$s]=$(rss_mib "${PID[$s]}")
  LOAD_S[$s]=$(( (t1 - t0) / 1000000 ))
  dels | redis-cli -p "${PORT[$s]}" --pipe >"$work/del-$s.out" 2>&1
  sleep 5 # the key space merges emptied shards as it goes; let the allocator hand memory back
  AFTER[$s]=$(rss_mib "${PID[$s]}")
  log "$s: $keys keys, VmRSS ${IDLE[$s]} -> ${LOADED[$s]} MiB in ${LOAD_S[$s]} ms; after deleting 3/4: ${AFTER[$s]} MiB ($(redis-cli -p "${PORT[$s]}" DBSIZE) keys)"
done
printf '\n| system | keys | load s | VmRSS idle (MiB) | VmRSS loaded (MiB) | loaded vs redis | growth vs redis | VmRSS after deleting 3/4 (MiB) |\n|---|---|---|---|---|---|---|---|\n'
for s in redis ours; do
  printf '| %s | %d | %.1f | %d | %d | %.2fx | %.2fx | %d |\n' "$s" "$KEYS" "$(awk -v m="${LOAD_S[$s]}" 'BEGIN{print m / 1000}')" \
    "${IDLE[$s]}" "${LOADED[$s]}" "$(awk -v a="${LOADED[$s]}" -v b="${LOADED[redis]}" 'BEGIN{print a / b}')" \
    "$(awk -v a="${LOADED[$s]}" -v ai="${IDLE[$s]}" -v b="${LOADED[redis]}" -v bi="${IDLE[redis]}" 'BEGIN{print (a - ai) / (b - bi)}')" \
    "${AFTER[$s]}"
done
