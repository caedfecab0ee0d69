"""`p2psip dns-records` publishes the overlay domain by RFC 3263: its output, served by a real
nsd, makes `p2psip resolve sip:alice@<domain>` find the gateways' addresses and ports for UDP
and TCP (NAPTR order, equal-priority SRV for two gateways, A and AAAA), the resolved targets
reach a real running gateway (SIPp OPTIONS answered 200 over UDP and TCP), and the defaults
come from the gateway config file."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "dns"))
from nsd_zone import ZONE, Nsd  # noqa: E402
from harness import *  # noqa: E402,F403

if not P2P_BIN:
    fail("P2P_BIN not set")

HEADER = (f"$ORIGIN {ZONE}.\n$TTL 300\n@ IN SOA ns.{ZONE}. admin.{ZONE}. 1 3600 600 86400 5\n"
          "@ IN NS ns\nns IN A 127.0.0.1\n")


def dns_records(*args, env=None):
    r = run([P2P_BIN, "dns-records", *args], env=env)
    check(r.returncode == 0, f"dns-records {' '.join(args)} exits 0 ({r.stderr.strip()})")
    return r.stdout


def serve(work, records):
    nsd_dir = os.path.join(work, f"nsd-{free_port()}")  # fresh logs: Nsd waits for "nsd started"
    os.mkdir(nsd_dir)
    nsd = Nsd(nsd_dir, free_port())
    nsd.start(HEADER + records)
    return nsd


def resolve(nsd, uri):
    r = run([P2P_BIN, "resolve", "--dns-server", f"127.0.0.1:{nsd.port}", uri], timeout=30)
    check(r.returncode == 0, f"resolve {uri} exits 0 ({r.stderr.strip()})")
    return r.stdout.strip().splitlines()


def start_gateway(work, sip):
    gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{sip}",
                "--metrics-listen", f"127.0.0.1:{free_port()}",
                "--overlay-listen", f"127.0.0.1:{free_port()}",
                "--data-dir", os.path.join(work, "gw-data"), "--overlay", ZONE], "gateway", work)
    wait_until(lambda: tcp_open(sip) or not gw.alive(), 20, "gateway SIP listener")
    check(gw.alive(), "gateway is running")
    return gw


def main():
    work = temp_dir("p2p-dnsrec-")
    sip_a, sip_b = free_port(), free_port()
    gw = start_gateway(work, sip_a)

    # Two gateways: one real on 127.0.0.1, one on ::1 (records only).
    records = dns_records("--domain", ZONE, "--gateway", f"127.0.0.1:{sip_a}",
                          "--gateway", f"[::1]:{sip_b}", "--ttl", "60")
    nsd = serve(work, records)
    got = resolve(nsd, f"sip:alice@{ZONE}")
    udp = {f"udp 127.0.0.1 {sip_a} gw1.{ZONE}", f"udp ::1 {sip_b} gw2.{ZONE}"}
    tcp = {f"tcp 127.0.0.1 {sip_a} gw1.{ZONE}", f"tcp ::1 {sip_b} gw2.{ZONE}"}
    check(len(got) == 4 and set(got[:2]) == udp and set(got[2:]) == tcp,
          f"NAPTR udp then tcp, both gateways per transport: {got}")
    got = resolve(nsd, f"sip:alice@{ZONE};transport=tcp")
    check(set(got) == tcp, f"transport=tcp uses _sip._tcp only: {got}")
    nsd.stop()

    # The resolved targets reach the real gateway over UDP and TCP.
    for line in (f"udp 127.0.0.1 {sip_a} gw1.{ZONE}", f"tcp 127.0.0.1 {sip_a} gw1.{ZONE}"):
        transport, ip, port, _ = line.split()
        r = sipp_options(int(port), work, transport="u1" if transport == "udp" else "t1")
        check(r.returncode == 0, f"OPTIONS to the resolved {transport} target got 200")
    gw.stop()

    # Defaults from the gateway config: domain and sip_listen; tcp first, then tls on its port.
    cfg = os.path.join(work, "gw.yaml")
    with open(cfg, "w") as f:
        f.write(f"overlay: other.example\ndomain: {ZONE}\nsip_listen: 127.0.0.1:{sip_b}\n")
    records = dns_records("--config", cfg, "--transport", "tcp,tls", "--tls-port", str(sip_a))
    nsd = serve(work, records)
    got = resolve(nsd, f"sip:bob@{ZONE}")
    check(got == [f"tcp 127.0.0.1 {sip_b} gw1.{ZONE}", f"tls 127.0.0.1 {sip_a} gw1.{ZONE}"],
          f"config defaults: domain and sip_listen from the file: {got}")
    got = resolve(nsd, f"sips:bob@{ZONE}")
    check(got == [f"tls 127.0.0.1 {sip_a} gw1.{ZONE}"], f"sips: _sips._tcp at --tls-port: {got}")
    nsd.stop()
    env_records = dns_records(env={"P2PSIP_CONFIG": cfg, "P2PSIP_SIP_LISTEN": f"127.0.0.1:{sip_a}"})
    check(f"SRV 10 100 {sip_a} gw1.{ZONE}." in env_records, "P2PSIP_* environment overrides the file")
    adv_records = dns_records(env={"P2PSIP_CONFIG": cfg, "P2PSIP_SIP_LISTEN": f"0.0.0.0:{sip_a}",
                                   "P2PSIP_SIP_ADVERTISE": "sip-gw.example.net"})
    check(f"SRV 10 100 {sip_a} sip-gw.example.net." in adv_records,
          "sip_advertise (port from sip_listen) is the default gateway")

    # Usage errors exit 2 with one line.
    for args, what in ((["--domain", ZONE, "--gateway", "nope"], "bad --gateway"),
                       (["--domain", "bad domain", "--gateway", "127.0.0.1:5060"], "bad domain"),
                       (["--domain", ZONE, "--gateway", "127.0.0.1:5060", "--transport", "sctp"],
                        "bad --transport"),
                       (["--domain", ZONE], "wildcard sip_listen default")):
        r = run([P2P_BIN, "dns-records", *args], env={"P2PSIP_CONFIG": ""})
        check(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1,
              f"{what}: exit 2 with one line ({r.stderr.strip()})")


main()
