#!/usr/bin/env bash
# scheduler.sh - the scheduler's CPU use while it waits between fires.
#
# A project with 1,000 batch jobs and one pipeline, each with a daily
# schedule due hours from now, so that nothing fires during the
# measurement.  For `baton scheduler` alone, then for `baton serve` (the
# API and the scheduler), the script reads utime + stime from
# /proc/PID/stat before and after 30 seconds of idling and prints the CPU
# time and share (target: close to zero, <= 0.1 %).  It also prints the
# threads' run time from /proc/PID/task/*/schedstat (nanoseconds, finer
# than stat's clock ticks) and their context switches, which count
# wake-ups.  A missed target is reported, not an error: the script exits
# 0 unless a command fails.
#
# Options:  --quick    10 seconds instead of 30
#           --reps N   accepted for bench/run (one measurement each)
# Env:      BATON      the binary (default: build-release/baton if built,
#                      else build/baton)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
dur=30
njobs=1000
while [ $# -gt 0 ]; do
	case $1 in
	--quick) dur=10 ;;
	--reps) shift ;;
	--reps=*) ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "scheduler.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

BATON=${BATON:-$root/build-release/baton}
[ -x "$BATON" ] || BATON=$root/build/baton

tmp=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- the project ----------------------------------------------------------
# Due times 6 to 18 hours from now (UTC), spread over the minutes.
mkdir -p "$tmp/pipelines"
hour=$(( ($(date -u +%-H) + 6) % 24 ))
cat > "$tmp/pipelines/report.yaml" <<EOF
schedule: {cron: "0 $hour * * *", timezone: UTC}
steps:
  - name: build
    run: echo report
EOF
python3 - "$tmp/batch_config.json" "$njobs" "$hour" <<'EOF'
import json, sys
path, n, hour = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
jobs = [{"id": f"job_{i:04d}", "name": f"Job {i}", "type": "object",
         "category": "users", "template_id": "report",
         "priority": ["low", "medium", "high", "critical"][i % 4],
         "schedule": {"frequency": "daily",
                      "at": f"{(hour + i % 12) % 24:02d}:{i % 60:02d}",
                      "timezone": "UTC"}}
        for i in range(n)]
json.dump({"batch_processing_jobs": jobs}, open(path, "w"))
EOF

ticks() { # utime + stime of the whole process, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
runtime_ns() { # run time of every thread, from schedstat
	cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%d", s }'
}
switches() { # voluntary + involuntary context switches of every thread
	cat /proc/"$1"/task/*/status |
		awk '/ctxt_switches/ { s += $2 } END { printf "%d", s }'
}

hz=$(getconf CLK_TCK)

# measure NAME LOG-LINE ARGS...: starts baton ARGS, waits for LOG-LINE in
# its log, lets it settle, then measures dur seconds of idling.
measure() {
	local name=$1 ready=$2
	shift 2
	rm -rf "$tmp/.baton"
	"$BATON" --project "$tmp" "$@" >"$tmp/log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q "$ready" "$tmp/log" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/log" >&2; exit 1; }
		sleep 0.1
	done
	grep -q "$ready" "$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
	sleep 2
	local t0 r0 c0 t1 r1 c1 threads
	t0=$(ticks "$pid"); r0=$(runtime_ns "$pid"); c0=$(switches "$pid")
	sleep "$dur"
	t1=$(ticks "$pid"); r1=$(runtime_ns "$pid"); c1=$(switches "$pid")
	threads=$(ls /proc/"$pid"/task | wc -l)
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
	if grep -q "fired: due" "$tmp/log"; then
		echo "scheduler.sh: something fired during the measurement" >&2
	fi
	python3 - "$name" "$dur" "$hz" "$t0" "$t1" "$r0" "$r1" "$c0" "$c1" \
		"$threads" "$njobs" <<'EOF'
import sys
name, dur, hz = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
t0, t1, r0, r1, c0, c1, threads, n = map(int, sys.argv[4:])
cpu = (t1 - t0) / hz
share = 100 * cpu / dur
run_ms = (r1 - r0) / 1e6
wakes = (c1 - c0) / dur
verdict = "met" if share <= 0.1 else "missed"
print(f"{name}: {n + 1} schedules, idle {dur:.0f} s, {threads} threads")
print(f"  /proc/PID/stat utime+stime: {cpu:.3f} s CPU = {share:.3f} % "
      f"(target <= 0.1 %: {verdict})")
print(f"  schedstat run time: {run_ms:.1f} ms = "
      f"{100 * run_ms / 1000 / dur:.4f} %; context switches: "
      f"{c1 - c0} ({wakes:.1f}/s)")
EOF
}

# lags N: N fires, each by a fresh `baton scheduler` 0.7 s after start.
lags() {
	local n=$1 i due fake lag=()
	mkdir -p "$tmp/lag/pipelines"
	printf '%s\n' 'schedule: "* * * * *"' 'steps:' '  - name: say' \
		'    run: echo tick' > "$tmp/lag/pipelines/tick.yaml"
	for i in $(seq "$n"); do
		rm -rf "$tmp/lag/.baton"
		due=$(( ($(date +%s) / 60 + 10 + i) * 60 ))
		fake=$(date -u -d "@$((due - 1))" +%FT%T).300Z
		BATON_FAKE_NOW=$fake "$BATON" --project "$tmp/lag" scheduler \
			>"$tmp/lag.log" 2>&1 &
		pid=$!
		for _ in $(seq 100); do
			grep -q "fired: due" "$tmp/lag.log" && break
			sleep 0.05
		done
		kill "$pid"
		wait "$pid" 2>/dev/null || true
		pid=""
		lag+=("$(sed -n 's/.*fired: due .*, lag \([0-9]*\) ms.*/\1/p' \
			"$tmp/lag.log")")
	done
	python3 -c '
import statistics, sys
v = [int(x) for x in sys.argv[1:] if x]
if not v:
    sys.exit(print("fire lag: no fire seen"))
verdict = "met" if max(v) < 1000 else "missed"
print(f"fire lag, {len(v)} fires (first run start - due time): median "
      f"{statistics.median(v):.0f} ms, max {max(v)} ms "
      f"(target < 1000 ms: {verdict}); raw:", *v)
' "${lag[@]}"
}

echo "baton: $BATON"
measure "baton scheduler" "running (pid" scheduler
measure "baton serve (API and scheduler)" "listening on" serve --listen 127.0.0.1:0
lags 10
