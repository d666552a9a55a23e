#!/bin/bash
# Soak: does the tracer's memory stay flat under pid churn? Runs bootstrap through SOAK_EXECS execs
# (default 100000) in each mode that keeps per-process state in user space (the summary) and in the
# plain streaming modes, and prints its RSS after a warm-up and at the end. Run as root, after
# `make bench` (or with BENCH_BUILD pointing at a build with the storm tools).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BENCH_BUILD:-$here/../build-bench}
execs=${SOAK_EXECS:-100000}
warmup=${SOAK_WARMUP:-10000}
storm=$build/bench/storm
[ -x "$storm" ] && [ -x "$build/bootstrap" ] || { echo "build $build first (make bench)" >&2; exit 2; }

rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }

soak() {
    local label=$1; shift
    "$build/bootstrap" "$@" -o /dev/null 2>/dev/null &
    local tracer=$!
    sleep 1
    "$storm" "$warmup" 2 >/dev/null
    sleep 0.5
    local before; before=$(rss_kb "$tracer")
    "$storm" "$((execs - warmup))" 2 >/dev/null
    sleep 0.5
    local after; after=$(rss_kb "$tracer")
    local peak; peak=$(awk '/^VmHWM/{print $2}' "/proc/$tracer/status")
    kill -INT "$tracer"; wait "$tracer" || true
    printf '| %-18s | %8d | %8d | %+8d | %8d |\n' "$label" "$before" "$after" "$((after - before))" "$peak"
}

echo "Soak: $execs execs ($warmup warm-up), $(uname -r), $(nproc) CPUs"
echo
echo "| mode               | RSS KiB after warm-up | RSS KiB at end | growth KiB | peak KiB |"
echo "|---|---:|---:|---:|---:|"
soak "text" 
soak "json" -j
soak "text + summary" -s
soak "json + summary" -j -s
