#!/bin/bash
# bootstrap beside its peers, measured in one run on this machine: BPF ns per event, the tracer's own CPU
# per printed event, the host's CPU per exec (auditd's too), start-up time, peak RSS and events lost in an
# exec storm; then bootstrap's delivery latency to a pipe, and the slowdown of a real ./configure under
# bootstrap, the seed and auditd. Prints markdown tables.
# What each figure means and how it is taken: bench/README.md. Run as root, after building build-bench:
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBOOTSTRAP_BENCH=ON && cmake --build build-bench
#   bench/run.sh            (or: make bench)
# Settings (environment): BENCH_EXECS (loss storm, default 10000), BENCH_COST_EXECS (cost storms, all
# repetitions together, default 3000), BENCH_REPS (3), BENCH_STARTUP_RUNS (5), BENCH_WORKERS (2),
# BENCH_BUILD (build-bench), BENCH_SEED_SRC (../shared/reference/bootstrap-c), BENCH_KEEP=1 keeps the
# work directory (outputs of every tracer), BENCH_BASELINE (a directory with another build's bootstrap,
# from bench/build-baseline.sh REV: measured too, as base-text and base-json, to compare a change),
# BENCH_LATENCY_EXECS (2000), BENCH_LONE_RUNS (5), BENCH_CONFIGURE_RUNS (3 per variant, 0 skips it),
# BENCH_CONFIGURE_PKG (hello), BENCH_AUDITD=0 leaves auditd out.
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
PIPE_LATENCY=$BUILD/bench/pipe_latency
LATENCY_EXECS=${BENCH_LATENCY_EXECS:-2000}
LONE_RUNS=${BENCH_LONE_RUNS:-5}
CONFIGURE_RUNS=${BENCH_CONFIGURE_RUNS:-3}
CONFIGURE_PKG=${BENCH_CONFIGURE_PKG:-hello}

die() { echo "run.sh: $*" >&2; exit 1; }
note() { echo "# $*" >&2; }  # progress, on stderr so that stdout is only the report
[ "$(id -u)" = 0 ] || die "tracing needs root"
if [ ! -x "$OURS" ] || [ ! -x "$STORM" ] || [ ! -x "$BUILD/bench/stormchild" ] || [ ! -x "$AWAIT_MARKER" ] ||
  [ ! -x "$PIPE_LATENCY" ]; then
  die "build first: cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBOOTSTRAP_BENCH=ON && cmake --build build-bench"
fi

WORK=$(mktemp -d /tmp/bootstrap-bench.XXXXXX)
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
TP=""  # the tracer running now, stopped by cleanup if the script is interrupted
AP=""  # auditd while it runs: stopped, its rules deleted and auditing disabled by cleanup too
cleanup() {
  [ -n "$TP" ] && stop_tracer
  audit_stop
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
TAG_FLOOD=bm$$f  # the isolation bench's flood, and its quiet cgroup's markers
TAG_QUIET=bm$$q
TAG_LAT=bm$$t
for tag in $TAG_MARK $TAG_COST $TAG_LOSS $TAG_LAT $TAG_FLOOD $TAG_QUIET; do cp "$BUILD/bench/stormchild" "$WORK/$tag"; done

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

# ------------------------------------------------------------------------------------------- auditd
# Linux's own audit as hosts run it to log execs: Debian's auditd with Debian's rules file (a 8192-record
# backlog, 60 s backlog wait) and one rule for execve/execveat and one for exit_group. It runs only while
# it is measured, with its configuration and log in the work directory (the host's /var/log/audit is never
# written); audit_stop deletes the rules, disables auditing, restores the backlog settings, stops auditd and
# deletes its log, also when the bench fails or is interrupted (cleanup). A host whose audit is in use
# (auditd running, rules loaded or auditing enabled) is left alone: auditd is then not measured.
AUDITD=$(command -v auditd || true)
AUDIT_DIR=$WORK/audit
AUDIT_WAS=""  # "backlog_limit backlog_wait_time failure" before the bench
audit_status() { auditctl -s | awk -v k="$1" '$1 == k { print $2 }'; }
audit_usable() {
  [ "${BENCH_AUDITD:-1}" != 0 ] && [ -n "$AUDITD" ] && command -v auditctl >/dev/null || return 1
  [ "$(audit_status pid)" = 0 ] && [ "$(audit_status enabled)" = 0 ] && auditctl -l | grep -q '^No rules'
}
audit_start() {
  mkdir -p "$AUDIT_DIR"
  # Debian's configuration, with the log here and never rotated (one file to count records in).
  sed -e "s|^log_file = .*|log_file = $AUDIT_DIR/audit.log|" -e 's/^max_log_file_action = .*/max_log_file_action = IGNORE/' \
    /etc/audit/auditd.conf >"$AUDIT_DIR/auditd.conf"
  chmod 640 "$AUDIT_DIR/auditd.conf"
  AUDIT_WAS="$(audit_status backlog_limit) $(audit_status backlog_wait_time) $(audit_status failure)"
  "$AUDITD" -n -c "$AUDIT_DIR" >"$AUDIT_DIR/auditd.err" 2>&1 &
  AP=$!
  local _i
  for _i in $(seq 100); do [ "$(audit_status pid)" = "$AP" ] && break; sleep 0.05; done
  [ "$(audit_status pid)" = "$AP" ] || { audit_stop; return 1; }
  if [ -f /etc/audit/rules.d/audit.rules ]; then
    auditctl -R /etc/audit/rules.d/audit.rules >/dev/null
  else
    auditctl -b 8192 --backlog_wait_time 60000 >/dev/null
  fi
  auditctl -a always,exit -F arch=b64 -S execve,execveat -k bench-exec >/dev/null &&
    auditctl -a always,exit -F arch=b64 -S exit_group -k bench-exit >/dev/null || { audit_stop; return 1; }
}
audit_stop() {
  [ -n "$AP" ] || return 0
  auditctl -D >/dev/null
  auditctl -e 0 >/dev/null
  if [ -n "$AUDIT_WAS" ]; then
    read -r backlog wait failure <<<"$AUDIT_WAS"
    auditctl -b "$backlog" --backlog_wait_time "$wait" -f "$failure" >/dev/null
  fi
  kill -TERM "$AP" 2>/dev/null
  wait "$AP" 2>/dev/null
  AP=""
  rm -f "$AUDIT_DIR"/audit.log*
}
# auditd's and the kernel's audit thread's CPU, ns: what the host spends to log.
KAUDITD=$(pgrep -x kauditd | head -1)
audit_cpu_ns() {
  local k=0
  [ -n "$KAUDITD" ] && read -r k _ <"/proc/$KAUDITD/schedstat"
  echo $(($(cpu_ns "$AP") + k))
}
audit_records() { grep -c "key=\"bench-$1\"" "$AUDIT_DIR/audit.log"; }  # $1: exec or exit
# After a storm: until the kernel's backlog is empty (at most 20 s), then half a second for auditd to write
# what it has received, as a tracer gets to drain. (The log never stops growing while other work on the
# host execs.)
audit_settle() {
  local _i
  for _i in $(seq 200); do
    [ "$(audit_status backlog)" = 0 ] && break
    sleep 0.1
  done
  sleep 0.5
}

# ------------------------------------------------------------------------------------------ measuring
declare -A STARTUP COST_CPU COST_BPF COST_PROGS HOST RATE RSS SEEN EXPECTED LOST_REPORTED BACKGROUND FAILED
declare -A COST_CPU_RUNS COST_BPF_RUNS HOST_RUNS PROG_NS PROG_RUNS
declare -A CONFIGURE_S CONFIGURE_CPU CONFIGURE_ADDED
declare -A QUIET_EXPECTED QUIET_MISSING FLOOD_SEEN FLOOD_THROTTLED
LATENCY_FAILED="" LAT_COUNT=0 LAT_P50="" LAT_P99="" LAT_LONE="" LAT_LONE_MAX="" LAT_LONE_ALL="" CONFIGURE_EXECS=""

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

# Starts tracer $1 writing to $2 and waits for its marker line; one that never gets there is marked failed,
# stopped, and the call fails.
launch_ready() {
  launch "$1" "$2"
  wait_for_marker "$2" && return
  FAILED[$1]="did not start: $(head -c 300 "$2.err" | tr '\n|' '  ')"
  stop_tracer
  return 1
}

# One cost storm under tracer $1 (lines per exec $2), started afresh: its CPU, its BPF time and the host's
# cost per line over the storm's window. The storms go in rounds over the tracers (see below), so that a
# burst of load from elsewhere on the host spreads over all of them instead of falling on one.
cost_round() {
  local name=$1 per_exec=$2 out=$WORK/$1.cost.out l0 l1 c0 c1 b0 b1 n p0 p1
  launch_ready "$name" "$out" || return
  sleep 0.5
  p0=$(bpf_progs "$TP")
  l0=$(lines "$out") c0=$(cpu_ns "$TP") b0=$(bpf_total_ns "$TP")
  storm $((COST_EXECS / REPS)) "$TAG_COST" >/dev/null
  sleep 0.5  # bootstrap drains its ring buffer every 50 ms in a storm
  l1=$(lines "$out") c1=$(cpu_ns "$TP") b1=$(bpf_total_ns "$TP")
  p1=$(bpf_progs "$TP")
  # Per program: runs and ns, summed over the rounds by the program's name, for the details.
  while read -r id ns runs; do
    pname=$(bpftool prog show id "$id" 2>/dev/null | sed -n 's/.* name \([^ ]*\).*/\1/p')
    PROG_NS["$name ${pname:-id$id}"]=$((${PROG_NS["$name ${pname:-id$id}"]:-0} + ns))
    PROG_RUNS["$name ${pname:-id$id}"]=$((${PROG_RUNS["$name ${pname:-id$id}"]:-0} + runs))
  done < <(awk 'NR == FNR { t[$1] = $2; r[$1] = $3; next }
      ($1 in t) && $3 > r[$1] { print $1, $2 - t[$1], $3 - r[$1] }' <(echo "$p0") <(echo "$p1"))
  stop_tracer
  # Every line written in the window, storm or not: each one cost the tracer the same work.
  n=$((l1 - l0))
  [ "$n" -gt 0 ] || return
  COST_CPU_RUNS[$name]+=" $(awk -v c=$((c1 - c0)) -v n=$n 'BEGIN { printf "%.1f", c / 1000 / n }')"
  COST_BPF_RUNS[$name]+=" $(((b1 - b0) / n))"
  # The host's cost per exec: the tracer's CPU and its programs' time for the lines of one exec.
  HOST_RUNS[$name]+=" $(awk -v c=$((c1 - c0 + b1 - b0)) -v n=$n -v k="$per_exec" 'BEGIN { printf "%.1f", c / 1000 / n * k }')"
  # The share of this window's lines that came from other processes on the host: noise in the figures.
  BACKGROUND[$name]+=" $(awk -v t="$n" -v o="$(tail -n +"$((l0 + 1))" "$out" | grep -cw "$TAG_COST")" \
    'BEGIN { printf "%.0f", t ? 100 * (t - o) / t : 0 }')"
}

# The medians of the rounds, and each program's ns per run over all of them.
cost_summary() {
  local name=$1 key
  COST_CPU[$name]=$(echo "${COST_CPU_RUNS[$name]:-}" | median)
  COST_BPF[$name]=$(echo "${COST_BPF_RUNS[$name]:-}" | median)
  HOST[$name]=$(echo "${HOST_RUNS[$name]:-}" | median)
  COST_PROGS[$name]=""
  for key in "${!PROG_NS[@]}"; do
    [ "${key%% *}" = "$name" ] || continue
    COST_PROGS[$name]+="${key#* } ${PROG_RUNS[$key]} runs, $((PROG_NS[$key] / PROG_RUNS[$key])) ns/run; "
  done
}

# The loss storm under tracer $1, started afresh: lines missing once it has flushed, what it reported lost,
# its peak memory and the storm's rate.
loss_storm() {
  local name=$1 per_exec=$2 out=$WORK/$1.out
  launch_ready "$name" "$out" || return
  RATE[$name]=$(storm "$EXECS" "$TAG_LOSS")
  sleep 1.5
  RSS[$name]=$(awk '/^VmHWM:/ { print $2 }' "/proc/$TP/status")
  stop_tracer

  # Not the storm driver's own exec line: with --env it names the child's path (STORM_CHILD=...).
  SEEN[$name]=$(grep -w "$TAG_LOSS" "$out" | grep -vc '"comm":"storm"')
  EXPECTED[$name]=$((EXECS * per_exec))
  case $name in
    ours-text | base-text) LOST_REPORTED[$name]=$(sed -n 's/^bootstrap: lost \([0-9]*\) events.*/\1/p' "$out.err" | awk '{ s += $1 } END { print s + 0 }') ;;
    ours-json | ours-env | base-json) LOST_REPORTED[$name]=$(grep '"event":"lost"' "$out" | sed -n 's/.*"count":\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }') ;;
  esac
}

# Isolation: tracer $1 stopped (SIGSTOP, as a slow disk or a busy CPU stalls a reader) for the time 300
# markers run in one cgroup, while four loops in another exec the flood child with a 20,000-byte argument;
# then it goes on and is stopped. The quiet cgroup's lines missing, the flood's lines, and what bootstrap
# reported throttled. The cgroups are made for the run under the cgroup2 mount and removed.
FLOOD_MARKERS=300
isolation_flood() {
  local name=$1 per_exec=$2 out=$WORK/$1.flood root flood quiet long pids=() _i
  root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
  [ -n "$root" ] || { note "no cgroup2 mount: isolation left out"; return; }
  flood=$root/bench-flood-$$ quiet=$root/bench-quiet-$$
  mkdir -p "$flood" "$quiet"
  launch_ready "$name" "$out" || return
  long=$(head -c 20000 /dev/zero | tr '\0' f)
  kill -STOP "$TP"
  for _i in 1 2 3 4; do
    sh -c 'echo $$ >"$1/cgroup.procs" && while :; do "$2" 0 "$3"; done' flood "$flood" "$WORK/$TAG_FLOOD" "$long" &
    pids+=($!)
  done
  sh -c 'echo $$ >"$1/cgroup.procs" && for i in $(seq "$3"); do "$2" 0; sleep 0.006; done' quiet "$quiet" \
    "$WORK/$TAG_QUIET" "$FLOOD_MARKERS"
  kill "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
  kill -CONT "$TP"
  sleep 2
  stop_tracer
  rmdir "$flood" "$quiet" 2>/dev/null
  QUIET_EXPECTED[$name]=$((FLOOD_MARKERS * per_exec))
  # Not the lines of the shells that run the loops, whose arguments name the children.
  QUIET_MISSING[$name]=$((QUIET_EXPECTED[$name] - $(grep -w "$TAG_QUIET" "$out" | grep -vc -e '"comm":"sh"' -e '^sh ' -e ' sh ')))
  FLOOD_SEEN[$name]=$(grep -w "$TAG_FLOOD" "$out" | grep -vc -e '"comm":"sh"' -e '^sh ' -e ' sh ')
  case $name in
    ours-json) FLOOD_THROTTLED[$name]=$(grep '"event":"throttle"' "$out" | grep "bench-flood-$$" |
        sed -n 's/.*"dropped_execs":\([0-9]*\),"dropped_exits":\([0-9]*\).*/\1 \2/p' | awk '{ s += $1 + $2 } END { print s + 0 }') ;;
  esac
}

# auditd in the same storms: its and kauditd's CPU per logged exec (and per record, exec or exit, for the
# per-event column), median of REPS; then the loss storm, counted in its log. auditd logs every exec on the
# host, like the tracers: the execs of the window's other processes count in both the CPU and the count.
measure_auditd() {
  local name=auditd x0 x1 e0 e1 c0 c1 cpu=() host=()
  if ! audit_start; then
    FAILED[$name]="did not start: $(head -c 300 "$AUDIT_DIR/auditd.err" | tr '\n|' '  ')"
    return
  fi
  sleep 0.5
  audit_settle
  for _ in $(seq "$REPS"); do
    x0=$(audit_records exec) e0=$(audit_records exit) c0=$(audit_cpu_ns)
    storm $((COST_EXECS / REPS)) "$TAG_COST" >/dev/null
    audit_settle
    x1=$(audit_records exec) e1=$(audit_records exit) c1=$(audit_cpu_ns)
    [ $((x1 - x0)) -gt 0 ] || continue
    cpu+=("$(awk -v c=$((c1 - c0)) -v n=$((x1 - x0 + e1 - e0)) 'BEGIN { printf "%.1f", c / 1000 / n }')")
    host+=("$(awk -v c=$((c1 - c0)) -v n=$((x1 - x0)) 'BEGIN { printf "%.1f", c / 1000 / n }')")
  done
  COST_CPU[$name]=$(echo "${cpu[*]:-}" | median)
  HOST[$name]=$(echo "${host[*]:-}" | median)
  local lost0
  lost0=$(audit_status lost)
  RATE[$name]=$(storm "$EXECS" "$TAG_LOSS")
  audit_settle
  RSS[$name]=$(awk '/^VmHWM:/ { print $2 }' "/proc/$AP/status")
  SEEN[$name]=$(grep -c "^type=SYSCALL.* comm=\"$TAG_LOSS\"" "$AUDIT_DIR/audit.log")
  EXPECTED[$name]=$((EXECS * 2))
  LOST_REPORTED[$name]=$(($(audit_status lost) - lost0))
  audit_stop
}

# Delivery latency: `bootstrap -j` writing to a pipe whose reader (bench/pipe_latency) notes, for each exec
# line, how long after the kernel's timestamp of the exec it could read it. A storm of LATENCY_EXECS execs
# (p50 and p99), then LONE_RUNS lone execs, each after a quiet second. The tracer follows only these
# children (--comm), so that other work on the host neither fills the quiet spells nor adds to the storm.
measure_latency() {
  local fifo=$WORK/latency.fifo out=$WORK/latency.txt lp values
  mkfifo "$fifo"
  "$PIPE_LATENCY" "$out" "$TAG_LAT" <"$fifo" &
  lp=$!
  "$OURS" -j --comm "$TAG_LAT" >"$fifo" 2>"$WORK/latency.err" &
  TP=$!
  if ! "$AWAIT_MARKER" "$out" "$WORK/$TAG_LAT" "$TP" 30; then
    LATENCY_FAILED="did not start: $(head -c 300 "$WORK/latency.err" | tr '\n|' '  ')"
    stop_tracer
    wait "$lp"
    return
  fi
  sleep 0.5
  STORM_CHILD="$WORK/$TAG_LAT" "$STORM" "$LATENCY_EXECS" "$WORKERS" 1 >/dev/null
  for _ in $(seq "$LONE_RUNS"); do
    sleep 1
    "$WORK/$TAG_LAT" 2
  done
  sleep 0.5
  stop_tracer
  wait "$lp"
  # Percentile P of the latencies (µs) of the lines whose exit-status argument is $1, in ms.
  percentile() {
    awk -v s="$1" '$2 == s { print $3 }' "$out" | sort -n |
      awk -v p="$2" '{ a[NR] = $1 } END { if (NR) { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; printf "%.1f", a[i] / 1000 } }'
  }
  LAT_COUNT=$(awk '$2 == 1' "$out" | wc -l)
  LAT_P50=$(percentile 1 50)
  LAT_P99=$(percentile 1 99)
  LAT_LONE=$(percentile 2 50)
  LAT_LONE_MAX=$(percentile 2 100)
  LAT_LONE_ALL=$(awk '$2 == 2 { printf "%.1f ", $3 / 1000 }' "$out")
}

# A real exec-heavy workload: the ./configure of a Debian source package (apt-get source, once, kept in the
# build directory), run CONFIGURE_RUNS times with no tracer, bootstrap, the seed and auditd, in turn, each
# run in a fresh copy of the tree. The tracers write to a file, as in the storms.
CONFIGURE_SRC=""
configure_source() {
  local dir=$BUILD/configure-src/$CONFIGURE_PKG
  if ! ls -d "$dir"/*/configure >/dev/null 2>&1; then
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && apt-get source -qq "$CONFIGURE_PKG" >"$WORK/configure-source.log" 2>&1) || return 1
  fi
  CONFIGURE_SRC=$(dirname "$(ls -d "$dir"/*/configure | head -1)")
}
# One untimed run first, under bootstrap's command mode: it warms the page cache for the timed runs and its
# summary counts the configure's own execs.
configure_count() {
  rm -rf "$WORK/cfg"
  cp -a "$CONFIGURE_SRC" "$WORK/cfg"
  (cd "$WORK/cfg" && "$OURS" -s -o "$WORK/configure-count.out" -- ./configure >/dev/null 2>&1)
  CONFIGURE_EXECS=$(awk '$1 == "execs" { print $2 }' "$WORK/configure-count.out")
}
# What a tracer adds to the host while the configure runs, ns: its own CPU and its BPF programs' time (the
# programs run in the configure's processes, so their time is also inside the configure's system time);
# for auditd, auditd's and kauditd's CPU (audit's work in the exiting system calls stays inside the
# configure's system time, so this is a lower bound).
added_cpu_ns() {
  case $1 in
    auditd) audit_cpu_ns ;;
    *) echo $(($(cpu_ns "$TP") + $(bpf_total_ns "$TP"))) ;;
  esac
}
configure_once() {
  local variant=$1 out=$WORK/configure-$1.out status real user sys added=0
  rm -rf "$WORK/cfg"
  cp -a "$CONFIGURE_SRC" "$WORK/cfg"
  case $variant in
    none) ;;
    auditd) audit_start || return ;;
    *)
      launch "$variant" "$out"
      wait_for_marker "$out" || { stop_tracer; return; }
      ;;
  esac
  [ "$variant" = none ] || added=$(added_cpu_ns "$variant")
  # Wall-clock time, and the CPU time (user + system) of the configure's processes, which load from
  # elsewhere on the host disturbs less.
  local TIMEFORMAT='%R %U %S'
  { time (cd "$WORK/cfg" && ./configure >"$WORK/configure.log" 2>&1); } 2>"$WORK/configure.time"
  status=$?
  read -r real user sys <"$WORK/configure.time"
  # Until the last lines are written: auditd's backlog empty, a tracer's next drain (50 ms at most).
  case $variant in
    none) ;;
    auditd) audit_settle ;;
    *) sleep 0.2 ;;
  esac
  [ "$variant" = none ] || added=$(($(added_cpu_ns "$variant") - added))
  case $variant in
    none) ;;
    auditd) audit_stop ;;
    *) stop_tracer ;;
  esac
  if [ "$status" = 0 ]; then
    CONFIGURE_S[$variant]+=" $real"
    CONFIGURE_CPU[$variant]+=" $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
    [ "$variant" = none ] || CONFIGURE_ADDED[$variant]+=" $(awk -v a="$added" 'BEGIN { printf "%.3f", a / 1e9 }')"
  else
    note "configure failed under $variant (status $status)"
  fi
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
note "cost storms: $REPS rounds over the tracers, $((COST_EXECS / REPS)) execs each, each round starting one later"
for round in $(seq 0 $((REPS - 1))); do
  for i in $(seq 0 $((${#TRACERS[@]} - 1))); do
    entry=${TRACERS[$(((round + i) % ${#TRACERS[@]}))]}
    name=${entry%%|*}
    [ -n "${FAILED[$name]:-}" ] || cost_round "$name" "${entry##*|}"
  done
done
for entry in "${TRACERS[@]}"; do
  name=${entry%%|*}
  [ -n "${FAILED[$name]:-}" ] && continue
  cost_summary "$name"
  note "$name: loss storm ($EXECS execs)"
  loss_storm "$name" "${entry##*|}"
done
ISOLATION_NAMES=()
for entry in "${TRACERS[@]}"; do
  name=${entry%%|*}
  case $name in ours-json | base-json | seed | execsnoop) ;; *) continue ;; esac
  [ -n "${FAILED[$name]:-}" ] && continue
  note "$name: a flood in one cgroup, $FLOOD_MARKERS markers in another, the reader stopped"
  isolation_flood "$name" "${entry##*|}"
  [ -n "${QUIET_MISSING[$name]:-}" ] && ISOLATION_NAMES+=("$name")
done
AUDIT_NOTE=""
if audit_usable; then
  note "auditd: cost storms ($COST_EXECS execs in $REPS parts), loss storm ($EXECS execs)"
  measure_auditd
  names+=(auditd)
  AUDIT_OK=1
else
  AUDIT_OK=0
  AUDIT_NOTE="auditd not measured: BENCH_AUDITD=0, no auditd, or this host's audit is in use (auditd running, rules or auditing on)."
fi
note "latency: $LATENCY_EXECS-exec storm, $LONE_RUNS lone execs"
measure_latency
CONFIGURE_VARIANTS=()
if [ "$CONFIGURE_RUNS" -gt 0 ]; then
  if configure_source; then
    CONFIGURE_VARIANTS=(none)
    [ -z "${FAILED[ours-text]:-}" ] && CONFIGURE_VARIANTS+=(ours-text)
    [ -n "$SEED" ] && [ -z "${FAILED[seed]:-}" ] && CONFIGURE_VARIANTS+=(seed)
    [ "$AUDIT_OK" = 1 ] && [ -z "${FAILED[auditd]:-}" ] && CONFIGURE_VARIANTS+=(auditd)
    note "configure of $CONFIGURE_PKG: one to count its execs, then $CONFIGURE_RUNS runs of ${CONFIGURE_VARIANTS[*]}, in turn"
    configure_count
    # Each round starts one variant later, so that none of them always runs first or last in a round.
    n=${#CONFIGURE_VARIANTS[@]}
    for round in $(seq 0 $((CONFIGURE_RUNS - 1))); do
      for i in $(seq 0 $((n - 1))); do configure_once "${CONFIGURE_VARIANTS[$(((round + i) % n))]}"; done
    done
  else
    note "apt-get source $CONFIGURE_PKG failed (a deb-src entry is needed): configure left out"
  fi
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------------------------------- report
# "value (ratio to the base)"; $3 = printf format of the value, $4 the base's value, $5 the base (the seed).
cell() {
  local name=$1 value=$2 fmt=$3 base=$4 base_name=${5:-seed}
  [ -n "$value" ] || { echo "–"; return; }
  if [ -n "$base" ] && [ "$name" != "$base_name" ] && awk -v b="$base" 'BEGIN { exit !(b > 0) }'; then
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
echo "| tracer | BPF ns/event | user CPU µs/event | host CPU µs/exec (× auditd) | start-up ms (median) | peak RSS MB | events lost, $EXECS-exec storm | storm execs/s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for name in "${names[@]}"; do
  if [ -n "${FAILED[$name]:-}" ]; then
    echo "| $name | ${FAILED[$name]} |||||||"
    continue
  fi
  bpf_cell=$(cell "$name" "${COST_BPF[$name]:-}" "%d" "${COST_BPF[seed]:-}")
  cpu_cell=$(cell "$name" "${COST_CPU[$name]:-}" "%.1f" "${COST_CPU[seed]:-}")
  host_cell=$(cell "$name" "${HOST[$name]:-}" "%.1f" "${HOST[auditd]:-}" auditd)
  start=$(cell "$name" "$(startup_median "$name")" "%d" "$(startup_median seed)")
  rss=$(cell "$name" "$(rss_mb "$name")" "%.1f" "$(rss_mb seed)")
  missing=$((EXPECTED[$name] - SEEN[$name]))
  lost="$missing of ${EXPECTED[$name]}"
  [ -n "${LOST_REPORTED[$name]:-}" ] && lost+=" (reported: ${LOST_REPORTED[$name]})"
  echo "| $name | $bpf_cell | $cpu_cell | $host_cell | $start | $rss | $lost | ${RATE[$name]:-–} |"
done
echo
echo "Ratios are to the seed (its C bootstrap). Per event = per line the tracer wrote: execsnoop prints"
echo "execs only and exitsnoop exits only; the others print both. Lost = lines missing for the storm's"
echo "children (2 per exec, or 1) after the tracer flushed and exited; bootstrap's own loss count in brackets."
echo "Start-up: launch until the line of a marker exec is in the output file (peers line-buffered, as on a"
echo "terminal, and started in a mount namespace with tracefs, a few ms of the figure)."
echo "Host CPU per exec: the tracer's CPU and its BPF programs' time for the lines of one exec (its exec and"
echo "exit, or the one line execsnoop or exitsnoop prints); for auditd, auditd's and kauditd's CPU per exec"
echo "it logged (its per-event figure is per record, exec or exit). Ratios in that column are to auditd."
[ -n "$AUDIT_NOTE" ] && echo "$AUDIT_NOTE"
echo
if [ "${#ISOLATION_NAMES[@]}" -gt 0 ]; then
  echo "### Isolation: a flood in one cgroup, the reader stopped"
  echo
  echo "| tracer | quiet cgroup's lines missing | flood's lines | flood's records throttled |"
  echo "|---|---:|---:|---:|"
  for name in "${ISOLATION_NAMES[@]}"; do
    echo "| $name | ${QUIET_MISSING[$name]} of ${QUIET_EXPECTED[$name]} | ${FLOOD_SEEN[$name]} | ${FLOOD_THROTTLED[$name]:-–} |"
  done
  echo
  echo "Each tracer stopped (SIGSTOP) while $FLOOD_MARKERS marker execs ran in one cgroup, 6 ms apart, and four loops in"
  echo "another exec'd a child with a 20,000-byte argument; then resumed for 2 s and stopped. Lines missing"
  echo "of the markers' (exec and exit, or exec only for execsnoop), the flood's lines written, and the flood's"
  echo "records bootstrap reported in throttle records."
  echo
fi
echo "### Latency: bootstrap -j to a pipe"
echo
if [ -n "$LATENCY_FAILED" ]; then
  echo "bootstrap $LATENCY_FAILED"
else
  echo "| storm p50 ms | storm p99 ms | lone exec ms (median, max) |"
  echo "|---:|---:|---:|"
  echo "| ${LAT_P50:-–} | ${LAT_P99:-–} | ${LAT_LONE:-–} (max ${LAT_LONE_MAX:-–}) |"
  echo
  echo "From the kernel's timestamp of an exec to its line being read at the other end of a pipe: $LAT_COUNT exec"
  echo "lines of a $LATENCY_EXECS-exec storm, and $LONE_RUNS lone execs, each after a quiet second (ms: $LAT_LONE_ALL)."
fi
if [ "${#CONFIGURE_VARIANTS[@]}" -gt 0 ]; then
  echo
  echo "### ./configure of $(basename "$CONFIGURE_SRC")"
  echo
  header="| median of $CONFIGURE_RUNS runs | none"
  sep="|---|---:"
  for variant in "${CONFIGURE_VARIANTS[@]}"; do
    [ "$variant" = none ] && continue
    header+=" | $variant"
    sep+="|---:"
  done
  echo "$header |"
  echo "$sep|"
  # One row per measure: the median of each variant, and its slowdown against the median with none.
  configure_row() {
    local label=$1 none_v v row
    local -n runs=$2
    none_v=$(echo "${runs[none]:-}" | median)
    row="| $label | ${none_v:-–}"
    for variant in "${CONFIGURE_VARIANTS[@]}"; do
      [ "$variant" = none ] && continue
      v=$(echo "${runs[$variant]:-}" | median)
      if [ -n "$v" ] && [ -n "$none_v" ]; then
        row+=" | $v ($(awk -v v="$v" -v b="$none_v" 'BEGIN { printf "%+.1f%%", 100 * (v / b - 1) }'))"
      else
        row+=" | –"
      fi
    done
    echo "$row |"
  }
  configure_row "wall-clock s" CONFIGURE_S
  configure_row "CPU s of its processes" CONFIGURE_CPU
  # What each tracer added, measured on its own, as a share of the configure's CPU with none.
  none_cpu=$(echo "${CONFIGURE_CPU[none]:-}" | median)
  row="| CPU s the tracer added | –"
  for variant in "${CONFIGURE_VARIANTS[@]}"; do
    [ "$variant" = none ] && continue
    v=$(echo "${CONFIGURE_ADDED[$variant]:-}" | median)
    if [ -n "$v" ] && [ -n "$none_cpu" ]; then
      row+=" | $v ($(awk -v v="$v" -v b="$none_cpu" 'BEGIN { printf "%+.2f%%", 100 * v / b }'))"
    else
      row+=" | –"
    fi
  done
  echo "$row |"
  echo
  echo "The variants in turn, each round starting one later, each run in a fresh copy of the tree; the slowdown"
  echo "is to the median with no tracer."
  echo "CPU s: user + system time of the configure's processes (bash's time), which other load on the host"
  echo "disturbs less than the wall clock. CPU s the tracer added: its own CPU and its BPF programs' time during"
  echo "the run (auditd: auditd's and kauditd's CPU, without audit's work inside the system calls), as a share"
  echo "of the configure's CPU with none: each is measured directly, so a cost far below the run-to-run noise"
  echo "of the two rows above still shows. Runs, wall-clock s: $(for v in "${CONFIGURE_VARIANTS[@]}"; do printf '%s:%s; ' "$v" "${CONFIGURE_S[$v]:-}"; done)"
  echo "CPU s: $(for v in "${CONFIGURE_VARIANTS[@]}"; do printf '%s:%s; ' "$v" "${CONFIGURE_CPU[$v]:-}"; done)"
  echo "Added CPU s: $(for v in "${CONFIGURE_VARIANTS[@]}"; do [ "$v" = none ] || printf '%s:%s; ' "$v" "${CONFIGURE_ADDED[$v]:-}"; done)"
  [ -n "$CONFIGURE_EXECS" ] && echo "The configure's own execs (bootstrap -s -- ./configure, an untimed first run): $CONFIGURE_EXECS."
fi
echo
echo "Details (cost storms):"
for name in "${names[@]}"; do
  [ -n "${FAILED[$name]:-}" ] || [ "$name" = auditd ] && continue
  echo "- $name: start-up runs ms:${STARTUP[$name]:-}; lines from other processes $(echo "${BACKGROUND[$name]:-}" | median)%; ${COST_PROGS[$name]:-}"
done
if [ -n "${COST_CPU[ours-text]:-}" ]; then
  echo
  echo "Goals (bootstrap): BPF ≤ 0.2× the seed's, ≤ 0.3× with --env; CPU per line ≤ 0.08× the seed's in text,"
  echo "≤ 0.1× in JSON; host CPU per exec ≤ 0.1× auditd's; latency p99 ≤ 100 ms in the storm, ≤ 20 ms for a lone"
  echo "exec; ./configure ≤ 1% slower than with no tracer and less than under any peer; start-up ≤ 0.6× the"
  echo "seed's; peak RSS ≤ the seed's; nothing lost. format_bench (next): decode+format ≥ 1M events/s per core."
fi
