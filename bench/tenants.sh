#!/usr/bin/env bash
# tenants.sh - fan-out at scale: 10,000 tenants, each running a 3-step
# pipeline of `true`, with `baton batch --parallel 2`, against GNU make -j2
# running the same 30,000 tasks (10,000 chains of 3), in the same script.
# Also times writing the 10,000-row batch report (JSON and CSV).
#
# Targets (issue 3): wall time <= 1.3 x make; peak RSS <= 64 MB; the
# report in under 1 s.  A missed target is reported, not a failure.
#
#   bench/tenants.sh [--reps N] [--tenants N]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
reps=${REPS:-3}
n=10000

while [ $# -gt 0 ]; do
	case $1 in
	--quick) reps=1 ;;
	--reps) reps=$2; shift ;;
	--tenants) n=$2; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "tenants.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

[ -x /usr/bin/time ] || { echo "tenants.sh: /usr/bin/time is needed (Debian package 'time')" >&2; exit 1; }
BATON=${BATON:-$root/build-release/baton}
[ -x "$BATON" ] || BATON=$root/build/baton
work=$(mktemp -d "${TMPDIR:-/tmp}/baton-tenants.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$n" <<'PY'
import sys, os
work, n = sys.argv[1], int(sys.argv[2])
os.makedirs(f"{work}/pipelines")
with open(f"{work}/pipelines/p3.yaml", "w") as f:
    f.write('steps:\n  - {name: a, run: "true"}\n'
            '  - {name: b, run: "true", depends_on: [a]}\n'
            '  - {name: c, run: "true", depends_on: [b]}\n')
with open(f"{work}/users.yaml", "w") as f:
    f.write('version: "1.0"\nusers:\n')
    for i in range(n):
        f.write(f"  - id: t{i}\n    platform: facebook\n"
                f"    credentials: {{access_token: tok-{i:06d}-secret}}\n"
                f"    pipelines: [{{name: p3, enabled: true}}]\n")
with open(f"{work}/Makefile", "w") as f:
    tasks = []
    for i in range(n):
        f.write(f"t{i}a:\n\t@true\nt{i}b: t{i}a\n\t@true\nt{i}c: t{i}b\n\t@true\n")
        tasks += [f"t{i}a", f"t{i}b", f"t{i}c"]
    f.write(".PHONY: all " + " ".join(tasks) + "\n")
    f.write("all: " + " ".join(f"t{i}c" for i in range(n)) + "\n")
PY

calc() { awk "BEGIN { v = $1; printf(\"%.3f\", v) }" | sed 's/\.000$//'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== tenants: $n tenants x 3 steps, baton batch --parallel 2 vs make -j2 ($reps reps)"
echo "baton: $BATON"
mt=() bt=() rss=()
for ((i = 0; i < reps; i++)); do
	t0=$EPOCHREALTIME
	make -j2 -C "$work" -f Makefile all >/dev/null
	mt+=("$(calc "$EPOCHREALTIME - $t0")")
	rm -rf "$work/.baton"
	t0=$EPOCHREALTIME
	/usr/bin/time -f %M -o "$work/rss" "$BATON" --project "$work" batch --parallel 2 -q
	bt+=("$(calc "$EPOCHREALTIME - $t0")")
	rss+=("$(cat "$work/rss")")
done
m=$(printf '%s\n' "${mt[@]}" | median)
b=$(printf '%s\n' "${bt[@]}" | median)
r=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
ratio=$(calc "$b / $m")
mmin=$(printf '%s\n' "${mt[@]}" | sort -n | head -1)
bmin=$(printf '%s\n' "${bt[@]}" | sort -n | head -1)
rmin=$(calc "$bmin / $mmin")
mb=$(calc "$r / 1024")
ok() { if [ "$(calc "($1) ? 1 : 0")" = 1 ]; then echo met; else echo MISSED; fi; }
printf '%-28s %10s %10s %8s %10s\n' "" "make_s" "baton_s" "ratio" "baton_MB"
printf '%-28s %10.2f %10.2f %8s %10s\n' "$n tenants x 3 steps" "$m" "$b" "$ratio" "$mb"
echo "  ratio <= 1.3: $(ok "$ratio <= 1.3") (median); best of each: $bmin / $mmin = $rmin; peak RSS <= 64 MB: $(ok "$mb <= 64")"
echo "  raw make: ${mt[*]}"
echo "  raw baton: ${bt[*]}"

for fmt in json csv; do
	t0=$EPOCHREALTIME
	"$BATON" --project "$work" report last --format "$fmt" -o "$work/report.$fmt"
	t=$(calc "$EPOCHREALTIME - $t0")
	rows=$( [ "$fmt" = csv ] && echo $(( $(wc -l <"$work/report.$fmt") - 1 )) || grep -c '"run_id"' "$work/report.$fmt")
	printf 'report --format %-4s %6d rows in %.3f s  (< 1 s: %s)\n' "$fmt" "$rows" "$t" "$(ok "$t < 1")"
done
