"""An nsd instance for tests: config and zones in a temp dir, foreground (-d), current user,
no chroot, on a free 127.0.0.1 port. Ended by its PID only."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import *  # noqa: E402,F401,F403

ZONE = "test.example"


def zone_text(serial, ttl_short_ip, ttl_long_ip):
    lines = [
        f"$ORIGIN {ZONE}.",
        "$TTL 300",
        f"@ IN SOA ns.{ZONE}. admin.{ZONE}. {serial} 3600 600 86400 5",
        "@ IN NS ns",
        "ns IN A 127.0.0.1",
        # Full RFC 3263 chain, with a non-SIP and an unsupported NAPTR that must be skipped.
        'full IN NAPTR 5 10 "u" "E2U+sip" "!^.*$!sip:info@test.example!" .',
        'full IN NAPTR 6 10 "s" "SIP+D2S" "" _sip._sctp.full',
        'full IN NAPTR 10 10 "s" "SIPS+D2T" "" _sips._tcp.full',
        'full IN NAPTR 20 10 "s" "SIP+D2T" "" _sip._tcp.full',
        'full IN NAPTR 30 10 "s" "SIP+D2U" "" _sip._udp.full',
        "_sips._tcp.full IN SRV 0 0 5061 tls1.full",
        "_sip._tcp.full IN SRV 0 0 5060 tcp1.full",
        "_sip._tcp.full IN SRV 10 0 5070 tcp2.full",
        "_sip._udp.full IN SRV 0 0 5060 udp1.full",
        "tls1.full IN A 192.0.2.11",
        "tls1.full IN AAAA 2001:db8::11",
        "tcp1.full IN A 192.0.2.21",
        "tcp2.full IN A 192.0.2.22",
        "tcp2.full IN AAAA 2001:db8::22",
        "udp1.full IN A 192.0.2.31",
        # No NAPTR: SRV only.
        "_sip._udp.srvonly IN SRV 0 0 5062 pbx.srvonly",
        "_sip._tcp.srvonly IN SRV 0 0 5063 pbx.srvonly",
        "_sips._tcp.srvonly IN SRV 0 0 5064 pbx.srvonly",
        "pbx.srvonly IN A 198.51.100.7",
        "srvonly IN A 198.51.100.99",  # must not be used: SRV exists
        # No NAPTR, no SRV: A/AAAA at the default port.
        "plain IN A 203.0.113.1",
        "plain IN AAAA 2001:db8::1",
        # SRV with target "." : decidedly unavailable, no A fallback.
        "_sips._tcp.dot IN SRV 0 0 0 .",
        "dot IN A 203.0.113.9",
        # Weighted SRV set.
        "_sip._udp.weighted IN SRV 0 10 5060 w10.weighted",
        "_sip._udp.weighted IN SRV 0 30 5060 w30.weighted",
        "_sip._udp.weighted IN SRV 0 60 5060 w60.weighted",
        "_sip._udp.weighted IN SRV 1 0 5060 backup.weighted",
        "w10.weighted IN A 192.0.2.110",
        "w30.weighted IN A 192.0.2.130",
        "w60.weighted IN A 192.0.2.160",
        "backup.weighted IN A 192.0.2.199",
        # TTL expiry: the address changes between zone versions.
        f"short 2 IN A {ttl_short_ip}",
        f"long 300 IN A {ttl_long_ip}",
    ]
    # Truncation: 60 A records do not fit a 512-byte UDP answer: c-ares retries over TCP.
    lines += [f"big IN A 10.0.{i // 250}.{i % 250 + 1}" for i in range(60)]
    return "\n".join(lines) + "\n"


class Nsd:
    def __init__(self, workdir, port):
        self.dir = workdir
        self.port = port
        self.proc = None
        self.generation = 0

    def write(self, zone):
        with open(os.path.join(self.dir, "test.zone"), "w") as f:
            f.write(zone)
        conf = f"""server:
  ip-address: 127.0.0.1
  port: {self.port}
  username: ""
  chroot: ""
  zonesdir: "{self.dir}"
  pidfile: "{self.dir}/nsd.pid"
  xfrdfile: "{self.dir}/xfrd.state"
  zonelistfile: "{self.dir}/zone.list"
  database: ""
  logfile: "{self.dir}/nsd-{self.generation}.log"
  server-count: 1
  rrl-ratelimit: 0
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: {ZONE}
  zonefile: test.zone
"""
        with open(os.path.join(self.dir, "nsd.conf"), "w") as f:
            f.write(conf)

    def start(self, zone):
        self.write(zone)
        log = os.path.join(self.dir, f"nsd-{self.generation}.log")
        self.proc = start(["nsd", "-d", "-c", os.path.join(self.dir, "nsd.conf")],
                          f"nsd-{self.generation}", self.dir)

        def started():
            if not self.proc.alive():
                fail(f"nsd exited: {self.proc.output()} {open(log).read() if os.path.exists(log) else ''}")
            return os.path.exists(log) and "nsd started" in open(log).read()

        wait_until(started, 20, "nsd to start")
        self.generation += 1

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None
