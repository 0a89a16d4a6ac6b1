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

dnsperf_qps() {  # address
  dnsperf -s "$1" -p "$dns_port" -d "$work/queries" -l "$seconds" -c 8 -T 1 -q 200 2>&1 |
    awk '/Queries per second:/ {print $4}'
}
check_answer() {  # address
  dig @"$1" -p "$dns_port" +short +tries=1 +time=2 www.bench.test A | grep -q 192.0.2.10 ||
    { echo "bench: $1 does not answer correctly"; exit 1; }
}
check_answer "$stele_dns"; check_answer "$nsd_addr"
stele_qps="$(dnsperf_qps "$stele_dns")"
nsd_qps="$(dnsperf_qps "$nsd_addr")"

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

wrk_rps() {  # url
  wrk -t 1 -c 64 -d "${seconds}s" "$1" 2>&1 | awk '/Requests\/sec:/ {print $2}'
}
stele_rps="$(wrk_rps "http://$stele_web:$web_port/")"
nginx_rps="$(wrk_rps "http://$nginx_addr:$web_port/")"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
printf '\n%-34s %14s %14s %8s\n' "measurement (${seconds}s each, loopback)" "stele" "reference" "ratio"
printf '%-34s %14.0f %14.0f %8s\n' "DNS queries/s (dnsperf) vs NSD" "$stele_qps" "$nsd_qps" "$(ratio "$stele_qps" "$nsd_qps")"
printf '%-34s %14.0f %14.0f %8s\n' "HTTP requests/s (wrk) vs nginx" "$stele_rps" "$nginx_rps" "$(ratio "$stele_rps" "$nginx_rps")"
echo "(both sides single-threaded: stele is one event loop; NSD server-count 1; nginx worker_processes 1)"
