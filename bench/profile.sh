#!/usr/bin/env bash
# bench/profile.sh [--perf] [redis-benchmark options...]
#   e.g.  bench/profile.sh -t set -c 50 -P 1 -n 200000   (no options: -t set -c 50 -P 1; no -n: -n 200000;
#   no -r: -r 100000)
# Where a running cluster's CPU goes for one redis-benchmark run against its leader: CPU time (user+system) per
# operation and context switches per 100,000 operations for every thread that worked, from /proc/PID/task before
# and after the run. With --perf, also `perf record -g` on the busiest threads and their samples grouped by the
# system call they were in (fdatasync, sendto, recvfrom, epoll_wait, ...; "user" for our code and the JVM's),
# with Java frames named through `jcmd PID Compiler.perfmap`. Recording costs CPU too (35.7 against 47.9 µs per SET
# at -c 50 -P 1 on the dev VM), so take the CPU table from a run without --perf.
# The cluster is the one bin/raftkv-cluster manages: CLUSTER_DIR (default ./cluster-data), PORT_BASE (default 7000)
# and NODES (default 3), as for that script. Operations are counted by redis-benchmark's -n, so run it warm (a
# run before this one), and compare runs rather than trusting one. It starts and stops nothing but perf.
set -euo pipefail
PORT_BASE="${PORT_BASE:-7000}"
NODES="${NODES:-3}"
CLUSTER_DIR="${CLUSTER_DIR:-$PWD/cluster-data}"
perf_on=0
if [ "${1:-}" = "--perf" ]; then
  perf_on=1
  shift
fi
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-t set -c 50 -P 1)
ops=""
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = "-n" ] && ops="${args[$((i + 1))]}"
done
[ -n "$ops" ] || { ops=200000; args+=(-n "$ops"); } # the per-operation figures divide by it
printf '%s\n' "${args[@]}" | grep -qx -- '-r' || args+=(-r 100000)
for tool in redis-cli redis-benchmark python3; do
  command -v "$tool" >/dev/null || { echo "profile.sh: $tool is missing" >&2; exit 1; }
done
if [ "$perf_on" = 1 ]; then
  for tool in perf jcmd; do
    command -v "$tool" >/dev/null || { echo "profile.sh: --perf needs $tool" >&2; exit 1; }
  done
fi

pids=()
leader=""
for i in $(seq 1 "$NODES"); do
  p="$(cat "$CLUSTER_DIR/node-$i/server.pid" 2>/dev/null || true)"
  if [ -z "$p" ] || ! kill -0 "$p" 2>/dev/null; then
    echo "profile.sh: node $i is not running (no live pid in $CLUSTER_DIR/node-$i/server.pid)" >&2
    exit 1
  fi
  pids+=("$p")
  if redis-cli -p $((PORT_BASE + i)) INFO raft 2>/dev/null | tr -d '\r' | grep -qx 'raft_role:leader'; then
    leader="$i"
  fi
done
[ -n "$leader" ] || { echo "profile.sh: no node of $CLUSTER_DIR reports raft_role:leader" >&2; exit 1; }

work="$(mktemp -d /tmp/raftkv-profile.XXXXXX)"
perf_pids=()
cleanup() {
  for p in "${perf_pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# One line per thread: node pid tid utime+stime(ticks) voluntary nonvoluntary name
snapshot() {
  local n=0 p t
  for p in "${pids[@]}"; do
    n=$((n + 1))
    for t in /proc/"$p"/task/*; do
      [ -r "$t/stat" ] || continue
      printf '%s %s %s %s %s %s %s\n' "$n" "$p" "${t##*/}" \
        "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)" \
        "$(awk '/^voluntary_ctxt_switches/{print $2}' "$t/status" 2>/dev/null || echo 0)" \
        "$(awk '/^nonvoluntary_ctxt_switches/{print $2}' "$t/status" 2>/dev/null || echo 0)" \
        "$(tr ' ' '_' <"$t/comm" 2>/dev/null || echo '?')"
    done
  done
}

busiest=()
if [ "$perf_on" = 1 ]; then
  # A short run first, to pick the threads worth recording (the measured run's own CPU decides the table).
  snapshot >"$work/p0"
  short=("${args[@]}")
  for ((i = 0; i < ${#short[@]}; i++)); do
    [ "${short[$i]}" = "-n" ] && short[$((i + 1))]=$((ops / 4 > 1000 ? ops / 4 : 1000))
  done
  redis-benchmark -p $((PORT_BASE + leader)) -q "${short[@]}" >/dev/null 2>&1
  snapshot >"$work/p1"
  mapfile -t busiest < <(join -j 1 <(awk '{print $3, $4}' "$work/p0" | sort) <(awk '{print $3, $4}' "$work/p1" | sort) \
    | awk '{print $3 - $2, $1}' | sort -rn | head -4 | awk '$1 > 0 {print $2}')
  for p in "${pids[@]}"; do jcmd "$p" Compiler.perfmap >/dev/null 2>&1 || true; done
  for t in "${busiest[@]}"; do
    perf record -q -g -t "$t" -o "$work/perf.$t" >/dev/null 2>&1 &
    perf_pids+=($!)
  done
  sleep 0.5
fi

snapshot >"$work/before"
start=$(date +%s.%N)
out="$(redis-benchmark -p $((PORT_BASE + leader)) -q "${args[@]}" 2>&1 | tr '\r' '\n' | grep -E 'requests per second' | tail -1)"
end=$(date +%s.%N)
snapshot >"$work/after"
for p in "${perf_pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
for p in "${perf_pids[@]}"; do wait "$p" 2>/dev/null || true; done
perf_pids=()

echo "leader: node $leader (port $((PORT_BASE + leader))); redis-benchmark ${args[*]}"
echo "${out:-redis-benchmark printed no rate}"
python3 - "$work/before" "$work/after" "$ops" "$start" "$end" "$(getconf CLK_TCK)" "$leader" <<'PY'
import sys
before, after, ops, start, end, hz, leader = sys.argv[1:8]
ops, hz = float(ops), float(hz)
def load(f):
    d = {}
    for line in open(f):
        node, pid, tid, cpu, vol, nvol, name = line.split()
        d[tid] = (node, name, int(cpu), int(vol), int(nvol))
    return d
a, b = load(before), load(after)
rows, tot = [], [0.0, 0, 0]
for tid, (node, name, cpu, vol, nvol) in b.items():
    if tid not in a:
        continue
    dc, dv, dn = cpu - a[tid][2], vol - a[tid][3], nvol - a[tid][4]
    tot[0] += dc; tot[1] += dv; tot[2] += dn
    if dc > 0 or dv * 100000 / ops >= 100:
        rows.append((dc, node, tid, name, dv, dn))
rows.sort(reverse=True)
us = lambda ticks: ticks / hz * 1e6 / ops
print(f"{'node':>6} {'tid':>8} {'thread':<18} {'cpu us/op':>9} {'vol cs/100k':>11} {'invol cs/100k':>13}")
for dc, node, tid, name, dv, dn in rows:
    tag = node + ("L" if node == leader else "")
    print(f"{tag:>6} {tid:>8} {name[:18]:<18} {us(dc):9.2f} {dv * 100000 / ops:11.0f} {dn * 100000 / ops:13.0f}")
print(f"{'all':>6} {'':>8} {'':<18} {us(tot[0]):9.2f} {tot[1] * 100000 / ops:11.0f} {tot[2] * 100000 / ops:13.0f}")
print(f"(CPU ticks of {1 / hz * 1e3:.0f} ms; run took {float(end) - float(start):.1f} s; node L is the leader)")
PY

if [ "$perf_on" = 1 ]; then
  for t in "${busiest[@]}"; do
    [ -s "$work/perf.$t" ] || continue
    echo
    echo "thread $t ($(awk -v t="$t" '$3 == t {print $7}' "$work/after")): samples by the system call they were in"
    perf script -i "$work/perf.$t" 2>/dev/null | python3 -c '
import re, sys, collections
cats = [("do_fsync", "fdatasync"), ("__sys_sendto", "sendto"), ("__sys_recvfrom", "recvfrom"),
        ("do_epoll_wait", "epoll_wait"), ("ksys_write", "write"), ("exc_page_fault", "page fault"),
        ("ksys_read", "read"), ("futex", "futex")]
count, user, total, frames = collections.Counter(), collections.Counter(), 0, []
def flush():
    global total
    if not frames:
        return
    total += 1
    names = [re.sub(r"\+0x[0-9a-f]+$", "", f) for f in frames]
    cat = next((c for key, c in cats for f in names if key in f), None)
    if cat is None and any(f.startswith("__x64_sys_") for f in names):
        cat = next(f for f in names if f.startswith("__x64_sys_"))[len("__x64_sys_"):]
    if cat is None and any(f.startswith(("asm_", "sysvec")) for f in names):
        cat = "interrupt"
    if cat is None:
        cat = "user"
        user[names[0][:100]] += 1
    count[cat] += 1
    frames.clear()
for line in sys.stdin:
    if not line.strip():
        flush()
    elif line[0] in " \t":
        parts = line.strip().split(" ", 1)
        if len(parts) == 2:
            frames.append(re.sub(r" \([^()]*\)$", "", parts[1]))
flush()
for cat, n in count.most_common():
    print(f"  {100 * n / max(total, 1):5.1f}%  {cat}")
print("  top frames in user:")
for f, n in user.most_common(8):
    print(f"  {100 * n / max(total, 1):5.1f}%    {f}")
'
  done
fi
