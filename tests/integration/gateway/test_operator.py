"""What an operator looks for (issue 19), on a real gateway and a real peer:
- log_format json: every stderr line of the gateway is a JSON object; each routing decision is
  one info line with the request's Call-ID: a static route (a plain phone registered here) with
  its target, an overlay lookup hit (an AoR the peer keeps registered) with the contact, the
  RFC 3263 fallback after a miss (a trusted sender, a numeric target), and refusals with their
  status and why (404 nobody registered, 403 no open relay); log_format logfmt on the peer;
- no secrets at debug level: after a digest REGISTER with a known password, neither the
  password, nor HA1, nor the digest response appear in the gateway's output;
- `p2psip status` against the live gateway and peer prints the Node-ID, the ring (successors
  are the other node), storage and the registrations kept, as /status says; --json prints the
  document itself; an unreachable node is exit 3 with a clear message, a bad address exit 2."""

import hashlib
import json
import os
import re
import socket
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity, register  # noqa: E402

PASSWORD = "Op3rator-Pa55word-7c1e"

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-operator-")
sip_tools.set_workdir(work)
ca = sip_tools.ca_dir()[1]


def options(port, ruri, source="127.0.0.1"):
    """OPTIONS from `source`; returns (Call-ID, first final status line or None)."""
    call_id = f"op-{time.time_ns()}@{source}"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((source, 0))
    s.settimeout(3)
    lport = s.getsockname()[1]
    s.sendto((f"OPTIONS {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {source}:{lport};branch=z9hG4bK-{time.time_ns()}\r\n"
              f"Max-Forwards: 70\r\nFrom: <sip:ops@{source}>;tag=op\r\nTo: <{ruri}>\r\n"
              f"Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode(),
             ("127.0.0.1", port))
    try:
        while True:
            line = s.recv(65535).decode(errors="replace").split("\r\n", 1)[0]
            if not line.startswith("SIP/2.0 1"):
                return call_id, line
    except socket.timeout:
        return call_id, None
    finally:
        s.close()


def json_lines(proc):
    out = []
    for line in proc.stderr().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            fail(f"a gateway log line is not JSON: {line!r}")
    return out


def route_lines(proc, call_id):
    """The info-level routing lines of one request (a lookup's own line is at debug)."""
    return [o for o in json_lines(proc)
            if o.get("msg") == "route" and o.get("call_id") == call_id and o.get("level") == "info"]


def expect_route(proc, call_id, what, **want):
    wait_until(lambda: route_lines(proc, call_id) or not proc.alive(), 10, f"the routing line of {what}")
    lines = route_lines(proc, call_id)
    check(len(lines) == 1 and all(lines[0].get(k) == v for k, v in want.items()),
          f"{what}: one info line with its Call-ID and {want}: {lines}")


# A ring of two: the gateway (its own certificate) and a peer keeping peer@DOMAIN registered.
gw_node, gw_identity = gateway_identity("gateway")
_, peer_cert, peer_key = sip_tools.issue(f"peer@{DOMAIN}", "peer")
gw_port, gw_metrics, gw_overlay = free_port(), free_port(), free_port()
peer_metrics, peer_overlay, phone_port, peer_contact_port = free_port(), free_port(), free_port(), free_port()
phones = os.path.join(work, "phones")
with open(phones, "w") as f:
    f.write(f"alice {PASSWORD}\n")
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{gw_metrics}", "--overlay-listen", f"127.0.0.1:{gw_overlay}",
            "--overlay", DOMAIN, *gw_identity, "--phones-file", phones,
            "--trusted-network", "127.0.0.2/32", "--data-dir", os.path.join(work, "gw"),
            "--log-level", "debug", "--log-format", "json"], "gateway", work)
wait_until(lambda: http_get(f"http://127.0.0.1:{gw_metrics}/health")[0] == 200 or not gw.alive(), 30,
           "gateway /health")
check(gw.alive(), f"the gateway runs\n{gw.output()[-2000:]}")
peer_contact = f"sip:peer@127.0.0.1:{peer_contact_port}"
peer = start([P2P_BIN, "peer", "--overlay", DOMAIN, "--overlay-listen", f"127.0.0.1:{peer_overlay}",
              "--metrics-listen", f"127.0.0.1:{peer_metrics}", "--cert", peer_cert, "--key", peer_key,
              "--ca", ca, "--bootstrap", f"127.0.0.1:{gw_overlay}", "--data-dir", os.path.join(work, "peer"),
              "--register", f"peer@{DOMAIN}={peer_contact}", "--log-format", "logfmt"], "peer", work)


def status_of(port):
    code, body = http_get(f"http://127.0.0.1:{port}/status")
    return json.loads(body) if code == 200 else {}


wait_until(lambda: status_of(peer_metrics).get("registrations_stored") == 1 or not peer.alive(), 30,
           "the peer joined and stored its registration")
check(peer.alive(), f"the peer runs\n{peer.output()[-2000:]}")
peer_lines = [l for l in peer.stderr().splitlines() if l]
check(peer_lines and all(re.match(r"time=\S+Z level=\w+ component=\w+ msg=", l) for l in peer_lines),
      f"the peer logs logfmt ({len(peer_lines)} lines): {peer_lines[:2]}")

# A plain phone registers with a known password at debug level.
contact = f"sip:alice@127.0.0.1:{phone_port}"
sent = []
statuses, last = register(gw_port, "alice", PASSWORD, contact, sent=sent)
check(statuses == ["SIP/2.0 401 Unauthorized", "SIP/2.0 200 OK"], f"alice registers: {statuses}")
auth = re.search(r'Authorization: Digest .*realm="([^"]+)".*response="([0-9a-f]+)"', sent[-1])
realm, response = auth.group(1), auth.group(2)
ha1 = hashlib.sha256(f"alice:{realm}:{PASSWORD}".encode()).hexdigest()

# Routing decisions, one line each.
call_id, r = options(gw_port, f"sip:alice@{DOMAIN}")
expect_route(gw, call_id, "OPTIONS to the phone registered here", method="OPTIONS", route="static",
             target=contact)
call_id, r = options(gw_port, f"sip:peer@{DOMAIN}")
expect_route(gw, call_id, "OPTIONS to the AoR the peer keeps", route="overlay", lookup="hit",
             aor=f"peer@{DOMAIN}", target=peer_contact)
call_id, r = options(gw_port, f"sip:nobody@{DOMAIN}")
check(r == "SIP/2.0 404 Not Found", f"nobody@{DOMAIN}: 404 ({r})")
expect_route(gw, call_id, "OPTIONS to nobody", route="rejected", lookup="miss", status="404",
             why="not registered in the overlay")
# From 127.0.0.3: neither trusted_network nor the address of a registered phone (127.0.0.1 is).
call_id, r = options(gw_port, "sip:carol@elsewhere.example", source="127.0.0.3")
check(r == "SIP/2.0 403 Forbidden", f"an outbound request from an untrusted sender: 403 ({r})")
expect_route(gw, call_id, "the outbound request from an untrusted sender", route="rejected",
             status="403", why="outbound request from an untrusted sender (no open relay)")
dns_target = f"sip:carol@127.0.0.1:{free_port()}"
call_id, _ = options(gw_port, dns_target, source="127.0.0.2")
expect_route(gw, call_id, "an outbound request from a trusted sender", route="dns", lookup="miss",
             target=dns_target)

# No secrets, whatever the level.
output = gw.output() + peer.output()
for secret, what in ((PASSWORD, "password"), (ha1, "HA1"), (response, "digest response")):
    check(secret not in output, f"the {what} appears nowhere in the logs (debug level)")

# p2psip status, human-readable and --json, against both live nodes.
for name, port in (("gateway", gw_metrics), ("peer", peer_metrics)):
    doc = status_of(port)
    r = run([P2P_BIN, "status", "--metrics", f"127.0.0.1:{port}"], timeout=20)
    check(r.returncode == 0, f"p2psip status of the {name}: exit {r.returncode} {r.stderr.strip()}")
    out = r.stdout
    check(f"node-id: {doc['node_id']} (joined)" in out, f"{name}: its Node-ID and state\n{out}")
    other = (status_of(peer_metrics) if name == "gateway" else status_of(gw_metrics))["node_id"]
    check(doc["successors"] == [other] and f"  successors (1):\n    {other}\n" in out,
          f"{name}: its successor is the other node")
    check(f"  predecessors (1):\n    {other}\n" in out, f"{name}: its predecessor is the other node")
    check("fingers" in doc, f"{name}: /status lists the fingers")
    check(f"  fingers ({len(doc['fingers'])}):\n" + "".join(f"    {i}\n" for i in doc["fingers"]) in out,
          f"{name}: its fingers ({doc['fingers']})")
    check(re.search(r"storage: \d+ resources \(\d+ responsible, \d+ replicas\), \d+ values", out),
          f"{name}: what it stores")
    kept = f"peer@{DOMAIN} stored" if name == "peer" else f"gateway@{DOMAIN}"
    check(kept in out, f"{name}: the registrations it keeps ({kept})")
    r = run([P2P_BIN, "status", "--json", "--metrics", f"http://127.0.0.1:{port}/status"], timeout=20)
    check(r.returncode == 0 and json.loads(r.stdout)["node_id"] == doc["node_id"],
          f"{name}: --json prints the /status document")

closed = free_port()
r = run([P2P_BIN, "status", "--metrics", f"127.0.0.1:{closed}"], timeout=20)
check(r.returncode == 3 and "node unreachable" in r.stderr and "Connection refused" in r.stderr,
      f"nothing listening: exit 3 with the reason ({r.returncode}: {r.stderr.strip()})")
r = run([P2P_BIN, "status", "--metrics", "127.0.0.1:99999"], timeout=20)
check(r.returncode == 2, f"a bad --metrics is a usage error ({r.returncode}: {r.stderr.strip()})")

check(peer.stop(10) == 0 and gw.stop(10) == 0, "both exit 0 on SIGTERM")
json_lines(gw)  # the shutdown lines too
print("PASS")
