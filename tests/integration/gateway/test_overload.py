"""Admission control at the edge (issue 13 finding 8) with the real gateway and real SIPp:
- a static registration routes carol@p2p.example.com to a SIPp UAS;
- a SIPp UAC from 127.0.0.2 floods INVITEs (to nobody@, an overlay lookup and 404 when let
  through) at 400 calls/s, twenty times the per-source limit configured here (--sip-source-rate 20 --sip-source-burst 40): it gets 503 with Retry-After,
  and p2psip_sip_requests_shed_total{reason="source_limit"} counts at least as many refusals
  as the flooder saw;
- meanwhile a SIPp UAC from 127.0.0.1 makes 100 calls at 10 calls/s through the gateway to the
  UAS: every call completes (INVITE/200/ACK/BYE), none is refused;
- the gateway is still running and its overload gauge and the shed counter are exported.
No timing thresholds: the flooder and the caller each run to completion; counts are polled."""

import os
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity, metric, scenario, static_config, uas  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-overload-")
sip_tools.set_workdir(work)

FLOOD_RATE, FLOOD_CALLS = 400, 4000
CALLS, CALL_RATE = 100, 10

gw_port, metrics_port, overlay_port, uas_port = free_port(), free_port(), free_port(), free_port()
gw_node, gw_identity = gateway_identity("gateway")
static = static_config("gateway", [(f"carol@{DOMAIN}", f"sip:carol@127.0.0.1:{uas_port}")], gw_node)
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
            "--data-dir", os.path.join(work, "data"), "--log-level", "info", "--config", static,
            "--sip-source-rate", "20", "--sip-source-burst", "40", *gw_identity], "gateway", work)
base = f"http://127.0.0.1:{metrics_port}"
wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 30, "/health")
check(gw.alive(), "gateway is running and joined")


def scrape(name, labels=""):
    status, text = http_get(base + "/metrics")
    return metric(text, name, labels) if status == 200 else None


def sipp(name, scen, service, source, calls, rate, extra=()):
    stat = os.path.join(work, f"{name}-stat.csv")
    args = ["sipp", "-sf", scen, "-i", source, "-p", str(free_port()), "-t", "u1",
            "-m", str(calls), "-r", str(rate), "-l", str(max(50, rate * 2)), "-s", service,
            "-set", "domain", DOMAIN, "-nostdin", "-timeout", "90", "-timeout_error",
            "-trace_stat", "-stf", stat, "-fd", "1", "-trace_err",
            "-error_file", os.path.join(work, f"{name}-err.log"), *extra, f"127.0.0.1:{gw_port}"]
    return start(args, name, work), stat


def final_stats(path):
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    names, values = lines[0].split(";"), lines[-1].split(";")
    return {n: values[names.index(n)] for n in ("OutgoingCall(C)", "SuccessfulCall(C)", "FailedCall(C)")}


callee = uas("uas", scenario("uas_call.xml"), uas_port, calls=CALLS)
# The flooder first (it runs about 10 s), then the caller while it floods.
flood, flood_stat = sipp("flood", scenario("uac_flood.xml"), "nobody", "127.0.0.2", FLOOD_CALLS, FLOOD_RATE)
wait_until(lambda: (scrape("p2psip_sip_requests_shed_total", '{reason="source_limit"}') or 0) > 0
           or not flood.alive(), 30, "the first refusals of the flooder")
caller, caller_stat = sipp("caller", scenario("uac_call.xml"), "carol", "127.0.0.1", CALLS, CALL_RATE)
caller_rc = caller.wait(180)
flood_rc = flood.wait(180)
if not gw.alive():
    fail(f"gateway died under the flood:\n{gw.output()[-3000:]}")

legit = final_stats(caller_stat)
check(caller_rc == 0 and legit["SuccessfulCall(C)"] == str(CALLS) and legit["FailedCall(C)"] == "0",
      f"all {CALLS} calls from 127.0.0.1 completed during the flood ({legit}, sipp {caller_rc})")
check(callee.wait(60) == 0, f"the UAS saw all {CALLS} calls through (INVITE, ACK, BYE)")
flood_stats = final_stats(flood_stat)
refused = int(flood_stats["SuccessfulCall(C)"])
sent = int(flood_stats["OutgoingCall(C)"])
check(sent >= FLOOD_CALLS * 0.9, f"the flooder sent its INVITEs ({flood_stats})")
# Past its burst the flooder gets 20/s through: over 10 s at 400/s most are refused.
check(refused >= sent // 2, f"the flooder got 503 with Retry-After for most INVITEs: {refused} of {sent}")
shed = scrape("p2psip_sip_requests_shed_total", '{reason="source_limit"}')
check(shed is not None and shed >= refused,
      f"p2psip_sip_requests_shed_total{{reason=\"source_limit\"}} counts them ({shed} >= {refused})")
check(scrape("p2psip_sip_requests_shed_total", '{reason="overload"}') is not None
      and scrape("p2psip_sip_overload_shedding") is not None, "the overload series are exported")
check(gw.alive(), "the gateway is still running")
print("PASS", flush=True)
