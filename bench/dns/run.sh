#!/usr/bin/env bash
# Starts nsd on a free loopback port with DOMAINS bench domains, runs bench_dns, stops nsd
# (by its PID). Usage: [BENCH_WRAP=...] [BENCH_ONLY=...] bench/dns/run.sh BUILD_DIR [DOMAINS] [SEQ_N] [PAR_N]
set -euo pipefail
build="${1:?build dir}"; domains="${2:-256}"; seq="${3:-2000}"; par="${4:-20000}"
dir=$(mktemp -d)
trap 'kill "$nsd_pid" 2>/dev/null || true; wait "$nsd_pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{
  echo '$ORIGIN bench.example.'; echo '$TTL 3600'
  echo '@ IN SOA ns.bench.example. admin.bench.example. 1 3600 600 86400 60'
  echo '@ IN NS ns'; echo 'ns IN A 127.0.0.1'
  for i in $(seq 0 $((domains - 1))); do
    echo "d$i IN NAPTR 10 10 \"s\" \"SIP+D2U\" \"\" _sip._udp.d$i"
    echo "_sip._udp.d$i IN SRV 0 10 5060 a.d$i"
    echo "_sip._udp.d$i IN SRV 0 20 5060 b.d$i"
    echo "a.d$i IN A 10.1.$((i / 250)).$((i % 250 + 1))"
    echo "b.d$i IN A 10.2.$((i / 250)).$((i % 250 + 1))"
  done
} > "$dir/bench.zone"
cat > "$dir/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1
  port: $port
  username: ""
  chroot: ""
  zonesdir: "$dir"
  pidfile: "$dir/nsd.pid"
  xfrdfile: "$dir/xfrd.state"
  zonelistfile: "$dir/zone.list"
  database: ""
  logfile: "$dir/nsd.log"
  server-count: 1
  rrl-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: bench.example
  zonefile: bench.zone
CONF
nsd -d -c "$dir/nsd.conf" & nsd_pid=$!
for _ in $(seq 100); do grep -q "nsd started" "$dir/nsd.log" 2>/dev/null && break; sleep 0.1; done
# BENCH_WRAP (e.g. "valgrind --tool=callgrind") prefixes bench_dns; BENCH_ONLY picks scenarios.
${BENCH_WRAP:-} "$build/bench/dns/bench_dns" "127.0.0.1:$port" "$domains" "$seq" "$par" "${BENCH_ONLY:-}"
