#!/usr/bin/env bash
# End-to-end bridge figures with real processes on loopback (docs/BENCHMARKS.md, "Node → server"):
#   live:     a node produces N synthetic events as fast as it can, journals them, and its bridge delivers them
#             to a running `tapio server`, which journals them (and correlates them).
#   catch-up: a node journals N events while no server listens (the bridge's breaker opens); then a server
#             starts and a node without sources drains the backlog.
#   outage:   a node produces at a fixed live rate (OUTAGE_RATE, default 50k/s) while no server listens for
#             OUTAGE_SECONDS (default 20 s); then a server starts; the backlog drains while live events continue.
#             catch-up rate = records acked per second from the first ack until the node caught up with its
#             journal, and its ratio to the live rate (target: >= 5x).
# Two rates each for live and catch-up: "run" = records acked / the node's whole run (JVM start excluded; engine start, connect,
#   warm-up and the final linger included); "steady" = records acked between the node's first stats line
#   with acked > 0 and its last one, over the time between them (the node prints one every 250 ms).
# Usage: scripts/bench-bridge.sh [EVENTS] [ROUNDS] [CORRELATE true|false] [PRETOUCH true|false]
#        SCENARIOS="live outage" (default both) OUTAGE_RATE=50000 OUTAGE_SECONDS=20
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
events="${1:-3000000}"
rounds="${2:-3}"
correlate="${3:-true}"
pretouch="${4:-true}"
jar="$here/tools/target/tapio.jar"
[ -f "$jar" ] || (cd "$here" && mvn -B -q -DskipTests package -pl tools -am)
java_opts=(-Dchronicle.analytics.disable=true -XX:+UseParallelGC -Xms1g -Xmx1g -XX:+AlwaysPreTouch)
work="$(mktemp -d /tmp/tapio-bench-bridge.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(( 20000 + RANDOM % 20000 ))

node_config() { # file sources events drainTimeout [rate]
  cat > "$1" <<YAML
node: { name: bench-node }
sources:
  synthetic: { rate: ${5:-max}, events: ${3} }
pipeline: { sources: [${2}] }
journal: { enabled: true, dir: $work/node/journal, pretouch: $pretouch }
bridge:
  enabled: true
  target: 127.0.0.1:$port
  backoff: { base: 10ms, cap: 100ms }
  breaker: { threshold: 3, open: 100ms }
  drainTimeout: ${4}
stats: { interval: 250ms }
YAML
}
server_start() {
  printf 'server: { correlate: %s }\njournal: { pretouch: %s }\nstats: { interval: 0s }\n' "$correlate" "$pretouch" \
    > "$work/server.yaml"
  java "${java_opts[@]}" -jar "$jar" server --config "$work/server.yaml" --listen "127.0.0.1:$port" \
    --journal "$work/server/journal" 2> "$work/server.err" &
  server_pid=$!
  until grep -q "listening on" "$work/server.err" 2>/dev/null; do sleep 0.1; done
}
server_stop() { kill -TERM "$server_pid"; wait "$server_pid" || true; }
field() { grep -o "\"$2\":[0-9.]*" "$1" | tail -1 | cut -d: -f2; }   # last "key":number in a JSON summary
steady() { # records/s between the first and the last stats line of a node's stderr with acked > 0
  sed -n 's/^tapio: *\([0-9.]*\)s .* acked=\([0-9]*\) .*/\1 \2/p' "$1" | awk '$2 > 0 { if (!n++) { t0 = $1; a0 = $2 } t1 = $1; a1 = $2 }
    END { if (t1 > t0) printf "%.0f", (a1 - a0) / (t1 - t0); else print 0 }'
}

scenarios="${SCENARIOS:-live outage}"
for r in $(seq 1 "$rounds"); do
  [[ " $scenarios " == *" live "* ]] || break
  rm -rf "$work/node" "$work/server"
  # live
  server_start
  node_config "$work/live.yaml" synthetic "$events" 300s
  java "${java_opts[@]}" -jar "$jar" run --config "$work/live.yaml" > "$work/live.json" 2> "$work/live.err"
  server_stop
  live_s=$(field "$work/live.json" seconds); live_acked=$(field "$work/live.json" recordsAcked)
  live_steady=$(steady "$work/live.err")
  # catch-up
  rm -rf "$work/node" "$work/server"
  node_config "$work/backlog.yaml" synthetic "$events" 0s
  java "${java_opts[@]}" -jar "$jar" run --config "$work/backlog.yaml" > "$work/backlog.json" 2> "$work/backlog.err"
  server_start
  node_config "$work/drain.yaml" "" 0 300s
  java "${java_opts[@]}" -jar "$jar" run --config "$work/drain.yaml" > "$work/drain.json" 2> "$work/drain.err"
  server_stop
  drain_s=$(field "$work/drain.json" seconds); drain_acked=$(field "$work/drain.json" recordsAcked)
  drain_steady=$(steady "$work/drain.err")
  awk -v r="$r" -v la="$live_acked" -v ls="$live_s" -v lst="$live_steady" -v da="$drain_acked" -v ds="$drain_s" \
      -v dst="$drain_steady" 'BEGIN {
    printf "round %d: live %d records in %.2f s: run %.0f/s, steady %.0f/s; catch-up %d records in %.2f s: run %.0f/s, steady %.0f/s\n",
      r, la, ls, la / ls, lst, da, ds, da / ds, dst }'
done

outage_rate="${OUTAGE_RATE:-50000}"
outage_seconds="${OUTAGE_SECONDS:-20}"
for r in $(seq 1 "$rounds"); do
  [[ " $scenarios " == *" outage "* ]] || break
  rm -rf "$work/node" "$work/server"
  node_config "$work/outage.yaml" synthetic $(( outage_rate * (outage_seconds + 25) )) 300s "$outage_rate"
  java "${java_opts[@]}" -jar "$jar" run --config "$work/outage.yaml" > "$work/outage.json" 2> "$work/outage.err" &
  node_pid=$!
  sleep "$outage_seconds"
  server_start
  wait "$node_pid"
  server_stop
  # stats lines: time, events out, acked records; caught up = the first line after the first ack with acked >= out
  sed -n 's/^tapio: *\([0-9.]*\)s in=[0-9]* out=\([0-9]*\) .* acked=\([0-9]*\) .*/\1 \2 \3/p' "$work/outage.err" |
    awk -v r="$r" -v live="$outage_rate" '$3 > 0 && !t0 { t0 = $1; a0 = $3; backlog = $2 - $3 }
      t0 && $1 > t0 && $3 >= $2 && !t1 { t1 = $1; a1 = $3 }
      END { rate = (a1 - a0) / (t1 - t0);
        printf "round %d: outage: %d records behind at the first ack, caught up in %.1f s: %.0f records/s while live at %d/s: %.1fx\n",
          r, backlog, t1 - t0, rate, live, rate / live }'
done
