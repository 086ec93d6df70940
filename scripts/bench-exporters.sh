#!/usr/bin/env bash
# The exporters' cost to the engine (issue 6): `tapio run` over EVENTS synthetic events at RATE, once per
# configuration per round, configurations alternating inside each round so drift hits them alike:
#
#   base        synthetic -> discard                               (baseline for prom)
#   prom        base + prometheus (events by type and namespace), /metrics scraped every second
#   promtype    prom without the namespace series (maxNamespaces: 0): events by type only
#   journal     base + the journal on its own thread                (baseline for otel and all)
#   otel        journal + the OTLP exporter to a loopback OTLP/gRPC receiver in its own JVM (groups as traces)
#   otelall     otel, and every uncorrelated event as a one-span trace too (sampleUncorrelated: 1)
#   all         journal + prometheus (scraped) + OTLP
#
# For each run it prints events/s and p99/p99.9 added latency (the run's summary) and the process's CPU
# seconds (user + sys, /usr/bin/time); then the median of each column per configuration. At a paced RATE
# the throughput is the source's whatever the exporters do, so the cost shows as CPU and latency; with
# RATE=max it shows as throughput.
#
#   RATE=165000/s EVENTS=2000000 ROUNDS=5 scripts/bench-exporters.sh
#   RATE=max EVENTS=10000000 ROUNDS=5 CONFIGS="base prom" scripts/bench-exporters.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-165000/s}
EVENTS=${EVENTS:-2000000}
ROUNDS=${ROUNDS:-5}
CONFIGS=${CONFIGS:-"base prom journal otel all"}
PROM_PORT=${PROM_PORT:-19464}
OTLP_PORT=${OTLP_PORT:-14317}
work=$(mktemp -d /tmp/tapio-bench-exporters.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

./tapio --version >/dev/null 2>&1 || true     # builds the distribution once, outside the timed runs

base="sources:
  synthetic: {rate: $RATE, events: $EVENTS}
sinks:
  discard: {}
pipeline:
  sources: [synthetic]
  sinks: [discard]
stats:
  interval: 0s"
prom="prometheus: {enabled: true, listen: 127.0.0.1:$PROM_PORT}"
promtype="prometheus: {enabled: true, listen: 127.0.0.1:$PROM_PORT, maxNamespaces: 0}"
journal="journal: {enabled: true, dir: $work/journal, retention: 1h}"
otel="otel: {enabled: true, endpoint: http://127.0.0.1:$OTLP_PORT, protocol: grpc}"
otelall="otel: {enabled: true, endpoint: http://127.0.0.1:$OTLP_PORT, protocol: grpc, sampleUncorrelated: 1}"

config() {
  case $1 in
    base) printf '%s\n' "$base" ;;
    prom) printf '%s\n%s\n' "$base" "$prom" ;;
    promtype) printf '%s\n%s\n' "$base" "$promtype" ;;
    journal) printf '%s\n%s\n' "$base" "$journal" ;;
    otel) printf '%s\n%s\n%s\n' "$base" "$journal" "$otel" ;;
    otelall) printf '%s\n%s\n%s\n' "$base" "$journal" "$otelall" ;;
    all) printf '%s\n%s\n%s\n%s\n' "$base" "$journal" "$prom" "$otel" ;;
  esac
}

receiver_pid=
start_receiver() {
  [ -n "$receiver_pid" ] && return
  # The loopback OTLP receiver of scripts/bench-otlp.sh (a real TraceService that parses and counts spans), in
  # its own JVM; it runs until its stdin ends.
  tail -f /dev/null | java -cp jmh-benchmarks/target/benchmarks.jar dev.tapio.bench.otlp.OtlpSpanCounter "$OTLP_PORT" \
    > "$work/receiver.log" 2>&1 &
  receiver_pid=$!
  for _ in $(seq 100); do grep -q listening "$work/receiver.log" 2>/dev/null && return; sleep 0.1; done
  echo "the OTLP receiver did not start:"; cat "$work/receiver.log"; exit 1
}

scrape() {
  while true; do curl -s -o /dev/null "http://127.0.0.1:$PROM_PORT/metrics" || true; sleep 1; done
}

run() {
  local name=$1 round=$2
  config "$name" > "$work/$name.yaml"
  rm -rf "$work/journal"
  case $name in otel*|all) start_receiver ;; esac
  local scraper=
  case $name in prom*|all) scrape & scraper=$! ;; esac
  /usr/bin/time -f '%U %S' -o "$work/time" ./tapio run --config "$work/$name.yaml" > "$work/out" 2> "$work/err" || {
    echo "$name failed:"; tail -5 "$work/err"; exit 1; }
  [ -n "$scraper" ] && kill "$scraper" 2>/dev/null && wait "$scraper" 2>/dev/null || true
  python3 - "$name" "$round" "$work/out" "$work/err" "$work/time" >> "$work/results" <<'EOF'
import json, sys
name, rnd, out, err, timing = sys.argv[1:]
summary = None
for path in (out, err):
    for line in open(path):
        if line.startswith('{"node"'):
            summary = json.loads(line)
user, sys_ = (float(x) for x in open(timing).read().split()[-2:])
lat = summary["latency_us"]
assert summary["events"]["dropped"] == 0, summary["events"]
print(name, rnd, summary["throughput"], user + sys_, lat["p99"], lat["p999"])
EOF
  tail -1 "$work/results" | awk '{ printf "%-8s round %s: %10.0f events/s  cpu %6.2f s  p99 %9.1f us  p99.9 %9.1f us\n", $1, $2, $3, $4, $5, $6 }'
}

case " $CONFIGS " in *" otel"*|*" all "*)
  [ -f jmh-benchmarks/target/benchmarks.jar ] || mvn -q -B -o package -pl jmh-benchmarks -am -DskipTests ;;
esac

echo "tapio exporters bench: rate $RATE, $EVENTS events, $ROUNDS rounds, configurations: $CONFIGS"
for r in $(seq "$ROUNDS"); do
  for c in $CONFIGS; do run "$c" "$r"; done
done

echo
echo "medians over $ROUNDS rounds:"
python3 - "$work/results" $CONFIGS <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {}
for c in sys.argv[2:]:
    r = [x for x in rows if x[0] == c]
    med[c] = [statistics.median(float(x[i]) for x in r) for i in (2, 3, 4, 5)]
    print("%-8s %10.0f events/s  cpu %6.2f s  p99 %9.1f us  p99.9 %9.1f us" % (c, *med[c]))
for c, b in (("prom", "base"), ("promtype", "base"), ("otel", "journal"), ("otelall", "journal"), ("all", "journal")):
    if c in med and b in med:
        print("%-8s vs %-8s throughput %+.1f%%  cpu %+.1f%%" % (c, b, 100 * (med[c][0] / med[b][0] - 1),
              100 * (med[c][1] / med[b][1] - 1)))
EOF
