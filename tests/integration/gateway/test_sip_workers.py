"""sip_workers (doc/sip-workers.md, issue 18): N SIP event loops in one gateway, worker 0 on
sip_listen's port P, worker k on its own thread at P + k, each writing its own port into Via and
Record-Route; overlay lookups from any worker go to the main thread's overlay node. With the real
`p2psip gateway`, real SIPp and `p2psip register` on loopback:
- refusals, exit 2 and stderr naming sip_workers: 0 (flag), 17 (YAML key), sip_listen port
  65535 and sip_advertise port 65535 with 2 workers (P + 1 past 65535); sip_workers 2 with
  sip_listen port 0 (exit 2, naming sip_workers or sip_listen's port 0); 16 is accepted
  (--print-config);
- a gateway with --sip-workers 2 logs "SIP listening on" for P and P + 1, and both ports answer
  OPTIONS over UDP and TCP;
- calls to carol (a static registration -> a SIPp UAS; INVITE/200/ACK/BYE through the
  Record-Route) sent to P and to P + 1 all complete; the UAS's trace shows, for each batch, the
  INVITE's Record-Route and the top Via of its INVITE and BYE naming the port the calls were
  sent to: the BYE came back through the worker of its INVITE;
- dave, stored in the overlay by `p2psip register` (not a static registration), called through
  P + 1: the call completes and p2psip_overlay_lookups_total{result="found"} went up (the lookup
  went from worker 1 to the overlay node on the main thread and its answer back); an AoR nobody
  registered gets 404 through P + 1;
- a CANCEL through worker 1: INVITE to a callee that only rings, sent to P + 1, then CANCEL to
  P + 1: 200 for the CANCEL, 487 for the INVITE, the callee got the CANCEL from worker 1;
- SIGTERM during a call through worker 1: /readyz 503, OPTIONS and a new INVITE at worker 1 get
  503, the call's BYE still goes through worker 1, the drain ends with nothing in flight, the
  gateway exits 0 within a bound and logs "stopped cleanly".
Everything is polled with a bound; no fixed sleeps, no timing thresholds."""

import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness  # noqa: E402
from harness import (P2P_BIN, check, fail, finish, free_port, http_get, run, sipp_options,  # noqa: E402
                     start, temp_dir, wait_until)
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import (DOMAIN, gateway_identity, metric, raw, request, scenario,  # noqa: E402
                       static_config, uac, uas)

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-sip-workers-")
sip_tools.set_workdir(work)
ca = sip_tools.ca_dir()[1]

CALLS = 3          # calls per port in part 2
DRAIN_GRACE = 60   # --drain-grace: far longer than the call part 5 waits for
EXIT_BOUND = 10    # Leave and shutdown after the drain
BYE_PAUSE_MS = 5000  # part 5's call: its pause before the BYE, within which SIGTERM comes


gw_node, gw_identity = gateway_identity("gateway")
# P for worker 0, P + 1 for worker 1, both free; free_port() never hands out P + 1 later.
gw_port, metrics_port, overlay_port = harness.free_port_block(2), free_port(), free_port()
workers = [gw_port, gw_port + 1]
carol_port, dave_port, ring_port = free_port(), free_port(), free_port()
static = static_config("gateway", [(f"carol@{DOMAIN}", f"sip:carol@127.0.0.1:{carol_port}"),
                                   (f"ring@{DOMAIN}", f"sip:ring@127.0.0.1:{ring_port}")], gw_node)


def gateway_args(name, sip_listen, *extra, metrics=None, overlay=None):
    """A `p2psip gateway` command line, the overlay's first peer (fresh ports unless told)."""
    return [P2P_BIN, "gateway", "--sip-listen", sip_listen,
            "--metrics-listen", f"127.0.0.1:{metrics or free_port()}",
            "--overlay-listen", f"127.0.0.1:{overlay or free_port()}", "--overlay", DOMAIN,
            *gw_identity, "--data-dir", os.path.join(work, f"{name}-data"), "--log-level", "debug",
            *extra]


# --- 1. refusals: exit 2, stderr naming sip_workers ---------------------------------------------
def refused(name, what, sip_listen, *extra, names="sip_workers"):
    """Runs a gateway whose only fault is its sip_workers (every other flag would start it): it
    must exit 2 at once, stderr naming the key (`names`, a pattern). A gateway that starts
    instead is ended by the timeout."""
    try:
        r = run(gateway_args(name, sip_listen, *extra), timeout=20)
    except subprocess.TimeoutExpired:
        fail(f"{what}: the gateway started instead of refusing its configuration")
    check(r.returncode == 2 and re.search(names, r.stderr),
          f"{what}: exit 2, stderr names {names} ({r.returncode}: {r.stderr.strip()[-300:]})")


refused("zero", "sip_workers 0 (flag)", f"127.0.0.1:{free_port()}", "--sip-workers", "0")
too_many = os.path.join(work, "too-many.yaml")
with open(too_many, "w") as f:
    f.write("sip_workers: 17\n")
refused("seventeen", "sip_workers: 17 (YAML)", f"127.0.0.1:{free_port()}", "--config", too_many)
# sip_listen's own check refuses port 0 whatever sip_workers says, before sip_workers' check
# (worker k listens on port + k) is reached: either message is the refusal.
refused("port0", "sip_workers 2 with sip_listen port 0", "127.0.0.1:0", "--sip-workers", "2",
        names=r"sip_workers|sip_listen: port 0")
refused("past65535", "sip_listen port 65535 with sip_workers 2 (worker 1 past 65535)",
        "127.0.0.1:65535", "--sip-workers", "2")
refused("advertise65535", "sip_advertise port 65535 with sip_workers 2 (worker 1 past 65535)",
        f"127.0.0.1:{free_port()}", "--sip-advertise", "127.0.0.1:65535", "--sip-workers", "2")
r = run(gateway_args("print", f"127.0.0.1:{free_port()}", "--sip-workers", "16", "--print-config"),
        timeout=20)
check(r.returncode == 0 and re.search(r'^sip_workers: "?16"?', r.stdout, re.M),
      f"sip_workers 16 is accepted (--print-config: {r.returncode}, "
      f"{[l for l in r.stdout.splitlines() if 'sip_workers' in l]} {r.stderr.strip()[-300:]})")

# --- 2. two workers: both ports answer, calls through each keep to their worker -----------------
gw = start(gateway_args("gateway", f"127.0.0.1:{gw_port}", "--sip-workers", "2", "--config", static,
                        "--trusted-network", "127.0.0.1/32", "--drain-grace", str(DRAIN_GRACE),
                        metrics=metrics_port,
                        overlay=overlay_port), "gateway", work)
base = f"http://127.0.0.1:{metrics_port}"
wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 30, "gateway /health")
check(gw.alive(), "the gateway with two SIP workers runs and leads its overlay")


def listening(port):
    return re.search(rf"SIP listening on 127\.0\.0\.1:{port}\b", gw.stderr()) is not None


def options_status(port):
    return raw(port, request("OPTIONS", f"sip:127.0.0.1:{port}"), wait=0.5)


for k, port in enumerate(workers):
    wait_until(lambda: listening(port) or not gw.alive(), 30, f"worker {k}'s listening line")
    check(listening(port), f"worker {k} logs 'SIP listening on 127.0.0.1:{port}'")
    wait_until(lambda: options_status(port) == "SIP/2.0 200 OK" or not gw.alive(), 30,
               f"OPTIONS 200 from port {port}")
    for transport in ("u1", "t1"):
        r = sipp_options(port, work, transport=transport)
        check(r.returncode == 0, f"worker {k} (port {port}) answers OPTIONS 200 over "
                                 f"{'UDP' if transport == 'u1' else 'TCP'} (sipp {r.returncode})")


def received(trace):
    """The messages a SIPp process received, from its -trace_msg file: (start line, headers)
    with headers a list of (lower-case name, value)."""
    with open(trace, errors="replace") as f:
        text = f.read()
    out = []
    for block in re.split(r"^-{20,}.*$", text, flags=re.M):
        head, _, msg = block.lstrip("\r\n").partition("\n\n")
        if "message received" not in head:
            continue
        lines = msg.replace("\r\n", "\n").split("\n\n", 1)[0].split("\n")
        headers = [(n.strip().lower(), v.strip()) for n, _, v in
                   (line.partition(":") for line in lines[1:] if ":" in line)]
        out.append((lines[0], headers))
    return out


def values(headers, name):
    return [v for n, v in headers if n == name]


def top_via_port(headers):
    vias = values(headers, "via")
    m = re.match(r"SIP/2\.0/\w+\s+127\.0\.0\.1:(\d+)", vias[0]) if vias else None
    return int(m.group(1)) if m else None


def record_route_ports(headers):
    return [int(p) for v in values(headers, "record-route")
            for p in re.findall(r"<sip:127\.0\.0\.1:(\d+)[;>]", v)]


def check_worker(trace, port, calls, what):
    """The callee's trace: `calls` INVITEs with one Record-Route naming `port` and a top Via
    from `port`, and as many BYEs, each with its top Via from `port`."""
    msgs = received(trace)
    invites = [h for line, h in msgs if line.startswith("INVITE ")]
    byes = [h for line, h in msgs if line.startswith("BYE ")]
    check(len(invites) == calls and len(byes) == calls,
          f"{what}: the callee got {calls} INVITE(s) and BYE(s) ({len(invites)}, {len(byes)})")
    rr = [record_route_ports(h) for h in invites]
    check(rr == [[port]] * calls, f"{what}: each INVITE's Record-Route names port {port} ({rr})")
    vias = [top_via_port(h) for h in invites + byes]
    check(vias == [port] * (2 * calls),
          f"{what}: the INVITEs and the BYEs came from port {port} (top Via ports {vias})")


def gw_alive(what):
    if not gw.alive():
        fail(f"gateway died during {what}:\n{gw.output()[-3000:]}")


for k, port in enumerate(workers):
    send_to = port  # where the calls go; check_worker expects worker k's own port
    trace = os.path.join(work, f"carol-w{k}-messages.log")
    callee = uas(f"uas-carol-w{k}", scenario("uas_call.xml"), carol_port, calls=CALLS,
                 extra=("-trace_msg", "-message_file", trace))
    results = [uac(scenario("uac_call.xml"), send_to, "carol").returncode for _ in range(CALLS)]
    gw_alive(f"the calls through worker {k}")
    check(results == [0] * CALLS, f"{CALLS} calls to carol sent to port {send_to} complete "
                                  f"(INVITE/200/ACK/BYE through the Record-Route; sipp {results})")
    check(callee.wait(30) == 0, f"carol's UAS saw the {CALLS} calls sent to port {send_to} end")
    check_worker(trace, port, CALLS, f"calls sent to worker {k}")

# --- 3. an overlay lookup from worker 1 -----------------------------------------------------------
_, dave_cert, dave_key = sip_tools.issue(f"dave@{DOMAIN}", "dave")
r = run([P2P_BIN, "register", "--bootstrap", f"127.0.0.1:{overlay_port}", "--cert", dave_cert,
         "--key", dave_key, "--ca", ca, "--timeout", "20", "--lifetime", "600",
         f"dave@{DOMAIN}", f"sip:dave@127.0.0.1:{dave_port}"], timeout=40)
check(r.returncode == 0,
      f"p2psip register dave through the gateway's overlay node ({r.stderr.strip()[-300:]})")


def lookups(result):
    status, text = http_get(base + "/metrics")
    if status != 200:
        return 0
    return metric(text, "p2psip_overlay_lookups_total", f'{{result="{result}"}}') or 0


found_before = lookups("found")
trace = os.path.join(work, "dave-messages.log")
callee = uas("uas-dave", scenario("uas_call.xml"), dave_port,
             extra=("-trace_msg", "-message_file", trace))
r = uac(scenario("uac_call.xml"), workers[1], "dave")
gw_alive("the call to dave")
check(r.returncode == 0, f"a call to dave@{DOMAIN} (in the overlay) through port {workers[1]} "
                         f"completes (sipp {r.returncode})")
check(callee.wait(30) == 0, "dave's UAS saw INVITE, ACK and BYE")
check_worker(trace, workers[1], 1, "the call to dave through worker 1")
found_after = lookups("found")
check(found_after > found_before,
      f"p2psip_overlay_lookups_total{{result=\"found\"}} went up ({found_before:.0f} -> "
      f"{found_after:.0f}): worker 1 asked the overlay node on the main thread")
not_found_before = lookups("not_found")
r = uac(scenario("uac_expect.xml", EXPECTED=404), workers[1], "nobody")
check(r.returncode == 0,
      f"an AoR nobody registered, through port {workers[1]}: 404 (sipp {r.returncode})")
check(lookups("not_found") > not_found_before, "and its lookup was counted not_found")

# --- 4. CANCEL through worker 1 ---------------------------------------------------------------
trace = os.path.join(work, "ring-messages.log")
ringing = uas("uas-ring", scenario("uas_ring.xml"), ring_port,
              extra=("-trace_msg", "-message_file", trace))
r = uac(scenario("uac_cancel.xml"), workers[1], "ring")
gw_alive("the cancelled call")
check(r.returncode == 0, f"INVITE and CANCEL to port {workers[1]}: 200 for the CANCEL, 487 for the "
                         f"INVITE (sipp {r.returncode})")
check(ringing.wait(30) == 0, "the ringing callee got the CANCEL and the ACK for its 487")
cancels = [top_via_port(h) for line, h in received(trace) if line.startswith("CANCEL ")]
check(cancels == [workers[1]], f"the callee's CANCEL came from worker 1's port {workers[1]} ({cancels})")

# --- 5. SIGTERM drains every worker, then stops them ----------------------------------------------
# A call through worker 1 is established and waits before its BYE when SIGTERM comes: the drain
# answers new requests at worker 1 with 503, waits for that call, and the gateway exits 0.
callee = uas("uas-carol-drain", scenario("uas_call.xml"), carol_port)
caller, established = sip_tools.start_long_call(workers[1], "carol", pause_ms=BYE_PAUSE_MS)
wait_until(lambda: established() or not caller.alive(), 30, "the call through worker 1 to be established")
check(caller.alive(), "a call through worker 1 is established (its ACK sent) and waits before its BYE")
gw.signal(signal.SIGTERM)
sigterm_at = time.monotonic()
wait_until(lambda: http_get(base + "/readyz")[0] == 503 or not gw.alive(), 10, "/readyz 503 after SIGTERM")
ready = http_get(base + "/readyz")
check(ready == (503, "draining\n"), f"/readyz 503 'draining' after SIGTERM ({ready})")
answer = options_status(workers[1])
check(answer == "SIP/2.0 503 Service Unavailable", f"OPTIONS to worker 1 during the drain: 503 ({answer!r})")
r = uac(scenario("uac_expect.xml", EXPECTED=503), workers[1], "carol")
check(r.returncode == 0, f"a new INVITE to worker 1 during the drain gets 503 (sipp {r.returncode})")
check(caller.alive(), "the call's BYE is still to come while the gateway drains")
check(caller.wait(60) == 0, "the call through worker 1 completes through the draining gateway (BYE 200)")
check(callee.wait(30) == 0, "the callee got the call's BYE")
rc = gw.wait(DRAIN_GRACE + EXIT_BOUND - (time.monotonic() - sigterm_at))
check(rc == 0, f"the gateway with two SIP workers exits 0 within drain_grace + {EXIT_BOUND} s of "
               f"SIGTERM (rc {rc})")
log = gw.stderr()
check(re.search(r"drain ended after [0-9.]+ s: nothing in flight", log) is not None,
      "the drain ended with nothing in flight (worker 1's call), not by its grace period")
check("stopped cleanly" in log, "its log says 'stopped cleanly'")
finish()
