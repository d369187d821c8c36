#!/usr/bin/env bash
# http.sh - 1,000 http: steps against a local keep-alive server (nginx
# serving a small JSON file), compared in the same run with
#   curl --parallel --parallel-max 2
# fetching the same 1,000 URLs.  baton runs them as one pipeline of 1,000
# independent http: steps with --max-parallel 2, state persisted as usual.
# Target (issue 6): baton's time <= 1.5 x curl's.  A miss is reported, not
# a failure.
#
#   bench/http.sh [--reps N] [--steps N]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
reps=5
n=1000
while [ $# -gt 0 ]; do
	case $1 in
	--quick) reps=2 ;;
	--reps) reps=$2; shift ;;
	--steps) n=$2; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "http.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
BATON=${BATON:-$root/build-release/baton}
[ -x "$BATON" ] || BATON=$root/build/baton

missing=()
command -v curl >/dev/null || missing+=(curl)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "http.sh needs: sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d)
nginx_pid=""
cleanup() {
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/www" "$tmp/nginx" "$tmp/p/pipelines"
echo '{"ok": true, "items": [1, 2, 3]}' >"$tmp/www/item.json"
chmod -R a+rX "$tmp"  # nginx workers run as an unprivileged user
cat >"$tmp/nginx/nginx.conf" <<N
daemon off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$port;
    root $tmp/www;
    location / { default_type application/json; }
  }
}
N
"$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" 2>>"$tmp/nginx/error.log" &
nginx_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/item.json" >/dev/null && break; sleep 0.05; done

url="http://127.0.0.1:$port/item.json"
python3 - "$tmp" "$n" "$url" <<'PY'
import sys
tmp, n, url = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(f"{tmp}/p/pipelines/h.yaml", "w") as f:
    f.write("steps:\n")
    for i in range(n):
        f.write(f"  - {{name: s{i}, http: {{url: \"{url}?i={i}\"}}}}\n")
with open(f"{tmp}/urls.txt", "w") as f:
    for i in range(n):
        f.write(f"url = \"{url}?i={i}\"\noutput = /dev/null\n")
PY

calc() { awk "BEGIN { printf(\"%.3f\", $1) }"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ct=() bt=()
for ((i = 0; i < reps; i++)); do
	t0=$EPOCHREALTIME
	curl -sf --parallel --parallel-max 2 -K "$tmp/urls.txt" >/dev/null 2>&1 || { echo "http.sh: curl failed" >&2; exit 1; }
	ct+=("$(calc "$EPOCHREALTIME - $t0")")
	rm -rf "$tmp/p/.baton"
	t0=$EPOCHREALTIME
	if ! "$BATON" --project "$tmp/p" run h --max-parallel 2 -q; then
		echo "http.sh: baton failed:" >&2
		"$BATON" --project "$tmp/p" status last | sed -n '6,12p' >&2
		exit 1
	fi
	bt+=("$(calc "$EPOCHREALTIME - $t0")")
done
c=$(printf '%s\n' "${ct[@]}" | median)
b=$(printf '%s\n' "${bt[@]}" | median)
ratio=$(calc "$b / $c")
echo "== http: $n GETs against nginx on loopback (keep-alive), 2 at a time, median of $reps"
echo "baton: $BATON"
printf '%-36s %8s s\n' "curl --parallel --parallel-max 2" "$c" "baton run (1000 http: steps, -j2)" "$b"
echo "  ratio baton/curl: $ratio (target <= 1.5: $(awk "BEGIN {print ($ratio <= 1.5) ? \"met\" : \"MISSED\"}"))"
echo "  raw curl: ${ct[*]}"
echo "  raw baton: ${bt[*]}"
