#!/usr/bin/env bash
# OTLP export throughput (the issue's target: >= 50,000 spans/s to a loopback receiver):
#   1. writes a journal with the engine (event-time correlation, built-in rules) from COPIES copies of every
#      labelled scenario in scenarios/ (incidents of every pattern with their uncorrelated noise; ids fresh,
#      times moved apart so copies never correlate with each other);
#   2. per round, runs the OtelExporter (this JVM) from the start of that journal through a new tailer
#      against dev.tapio.bench.otlp.OtlpSpanCounter, an OTLP/gRPC TraceService receiver in a JVM of its own
#      that parses every request and counts spans; timed from start() until the journal's last record is acked.
#   Prints spans/s and groups/s per round (a warm-up round first) and the medians. A round whose receiver count
#   differs from the exporter's, or from what the journal implies, fails the run.
# Usage: scripts/bench-otlp.sh [COPIES] [ROUNDS] [SAMPLE] [BATCH] [IN_FLIGHT]
#        COPIES=200 (≈ 577k events), ROUNDS=5, SAMPLE=1 (every uncorrelated event as a single-span trace too;
#        0 = groups only), BATCH=512 spans per request (otel.batchSpans), IN_FLIGHT=4 requests at once
#        (otel.maxInFlight). REBUILD=1 rebuilds jmh-benchmarks/target/benchmarks.jar first.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
copies="${1:-200}"
rounds="${2:-5}"
sample="${3:-1}"
batch="${4:-512}"
inflight="${5:-4}"
jar="$here/jmh-benchmarks/target/benchmarks.jar"
if [ ! -f "$jar" ] || [ "${REBUILD:-0}" = 1 ]; then (cd "$here" && mvn -B -q -DskipTests package -pl jmh-benchmarks -am); fi
work="$(mktemp -d /tmp/tapio-bench-otlp.XXXXXX)"
trap 'rm -rf "$work"' EXIT
java -Dchronicle.analytics.disable=true \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED \
  --add-exports java.base/sun.nio.ch=ALL-UNNAMED --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens java.base/java.lang.reflect=ALL-UNNAMED \
  -XX:+UseParallelGC -Xms1g -Xmx1g \
  -Djava.util.logging.config.file=/dev/null \
  -cp "$jar" dev.tapio.bench.otlp.OtlpExportThroughput \
  --copies "$copies" --rounds "$rounds" --sample "$sample" --batch "$batch" --in-flight "$inflight" \
  --scenarios "$here/scenarios" --work "$work"
