#!/usr/bin/env bash
# Kernel collector figures (docs/BENCHMARKS.md, "Kernel collector"): a `tapio run` with only the kernel
# source and a discard sink, while scripts/kernel-storm/storm.c makes the kernel emit as fast as it can.
# Reports: records received per second and loss (the collector's exported counters), the collector
# thread's CPU per record (/proc), BPF run time per program run (kernel.bpf_stats_enabled), and the
# added latency from the kernel's timestamp to fan-out (the run's summary).
# Usage (root): [PAGES=256] [POLL=100ms] scripts/bench-kernel.sh [STORM fork|exec|reset] [WORKERS] [SECONDS] [WAKEUP_EVENTS] [OUTPUT perf|ringbuf]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
storm_mode="${1:-reset}"; workers="${2:-2}"; seconds="${3:-10}"; wakeup="${4:-1}"; output="${5:-perf}"
jar="$here/tools/target/tapio.jar"
[ -f "$jar" ] || (cd "$here" && mvn -B -q -DskipTests package -pl tools -am)
work="$(mktemp -d /tmp/tapio-bench-kernel.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
gcc -O2 -o "$work/storm" "$here/scripts/kernel-storm/storm.c"
cat > "$work/tapio.yaml" <<YAML
node: { name: bench-node }
engine: { threading: shared }
sources:
  kernel: { output: $output, wakeupEvents: $wakeup, perfPages: ${PAGES:-256}, pollTimeout: ${POLL:-100ms} }
sinks: { discard: {} }
pipeline: { sources: [kernel], sinks: [discard] }
stats: { interval: 1s }
YAML
sysctl -q -w kernel.bpf_stats_enabled=1
java -Dchronicle.analytics.disable=true -XX:+UseParallelGC -Xms1g -Xmx1g -XX:+AlwaysPreTouch -jar "$jar" \
  run --config "$work/tapio.yaml" --duration "$((seconds + 8))s" > "$work/summary.json" 2> "$work/stderr.txt" &
tapio=$!
for _ in $(seq 100); do grep -q "in=" "$work/stderr.txt" 2>/dev/null && break; sleep 0.1; done
sleep 2   # JIT of the collector's loop on a first trickle of events
jpid=$(pgrep -P $tapio java || echo $tapio)
thread_cpu() { # clock ticks of the kernel source's thread
  for t in /proc/$tapio/task/*; do
    if [ "$(cat "$t/comm")" = "tapio-source-ke" ]; then awk '{print $14 + $15}' "$t/stat"; return; fi
  done; echo 0; }
prog_stats() { bpftool prog show -j | python3 -c '
import json,sys
p=[x for x in json.load(sys.stdin) if x.get("name","").endswith(("_tp","_btf")) and x.get("run_cnt",0)>0]
print(sum(x.get("run_time_ns",0) for x in p), sum(x.get("run_cnt",0) for x in p))'; }
cpu0=$(thread_cpu); read -r bt0 bc0 < <(prog_stats)
"$work/storm" "$storm_mode" "$workers" "$seconds" | tee "$work/storm.txt"
cpu1=$(thread_cpu); read -r bt1 bc1 < <(prog_stats)
wait $tapio || true
python3 - "$work" "$cpu0" "$cpu1" "$bt0" "$bc0" "$bt1" "$bc1" "$seconds" "$storm_mode" "$wakeup" "$output" <<'PY'
import json, os, sys
work, cpu0, cpu1, bt0, bc0, bt1, bc1, seconds, mode, wakeup, output = sys.argv[1:]
s = json.load(open(os.path.join(work, "summary.json")))
c = s["counters"]
def k(name): return c.get(name, 0)
rec = k('tapio_kernel_records_total{source="kernel",result="received"}')
failed = k('tapio_kernel_records_total{source="kernel",result="output_failed"}')
emitted = sum(v for n, v in c.items() if n.startswith("tapio_kernel_emitted_total"))
ticks = os.sysconf("SC_CLK_TCK")
cpu_s = (int(cpu1) - int(cpu0)) / ticks
runs = int(bc1) - int(bc0)
lat = s["latency_us"]
print(f"{mode} storm, output {output}, wakeupEvents {wakeup}: received {rec:,} of {emitted:,} emitted "
      f"({rec/float(seconds):,.0f}/s over the {seconds} s storm), output failed {failed:,}, engine dropped {s['events']['dropped']:,}")
print(f"  collector thread CPU {cpu_s:.2f} s during the storm = {cpu_s*1e9/max(1,rec):,.0f} ns per record received")
print(f"  BPF: {runs:,} program runs, {(int(bt1)-int(bt0))/max(1,runs):,.0f} ns per run")
print(f"  kernel event -> fan-out latency, us: p50 {lat['p50']}, p99 {lat['p99']}, p99.9 {lat['p999']}, max {lat['max']}")
PY
sysctl -q -w kernel.bpf_stats_enabled=0
