#!/usr/bin/env bash
# bench/run.sh — the side-by-side macro benchmark: RaftKV against a real redis-server, in one run.
#
# Starts, on free loopback ports and in one temporary folder:
#   redis-no      redis-server --appendonly no --save ''
#   redis-always  redis-server --appendonly yes --appendfsync always --save ''
#   cluster       our 3-node cluster (bin/raftkv-cluster), client on the leader (found via INFO raft)
#   cluster-lease our 3-node cluster with --cluster-lease-reads yes (started here with bin/raftkv-server and
#                 the same --cluster-members flags bin/raftkv-cluster uses), GET only
#   standalone    one bin/raftkv-server node (no Raft peers, same WAL and appendfsync always)
# then drives every system with the same redis-benchmark runs (random keys -r 100000, SET and GET at
# -c 50 -P 16, -c 50 -P 1, -c 1 -P 1), interleaved: for each round, for each workload, every system in turn,
# so drift on this shared machine hits all of them alike. Each (workload, system) first gets unreported warm-up
# runs: a short probe of its rate, then a run of about WARMUP_SECS seconds and at least WARMUP_MIN_OPS operations
# (a JVM compiles a code path only after thousands of calls: at -c 1, after the pipelined runs, the cluster's first
# 15,000 SETs still ran at twice the latency, its CPU going to the JIT compilers), then one run sized to take about
# SECS seconds at the warm-up's rate, whose own rate picks -n so that a measured run takes about SECS seconds. (Sized
# from the warm-up alone, a system still speeding up during it got short measured runs: the cluster's SET -P 16 runs
# took 1 s against redis's 3 s, so start-up weighed more in its figures.) Ratios are computed within a round.
# Memory, first, on the fresh processes: loads 1,000,000 keys (16-byte keys, 64-byte values, redis-cli --pipe)
# into redis-no, the cluster and the standalone node and compares resident memory (VmRSS).
#
# Settings (env): ROUNDS (3), SECS (3, target seconds per measured run), WARMUP_SECS (5) and WARMUP_MIN_OPS (20000)
# per workload and system, KEEP=1 keeps the temp folder.
# Output: the table on stdout, also written to bench/target/bench-results/run-<timestamp>.md.
# Every process started here is stopped by pid on exit, also on failure or Ctrl-C.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
SECS="${SECS:-3}"
WARMUP_SECS="${WARMUP_SECS:-5}"
WARMUP_MIN_OPS="${WARMUP_MIN_OPS:-20000}"
# JVM options: bin/raftkv-server's defaults for every node, unless RAFTKV_JAVA_OPTS is set (then it is used by all)
t_start=$(date +%s)
work="$(mktemp -d /tmp/raftkv-bench.XXXXXX)"
pids=()

# shellcheck source=bench/lib.sh
source "$here/lib.sh"

for tool in redis-server redis-cli redis-benchmark python3; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found" >&2; exit 1; }
done
if [ ! -d "$root/server/target/lib" ]; then
  echo "run.sh: build first: (cd $root && mvn -o -q -B -DskipTests package)" >&2
  exit 1
fi

# --- start the systems -------------------------------------------------------------------------------------
declare -A PORT PIDS NODEPORTS

start_redis() { # name extra-args...
  local name=$1; shift
  free_base 1; local port=$((BASE + 1))
  mkdir -p "$work/$name"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$work/$name" --save '' --daemonize no \
    --logfile "$work/$name/redis.log" "$@" &
  pids+=($!); PIDS[$name]=$!; PORT[$name]=$port
  wait_ping "$port"
  log "$name: redis-server $(redis-server --version | awk '{print $3}') pid ${PIDS[$name]} port $port $*"
}

start_standalone() {
  free_base 1; local port=$((BASE + 1))
  mkdir -p "$work/standalone"
  "$root/bin/raftkv-server" --port "$port" --bind 127.0.0.1 --dir "$work/standalone" \
    >"$work/standalone/server.log" 2>&1 &
  pids+=($!); PIDS[standalone]=$!; PORT[standalone]=$port
  wait_ping "$port"
  log "standalone: pid $! port $port"
}

start_cluster() { # via bin/raftkv-cluster
  local b i p; free_base 3; b=$BASE
  export PORT_BASE=$b CLUSTER_DIR="$work/cluster"
  # raftkv-cluster starts the nodes in the background and waits for a leader; record the pids even if it fails
  "$root/bin/raftkv-cluster" start >&2 || start_failed=1
  PIDS[cluster]=""
  for i in 1 2 3; do
    p=$(cat "$CLUSTER_DIR/node-$i/server.pid" 2>/dev/null || true)
    [ -n "$p" ] && { pids+=("$p"); PIDS[cluster]="${PIDS[cluster]} $p"; }
  done
  unset PORT_BASE CLUSTER_DIR
  [ "${start_failed:-0}" = 0 ] || { echo "run.sh: cluster did not start" >&2; return 1; }
  NODEPORTS[cluster]="$((b + 1)) $((b + 2)) $((b + 3))"
  PORT[cluster]=$(leader_port ${NODEPORTS[cluster]})
  log "cluster: pids${PIDS[cluster]} ports ${NODEPORTS[cluster]} leader ${PORT[cluster]}"
}

start_lease_cluster() { # the same flags bin/raftkv-cluster passes, plus --cluster-lease-reads yes
  local b i members=""; free_base 3; b=$BASE
  for i in 1 2 3; do members="${members:+$members,}$i@127.0.0.1:$((b + i))"; done
  PIDS[cluster-lease]=""
  for i in 1 2 3; do
    mkdir -p "$work/cluster-lease/node-$i"
    "$root/bin/raftkv-server" --port $((b + i)) --bind 127.0.0.1 --dir "$work/cluster-lease/node-$i" \
      --cluster-node-id "$i" --cluster-members "$members" --cluster-lease-reads yes \
      >"$work/cluster-lease/node-$i/server.log" 2>&1 &
    pids+=($!); PIDS[cluster-lease]="${PIDS[cluster-lease]} $!"
  done
  NODEPORTS[cluster-lease]="$((b + 1)) $((b + 2)) $((b + 3))"
  PORT[cluster-lease]=$(leader_port ${NODEPORTS[cluster-lease]})
  log "cluster-lease: pids${PIDS[cluster-lease]} ports ${NODEPORTS[cluster-lease]} leader ${PORT[cluster-lease]}"
}

# the pid of the process that serves clients (the leader for a cluster)
serving_pid() { # system
  local s=$1 i ports pp
  case "$s" in
    cluster|cluster-lease)
      read -ra ports <<<"${NODEPORTS[$s]}"; read -ra pp <<<"${PIDS[$s]}"
      for i in 0 1 2; do [ "${ports[$i]}" = "${PORT[$s]}" ] && { echo "${pp[$i]}"; return; }; done
      echo "run.sh: no pid for the leader of $s" >&2; return 1 ;;
    *) echo "${PIDS[$s]}" ;;
  esac
}

cpu_ticks() { # pids... -> utime+stime summed, clock ticks
  local t=0 p a
  for p in "$@"; do
    # fields after "pid (comm) ": a[0] is field 3 (state), so utime (14) and stime (15) are a[11], a[12]
    read -ra a <<<"$(sed 's/^.*) //' "/proc/$p/stat")"
    t=$((t + a[11] + a[12]))
  done
  echo "$t"
}

# The disk's sync latency drifts a lot on a shared VM; it decides every appendfsync-always figure, so it is
# probed (500 appends of 4 KiB with O_DSYNC, a growing file like Redis's AOF) at the start and at the end.
disk_probe() {
  local t0 t1
  t0=$(date +%s%N)
  dd if=/dev/zero of="$work/dsync-probe" bs=4k count=500 oflag=dsync status=none
  t1=$(date +%s%N)
  rm -f "$work/dsync-probe"
  echo $(( (t1 - t0) / 500000 )) # microseconds per append
}
probe_start=$(disk_probe)
log "work folder $work; disk probe: $probe_start µs per 4 KiB O_DSYNC append"
start_redis redis-no --appendonly no
start_redis redis-always --appendonly yes --appendfsync always
start_cluster
start_lease_cluster
start_standalone
SYSTEMS_SET="redis-no redis-always cluster standalone"
SYSTEMS_GET="redis-no redis-always cluster cluster-lease standalone"

refresh_leader() { # system: re-find the leader in case it changed
  case "$1" in
    cluster|cluster-lease)
      local old=${PORT[$1]}
      PORT[$1]=$(leader_port ${NODEPORTS[$1]})
      [ "$old" = "${PORT[$1]}" ] || log "$1: leader moved from $old to ${PORT[$1]}" ;;
  esac
}

# --- memory: 1,000,000 keys of 16 bytes with 64-byte values, into the freshly started systems ----------------
# First, so that "before" is the idle footprint of a new process and the figure is not inflated by the heap the
# throughput runs grew; the keys are flushed afterwards. RSS at the end of the whole run is reported too.
mem="$work/memory.tsv"
printf 'system\tpid\trss_before_kb\trss_after_kb\trss_anon_kb\trss_file_kb\tkeys\tload_s\n' >"$mem"
awk 'BEGIN{v=sprintf("%064d",0); gsub(/0/,"v",v); for(i=0;i<1000000;i++) printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$64\r\n%s\r\n", i, v}' >"$work/load.resp"
rss() { awk -v k="$2" '$1==k":"{print $2}' "/proc/$1/status"; }
for s in redis-no cluster standalone; do
  refresh_leader "$s"
  p=$(serving_pid "$s")
  before=$(rss "$p" VmRSS)
  l0=$(date +%s%N)
  redis-cli -p "${PORT[$s]}" --pipe <"$work/load.resp" >"$work/load-$s.out" 2>&1 || { cat "$work/load-$s.out" >&2; exit 1; }
  l1=$(date +%s%N)
  grep -q 'errors: 0' "$work/load-$s.out" || { log "load into $s had errors:"; cat "$work/load-$s.out" >&2; }
  sleep 2 # let the apply side and the followers settle
  keys=$(redis-cli -p "${PORT[$s]}" DBSIZE)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\n' "$s" "$p" "$before" "$(rss "$p" VmRSS)" "$(rss "$p" RssAnon)" \
    "$(rss "$p" RssFile)" "$keys" "$(((l1 - l0) / 1000000))e-3" >>"$mem"
  log "memory $s: $(tail -1 "$mem")"
  log "  INFO memory: $(redis-cli -p "${PORT[$s]}" INFO memory | tr -d '\r' \
    | grep -E '^used_memory(_dataset|_heap|_offheap)?:' | tr '\n' ' ')"
  redis-cli -p "${PORT[$s]}" INFO memory | tr -d '\r' | grep -E '^used_memory[a-z_]*:' \
    | sed "s/^/$s\t/; s/:/\t/" >>"$work/info-memory.tsv"
  if [ "$s" = cluster ]; then
    for q in ${PIDS[cluster]}; do [ "$q" = "$p" ] || log "  cluster follower pid $q VmRSS $(rss "$q" VmRSS) kB"; done
  fi
done

for s in redis-no cluster standalone; do redis-cli -p "${PORT[$s]}" FLUSHALL >/dev/null; done

# --- preload the key space so GETs hit: key:000000000000..key:000000099999, 3-byte values ----------------
awk 'BEGIN{for(i=0;i<100000;i++) printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$3\r\nxxx\r\n", i}' >"$work/preload.resp"
for s in redis-no redis-always cluster cluster-lease standalone; do
  refresh_leader "$s"
  redis-cli -p "${PORT[$s]}" --pipe <"$work/preload.resp" >"$work/preload-$s.out" 2>&1 \
    || { cat "$work/preload-$s.out" >&2; exit 1; }
  log "preloaded 100000 keys into $s: $(redis-cli -p "${PORT[$s]}" DBSIZE) keys"
done

# --- the runs ---------------------------------------------------------------------------------------------
WORKLOADS="set:50:16 set:50:1 set:1:1 get:50:16 get:50:1 get:1:1"
results="$work/results.tsv"
printf 'round\ttest\tc\tP\tsystem\tn\trps\tp50\tp99\tcpu_us_per_op\tcpu_serving_us_per_op\n' >"$results"
declare -A NREQ

bench_once() { # system test c P n -> "rps p50 p99 cpu_us_per_op(all processes) cpu_us_per_op(serving process)"
  local s=$1 t=$2 c=$3 P=$4 n=$5 out spid a0 a1 l0 l1
  refresh_leader "$s"
  spid=$(serving_pid "$s")
  a0=$(cpu_ticks ${PIDS[$s]}); l0=$(cpu_ticks "$spid")
  out=$(redis-benchmark -h 127.0.0.1 -p "${PORT[$s]}" -t "$t" -c "$c" -P "$P" -r 100000 -n "$n" --csv 2>&1 | tr -d '\r')
  a1=$(cpu_ticks ${PIDS[$s]}); l1=$(cpu_ticks "$spid")
  echo "$out" | awk -F'","' -v n="$n" -v da=$((a1 - a0)) -v dl=$((l1 - l0)) -v hz="$(getconf CLK_TCK)" '
    NR==2 { gsub(/"/,""); split($0,f,","); printf "%s %s %s %.1f %.1f\n", f[2], f[5], f[7], da*1e6/hz/n, dl*1e6/hz/n; ok=1 }
    END { if (!ok) exit 1 }' || { echo "run.sh: redis-benchmark failed on $s: $out" >&2; return 1; }
}

# ops_for RATE SECS MIN MAX: the -n that takes about SECS seconds at RATE ops/s, in hundreds, within [MIN, MAX]
ops_for() {
  awk -v r="$1" -v s="$2" -v lo="$3" -v hi="$4" 'BEGIN{n=int(r*s/100)*100; if(n<lo)n=lo; if(n>hi)n=hi; print n}'
}

log "warm-up (${WARMUP_SECS}s per workload and system) and calibration (target ${SECS}s per run)"
for w in $WORKLOADS; do
  IFS=: read -r t c P <<<"$w"
  systems=$SYSTEMS_SET; [ "$t" = get ] && systems=$SYSTEMS_GET
  case "$c:$P" in 50:16) n0=50000 ;; 50:1) n0=10000 ;; *) n0=1000 ;; esac
  for s in $systems; do
    x=$(bench_once "$s" "$t" "$c" "$P" "$n0"); read -r rps _ <<<"$x"
    nw=$(ops_for "$rps" "$WARMUP_SECS" "$WARMUP_MIN_OPS" 5000000)
    x=$(bench_once "$s" "$t" "$c" "$P" "$nw"); read -r rps _ <<<"$x"
    n=$(ops_for "$rps" "$SECS" "$n0" 3000000)
    x=$(bench_once "$s" "$t" "$c" "$P" "$n"); read -r rps _ <<<"$x"
    n=$(ops_for "$rps" "$SECS" "$n0" 3000000)
    NREQ[$w:$s]=$n
    log "  $t -c $c -P $P $s: warm-up ${rps} ops/s -> -n $n"
  done
done

for r in $(seq 1 "$ROUNDS"); do
  log "round $r of $ROUNDS"
  for w in $WORKLOADS; do
    IFS=: read -r t c P <<<"$w"
    systems=$SYSTEMS_SET; [ "$t" = get ] && systems=$SYSTEMS_GET
    for s in $systems; do
      n=${NREQ[$w:$s]}
      x=$(bench_once "$s" "$t" "$c" "$P" "$n"); read -r rps p50 p99 cpu cpul <<<"$x"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$t" "$c" "$P" "$s" "$n" "$rps" "$p50" "$p99" "$cpu" "$cpul" >>"$results"
      log "  $t -c $c -P $P $s: $rps ops/s p50 $p50 ms p99 $p99 ms, server cpu $cpu us/op (serving process $cpul)"
    done
  done
done

for s in redis-no cluster standalone; do
  printf '%s\t%s\n' "$s" "$(rss "$(serving_pid "$s")" VmRSS)" >>"$work/rss-end.tsv"
done

probe_end=$(disk_probe)
log "disk probe at the end: $probe_end µs per 4 KiB O_DSYNC append"

# --- the table --------------------------------------------------------------------------------------------
elapsed=$(( $(date +%s) - t_start ))
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(df -T "$work" | awk 'NR==2{print $2}') on $(df "$work" | awk 'NR==2{print $1}')"
versions="redis-server $(redis-server --version | awk '{print $3}' | sed 's/v=//'), $(java -version 2>&1 | head -1)"
mkdir -p "$here/target/bench-results"
out="$here/target/bench-results/run-$(date -u +%Y%m%dT%H%M%SZ).md"
cp "$results" "${out%.md}-runs.tsv"; cp "$mem" "${out%.md}-memory.tsv"; cp "$work/rss-end.tsv" "${out%.md}-rss-end.tsv"
cp "$work/info-memory.tsv" "${out%.md}-info-memory.tsv"
python3 - "$results" "$mem" "$work/rss-end.tsv" "$work/info-memory.tsv" "$probe_start" "$probe_end" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$machine" "$versions" "$ROUNDS" "$elapsed" <<'PY' | tee "$out"
import csv, statistics, sys
res, mem, rssend, infomem, probe0, probe1, date, machine, versions, rounds, elapsed = sys.argv[1:12]
rows = list(csv.DictReader(open(res), delimiter='\t'))
R = {}
for r in rows:
    R[(r['test'], r['c'], r['P'], r['system'], r['round'])] = r
rounds = sorted({r['round'] for r in rows})
order = ['redis-no', 'redis-always', 'cluster', 'cluster-lease', 'standalone']
# the issue's targets: (test, c, P, system) -> (what, threshold)
targets = {
    ('set', '50', '16', 'cluster'): ('ops', 0.5), ('set', '50', '1', 'cluster'): ('ops', 0.5),
    ('set', '1', '1', 'cluster'): ('p50', 2.5),
    ('get', '50', '16', 'cluster'): ('ops', 0.4), ('get', '50', '16', 'cluster-lease'): ('ops', 0.6),
}
def med(xs): return statistics.median(xs)
print(f"## RaftKV vs redis-server, {date}\n")
print(f"Machine: {machine}. {versions}. {len(rounds)} interleaved rounds; ops/s, p50 and p99 are medians over the rounds;")
print("ratios are ours/redis within each round, then the median (SET vs redis-always, GET vs redis-no). p50/p99 in ms")
print("as redis-benchmark --csv prints them (with -P 16 a latency is that of a 16-command batch). cpu: server CPU time")
print("per op from /proc/PID/stat around the run, all of the system's processes (for a cluster: 3 nodes; in brackets the")
print("leader alone). The client, redis-benchmark, shares the same 2 cores. Disk sync latency (4 KiB O_DSYNC appends")
print(f"with dd): {int(probe0)/1000:.3f} ms at the start, {int(probe1)/1000:.3f} ms at the end.\n")
print("| workload | system | -n | ops/s | p50 | p99 | cpu µs/op | ops ratio | p50 ratio | per-round ops ratios | target |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for (t, c, P) in [(w.split(':')) for w in ['set:50:16', 'set:50:1', 'set:1:1', 'get:50:16', 'get:50:1', 'get:1:1']]:
    ref = 'redis-always' if t == 'set' else 'redis-no'
    for s in order:
        rs = [R.get((t, c, P, s, k)) for k in rounds]
        if not all(rs): continue
        ops = [float(r['rps']) for r in rs]; p50 = [float(r['p50']) for r in rs]; p99 = [float(r['p99']) for r in rs]
        cpu = [float(r['cpu_us_per_op']) for r in rs]
        cpul = [float(r['cpu_serving_us_per_op']) for r in rs]
        ro = [float(R[(t, c, P, ref, k)]['rps']) for k in rounds]
        rp = [float(R[(t, c, P, ref, k)]['p50']) for k in rounds]
        oratios = [a / b for a, b in zip(ops, ro)]
        pratios = [a / b if b > 0 else float('inf') for a, b in zip(p50, rp)]
        tgt = ''
        if (t, c, P, s) in targets:
            what, th = targets[(t, c, P, s)]
            if what == 'ops':
                tgt = f"ops >= {th}x: {'met' if med(oratios) >= th else 'NOT met'}"
            else:
                tgt = f"p50 <= {th}x: {'met' if med(pratios) <= th else 'NOT met'}"
        isref = s == ref
        print(f"| {t.upper()} -c {c} -P {P} | {s}{' (ref)' if isref else ''} | {rs[0]['n']} | {med(ops):,.0f} | {med(p50):.3f} | {med(p99):.3f} | {med(cpu):.1f}{f' ({med(cpul):.1f})' if s.startswith('cluster') else ''} | "
              f"{'' if isref else f'{med(oratios):.2f}'} | {'' if isref else f'{med(pratios):.2f}'} | "
              f"{'' if isref else ' '.join(f'{x:.2f}' for x in oratios)} | {tgt} |")
print("\n### Resident memory: 1,000,000 keys (16-byte keys, 64-byte values) loaded with redis-cli --pipe into freshly started processes\n")
m = list(csv.DictReader(open(mem), delimiter='\t'))
redis = next(x for x in m if x['system'] == 'redis-no')
end = {l.split()[0]: int(l.split()[1]) for l in open(rssend) if l.strip()}
print("| system | keys | load s | VmRSS idle (MiB) | VmRSS loaded (MiB) | of which anon / file (MiB) | loaded vs redis | growth vs redis's growth | VmRSS at end of run (MiB) | target |")
print("|---|---|---|---|---|---|---|---|---|---|")
for x in m:
    a, b = int(x['rss_after_kb']), int(x['rss_before_kb'])
    ra, rb = int(redis['rss_after_kb']), int(redis['rss_before_kb'])
    isref = x['system'] == 'redis-no'
    tgt = '' if x['system'] != 'cluster' else f"<= 2x: {'met' if a / ra <= 2 else 'NOT met'}"
    name = x['system'] + (' (leader)' if x['system'] == 'cluster' else '') + (' (ref)' if isref else '')
    print(f"| {name} | {x['keys']} | {x['load_s']} | {b/1024:.0f} | {a/1024:.0f} | {int(x['rss_anon_kb'])/1024:.0f} / {int(x['rss_file_kb'])/1024:.0f} | "
          f"{'' if isref else f'{a/ra:.2f}x'} | {'' if isref else f'{(a-b)/max(ra-rb,1):.2f}x'} | {end.get(x['system'], 0)/1024:.0f} | {tgt} |")
info = {}
for l in open(infomem):
    f = l.rstrip('\n').split('\t')
    if len(f) == 3:
        info.setdefault(f[0], {})[f[1]] = f[2]
def mib(sys_, k):
    v = info.get(sys_, {}).get(k)
    return f"{int(v)/1048576:.0f}" if v and v.isdigit() else "-"
print("\nINFO memory right after the load (MiB): " + "; ".join(
    f"{s_}: used_memory {mib(s_, 'used_memory')}, dataset {mib(s_, 'used_memory_dataset')}"
    + (f", heap {mib(s_, 'used_memory_heap')}, off-heap {mib(s_, 'used_memory_offheap')}" if s_ != 'redis-no' else '')
    for s_ in ['redis-no', 'cluster', 'standalone'] if s_ in info) + ".")
print(f"\nElapsed: {elapsed} s")
PY
log "results written to $out"
log "elapsed $(( $(date +%s) - t_start )) s"
