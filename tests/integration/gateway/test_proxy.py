"""The gateway as a stateful proxy, with real SIPp UAs, a real nsd and the real `p2psip gateway`
on loopback:
- outbound: a trusted caller (127.0.0.1) calls bob@ext.test.example; nsd's NAPTR/SRV give two
  targets, the first answers 503, the call completes on the second (RFC 3263 failover); the same
  with a first target that refuses (transport error); the call from an untrusted address
  (127.0.0.2) gets 403 over UDP and TCP;
- inbound: a static registration (the YAML config file) routes
  carol@p2p.example.com to a SIPp UAS: INVITE/200/ACK/BYE with ACK and BYE routed by our
  Record-Route; CANCEL during ringing gives 487; an AoR with two contacts forks (one busy, one
  answers); an AoR whose two contacts both answer 401 gets one 401 with both challenges; an
  unknown AoR gives 404 (the overlay is joined and holds nothing);
- a gateway that cannot join (dead bootstrap) answers inbound lookups 503 with Retry-After and
  still routes outbound calls by DNS; configured for sequential forking, it tries contacts one
  after another; configured with T1 = 50 ms, it fails over past an SRV target that never
  answers (timer B = 64*T1, 408) to the next one;
- Max-Forwards 0 gives 483, a static entry pointing back at the gateway gives 482, malformed
  requests get 400 or are dropped and the gateway still answers OPTIONS;
- the proxy's metric families count what happened and promtool accepts the exposition."""

import os
import socket
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "dns"))
from harness import (P2P_BIN, check, fail, free_port, http_get, run, start,  # noqa: E402
                     temp_dir, wait_until)
from nsd_zone import Nsd  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity, metric, raw, request, scenario, static_config, uac, uas  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-proxy-")
sip_tools.set_workdir(work)


# --- processes -------------------------------------------------------------------------------
gw_port, metrics_port, overlay_port, nsd_port = free_port(), free_port(), free_port(), free_port()
uas503_port, uas_out_port, uas_in_port, uas_ring_port, uas_busy_port, uas_fork_port = (
    free_port() for _ in range(6))
closed_port, uas_out2_port = free_port(), free_port()  # nothing ever listens on closed_port
uas_auth1_port, uas_auth2_port = free_port(), free_port()
# A UDP socket that receives and never answers (no ICMP either): only a timeout ends a branch.
silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
silent.bind(("127.0.0.1", 0))
silent_port = silent.getsockname()[1]

nsd = Nsd(work, nsd_port)
nsd.start("\n".join([
    "$ORIGIN test.example.", "$TTL 300",
    "@ IN SOA ns.test.example. admin.test.example. 1 3600 600 86400 5", "@ IN NS ns",
    "ns IN A 127.0.0.1",
    'ext IN NAPTR 10 0 "s" "SIP+D2U" "" _sip._udp.ext',
    f"_sip._udp.ext IN SRV 10 0 {uas503_port} first.ext",
    f"_sip._udp.ext IN SRV 20 0 {uas_out_port} second.ext",
    "first.ext IN A 127.0.0.1", "second.ext IN A 127.0.0.1",
    # SRV only (no NAPTR): the first target refuses (ICMP port unreachable), the second answers.
    f"_sip._udp.dead IN SRV 10 0 {closed_port} first.ext",
    f"_sip._udp.dead IN SRV 20 0 {uas_out2_port} second.ext",
    # SRV only: the first target is silent (timeout), the second answers.
    f"_sip._udp.slow IN SRV 10 0 {silent_port} first.ext",
    f"_sip._udp.slow IN SRV 20 0 {uas_out2_port} second.ext", ""]))

gw_node, gw_identity = gateway_identity("gateway")
static = static_config("gateway", [
    (f"carol@{DOMAIN}", f"sip:carol@127.0.0.1:{uas_in_port}"),
    (f"ring@{DOMAIN}", f"sip:ring@127.0.0.1:{uas_ring_port}"),
    (f"fork@{DOMAIN}", f"sip:fork@127.0.0.1:{uas_fork_port}"),
    (f"fork@{DOMAIN}", f"sip:fork@127.0.0.1:{uas_busy_port}"),
    (f"auth@{DOMAIN}", f"sip:auth@127.0.0.1:{uas_auth1_port}"),
    (f"auth@{DOMAIN}", f"sip:auth@127.0.0.1:{uas_auth2_port}"),
    (f"loop@{DOMAIN}", f"sip:loop@127.0.0.1:{gw_port}"),
], gw_node)
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
             "--metrics-listen", f"127.0.0.1:{metrics_port}",
             "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
             "--dns-server", f"127.0.0.1:{nsd_port}", "--data-dir", os.path.join(work, "data"),
             "--log-level", "debug", "--config", static,
             "--trusted-network", "127.0.0.1/32", *gw_identity], "gateway", work)
base = f"http://127.0.0.1:{metrics_port}"
wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 20, "/health")
check(gw.alive(), "gateway is running and joined")


def gw_alive(what):
    if not gw.alive():
        fail(f"gateway died during {what}:\n{gw.output()[-3000:]}")


# --- outbound: RFC 3263 failover ---------------------------------------------------------------
u503 = uas("uas503", scenario("uas_final.xml", STATUS=503), uas503_port)
uout = uas("uas-out", scenario("uas_call.xml"), uas_out_port)
r = uac(scenario("uac_call.xml"), gw_port, "bob", domain="ext.test.example")
gw_alive("the outbound call")
check(r.returncode == 0, f"outbound call to bob@ext.test.example completes (sipp {r.returncode} {r.stderr[-300:]})")
check(u503.wait(20) == 0, "the first SRV target got the INVITE and answered 503")
check(uout.wait(20) == 0, "the second SRV target took the call, its ACK and BYE")

uout2 = uas("uas-out2", scenario("uas_call.xml"), uas_out2_port)
r = uac(scenario("uac_call.xml"), gw_port, "dave", domain="dead.test.example")
check(r.returncode == 0, f"outbound call fails over past a target that refuses (transport error) (sipp {r.returncode})")
check(uout2.wait(20) == 0, "the second target of dead.test.example took the call")

r = uac(scenario("uac_expect.xml", EXPECTED=403), gw_port, "bob", source="127.0.0.2",
        domain="ext.test.example")
check(r.returncode == 0, f"the same call from untrusted 127.0.0.2 is refused 403 (sipp {r.returncode})")
r = uac(scenario("uac_expect.xml", EXPECTED=403), gw_port, "bob", source="127.0.0.2",
        domain="ext.test.example", transport="t1")
check(r.returncode == 0, f"... and over TCP too (sipp {r.returncode})")

# --- inbound: static registrations -------------------------------------------------------------
uin = uas("uas-in", scenario("uas_call.xml"), uas_in_port)
r = uac(scenario("uac_call.xml"), gw_port, "carol", source="127.0.0.2")
gw_alive("the inbound call")
check(r.returncode == 0, f"inbound call to carol@{DOMAIN}: INVITE/200/ACK/BYE via Record-Route (sipp {r.returncode})")
check(uin.wait(20) == 0, "the callee saw INVITE, ACK and BYE")

uin_tcp = uas("uas-in-tcp", scenario("uas_call.xml"), uas_in_port)
r = uac(scenario("uac_call.xml"), gw_port, "carol", source="127.0.0.2", transport="t1")
check(r.returncode == 0, f"the same call with the caller on TCP (sipp {r.returncode})")
check(uin_tcp.wait(20) == 0, "the callee (UDP) completed the TCP caller's call")

uring = uas("uas-ring", scenario("uas_ring.xml"), uas_ring_port)
r = uac(scenario("uac_cancel.xml"), gw_port, "ring", source="127.0.0.2")
gw_alive("the cancelled call")
check(r.returncode == 0, f"CANCEL during ringing: 200 for the CANCEL, 487 for the INVITE (sipp {r.returncode})")
check(uring.wait(20) == 0, "the callee got the CANCEL forwarded and was ACKed")

ubusy = uas("uas-busy", scenario("uas_final.xml", STATUS=486), uas_busy_port)
ufork = uas("uas-fork", scenario("uas_call.xml"), uas_fork_port)
r = uac(scenario("uac_call.xml"), gw_port, "fork", source="127.0.0.2")
check(r.returncode == 0, f"two contacts fork in parallel and the answering one wins (sipp {r.returncode})")
check(ubusy.wait(20) == 0, "the busy contact, listed second, got the INVITE too: parallel, not sequential")
check(ufork.wait(20) == 0, "the answering contact completed the call")

# Both forks challenge: the 401 upstream carries both realms' challenges (RFC 3261 §16.7 step 7).
auth1 = uas("uas-auth1", scenario("uas_challenge.xml", REALM="first.example"), uas_auth1_port)
auth2 = uas("uas-auth2", scenario("uas_challenge.xml", REALM="second.example"), uas_auth2_port)
resp = raw(gw_port, request("INVITE", f"sip:auth@{DOMAIN}"), wait=10, whole=True) or ""
check(resp.startswith("SIP/2.0 401"), f"two challenging forks: 401 upstream ({resp[:40]!r})")
check('realm="first.example"' in resp and 'realm="second.example"' in resp,
      f"the 401 carries both forks' WWW-Authenticate: {resp!r}")
check(auth1.wait(20) == 0 and auth2.wait(20) == 0, "both challenging contacts got the INVITE and the ACK")

r = uac(scenario("uac_expect.xml", EXPECTED=404), gw_port, "nobody", source="127.0.0.2")
check(r.returncode == 0, f"an AoR neither static nor in the overlay: 404 (sipp {r.returncode})")

# --- 483, 482, malformed -----------------------------------------------------------------------
check(raw(gw_port, request("INVITE", f"sip:carol@{DOMAIN}", "Max-Forwards: 0\r\n")) ==
      "SIP/2.0 483 Too Many Hops", "Max-Forwards 0 is answered 483")
check(raw(gw_port, request("CANCEL", f"sip:carol@{DOMAIN}")) == "SIP/2.0 481 Call/Transaction Does Not Exist",
      "a CANCEL matching no transaction is answered 481, not forwarded")
check(raw(gw_port, request("MESSAGE", f"sip:loop@{DOMAIN}", "Max-Forwards: 70\r\n", "hi"), wait=10) ==
      "SIP/2.0 482 Loop Detected", "a static contact pointing back at the gateway is a loop: 482")
bad = [
    ("no Via", "OPTIONS sip:x@p2p.example.com SIP/2.0\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@p2p.example.com>\r\n"
               "Call-ID: 1@x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"),
    ("bad CSeq", request("INVITE", f"sip:carol@{DOMAIN}").replace("CSeq: 1 INVITE", "CSeq: x INVITE")),
    ("CSeq method mismatch", request("INVITE", f"sip:carol@{DOMAIN}").replace("CSeq: 1 INVITE", "CSeq: 1 BYE")),
    ("absurd Content-Length", request("MESSAGE", f"sip:carol@{DOMAIN}").replace("Content-Length: 0", "Content-Length: 99999999")),
    ("no From", "\r\n".join(l for l in request("OPTIONS", f"sip:carol@{DOMAIN}").split("\r\n") if not l.startswith("From"))),
    ("garbage", "hello, not sip at all\r\n\r\n"),
    ("binary", "\xff\xfe\x00\x13\x37 junk\r\n\r\n"),
    ("bad request line", "INVITE\r\n\r\n"),
]
for what, text in bad:
    got = raw(gw_port, text, wait=1.0)
    check(got is None or got.startswith("SIP/2.0 400"), f"malformed ({what}): 400 or dropped (got {got})")
    gw_alive(f"malformed {what}")
check(raw(gw_port, request("OPTIONS", f"sip:{DOMAIN}")) == "SIP/2.0 200 OK",
      "after all that the gateway still answers OPTIONS 200")

# --- metrics -----------------------------------------------------------------------------------
status, text = http_get(base + "/metrics")
promtool = run(["promtool", "check", "metrics"], input=text)
check(promtool.returncode == 0, f"promtool accepts /metrics {promtool.stdout}{promtool.stderr}")
check((metric(text, "p2psip_sip_requests_forwarded_total", '{method="INVITE",route="dns"}') or 0) == 4,
      "INVITE forwarded by route dns 4 times (503 target + second, refusing target + second)")
check((metric(text, "p2psip_sip_requests_forwarded_total", '{method="INVITE",route="static"}') or 0) >= 5,
      "INVITEs forwarded by route static")
check((metric(text, "p2psip_sip_requests_forwarded_total", '{method="BYE",route="dialog"}') or 0) == 5,
      "BYEs forwarded along the route set (dialog)")
check(metric(text, "p2psip_dns_fallbacks_total") == 2, "two DNS fallbacks")
check(metric(text, "p2psip_dns_fallback_failures_total") == 0, "no DNS fallback failure")
check((metric(text, "p2psip_call_setup_duration_seconds_count") or 0) == 5, "call setup observed for 5 answered calls")
check((metric(text, "p2psip_sip_malformed_requests_total") or 0) >= 1, "malformed requests counted")
check(metric(text, "p2psip_gateway_routes_total", '{route="rejected"}') >= 3, "rejections counted (403, 483, 482)")
check(metric(text, "p2psip_sip_responses_received_total", '{code_class="5xx"}') >= 1, "the 503 counted as received")

def settled():
    t = http_get(base + "/metrics")[1]
    return (metric(t, "p2psip_sip_transactions", '{side="server"}') == 0 and
            metric(t, "p2psip_sip_transactions", '{side="client"}') == 0)
wait_until(settled, 20, "every proxy transaction to end (gauge back to 0)")
check(True, "p2psip_sip_transactions back to 0 on both sides")

rc = gw.stop(10)
check(rc == 0, f"gateway exits 0 on SIGTERM (got {rc})")

# --- overlay unreachable: a gateway whose bootstrap peer does not exist never joins ------------
gw2_port, gw2_metrics, gw2_overlay, dead_peer = free_port(), free_port(), free_port(), free_port()
gw2_node, gw2_identity = gateway_identity("gw2", user=f"gw2@{DOMAIN}")
gw2 = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw2_port}",
             *gw2_identity,
             "--metrics-listen", f"127.0.0.1:{gw2_metrics}",
             "--overlay-listen", f"127.0.0.1:{gw2_overlay}", "--overlay", DOMAIN,
             "--bootstrap", f"127.0.0.1:{dead_peer}", "--dns-server", f"127.0.0.1:{nsd_port}",
             "--data-dir", os.path.join(work, "data2"), "--log-level", "debug",
             "--trusted-network", "127.0.0.1/32", "--forking", "sequential", "--sip-t1-ms", "50",
             "--config", static_config("gateway2", [
                 (f"seq@{DOMAIN}", f"sip:seq@127.0.0.1:{uas_fork_port}"),
                 (f"seq@{DOMAIN}", f"sip:seq@127.0.0.1:{uas_busy_port}"),
                 (f"seq2@{DOMAIN}", f"sip:seq@127.0.0.1:{uas_busy_port}"),
                 (f"seq2@{DOMAIN}", f"sip:seq@127.0.0.1:{uas_fork_port}")], gw2_node)],
            "gateway2", work)
# OPTIONS to the gateway follows readiness (issue 19): the unjoined gateway answers 503.
wait_until(lambda: raw(gw2_port, request("OPTIONS", f"sip:{DOMAIN}"), wait=0.5) == "SIP/2.0 503 Service Unavailable"
           or not gw2.alive(), 30, "the unjoined gateway to answer OPTIONS")
check(http_get(f"http://127.0.0.1:{gw2_metrics}/health")[0] != 200, "the second gateway is not joined")
# One datagram, no retransmission: the default 3 s wait is a timing threshold a loaded machine
# can miss (this check failed once under a full build beside the suite); wait generously.
answer = raw(gw2_port, request("INVITE", f"sip:nobody@{DOMAIN}"), wait=20, whole=True) or ""
check(answer.startswith("SIP/2.0 503") and "\r\nRetry-After: 30" in answer,
      f"inbound lookup while the overlay is unreachable: 503 with Retry-After ({answer[:60]!r})")
uout3 = uas("uas-out3", scenario("uas_call.xml"), uas_out2_port)
r = uac(scenario("uac_call.xml"), gw2_port, "dave", domain="dead.test.example")
check(r.returncode == 0, f"outbound still works by DNS while the overlay is unreachable (sipp {r.returncode})")
check(uout3.wait(20) == 0, "the DNS target took the call")
# Timeout failover: with T1 = 50 ms the silent first target's branch ends after 64*T1 = 3.2 s
# (408); SIPp's own 30 s call timeout would fail the call with the default T1 (32 s).
uslow = uas("uas-slow", scenario("uas_call.xml"), uas_out2_port)
r = uac(scenario("uac_call.xml"), gw2_port, "erin", domain="slow.test.example")
if r.returncode != 0:
    print(gw2.output()[-6000:], r.stderr[-1000:])
check(r.returncode == 0, f"outbound call fails over past a silent target (timer B, 408) (sipp {r.returncode})")
check(uslow.wait(20) == 0, "the second target of slow.test.example took the call")
silent.setblocking(False)
invites = []
while True:
    try:
        invites.append(silent.recv(65535))
    except BlockingIOError:
        break
check(len(invites) >= 2 and all(i.startswith(b"INVITE sip:erin@slow.test.example") for i in invites),
      f"the silent target got the INVITE and its T1 retransmissions ({len(invites)} datagrams)")
# Sequential forking (configured): the first contact answers, the second is never tried; then
# a busy first contact, and the call completes on the second.
seq_first = uas("uas-seq-first", scenario("uas_call.xml"), uas_fork_port)
r = uac(scenario("uac_call.xml"), gw2_port, "seq", source="127.0.0.2")
check(r.returncode == 0 and seq_first.wait(20) == 0, f"sequential forking: the first contact answers (sipp {r.returncode})")
text = http_get(f"http://127.0.0.1:{gw2_metrics}/metrics")[1]
check(metric(text, "p2psip_sip_requests_forwarded_total", '{method="INVITE",route="static"}') == 1,
      "sequential forking: one INVITE branch only (the second contact was not tried)")
seq_busy = uas("uas-seq-busy", scenario("uas_final.xml", STATUS=486), uas_busy_port)
seq_answer = uas("uas-seq-answer", scenario("uas_call.xml"), uas_fork_port)
r = uac(scenario("uac_call.xml"), gw2_port, "seq2", source="127.0.0.2")
check(r.returncode == 0, f"sequential forking: busy first contact, the call completes on the second (sipp {r.returncode})")
check(seq_busy.wait(20) == 0 and seq_answer.wait(20) == 0, "both contacts were tried, in order")
text = http_get(f"http://127.0.0.1:{gw2_metrics}/metrics")[1]
check(metric(text, "p2psip_sip_requests_forwarded_total", '{method="INVITE",route="static"}') == 3,
      "three INVITE branches in all")
check(gw2.stop(10) == 0, "the second gateway exits 0")
silent.close()
nsd.stop()
print("PASS")
