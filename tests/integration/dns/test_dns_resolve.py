"""`p2psip resolve` against nsd: NAPTR->SRV->A/AAAA chains, missing NAPTR, missing SRV, sips,
SRV weights, TTL expiry of the in-process cache, NXDOMAIN, negative caching, a silent server
(bounded timeout), a SERVFAIL server and truncated UDP answers (TCP retry)."""

import collections
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from nsd_zone import Nsd, zone_text  # noqa: E402
from harness import *  # noqa: E402,F403

if not P2P_BIN:
    fail("P2P_BIN not set")

work = temp_dir("p2p-dns-")
port = free_port()
nsd = Nsd(work, port)
nsd.start(zone_text(1, "192.0.2.50", "192.0.2.60"))
SERVER = f"127.0.0.1:{port}"


def resolve(uri, *extra, server=SERVER, timeout=30):
    return run([P2P_BIN, "resolve", "--dns-server", server, *extra, uri], timeout=timeout)


def expect(uri, lines, *extra):
    r = resolve(uri, *extra)
    got = r.stdout.strip().splitlines()
    check(r.returncode == 0 and got == lines,
          f"{uri} -> {lines}" + ("" if got == lines else f" (got rc={r.returncode} {got} {r.stderr})"))


# --- RFC 3263 chains -------------------------------------------------------------------------
expect("sip:alice@full.test.example", [
    "tls 192.0.2.11 5061 tls1.full.test.example",
    "tls 2001:db8::11 5061 tls1.full.test.example",
    "tcp 192.0.2.21 5060 tcp1.full.test.example",
    "tcp 192.0.2.22 5070 tcp2.full.test.example",
    "tcp 2001:db8::22 5070 tcp2.full.test.example",
    "udp 192.0.2.31 5060 udp1.full.test.example",
])
expect("sips:alice@full.test.example", [
    "tls 192.0.2.11 5061 tls1.full.test.example",
    "tls 2001:db8::11 5061 tls1.full.test.example",
])
expect("sip:full.test.example", [
    "tls 2001:db8::11 5061 tls1.full.test.example",
    "tls 192.0.2.11 5061 tls1.full.test.example",
    "tcp 192.0.2.21 5060 tcp1.full.test.example",
    "tcp 2001:db8::22 5070 tcp2.full.test.example",
    "tcp 192.0.2.22 5070 tcp2.full.test.example",
    "udp 192.0.2.31 5060 udp1.full.test.example",
], "--family", "ipv6-first")
expect("sip:full.test.example;transport=udp", ["udp 192.0.2.31 5060 udp1.full.test.example"])
expect("sip:bob@srvonly.test.example", [
    "udp 198.51.100.7 5062 pbx.srvonly.test.example",
    "tcp 198.51.100.7 5063 pbx.srvonly.test.example",
    "tls 198.51.100.7 5064 pbx.srvonly.test.example",
])
expect("sips:bob@srvonly.test.example", ["tls 198.51.100.7 5064 pbx.srvonly.test.example"])
expect("sip:srvonly.test.example:5099", ["udp 198.51.100.99 5099 srvonly.test.example"])
expect("sip:plain.test.example", ["udp 203.0.113.1 5060 plain.test.example",
                                  "udp 2001:db8::1 5060 plain.test.example"])
expect("sips:plain.test.example", ["tls 203.0.113.1 5061 plain.test.example",
                                   "tls 2001:db8::1 5061 plain.test.example"])
expect("sip:plain.test.example;transport=tcp", ["tcp 203.0.113.1 5060 plain.test.example"],
       "--family", "ipv4")
expect("sip:x@plain.test.example;maddr=full.test.example;transport=udp",
       ["udp 192.0.2.31 5060 udp1.full.test.example"])

# --- numeric hosts skip DNS (the server given is silent) and usage errors ----------------------
expect("sip:[2001:db8::5]:5070;transport=tcp", ["tcp 2001:db8::5 5070 2001:db8::5"])
r = resolve("sip:bad host")
check(r.returncode == 2 and "invalid URI" in r.stderr, "bad URI exits 2")
r = resolve("sip:a.test.example", server="127.0.0.1")
check(r.returncode == 2 and "--dns-server" in r.stderr, "bad --dns-server exits 2")

# --- SRV "." and NXDOMAIN, negative caching ---------------------------------------------------
r = resolve("sips:dot.test.example")
check(r.returncode == 1 and "unavailable" in r.stderr and not r.stdout,
      f"SRV target '.' is unavailable, no A fallback ({r.stderr.strip()})")
r = resolve("sip:nowhere.test.example", "--repeat", "2", "--stats")
check(r.returncode == 1 and "nowhere.test.example: NXDOMAIN" in r.stderr,
      f"NXDOMAIN is one clear line ({r.stderr.splitlines()[0] if r.stderr else ''})")
check("queries=1 cache_hits=1" in r.stderr, f"NXDOMAIN cached (RFC 2308): {r.stderr.strip()}")

# --- weights: distribution of the first target over many draws -------------------------------
r = resolve("sip:weighted.test.example;transport=udp", "--repeat", "2000", "--stats", timeout=120)
check(r.returncode == 0, "weighted resolution repeated")
rounds = [blk.strip().splitlines() for blk in r.stdout.split("--\n") if blk.strip()]
check(len(rounds) == 2000 and all(len(x) == 4 for x in rounds), "every round lists all 4 targets")
check(all(x[-1].endswith("backup.weighted.test.example") for x in rounds),
      "the priority-1 target always comes last")
first = collections.Counter(x[0].split()[3].split(".")[0] for x in rounds)
shares = {k: v / 2000 for k, v in first.items()}
check(abs(shares.get("w10", 0) - 0.10) < 0.04 and abs(shares.get("w30", 0) - 0.30) < 0.05
      and abs(shares.get("w60", 0) - 0.60) < 0.05, f"first-target shares follow weights {shares}")
check("queries=9 " in r.stderr, f"cached SRV/A reused across rounds: {r.stderr.strip()}")

# --- truncated UDP answer: c-ares retries over TCP ---------------------------------------------
r = resolve("sip:big.test.example:5060")
got = r.stdout.strip().splitlines()
check(r.returncode == 0 and len(got) == 60 and len(set(got)) == 60,
      f"60 A records through TCP after TC ({len(got)} lines)")

# --- TTL expiry: one process, zone changes in between ------------------------------------------
short = start([P2P_BIN, "resolve", "--dns-server", SERVER, "--repeat", "2", "--interval-ms", "5000",
               "sip:short.test.example:5060"], "short", work)
long_ = start([P2P_BIN, "resolve", "--dns-server", SERVER, "--repeat", "2", "--interval-ms", "5000",
               "sip:long.test.example:5060"], "long", work)
wait_until(lambda: "--" in short.stdout() and "--" in long_.stdout(), 10, "first rounds")
nsd.stop()
nsd.start(zone_text(2, "192.0.2.51", "192.0.2.61"))
check(short.wait(20) == 0 and long_.wait(20) == 0, "TTL processes finished")
s_rounds = [b.split() for b in short.stdout().split("--\n") if b.strip()]
l_rounds = [b.split() for b in long_.stdout().split("--\n") if b.strip()]
check(s_rounds[0][1] == "192.0.2.50" and s_rounds[1][1] == "192.0.2.51",
      f"TTL 2s expired: new address after zone change {s_rounds}")
check(l_rounds[0][1] == "192.0.2.60" and l_rounds[1][1] == "192.0.2.60",
      f"TTL 300s: cached address kept {l_rounds}")


# --- a server that never answers, and one that answers SERVFAIL --------------------------------
def silent_server():
    p = free_port()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", p))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", p))
    t.listen(16)
    return p, (u, t)


def servfail_server():
    p = free_port()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", p))

    def loop():
        while True:
            data, peer = u.recvfrom(4096)
            if len(data) < 12:
                continue
            qid, flags = struct.unpack("!HH", data[:4])
            hdr = struct.pack("!HHHHHH", qid, 0x8000 | (flags & 0x0100) | 0x0080 | 2, 1, 0, 0, 0)
            u.sendto(hdr + data[12:], peer)

    threading.Thread(target=loop, daemon=True).start()
    return p, u


sp, keep = silent_server()
t0 = time.monotonic()
r = resolve("sip:alice@full.test.example", "--timeout-ms", "1500", server=f"127.0.0.1:{sp}")
took = time.monotonic() - t0
check(r.returncode == 1 and "timeout after 1.5s" in r.stderr, f"silent server: {r.stderr.strip()}")
check(took < 1.5 + 1.0, f"silent server: gave up within the bound ({took:.2f}s)")

fp, keep2 = servfail_server()
r = resolve("sip:alice@full.test.example", "--timeout-ms", "3000", server=f"127.0.0.1:{fp}")
check(r.returncode == 1 and "SERVFAIL" in r.stderr, f"SERVFAIL reported: {r.stderr.strip()}")

# --- several servers: the first is silent, the second answers ---------------------------------
r = run([P2P_BIN, "resolve", "--dns-server", f"127.0.0.1:{sp}", "--dns-server", SERVER,
         "--timeout-ms", "5000", "sip:plain.test.example:5060"], timeout=30)
check(r.returncode == 0 and "203.0.113.1" in r.stdout, f"second --dns-server used ({r.stderr.strip()})")

nsd.stop()
print("PASS")
