"""Inbound through a real Kamailio: SIPp caller -> Kamailio (static route for the overlay domain,
record_route) -> the gateway -> SIPp callees from the gateway's static registrations (its YAML
config file). INVITE/200/ACK/BYE completes with ACK and BYE following both
Record-Routes, CANCEL during ringing gives 487, an AoR with two contacts forks, an unknown AoR
gives 404 (the gateway's overlay is joined and holds nothing), and the gateway answers
Kamailio's OPTIONS probe path (OPTIONS to the domain) with 200."""

import os
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import (DOMAIN, gateway_identity, metric, raw, request, scenario, start_kamailio,  # noqa: E402
                       static_config, uac, uas)  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-kam-")
sip_tools.set_workdir(work)

kam_port, gw_port, metrics_port, overlay_port = free_port(), free_port(), free_port(), free_port()
uas_call_port, uas_ring_port, uas_busy_port, uas_fork_port = (free_port() for _ in range(4))

kam = start_kamailio(kam_port, gw_port)

gw_node, gw_identity = gateway_identity("gateway")
static = static_config("gateway", [
    (f"carol@{DOMAIN}", f"sip:carol@127.0.0.1:{uas_call_port}"),
    (f"ring@{DOMAIN}", f"sip:ring@127.0.0.1:{uas_ring_port}"),
    (f"fork@{DOMAIN}", f"sip:fork@127.0.0.1:{uas_fork_port}"),
    (f"fork@{DOMAIN}", f"sip:fork@127.0.0.1:{uas_busy_port}"),
], gw_node)
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
            "--data-dir", os.path.join(work, "data"), "--log-level", "debug",
            "--config", static, *gw_identity], "gateway", work)
base = f"http://127.0.0.1:{metrics_port}"
wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 20, "gateway /health")
check(gw.alive(), "gateway is running and joined")
wait_until(lambda: raw(kam_port, request("OPTIONS", "sip:nobody@elsewhere.example"), wait=0.5) is not None
           or not kam.alive(), 20, "Kamailio to answer")
check(kam.alive(), f"Kamailio is running {'' if kam.alive() else kam.output()[-2000:]}")

# The caller is 127.0.0.2: not trusted by the gateway, which does not matter for inbound calls.
callee = uas("uas-call", scenario("uas_call.xml"), uas_call_port)
r = uac(scenario("uac_call.xml"), kam_port, "carol", source="127.0.0.2")
check(r.returncode == 0, f"INVITE/200/ACK/BYE through Kamailio and the gateway (sipp {r.returncode})")
check(callee.wait(20) == 0, "the callee saw INVITE, ACK and BYE (BYE routed by the Record-Routes)")

ring = uas("uas-ring", scenario("uas_ring.xml"), uas_ring_port)
r = uac(scenario("uac_cancel.xml"), kam_port, "ring", source="127.0.0.2")
check(r.returncode == 0, f"CANCEL during ringing through Kamailio: 487 (sipp {r.returncode})")
check(ring.wait(20) == 0, "the callee got the CANCEL")

busy = uas("uas-busy", scenario("uas_final.xml", STATUS=486), uas_busy_port)
answer = uas("uas-fork", scenario("uas_call.xml"), uas_fork_port)
r = uac(scenario("uac_call.xml"), kam_port, "fork", source="127.0.0.2")
check(r.returncode == 0, f"an AoR with two contacts forks; the answering one wins (sipp {r.returncode})")
check(busy.wait(20) == 0, "the busy contact, listed second, got the INVITE too: parallel forking")
check(answer.wait(20) == 0, "the answering contact completed the call")

r = uac(scenario("uac_expect.xml", EXPECTED=404), kam_port, "nobody", source="127.0.0.2")
check(r.returncode == 0, f"an unknown AoR: 404 through Kamailio (sipp {r.returncode})")
check(raw(kam_port, request("OPTIONS", f"sip:{DOMAIN}")) == "SIP/2.0 200 OK",
      "OPTIONS to the overlay domain through Kamailio: the gateway answers 200")

text = http_get(base + "/metrics")[1]
check((metric(text, "p2psip_sip_requests_forwarded_total", '{method="INVITE",route="static"}') or 0) == 4,
      "4 INVITE branches forwarded by route static (call, ring, fork x2)")
check((metric(text, "p2psip_sip_requests_forwarded_total", '{method="BYE",route="dialog"}') or 0) == 2,
      "2 BYEs forwarded along the route set")
check(gw.stop(10) == 0, "gateway exits 0 on SIGTERM")
kam.stop()
print("PASS")
