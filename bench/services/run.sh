#!/usr/bin/env bash
# Appliance throughput in process mode on loopback, side by side with a reference server:
#   DNS: stele-dns vs NSD on the same zone, measured with dnsperf (queries/s);
#   web: stele-web vs nginx on the same page, measured with wrk (requests/s).
# Usage: bench/services/run.sh [BUILD_DIR] [SECONDS]   (defaults: build-services, 10)
# Everything listens on 127.0.0.6x only; every server started here is stopped on exit.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build_dir="${1:-$root/build-services}"
seconds="${2:-10}"
bin="$build_dir/services"

if [[ ! -x "$bin/stele-dns" || ! -x "$bin/stele-web" ]]; then
  cmake -S "$root/services" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$build_dir" -j2 stele-dns stele-web >/dev/null
fi
for tool in dnsperf wrk nsd nginx; do
  command -v "$tool" >/dev/null || { echo "bench: $tool missing (see scripts/packages.txt)"; exit 1; }
done

work="$(mktemp -d /tmp/stele-services-bench-XXXXXX)"
chmod 0755 "$work"   # nginx workers (not root) read the page from here
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -n "${KEEP_BENCH_DIR:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

wait_for_port() {  # proto address port
  for _ in $(seq 100); do
    if ss -H -ln"${1:0:1}" "src $2:$3" | grep -q .; then return 0; fi
    sleep 0.05
  done
  echo "bench: nothing listening on $2:$3 ($1)"; exit 1
}

# ---- DNS ------------------------------------------------------------------------------
stele_dns=127.0.0.61; nsd_addr=127.0.0.62; dns_port=5353
cat >"$work/dns.conf" <<EOC
instance bench-dns
listen $stele_dns:$dns_port
zone bench.test
record @ 3600 SOA ns1 hostmaster 1 7200 3600 1209600 300
record @ 3600 NS ns1
record ns1 3600 A 192.0.2.53
record www 300 A 192.0.2.10
record www 300 AAAA 2001:db8::10
record alias 300 CNAME www
record @ 300 TXT "v=stele bench"
EOC
cat >"$work/bench.test.zone" <<'EOC'
$ORIGIN bench.test.
$TTL 300
@     3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@     3600 IN NS ns1
ns1   3600 IN A 192.0.2.53
www        IN A 192.0.2.10
www        IN AAAA 2001:db8::10
alias      IN CNAME www
@          IN TXT "v=stele bench"
EOC
cat >"$work/nsd.conf" <<EOC
server:
  ip-address: $nsd_addr@$dns_port
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "$work"
  database: ""
  pidfile: "$work/nsd.pid"
  logfile: "$work/nsd.log"
  xfrdfile: "$work/xfrd.state"
  zonelistfile: "$work/zone.list"
  hide-version: yes
  verbosity: 0
  rrl-ratelimit: 0           # response rate limiting would cap one client at 200 qps
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: bench.test.zone
EOC
printf '%s\n' "www.bench.test A" "www.bench.test AAAA" "alias.bench.test A" "bench.test TXT" \
  "bench.test NS" "missing.bench.test A" "bench.test SOA" "ns1.bench.test A" >"$work/queries"

"$bin/stele-dns" --config "$work/dns.conf" >"$work/stele-dns.log" 2>&1 & pids+=($!)
nsd -d -c "$work/nsd.conf" >"$work/nsd.out" 2>&1 & pids+=($!)
wait_for_port udp "$stele_dns" "$dns_port"
wait_for_port udp "$nsd_addr" "$dns_port"

# Each run leaves its figure and its errors in $work/NAME.result: "FIGURE LOST ERRORS".
# Lost queries, and answers other than NOERROR/NXDOMAIN (the query list expects both), are
# errors; so are non-2xx answers and socket errors for HTTP. A figure with errors is INVALID.
dnsperf_run() {  # name address
  dnsperf -s "$2" -p "$dns_port" -d "$work/queries" -l "$seconds" -c 8 -T 1 -q 200 \
    >"$work/$1.dnsperf" 2>&1
  awk '/Queries per second:/ {qps = $4}
       /Queries lost:/ {lost = $3}
       /Response codes:/ {
         line = $0; sub(/.*Response codes: */, "", line); n = split(line, parts, /, */)
         for (i = 1; i <= n; i++) { split(parts[i], f, " "); if (f[1] != "NOERROR" && f[1] != "NXDOMAIN") bad += f[2] }
       }
       END { if (qps == "") { qps = 0; bad += 1 } printf "%s %d %d\n", qps, lost, bad }' \
    "$work/$1.dnsperf" >"$work/$1.result"
}
check_answer() {  # address
  dig @"$1" -p "$dns_port" +short +tries=1 +time=2 www.bench.test A | grep -q 192.0.2.10 ||
    { echo "bench: $1 does not answer correctly"; exit 1; }
}
check_answer "$stele_dns"; check_answer "$nsd_addr"
dnsperf_run stele-dns "$stele_dns"
dnsperf_run nsd "$nsd_addr"

# ---- web ------------------------------------------------------------------------------
stele_web=127.0.0.63; nginx_addr=127.0.0.64; web_port=8080
printf 'instance bench-web\nversion bench\nlisten %s:%s\n' "$stele_web" "$web_port" >"$work/web.conf"
"$bin/stele-web" --config "$work/web.conf" >"$work/stele-web.log" 2>&1 & pids+=($!)
wait_for_port tcp "$stele_web" "$web_port"
mkdir -p "$work/www"
curl -sS "http://$stele_web:$web_port/" -o "$work/www/index.html"   # the very same page
cat >"$work/nginx.conf" <<EOC
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx-tmp;
  proxy_temp_path $work/nginx-tmp;
  fastcgi_temp_path $work/nginx-tmp;
  uwsgi_temp_path $work/nginx-tmp;
  scgi_temp_path $work/nginx-tmp;
  keepalive_requests 1000000;
  server {
    listen $nginx_addr:$web_port;
    root $work/www;
    default_type text/html;
  }
}
EOC
nginx -c "$work/nginx.conf" -p "$work" >"$work/nginx.out" 2>&1 & pids+=($!)
wait_for_port tcp "$nginx_addr" "$web_port"

# wrk counts non-2xx answers per thread in Lua; done() sums them over the threads.
cat >"$work/count.lua" <<'EOC'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format("non2xx %d socket_errors %d\n", n,
    e.connect + e.read + e.write + e.timeout))
end
EOC
wrk_run() {  # name url
  wrk -t 1 -c 64 -d "${seconds}s" -s "$work/count.lua" "$2" >"$work/$1.wrk" 2>&1
  awk '/Requests\/sec:/ {rps = $2}
       /^non2xx/ {non2xx = $2; sock = $4; seen = 1}
       END { if (rps == "" || !seen) { rps = 0; sock += 1 } printf "%s %d %d\n", rps, sock, non2xx }' \
    "$work/$1.wrk" >"$work/$1.result"
}
wrk_run stele-web "http://$stele_web:$web_port/"
wrk_run nginx "http://$nginx_addr:$web_port/"

# figure NAME: the figure, or INVALID(...) when the run had lost queries or errors.
figure() {
  awk '{ if ($2 + $3 > 0) printf "INVALID(%.0f)", $1; else printf "%.0f", $1 }' "$work/$1.result"
}
errors() { awk '{ printf "%d lost/socket, %d bad answers", $2, $3 }' "$work/$1.result"; }
ratio() {
  awk 'NR == FNR { a = $1; bad = $2 + $3; next } { b = $1; bad += $2 + $3 }
       END { if (bad > 0) print "INVALID"; else if (b > 0) printf "%.2f", a / b; else print "n/a" }' \
    "$work/$1.result" "$work/$2.result"
}
printf '\n%-34s %16s %16s %8s\n' "measurement (${seconds}s each, loopback)" "stele" "reference" "ratio"
printf '%-34s %16s %16s %8s\n' "DNS queries/s (dnsperf) vs NSD" "$(figure stele-dns)" "$(figure nsd)" "$(ratio stele-dns nsd)"
printf '%-34s %16s %16s %8s\n' "HTTP requests/s (wrk) vs nginx" "$(figure stele-web)" "$(figure nginx)" "$(ratio stele-web nginx)"
printf '%-34s %16s %16s\n' "  errors, DNS" "$(errors stele-dns)" "$(errors nsd)"
printf '%-34s %16s %16s\n' "  errors, HTTP" "$(errors stele-web)" "$(errors nginx)"
invalid=0
for run in stele-dns nsd stele-web nginx; do
  awk '{ exit ($2 + $3 > 0) ? 0 : 1 }' "$work/$run.result" && invalid=1
done
echo "(both sides single-threaded: stele is one event loop; NSD server-count 1; nginx worker_processes 1)"
if [[ "$invalid" -ne 0 ]]; then
  echo "INVALID: a run had lost queries, socket errors or bad answers (KEEP_BENCH_DIR=1 keeps the logs)"
  exit 1
fi
