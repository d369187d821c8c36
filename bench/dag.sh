#!/usr/bin/env bash
# dag.sh - baton against GNU make on the same DAGs, plus `baton validate`.
#
# For each workload W1..W3 (see gen.py) it times `make -j2 -f Makefile all`
# and `baton --project P run wN --max-parallel 2 -q`, REPS times each, and
# prints the medians, the ratio baton/make and baton's peak RSS.  Every baton
# repetition starts from a fresh state directory, and the state is persisted
# as usual (SQLite under P/.baton): that cost is part of what is measured.
# Then it times `baton --project V validate` over 200 pipelines x 50 steps.
#
# Targets are printed beside the figures; missing one is reported, not an
# error: the script exits 0 unless a command itself fails.
#
# Options:  --reps N   repetitions per measurement (default 5; env REPS)
#           --quick    2 repetitions
# Env:      BATON      the binary (default: build-release/baton if built,
#                      else build/baton)
#           BENCH_DIR  where workloads are generated (default: a temp dir,
#                      removed at exit)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
reps=${REPS:-5}
vreps=""

while [ $# -gt 0 ]; do
	case $1 in
	--quick) reps=2 ;;
	--reps) reps=$2; shift ;;
	--reps=*) reps=${1#--reps=} ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "dag.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
[ "$reps" -ge 1 ] 2>/dev/null || { echo "dag.sh: bad --reps '$reps'" >&2; exit 2; }
vreps=$(( reps * 2 > 5 ? reps * 2 : 5 ))

# --- tools ---------------------------------------------------------------
need_pkg() {  # need_pkg CHECK-PATH DEBIAN-PACKAGE
	[ -x "$1" ] && return 0
	if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
		echo "dag.sh: installing $2 (for $1)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null ||
			{ apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null; }
	fi
	[ -x "$1" ] || { echo "dag.sh: $1 is needed (Debian package '$2')" >&2; exit 1; }
}
need_pkg /usr/bin/time time
need_pkg /usr/bin/make make
command -v python3 >/dev/null || { echo "dag.sh: python3 is needed" >&2; exit 1; }

if [ -z "${BATON:-}" ]; then
	if [ -x "$root/build-release/baton" ]; then
		BATON=$root/build-release/baton
	else
		BATON=$root/build/baton
	fi
fi
[ -x "$BATON" ] || { echo "dag.sh: no baton binary at $BATON (build it first)" >&2; exit 1; }

if [ -n "${BENCH_DIR:-}" ]; then
	work=$BENCH_DIR
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/baton-bench.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi

# --- helpers -------------------------------------------------------------
# timed OUT-RSS-FILE CMD...: runs CMD under GNU time; prints wall seconds.
timed() {
	local rssf=$1 t0 t1
	shift
	t0=$EPOCHREALTIME
	if ! /usr/bin/time -f %M -o "$rssf" "$@" >"$work/cmd.out" 2>&1; then
		echo "dag.sh: command failed: $*" >&2
		tail -n 20 "$work/cmd.out" >&2
		return 1
	fi
	t1=$EPOCHREALTIME
	python3 -c 'import sys; print("%.6f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$t1"
}

median() { python3 -c 'import sys, statistics; print("%.6f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
maxof() { python3 -c 'import sys; print(max(int(x) for x in sys.argv[1:]))' "$@"; }
fmt() { python3 -c "import sys; print(('$1') % float(sys.argv[1]))" "$2"; }

# --- header --------------------------------------------------------------
echo "== dag: baton vs make -j2 (median of $reps), validate (median of $vreps)"
echo "baton: $BATON ($("$BATON" --version 2>/dev/null || echo "version n/a"))"
echo "make:  $(make --version | head -n1)"
echo "host:  nproc=$(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
echo

# --- DAG workloads -------------------------------------------------------
declare -A res
misses=0
printf '%-8s %6s %6s  %9s %9s %7s  %-8s %10s %10s  %s\n' \
	workload steps edges make_s baton_s ratio "(<=1.2)" baton_MB make_MB notes
for w in W1 W2 W3; do
	lw=${w,,}
	dir=$work/$w
	python3 "$here/gen.py" dag "$w" "$dir" 2>"$work/gen.out"
	steps=$(grep -c '^  - name:' "$dir/pipelines/$lw.yaml")
	edges=$(sed -n 's/^\(W[0-9]\): [0-9]* steps, \([0-9]*\) edges.*/\2/p' "$work/gen.out")

	mk=() bt=() brss=() mrss=()
	for ((i = 0; i < reps; i++)); do
		mk+=("$(cd "$dir" && timed "$work/rss" make -j2 -f Makefile all)")
		mrss+=("$(cat "$work/rss")")
		rm -rf "$dir/.baton"
		bt+=("$(timed "$work/rss" "$BATON" --project "$dir" run "$lw" --max-parallel 2 -q)")
		brss+=("$(cat "$work/rss")")
	done
	rm -rf "$dir/.baton"
	m=$(median "${mk[@]}")
	b=$(median "${bt[@]}")
	ratio=$(python3 -c 'import sys; print("%.2f" % (float(sys.argv[2]) / float(sys.argv[1])))' "$m" "$b")
	bmb=$(python3 -c 'import sys; print("%.1f" % (int(sys.argv[1]) / 1024))' "$(maxof "${brss[@]}")")
	mmb=$(python3 -c 'import sys; print("%.1f" % (int(sys.argv[1]) / 1024))' "$(maxof "${mrss[@]}")")
	verdict=met
	python3 -c 'import sys; sys.exit(float(sys.argv[1]) > 1.2)' "$ratio" || { verdict=MISSED; misses=$((misses + 1)); }
	note=""
	if [ "$w" = W3 ]; then
		if python3 -c 'import sys; sys.exit(float(sys.argv[1]) > 20)' "$bmb"; then
			note="RSS target <=20 MB: met"
		else
			note="RSS target <=20 MB: MISSED"; misses=$((misses + 1))
		fi
	fi
	printf '%-8s %6s %6s  %9.3f %9.3f %7s  %-8s %10s %10s  %s\n' \
		"$w" "$steps" "$edges" "$m" "$b" "$ratio" "$verdict" "$bmb" "$mmb" "$note"
	res[$w]="make=${mk[*]} baton=${bt[*]}"
done
echo
echo "times in seconds (wall, median); RSS = peak resident set (max over reps)"
for w in W1 W2 W3; do echo "  raw $w: ${res[$w]}"; done
echo

# --- validate ------------------------------------------------------------
vdir=$work/validate
python3 "$here/gen.py" validate "$vdir" --pipelines 200 --steps 50 2>/dev/null
"$BATON" --project "$vdir" validate >/dev/null # warm the page cache
vt=()
for ((i = 0; i < vreps; i++)); do
	vt+=("$(timed "$work/rss" "$BATON" --project "$vdir" validate)")
done
vrss=$(python3 -c 'import sys; print("%.1f" % (int(sys.argv[1]) / 1024))' "$(cat "$work/rss")")
vms=$(python3 -c 'import sys; print("%.1f" % (float(sys.argv[1]) * 1000))' "$(median "${vt[@]}")")
if python3 -c 'import sys; sys.exit(float(sys.argv[1]) > 100)' "$vms"; then
	verdict=met
else
	verdict=MISSED; misses=$((misses + 1))
fi
printf '%-34s %9s  %-18s %s\n' benchmark ms target RSS_MB
printf '%-34s %9s  %-18s %s\n' "validate 200 pipelines x 50 steps" "$vms" "<=100 ms: $verdict" "$vrss"
echo "  raw validate (s): ${vt[*]}"
echo
if [ "$misses" -gt 0 ]; then
	echo "dag: $misses target(s) missed (reported, not a failure)"
else
	echo "dag: all targets met"
fi
exit 0
