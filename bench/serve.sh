#!/usr/bin/env bash
# serve.sh - `baton serve` against nginx on the same machine, same run.
#
# 1. wrk -t2 -c50 against GET /api/v1/runs/{id} on baton serve, and against
#    nginx serving a static JSON file of the same size: requests per second
#    (target: baton >= 0.5x nginx).
# 2. The same wrk load while a 1000-step pipeline runs in the server: p99
#    latency (target <= 5 ms).
# 3. The resident memory of an idle `baton serve` (target <= 10 MB).
#
# wrk and nginx are installed with apt-get when missing and running as root;
# otherwise the script names the packages and stops.  nginx runs as this user
# on a free port with a temporary configuration.  A missed target is
# reported, not an error: the script exits 0 unless a command fails.
#
# Options:  --quick    3-second wrk runs instead of 10
#           --reps N   accepted for bench/run (wrk runs once per server)
# Env:      BATON      the binary (default: build-release/baton if built,
#                      else build/baton)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
dur=10
while [ $# -gt 0 ]; do
	case $1 in
	--quick) dur=3 ;;
	--reps) shift ;;
	--reps=*) ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "serve.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

BATON=${BATON:-$root/build-release/baton}
[ -x "$BATON" ] || BATON=$root/build/baton

# --- tools ---------------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "serve.sh needs: sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d)
baton_pid=""
nginx_pid=""
cleanup() {
	[ -n "$baton_pid" ] && kill "$baton_pid" 2>/dev/null && wait "$baton_pid" 2>/dev/null
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# wrk_run URL -> "RPS P99_MS"
wrk_run() {
	local out
	out=$(wrk -t2 -c50 -d"${dur}s" --latency "$1")
	echo "$out" >>"$tmp/wrk.txt"
	awk '/Requests\/sec/ {rps=$2}
	     /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000}
	               else if (v ~ /ms$/) {sub(/ms/,"",v)}
	               else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}
	               p99=v}
	     END {printf "%s %s\n", rps, p99}' <<<"$out"
}

# --- the project ---------------------------------------------------------
mkdir -p "$tmp/p/pipelines" "$tmp/www" "$tmp/nginx"
cat >"$tmp/p/pipelines/small.yaml" <<'Y'
steps:
  - name: extract
    run: echo extracting
  - name: transform
    depends_on: [extract]
    run: echo transforming
  - name: load
    depends_on: [transform]
    run: echo loading
Y
python3 - "$tmp/p/pipelines/big.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("max_parallel: 2\nsteps:\n")
    for i in range(1000):
        f.write(f"  - name: s{i}\n    run: sleep 0.02\n")
        if i % 10:
            f.write(f"    depends_on: [s{i - 1}]\n")
PY

"$BATON" --project "$tmp/p" serve --listen 127.0.0.1:0 \
	--port-file "$tmp/port" 2>"$tmp/serve.log" &
baton_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port=$(cat "$tmp/port")
base=http://127.0.0.1:$port
sleep 0.5
idle_start=$(rss_kb "$baton_pid")

run_id=$(curl -sf -X POST "$base/api/v1/runs" -d '{"pipeline":"small"}' |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["run_id"])')
for _ in $(seq 100); do
	curl -sf "$base/api/v1/runs/$run_id" | grep -q '"status":"succeeded"' && break
	sleep 0.05
done
curl -sf "$base/api/v1/runs/$run_id" >"$tmp/www/run.json"
size=$(stat -c %s "$tmp/www/run.json")
sleep 1
idle_after=$(rss_kb "$baton_pid")

nport=$(free_port)
cat >"$tmp/nginx/nginx.conf" <<N
daemon off;
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$nport;
    root $tmp/www;
    location / { default_type application/json; }
  }
}
N
"$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" 2>>"$tmp/nginx/error.log" &
nginx_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$nport/run.json" >/dev/null && break; sleep 0.05; done

echo "GET /api/v1/runs/{id}: $size bytes of JSON; wrk -t2 -c50 -d${dur}s; $(nproc) CPUs"
read -r n_rps n_p99 < <(wrk_run "http://127.0.0.1:$nport/run.json")
read -r b_rps b_p99 < <(wrk_run "$base/api/v1/runs/$run_id")

big=$(curl -sf -X POST "$base/api/v1/runs" -d '{"pipeline":"big"}' |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["run_id"])')
sleep 0.5
read -r l_rps l_p99 < <(wrk_run "$base/api/v1/runs/$run_id")
big_status=$(curl -sf "$base/api/v1/runs/$big" |
	python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["status"], r["current_step"], "/", r["total_steps"])')
busy_rss=$(rss_kb "$baton_pid")

python3 - "$n_rps" "$b_rps" "$b_p99" "$l_rps" "$l_p99" "$idle_start" \
	"$idle_after" "$busy_rss" "$n_p99" "$big_status" <<'PY'
import sys
n_rps, b_rps, b_p99, l_rps, l_p99 = map(float, sys.argv[1:6])
idle0, idle1, busy = (int(x) / 1024 for x in sys.argv[6:9])
n_p99 = float(sys.argv[9])
big = sys.argv[10]
def mark(ok): return "ok" if ok else "MISSED"
ratio = b_rps / n_rps if n_rps else 0
print(f"  nginx (static file)      {n_rps:10.0f} req/s   p99 {n_p99:6.2f} ms")
print(f"  baton serve              {b_rps:10.0f} req/s   p99 {b_p99:6.2f} ms")
print(f"  ratio baton/nginx        {ratio:10.2f}x        target >= 0.5x   {mark(ratio >= 0.5)}")
print(f"  while a 1000-step run goes on ({big} steps done at the end):")
print(f"  baton serve              {l_rps:10.0f} req/s   p99 {l_p99:6.2f} ms"
      f"   target <= 5 ms   {mark(l_p99 <= 5)}")
print(f"  idle RSS                 {idle0:10.1f} MB at start, {idle1:.1f} MB after"
      f" one run   target <= 10 MB   {mark(max(idle0, idle1) <= 10)}")
print(f"  RSS under load           {busy:10.1f} MB")
PY
