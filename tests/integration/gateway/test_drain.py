"""Health signals and the SIGTERM drain (issue 19) with the real gateway, a real `p2psip peer`
and real SIPp:
- the bootstrap peer's own /livez and /readyz answer 200 once it runs the overlay;
- with the peer stopped (SIGSTOP), the gateway starts and cannot join: /livez 200 while
  /readyz 503 ("overlay not joined"), and OPTIONS to the gateway gets 503 with Retry-After;
- the peer goes on (SIGCONT) and the gateway joins through it: /readyz 200 and OPTIONS 200;
- a SIPp call through the gateway (static route carol -> SIPp UAS, Record-Route) is
  established and waits before its BYE; the gateway gets SIGTERM: at once /readyz 503
  ("draining") and OPTIONS 503 with Retry-After, /livez still 200, and a new INVITE (SIPp)
  gets 503; the call's BYE then goes through the draining gateway and gets 200;
- the drain ends with the call (nothing left in flight) and the gateway exits 0 within
  drain_grace plus a bound, its log telling the drain;
- a second gateway with drain_grace 60 and an INVITE in flight (a callee that never answers)
  gets SIGTERM, then SIGINT: it exits 0 at once, long before the grace period.
Everything is polled with a bound; no fixed sleeps."""

import os
import signal
import socket
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity, metric, raw, request, scenario, static_config, uas  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-drain-")
sip_tools.set_workdir(work)
ca = sip_tools.ca_dir()[1]

DRAIN_GRACE = 10  # the default, stated for the exit bound below
EXIT_BOUND = 10   # Leave (3 s budget) and shutdown after the grace period
BYE_PAUSE_MS = 4000  # the call's pause before its BYE: SIGTERM comes within it

gw_port, metrics_port, overlay_port, uas_port = free_port(), free_port(), free_port(), free_port()
peer_port, peer_metrics = free_port(), free_port()
gw_node, gw_identity = gateway_identity("gateway")
static = static_config("gateway", [(f"carol@{DOMAIN}", f"sip:carol@127.0.0.1:{uas_port}")], gw_node)
base = f"http://127.0.0.1:{metrics_port}"


def gateway(name, mport, sport, oport, extra=()):
    return start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{sport}",
                  "--metrics-listen", f"127.0.0.1:{mport}",
                  "--overlay-listen", f"127.0.0.1:{oport}", "--overlay", DOMAIN,
                  "--bootstrap", f"127.0.0.1:{peer_port}", *gw_identity,
                  "--data-dir", os.path.join(work, f"{name}-data"), "--log-level", "info",
                  *extra], name, work)


def options(port):
    """The whole final response to an OPTIONS for the gateway itself (sip:host:port)."""
    return raw(port, request("OPTIONS", f"sip:127.0.0.1:{port}"), whole=True) or ""


def status_of(response):
    return response.split("\r\n", 1)[0]


def retry_after(response):
    for line in response.split("\r\n"):
        if line.lower().startswith("retry-after:"):
            return line.split(":", 1)[1].strip()
    return None


def scrape(name, labels=""):
    status, text = http_get(base + "/metrics")
    return metric(text, name, labels) if status == 200 else None


# 1. The bootstrap peer runs; its own probes answer. Then it is stopped (SIGSTOP): the kernel
# still accepts the gateway's connection, but the join cannot go on until SIGCONT.
peer_cert, peer_key = sip_tools.issue(f"peer@{DOMAIN}", "peer")[1:]
peer = start([P2P_BIN, "peer", "--overlay", DOMAIN, "--overlay-listen", f"127.0.0.1:{peer_port}",
              "--metrics-listen", f"127.0.0.1:{peer_metrics}", "--cert", peer_cert,
              "--key", peer_key, "--ca", ca, "--data-dir", os.path.join(work, "peer-data"),
              "--log-level", "info"], "peer", work)
peer_base = f"http://127.0.0.1:{peer_metrics}"
wait_until(lambda: http_get(peer_base + "/readyz")[0] == 200 or not peer.alive(), 30, "peer /readyz")
check(peer.alive(), "the bootstrap peer runs")
live = http_get(peer_base + "/livez")
check(live == (200, "live\n"), f"the peer's /livez answers 200 ({live})")
ready = http_get(peer_base + "/readyz")
check(ready == (200, "ready\n"), f"the peer's /readyz answers 200 once it runs the overlay ({ready})")
peer.signal(signal.SIGSTOP)

# 2. Not joined yet: live, not ready, OPTIONS 503 with Retry-After.
gw = gateway("gateway", metrics_port, gw_port, overlay_port, ["--config", static])
wait_until(lambda: http_get(base + "/livez")[0] == 200 or not gw.alive(), 30, "gateway /livez")
check(gw.alive(), "the gateway runs while its bootstrap peer does not answer")
wait_until(lambda: status_of(options(gw_port)).startswith("SIP/2.0 ") or not gw.alive(), 30,
           "an answer to OPTIONS")
ready = http_get(base + "/readyz")
check(ready == (503, "overlay not joined\n"), f"/readyz 503 before the overlay is joined: {ready}")
live = http_get(base + "/livez")
check(live == (200, "live\n"), f"/livez 200 before the overlay is joined ({live})")
answer = options(gw_port)
check(status_of(answer) == "SIP/2.0 503 Service Unavailable" and (retry_after(answer) or "").isdigit()
      and int(retry_after(answer)) > 0,
      f"OPTIONS to the gateway: 503 with Retry-After before the join: {status_of(answer)!r}, "
      f"Retry-After {retry_after(answer)!r}")

# 3. The peer goes on; the gateway joins through it: ready, OPTIONS 200.
peer.signal(signal.SIGCONT)
wait_until(lambda: http_get(base + "/readyz")[0] == 200 or not gw.alive(), 60, "gateway /readyz")
ready = http_get(base + "/readyz")
check(ready == (200, "ready\n"), f"the gateway's /readyz answers 200 once joined ({ready})")
answer = options(gw_port)
check(status_of(answer) == "SIP/2.0 200 OK" and retry_after(answer) is None,
      f"OPTIONS to the gateway: 200 once joined ({status_of(answer)!r})")

# 4. A call in progress when SIGTERM arrives.
callee = uas("uas", scenario("uas_call.xml"), uas_port)
call_scen = os.path.join(work, "uac_call_pause.xml")
with open(scenario("uac_call.xml")) as src, open(call_scen, "w") as dst:
    dst.write(src.read().replace('<pause milliseconds="200"/>', f'<pause milliseconds="{BYE_PAUSE_MS}"/>'))
caller = start(["sipp", "-sf", call_scen, "-i", "127.0.0.1", "-p", str(free_port()), "-t", "u1",
                "-m", "1", "-s", "carol", "-set", "domain", DOMAIN, "-nostdin", "-timeout", "60",
                "-timeout_error", "-trace_err", "-error_file", os.path.join(work, "caller-err.log"),
                f"127.0.0.1:{gw_port}"], "caller", work)
wait_until(lambda: (scrape("p2psip_sip_requests_received_total", '{method="ACK"}') or 0) >= 1
           or not caller.alive(), 30, "the call's ACK through the gateway")
check(caller.alive(), "the call is established (its ACK went through the gateway)")
gw.signal(signal.SIGTERM)
sigterm_at = time.monotonic()
wait_until(lambda: http_get(base + "/readyz")[0] == 503 or not gw.alive(), 10, "/readyz 503 after SIGTERM")
ready = http_get(base + "/readyz")
check(ready == (503, "draining\n"), f"/readyz 503 'draining' at once after SIGTERM: {ready}")
live = http_get(base + "/livez")
check(live[0] == 200, f"/livez still 200 while draining ({live})")
answer = options(gw_port)
check(status_of(answer) == "SIP/2.0 503 Service Unavailable" and (retry_after(answer) or "").isdigit(),
      f"OPTIONS during the drain: 503 with Retry-After ({status_of(answer)!r}, {retry_after(answer)!r})")
refused = run(["sipp", "-sf", scenario("uac_expect.xml", EXPECTED=503), "-i", "127.0.0.1",
               "-p", str(free_port()), "-t", "u1", "-m", "1", "-s", "carol", "-set", "domain", DOMAIN,
               "-nostdin", "-timeout", "20", "-timeout_error", "-trace_err",
               "-error_file", os.path.join(work, "refused-err.log"), f"127.0.0.1:{gw_port}"])
check(refused.returncode == 0, f"a new INVITE during the drain gets 503 (sipp {refused.returncode})")
bye_before = scrape("p2psip_sip_requests_received_total", '{method="BYE"}')
check(bye_before == 0, f"the call's BYE is still to come while the gateway drains ({bye_before})")
check(caller.wait(60) == 0, "the call in progress completes through the draining gateway (BYE 200)")
check(callee.wait(30) == 0, "the callee got the BYE")
rc = gw.wait(DRAIN_GRACE + EXIT_BOUND - (time.monotonic() - sigterm_at))
check(rc == 0, f"the gateway exits 0 within drain_grace + {EXIT_BOUND} s of SIGTERM (rc {rc})")
log = gw.stderr()
for line in ("received SIGTERM, shutting down: not ready", "drain started: 1 transaction(s) and call(s) in flight",
             "nothing in flight"):
    check(line in log, f"the gateway's log says '{line}' (the drain ended with the call)")

# 5. A second signal ends a long drain at once. The second gateway holds an INVITE in flight
# (to a callee that never answers: a bound UDP socket nobody reads), so its drain waits.
silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
silent.bind(("127.0.0.1", 0))
silent_port = silent.getsockname()[1]
static2 = static_config("gateway2", [(f"carol@{DOMAIN}", f"sip:carol@127.0.0.1:{silent_port}")], gw_node)
g2_metrics, g2_port = free_port(), free_port()
g2 = gateway("gateway2", g2_metrics, g2_port, free_port(), ["--config", static2, "--drain-grace", "60"])
g2_base = f"http://127.0.0.1:{g2_metrics}"
wait_until(lambda: http_get(g2_base + "/readyz")[0] == 200 or not g2.alive(), 60, "second gateway /readyz")
caller2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
caller2.bind(("127.0.0.1", 0))
invite = request("INVITE", f"sip:carol@{DOMAIN}").replace("LPORT", str(caller2.getsockname()[1]))
caller2.sendto(invite.encode(), ("127.0.0.1", g2_port))


def g2_transactions():
    status, text = http_get(g2_base + "/metrics")
    return (metric(text, "p2psip_sip_transactions", '{side="server"}') or 0) if status == 200 else 0


wait_until(lambda: g2_transactions() >= 1 or not g2.alive(), 10, "the INVITE in flight")
g2.signal(signal.SIGTERM)
wait_until(lambda: "drain started" in g2.stderr() or not g2.alive(), 10, "the second gateway's drain")
check("drain started: 1 transaction(s) and call(s) in flight" in g2.stderr(),
      "the second gateway drains with its INVITE in flight")
g2.signal(signal.SIGINT)
rc = g2.wait(EXIT_BOUND)
check(rc == 0, f"SIGINT during a 60 s drain ends it: exit 0 within {EXIT_BOUND} s (rc {rc})")
check("during the drain: ending it now (1 transaction(s)" in g2.stderr(),
      "the log says the second signal ended the drain")
silent.close()
caller2.close()
check(peer.stop() == 0, "the peer stops cleanly")
print("PASS", flush=True)
