#!/usr/bin/env bash
# bench/large-values.sh — SET and GET of large values, RaftKV's 3-node cluster against redis-server, in one run.
#
# Starts on free loopback ports, in one temporary folder: redis-server with appendfsync always (redis-always), and our
# 3-node cluster (bin/raftkv-cluster; the client talks to the leader). Then, for each value size, in ROUNDS interleaved
# rounds, the same redis-benchmark runs against both: SET then GET, -c 4 -P 1 over -r 16 keys. Prints ops/s and MB/s
# of each and the ratio ours/redis per round, and the median ratio. Sizes: 1 MiB and 16 MiB (a write above 1 MiB
# travels through the log as a run of 1 MiB parts).
# Settings (env): ROUNDS (3), SIZES ("1048576 16777216"), C (clients, 4), N (operations per run: 200 for 1 MiB,
# scaled down with size, at least 20), KEEP=1 keeps the temp folder. A run that fails (e.g. a write answered "lost in a
# leader change") counts 0 ops/s and its error is printed on stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
SIZES="${SIZES:-1048576 16777216}"
work="$(mktemp -d /tmp/raftkv-large.XXXXXX)"
pids=()
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "large-values.sh: $tool not found" >&2; exit 1; }
done

free_base 1; redis_port=$((BASE + 1))
mkdir -p "$work/redis"
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --save '' --appendonly yes \
  --appendfsync always --daemonize no --logfile "$work/redis/redis.log" &
pids+=($!)
wait_ping "$redis_port"
free_base 3; base=$BASE
PORT_BASE=$base CLUSTER_DIR="$work/cluster" "$root/bin/raftkv-cluster" start >"$work/cluster-start.log"
leader=$(leader_port $((base + 1)) $((base + 2)) $((base + 3)))
log "redis-always port $redis_port; cluster leader port $leader"

rps() { # port test size n: requests per second, 0 (and the error on stderr) if the run failed
  local out
  out="$(redis-benchmark -p "$1" -t "$2" -d "$3" -n "$4" -c "${C:-4}" -P 1 -r 16 -q 2>&1 | tr '\r' '\n')" || true
  grep -i "error" <<<"$out" | sort -u | sed "s/^/[port $1 $2 $3] /" >&2 || true
  awk '/requests per second/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) v = $i} END {print v + 0}' <<<"$out"
}

printf '| value | op | round | ours ops/s | redis ops/s | ours MB/s | redis MB/s | ratio |\n|---|---|---|---|---|---|---|---|\n'
for size in $SIZES; do
  n="${N:-$(( 200 * 1048576 / size > 20 ? 200 * 1048576 / size : 20 ))}"
  for op in set get; do
    ratios=()
    for round in $(seq 1 "$ROUNDS"); do
      ours=$(rps "$leader" "$op" "$size" "$n")
      theirs=$(rps "$redis_port" "$op" "$size" "$n")
      ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
      ratios+=("$ratio")
      printf '| %d MiB | %s | %d | %.1f | %.1f | %.0f | %.0f | %s |\n' $((size / 1048576)) "$op" "$round" "$ours" "$theirs" \
        "$(awk -v r="$ours" -v s="$size" 'BEGIN {print r * s / 1e6}')" \
        "$(awk -v r="$theirs" -v s="$size" 'BEGIN {print r * s / 1e6}')" "$ratio"
    done
    median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
    printf '| %d MiB | %s | median | | | | | **%s** |\n' $((size / 1048576)) "$op" "$median"
  done
done
log "leader elections during the run: $(grep -h "is now LEADER" "$work"/cluster/node-*/server.log | wc -l) (1 is the first election)"
