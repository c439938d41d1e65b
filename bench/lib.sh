# bench/lib.sh — what bench/run.sh and bench/large-values.sh share; sourced, not run. The caller sets `work` (its
# temporary folder) and `pids` (an array of what it starts) first. Defines log, the exit trap that stops every pid
# (and bin/raftkv-cluster's nodes under $work/cluster) and removes $work unless KEEP=1, free_base, wait_ping and
# leader_port. Messages name the calling script.
me="$(basename "$0")"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

cleanup() {
  local rc=$? p f
  trap - EXIT INT TERM
  # bin/raftkv-cluster writes each node's pid file as it starts it: an interruption during its start must not
  # leave the nodes it already started running
  for f in "$work"/cluster/node-*/server.pid; do
    [ -f "$f" ] && pids+=("$(cat "$f")")
  done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && { log "pid $p did not stop, SIGKILL"; kill -9 "$p" 2>/dev/null || true; }
  done
  if [ "${KEEP:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work" || log "could not remove $work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- ports -------------------------------------------------------------------------------------------------
used_ports() { ss -Htan | awk '{n=split($4,a,":"); print a[n]}' | sort -u; }
port_free() { ! used_ports | grep -qx "$1"; }
taken=" "
# Sets BASE to a B such that B+1..B+n and their peer ports (+10000) are free and not handed out before
# (not in a subshell: it records what it hands out in $taken).
free_base() {
  local n=$1 b i ok
  for _ in $(seq 1 200); do
    b=$((20000 + RANDOM % 30000)); ok=1
    for i in $(seq 1 "$n"); do
      case "$taken" in *" $((b + i)) "*|*" $((b + i + 10000)) "*) ok=0 ;; esac
      port_free $((b + i)) && port_free $((b + i + 10000)) || ok=0
    done
    if [ $ok = 1 ]; then
      for i in $(seq 1 "$n"); do taken="$taken$((b + i)) $((b + i + 10000)) "; done
      BASE=$b; return 0
    fi
  done
  echo "$me: no free ports" >&2; return 1
}

wait_ping() { # port
  for _ in $(seq 1 300); do
    [ "$(redis-cli -p "$1" PING 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  echo "$me: nothing answers PING on port $1" >&2; return 1
}

leader_port() { # port...
  local p
  for _ in $(seq 1 120); do
    for p in "$@"; do
      if redis-cli -p "$p" INFO raft 2>/dev/null | tr -d '\r' | grep -qx 'raft_role:leader'; then echo "$p"; return 0; fi
    done
    sleep 0.5
  done
  echo "$me: no leader among $*" >&2; return 1
}

