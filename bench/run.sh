#!/bin/bash
# bootstrap beside its peers, measured in one run on this machine: BPF ns per event, the tracer's own CPU
# per printed event, start-up time, peak RSS and events lost in an exec storm. Prints one markdown table.
# What each figure means and how it is taken: bench/README.md. Run as root, after building build-bench:
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBOOTSTRAP_BENCH=ON && cmake --build build-bench
#   bench/run.sh            (or: make bench)
# Settings (environment): BENCH_EXECS (loss storm, default 10000), BENCH_COST_EXECS (cost storms, all
# repetitions together, default 3000), BENCH_REPS (3), BENCH_STARTUP_RUNS (5), BENCH_WORKERS (2),
# BENCH_BUILD (build-bench), BENCH_SEED_SRC (../shared/reference/bootstrap-c), BENCH_KEEP=1 keeps the
# work directory (outputs of every tracer), BENCH_BASELINE (a directory with another build's bootstrap,
# from bench/build-baseline.sh REV: measured too, as base-text and base-json, to compare a change).
set -uo pipefail  # not -e: a peer that cannot start is reported in the table, the others still run

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build-bench}
EXECS=${BENCH_EXECS:-10000}
COST_EXECS=${BENCH_COST_EXECS:-3000}
REPS=${BENCH_REPS:-3}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-5}
WORKERS=${BENCH_WORKERS:-2}
SEED_SRC=${BENCH_SEED_SRC:-$(dirname "$ROOT")/shared/reference/bootstrap-c}
OURS=$BUILD/bootstrap
BASELINE=${BENCH_BASELINE:-}
STORM=$BUILD/bench/storm
AWAIT_MARKER=$BUILD/bench/await_marker

die() { echo "run.sh: $*" >&2; exit 1; }
note() { echo "# $*" >&2; }  # progress, on stderr so that stdout is only the report
[ "$(id -u)" = 0 ] || die "tracing needs root"
if [ ! -x "$OURS" ] || [ ! -x "$STORM" ] || [ ! -x "$BUILD/bench/stormchild" ] || [ ! -x "$AWAIT_MARKER" ]; then
  die "build first: cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBOOTSTRAP_BENCH=ON && cmake --build build-bench"
fi

WORK=$(mktemp -d /tmp/bootstrap-bench.XXXXXX)
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
TP=""  # the tracer running now, stopped by cleanup if the script is interrupted
cleanup() {
  [ -n "$TP" ] && stop_tracer
  sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
  if [ "${BENCH_KEEP:-0}" = 1 ]; then note "outputs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The storm children and the start-up markers are copies of stormchild under names unique to this run
# (a comm is at most 15 bytes): an output line carrying one of these names is ours, even when someone else
# runs exec storms of their own on this machine at the same time.
TAG_MARK=bm$$m
TAG_COST=bm$$c
TAG_LOSS=bm$$l
for tag in $TAG_MARK $TAG_COST $TAG_LOSS; do cp "$BUILD/bench/stormchild" "$WORK/$tag"; done

# ---------------------------------------------------------------------------------------------- tracers
# name|events printed per exec of a storm child (exec line, exit line or both)
TRACERS=("ours-text|2" "ours-json|2" "ours-env|2")
if [ -n "$BASELINE" ]; then
  [ -x "$BASELINE/bootstrap" ] || die "no $BASELINE/bootstrap: build it with bench/build-baseline.sh REV"
  TRACERS+=("base-text|2" "base-json|2")
fi
SEED=""
if [ -d "$SEED_SRC" ]; then
  note "building the seed's C bootstrap from $SEED_SRC"
  if "$SEED_SRC/build.sh" "$WORK/seed" >"$WORK/seed-build.log" 2>&1; then
    SEED=$WORK/seed/bootstrap
    TRACERS+=("seed|2")
  else
    note "the seed did not build (see $WORK/seed-build.log with BENCH_KEEP=1); left out"
  fi
fi
[ -x /usr/sbin/execsnoop ] && TRACERS+=("execsnoop|1")
[ -x /usr/sbin/exitsnoop ] && TRACERS+=("exitsnoop|1")
command -v bpftrace >/dev/null && TRACERS+=("bpftrace|2")
# One line per process exec and per process exit (pid == tid: not for threads, as the others do).
BPFTRACE_PROG='tracepoint:sched:sched_process_exec { printf("EXEC %s %d %s\n", comm, pid, str(args->filename)); }
tracepoint:sched:sched_process_exit /pid == tid/ { printf("EXIT %s %d\n", comm, pid); }'

# Starts tracer $1 in the background, events to file $2 (stderr to $2.err); sets TP to its pid.
# With $3 = line, a peer's stdout is line-buffered as on a terminal (start-up runs, see peer()).
launch() {
  local name=$1 out=$2 buffering=${3:-}
  case $name in
    ours-text) "$OURS" -o "$out" 2>"$out.err" & ;;
    ours-json) "$OURS" -j -o "$out" 2>"$out.err" & ;;
    ours-env) "$OURS" -j --env -o "$out" 2>"$out.err" & ;;
    base-text) "$BASELINE/bootstrap" -o "$out" 2>"$out.err" & ;;
    base-json) "$BASELINE/bootstrap" -j -o "$out" 2>"$out.err" & ;;
    seed) peer "$out" "$buffering" "$SEED" ;;
    execsnoop) peer "$out" "$buffering" /usr/sbin/execsnoop ;;
    exitsnoop) peer "$out" "$buffering" /usr/sbin/exitsnoop ;;
    bpftrace) peer "$out" "$buffering" bpftrace -e "$BPFTRACE_PROG" ;;
  esac
  TP=$!
}

# The peers attach through tracefs, which this machine does not mount and which bootstrap does without.
# Each peer gets a private mount namespace with tracefs in it: the mount disappears with the peer and the
# host never sees it. sh and stdbuf exec the peer, so $! is the tracer's own pid. Written to a file, a
# peer's stdio output is block-buffered: that is its normal cost, kept for the storms; for start-up the
# first event must reach the file when it is printed, as on a terminal, hence stdbuf -oL there.
peer() {
  local out=$1 buffering=$2; shift 2
  local prefix=()
  [ "$buffering" = line ] && prefix=(stdbuf -oL)
  unshare -m sh -c 'mount -t tracefs nodev /sys/kernel/tracing && exec "$@"' peer "${prefix[@]}" "$@" \
    >"$out" 2>"$out.err" &
}

# SIGINT, as Ctrl-C: every tracer flushes its output and detaches. SIGKILL after 10 s, with a warning.
stop_tracer() {
  local _i state=""
  kill -INT "$TP" 2>/dev/null
  for _i in $(seq 100); do
    # bash reaps its children as they end, so a finished tracer is usually gone rather than a zombie.
    read -r _ _ state _ 2>/dev/null <"/proc/$TP/stat" || state=gone
    case $state in Z | gone) break ;; esac
    sleep 0.1
  done
  if [ "$state" != Z ] && [ "$state" != gone ]; then
    note "pid $TP ignored SIGINT for 10 s: killed"
    kill -KILL "$TP"
  fi
  wait "$TP" 2>/dev/null
  TP=""
}

# Execs a marker child every millisecond until the tracer writes its line to $1, checking every 100 µs
# (bench/await_marker.cpp); fails after 30 s or if the tracer died. With the peers' block-buffered output
# this also waits for a buffer to fill: fine for readiness, and why the start-up runs use line buffering.
wait_for_marker() {
  "$AWAIT_MARKER" "$1" "$WORK/$TAG_MARK" "$TP" 30
}

now_us() { echo "${EPOCHREALTIME/./}"; }
# On-CPU nanoseconds of every thread of process $1, user and kernel time (schedstat's first field).
cpu_ns() {
  local f v s=0
  for f in /proc/"$1"/task/*/schedstat; do read -r v _ <"$f" 2>/dev/null && s=$((s + v)); done
  echo "$s"
}
# "id run_time_ns run_cnt" of each BPF program process $1 holds a descriptor of: exactly the programs the
# tracer loaded (the counters bpftool prog show prints, from kernel.bpf_stats_enabled).
bpf_progs() {
  awk 'FNR == 1 { if (t != "") print id, t, c; id = t = c = "" }
       /^prog_id:/ { id = $2 } /^run_time_ns:/ { t = $2 } /^run_cnt:/ { c = $2 }
       END { if (t != "") print id, t, c }' /proc/"$1"/fdinfo/* 2>/dev/null | sort -un
}
bpf_total_ns() { bpf_progs "$1" | awk '{ s += $2 } END { print s + 0 }'; }
lines() { wc -l <"$1"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print NR ? a[int((NR + 1) / 2)] : "" }'; }
# Runs a storm of $1 children named $2; prints its rate (execs/s); warns about failed children.
storm() {
  local result
  result=$(STORM_CHILD="$WORK/$2" "$STORM" "$1" "$WORKERS" 0) || note "storm: $result"
  sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$result"
}

# ------------------------------------------------------------------------------------------ measuring
declare -A STARTUP COST_CPU COST_BPF COST_PROGS RATE RSS SEEN EXPECTED LOST_REPORTED BACKGROUND FAILED

# Start-up: launch, then exec a marker every millisecond until its line is in the output. Round-robin over the
# tracers so that a burst of load from elsewhere is shared rather than landing on one tracer's runs.
startup_once() {
  local name=$1 out=$WORK/startup.out t0 t1
  rm -f "$out"
  t0=$(now_us)
  launch "$name" "$out" line
  if wait_for_marker "$out"; then
    t1=$(now_us)
    STARTUP[$name]+=" $(((t1 - t0) / 1000))"
  else
    FAILED[$name]="did not start: $(head -c 300 "$out.err" | tr '\n|' '  ')"
  fi
  stop_tracer
}

# One long run per tracer: ready, cost storms (CPU and BPF per printed line, median of REPS), then the
# loss storm, then peak RSS and the lines counted once the tracer has flushed and exited.
measure() {
  local name=$1 per_exec=$2 out=$WORK/$1.out l0 l1 c0 c1 b0 b1 n cpu=() bpf=() p0 p1
  launch "$name" "$out"
  if ! wait_for_marker "$out"; then
    FAILED[$name]="did not start: $(head -c 300 "$out.err" | tr '\n|' '  ')"
    stop_tracer
    return
  fi
  sleep 0.5
  p0=$(bpf_progs "$TP")
  for _ in $(seq "$REPS"); do
    l0=$(lines "$out") c0=$(cpu_ns "$TP") b0=$(bpf_total_ns "$TP")
    storm $((COST_EXECS / REPS)) "$TAG_COST" >/dev/null
    sleep 0.5  # bootstrap drains its ring buffer every 100 ms at the latest
    l1=$(lines "$out") c1=$(cpu_ns "$TP") b1=$(bpf_total_ns "$TP")
    # Every line written in the window, storm or not: each one cost the tracer the same work.
    n=$((l1 - l0))
    [ "$n" -gt 0 ] || continue
    cpu+=("$(awk -v c=$((c1 - c0)) -v n=$n 'BEGIN { printf "%.1f", c / 1000 / n }')")
    bpf+=("$(((b1 - b0) / n))")
  done
  p1=$(bpf_progs "$TP")
  COST_CPU[$name]=$(echo "${cpu[*]:-}" | median)
  COST_BPF[$name]=$(echo "${bpf[*]:-}" | median)
  # Per program over all cost storms: runs and ns per run, for the details under the table.
  COST_PROGS[$name]=$(awk 'NR == FNR { t[$1] = $2; r[$1] = $3; next }
      ($1 in t) && $3 > r[$1] { print $1, $2 - t[$1], $3 - r[$1] }' <(echo "$p0") <(echo "$p1") |
    while read -r id ns runs; do
      pname=$(bpftool prog show id "$id" 2>/dev/null | sed -n 's/.* name \([^ ]*\).*/\1/p')
      echo "${pname:-id$id} $runs runs, $((ns / runs)) ns/run;"
    done | tr '\n' ' ')

  RATE[$name]=$(storm "$EXECS" "$TAG_LOSS")
  sleep 1.5
  RSS[$name]=$(awk '/^VmHWM:/ { print $2 }' "/proc/$TP/status")
  stop_tracer

  SEEN[$name]=$(grep -cw "$TAG_LOSS" "$out")
  EXPECTED[$name]=$((EXECS * per_exec))
  case $name in
    ours-text | base-text) LOST_REPORTED[$name]=$(sed -n 's/^bootstrap: lost \([0-9]*\) events.*/\1/p' "$out.err" | awk '{ s += $1 } END { print s + 0 }') ;;
    ours-json | ours-env | base-json) LOST_REPORTED[$name]=$(grep '"event":"lost"' "$out" | sed -n 's/.*"count":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }') ;;
  esac
  # The share of this run's lines that came from other processes on the host: noise in the cost figures.
  local total ours_lines
  total=$(lines "$out")
  ours_lines=$(grep -cwE "$TAG_MARK|$TAG_COST|$TAG_LOSS" "$out")
  BACKGROUND[$name]=$(awk -v t="$total" -v o="$ours_lines" 'BEGIN { printf "%.0f", t ? 100 * (t - o) / t : 0 }')
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
BASE_RATE=$(storm 1000 "$TAG_COST")  # how fast this machine execs with no tracer, for the last column
sysctl -qw kernel.bpf_stats_enabled=1
names=()
for entry in "${TRACERS[@]}"; do names+=("${entry%%|*}"); done
note "tracers: ${names[*]}"
note "start-up: $STARTUP_RUNS runs each"
for _ in $(seq "$STARTUP_RUNS"); do
  for name in "${names[@]}"; do [ -n "${FAILED[$name]:-}" ] || startup_once "$name"; done
done
for entry in "${TRACERS[@]}"; do
  name=${entry%%|*}
  [ -n "${FAILED[$name]:-}" ] && continue
  note "$name: cost storms ($COST_EXECS execs in $REPS parts), loss storm ($EXECS execs)"
  measure "$name" "${entry##*|}"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------------------------------- report
# "value (ratio to the seed)"; $3 = printf format of the value.
cell() {
  local name=$1 value=$2 fmt=$3 base=$4
  [ -n "$value" ] || { echo "–"; return; }
  if [ -n "$base" ] && [ "$name" != seed ] && awk -v b="$base" 'BEGIN { exit !(b > 0) }'; then
    awk -v v="$value" -v b="$base" -v f="$fmt" 'BEGIN { printf f " (%.2f×)", v, v / b }'
  else
    awk -v v="$value" -v f="$fmt" 'BEGIN { printf f, v }'
  fi
}
startup_median() { echo "${STARTUP[$1]:-}" | median; }
rss_mb() { [ -n "${RSS[$1]:-}" ] && awk -v k="${RSS[$1]}" 'BEGIN { printf "%.1f", k / 1024 }'; }

cpu_model=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
echo "## bootstrap and its peers, one run"
echo
echo "Machine: Linux $(uname -r), $(nproc) CPUs ($cpu_model); load average $LOAD_BEFORE before, $LOAD_AFTER after."
echo "Exec rate with no tracer: $BASE_RATE/s ($WORKERS workers)."
echo "Command: BENCH_EXECS=$EXECS BENCH_COST_EXECS=$COST_EXECS BENCH_REPS=$REPS BENCH_STARTUP_RUNS=$STARTUP_RUNS BENCH_WORKERS=$WORKERS bench/run.sh ($(date -u +%FT%TZ))"
echo
echo "| tracer | BPF ns/event | user CPU µs/event | start-up ms (median) | peak RSS MB | events lost, $EXECS-exec storm | storm execs/s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for name in "${names[@]}"; do
  if [ -n "${FAILED[$name]:-}" ]; then
    echo "| $name | ${FAILED[$name]} ||||||"
    continue
  fi
  bpf_cell=$(cell "$name" "${COST_BPF[$name]:-}" "%d" "${COST_BPF[seed]:-}")
  cpu_cell=$(cell "$name" "${COST_CPU[$name]:-}" "%.1f" "${COST_CPU[seed]:-}")
  start=$(cell "$name" "$(startup_median "$name")" "%d" "$(startup_median seed)")
  rss=$(cell "$name" "$(rss_mb "$name")" "%.1f" "$(rss_mb seed)")
  missing=$((EXPECTED[$name] - SEEN[$name]))
  lost="$missing of ${EXPECTED[$name]}"
  [ -n "${LOST_REPORTED[$name]:-}" ] && lost+=" (reported: ${LOST_REPORTED[$name]})"
  echo "| $name | $bpf_cell | $cpu_cell | $start | $rss | $lost | ${RATE[$name]:-–} |"
done
echo
echo "Ratios are to the seed (its C bootstrap). Per event = per line the tracer wrote: execsnoop prints"
echo "execs only and exitsnoop exits only; the others print both. Lost = lines missing for the storm's"
echo "children (2 per exec, or 1) after the tracer flushed and exited; bootstrap's own loss count in brackets."
echo "Start-up: launch until the line of a marker exec is in the output file (peers line-buffered, as on a"
echo "terminal, and started in a mount namespace with tracefs, a few ms of the figure)."
echo
echo "Details (cost storms):"
for name in "${names[@]}"; do
  [ -n "${FAILED[$name]:-}" ] && continue
  echo "- $name: start-up runs ms:${STARTUP[$name]:-}; lines from other processes ${BACKGROUND[$name]:-?}%; ${COST_PROGS[$name]:-}"
done
if [ -n "${COST_CPU[ours-text]:-}" ]; then
  echo
  echo "Goals (bootstrap): BPF ≤ 3000 ns/event; CPU ≤ 5 µs/event text, ≤ 8 µs JSON; start-up ≤ 0.6× the seed's;"
  echo "peak RSS ≤ the seed's; nothing lost. format_bench (next) shows decode+format ≥ 1M events/s per core."
fi
