"""Overlay peers are trusted senders of outbound requests, exactly while they are linked to the
gateway. On loopback every process could be 127.0.0.1, so the peer listens on 127.0.0.2 (Linux
routes all of 127/8 to lo; a node connects from the address it listens on) and the SIPp caller
sends from 127.0.0.2 too. The gateway has no trusted network at all.
- before the peer joins: an outbound call from 127.0.0.2 gets 403;
- while the peer is joined: the same call completes at a SIPp UAS (sip:bob@127.0.0.1:PORT, a
  domain not ours, so the outbound path), and a caller at 127.0.0.3 still gets 403;
- after the peer left (SIGTERM, clean Leave): 403 again."""

import json
import os
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, ca_dir, gateway_identity, issue, scenario, uac, uas  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-peer-trust-")
sip_tools.set_workdir(work)

PEER_IP = "127.0.0.2"
gw_port, metrics_port, overlay_port, uas_port = free_port(), free_port(), free_port(), free_port()
peer_port, peer_metrics = free_port(), free_port()
target = f"127.0.0.1:{uas_port}"  # Request-URI host: not our domain

gw_node, gw_identity = gateway_identity("gateway")
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
            "--data-dir", os.path.join(work, "gw-data"), "--log-level", "debug",
            *gw_identity], "gateway", work)
base = f"http://127.0.0.1:{metrics_port}"
wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 30, "gateway /health")
check(gw.alive(), "the gateway started the overlay")


def links():
    status, body = http_get(base + "/status")
    return json.loads(body)["links"] if status == 200 else -1


def refused(source, what):
    r = uac(scenario("uac_expect.xml", EXPECTED=403), gw_port, "bob", source=source, domain=target)
    check(r.returncode == 0, f"{what}: outbound call from {source} is refused 403 (sipp {r.returncode})")


check(links() == 0, "no overlay link yet")
refused(PEER_IP, "before the peer joined")

_, cert, key = issue(f"peer@{DOMAIN}", "peer")
peer = start([P2P_BIN, "peer", "--overlay", DOMAIN, "--overlay-listen", f"{PEER_IP}:{peer_port}",
              "--metrics-listen", f"127.0.0.1:{peer_metrics}", "--cert", cert, "--key", key,
              "--ca", ca_dir()[1], "--bootstrap", f"127.0.0.1:{overlay_port}",
              "--data-dir", os.path.join(work, "peer-data"), "--log-level", "debug"], "peer", work)
wait_until(lambda: http_get(f"http://127.0.0.1:{peer_metrics}/health")[0] == 200 or not peer.alive(),
           30, "the peer to join")
check(peer.alive(), "the peer on 127.0.0.2 joined the gateway's overlay")
wait_until(lambda: links() >= 1, 30, "the gateway's link to the peer")

callee = uas("uas", scenario("uas_call.xml"), uas_port)
r = uac(scenario("uac_call.xml"), gw_port, "bob", source=PEER_IP, domain=target)
check(gw.alive(), "gateway alive after the call")
check(r.returncode == 0, f"while joined: the peer's address may call out (sipp {r.returncode} {r.stderr[-300:]})")
check(callee.wait(20) == 0, "the outbound target took the call, its ACK and BYE")
refused("127.0.0.3", "while the peer is joined, another address")

check(peer.stop(10) == 0, "the peer leaves cleanly on SIGTERM")
wait_until(lambda: links() == 0, 30, "the gateway to drop the link to the departed peer")
refused(PEER_IP, "after the peer left")

check(gw.stop(10) == 0, "gateway exits 0 on SIGTERM")
print("PASS")
