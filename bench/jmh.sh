#!/usr/bin/env bash
# bench/jmh.sh [JMH options...]   e.g.  bench/jmh.sh -prof gc -f 1 -wi 2 -i 3 -w 1s -r 1s 'Wal|Apply'
# Runs the JMH micro-benchmarks of io.raftkv.bench on this worktree's classes (build first, from the root:
# mvn -o -q -B -DskipTests package). The JVM gets the flags every RaftKV JVM needs (the parent pom's
# raftkv.jvm.flags: Chronicle's --add-opens/--add-exports and -Dchronicle.analytics.disable=true), read the way
# bin/raftkv-server reads them; JMH's forked JVMs inherit them. Temp files (WAL benchmarks) go to BENCH_DIR
# (default /tmp).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
flags="$(sed -n 's:.*<raftkv.jvm.flags>\(.*\)</raftkv.jvm.flags>.*:\1:p' "$root/pom.xml")"
if [ -z "$flags" ] || [[ "$flags" != *-Dchronicle.analytics.disable=true* ]]; then
  echo "jmh.sh: cannot read raftkv.jvm.flags (with the analytics switch) from $root/pom.xml" >&2
  exit 1
fi
if [ ! -f "$root/bench/target/classes/META-INF/BenchmarkList" ] || [ ! -d "$root/bench/target/lib" ]; then
  echo "jmh.sh: build first: (cd $root && mvn -o -q -B -DskipTests package)" >&2
  exit 1
fi
cp="$root/bench/target/classes:$root/server/target/classes:$root/wal/target/classes:$root/raft/target/classes:$root/bench/target/lib/*"
# shellcheck disable=SC2086
exec java $flags -Dbench.dir="${BENCH_DIR:-/tmp}" -cp "$cp" org.openjdk.jmh.Main "$@"
