"""The overlay domain reached by RFC 3263 instead of a static route. `p2psip dns-records`
publishes gateway A (overlay ovl.test.example) and a real nsd serves its output. Gateway B, the
"conventional" SIP server here (its own one-node overlay edge.example, --dns-server pointing at
nsd, the caller's network trusted), gets INVITE sip:dave@ovl.test.example from a SIPp caller:
not its domain, not in its overlay, so it resolves the domain by NAPTR -> SRV -> A and sends the
call to gateway A, which looks dave up in its overlay (registered by `p2psip register`) and
reaches dave's SIPp UAS. INVITE/200/ACK/BYE completes; B counts a DNS fallback and route `dns`,
A route `overlay`."""

import os
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "dns"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
from nsd_zone import ZONE, Nsd  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import metric, scenario, uac, uas  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
OVERLAY = f"ovl.{ZONE}"  # inside the zone nsd serves
work = temp_dir("p2p-dnsroute-")
sip_tools.set_workdir(work)


def start_gateway(name, sip, metrics, overlay_port, *flags):
    gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{sip}",
                "--metrics-listen", f"127.0.0.1:{metrics}",
                "--overlay-listen", f"127.0.0.1:{overlay_port}",
                "--data-dir", os.path.join(work, f"{name}-data"), "--log-level", "debug", *flags],
               name, work)
    wait_until(lambda: http_get(f"http://127.0.0.1:{metrics}/health")[0] == 200 or not gw.alive(),
               30, f"{name} /health")
    check(gw.alive(), f"{name} is up and joined its overlay")
    return gw


_, ca = sip_tools.ca_dir(OVERLAY)
_, gw_cert, gw_key = sip_tools.issue(f"gateway@{OVERLAY}", "gateway-a", overlay=OVERLAY)
_, dave_cert, dave_key = sip_tools.issue(f"dave@{OVERLAY}", "dave", overlay=OVERLAY)

a_sip, a_metrics, a_overlay = free_port(), free_port(), free_port()
b_sip, b_metrics, b_overlay = free_port(), free_port(), free_port()
uas_port = free_port()

gw_a = start_gateway("gateway-a", a_sip, a_metrics, a_overlay, "--overlay", OVERLAY,
                     "--cert", gw_cert, "--key", gw_key, "--ca", ca)

# Publish gateway A for the overlay domain, exactly as an operator would.
records = run([P2P_BIN, "dns-records", "--domain", OVERLAY, "--gateway", f"127.0.0.1:{a_sip}",
               "--transport", "udp,tcp", "--ttl", "60"])
check(records.returncode == 0, f"p2psip dns-records exits 0 ({records.stderr.strip()})")
nsd_dir = os.path.join(work, "nsd")
os.mkdir(nsd_dir)
nsd = Nsd(nsd_dir, free_port())
nsd.start(f"$ORIGIN {ZONE}.\n$TTL 300\n@ IN SOA ns.{ZONE}. admin.{ZONE}. 1 3600 600 86400 5\n"
          f"@ IN NS ns\nns IN A 127.0.0.1\n" + records.stdout)
got = run([P2P_BIN, "resolve", "--dns-server", f"127.0.0.1:{nsd.port}", f"sip:dave@{OVERLAY}"])
check(got.stdout.split("\n")[0].split()[:3] == ["udp", "127.0.0.1", str(a_sip)],
      f"nsd serves the published records: {got.stdout.strip()}")

gw_b = start_gateway("gateway-b", b_sip, b_metrics, b_overlay, "--overlay", "edge.example",
                     "--dns-server", f"127.0.0.1:{nsd.port}", "--trusted-network", "127.0.0.1/32")

contact = f"sip:dave@127.0.0.1:{uas_port}"
r = run([P2P_BIN, "register", "--bootstrap", f"127.0.0.1:{a_overlay}", "--cert", dave_cert,
         "--key", dave_key, "--ca", ca, "--timeout", "20", "--lifetime", "600",
         f"dave@{OVERLAY}", contact], timeout=40)
check(r.returncode == 0, f"p2psip register dave in gateway A's overlay ({r.stderr.strip()[-300:]})")

callee = uas("uas-dave", scenario("uas_call.xml"), uas_port)
r = uac(scenario("uac_call.xml"), b_sip, "dave", source="127.0.0.1", domain=OVERLAY)
check(r.returncode == 0, f"a call to dave@{OVERLAY} via gateway B -> DNS -> gateway A -> overlay "
                         f"completes (sipp {r.returncode})")
check(callee.wait(20) == 0, "dave's UAS saw INVITE, ACK and BYE")

b_text = http_get(f"http://127.0.0.1:{b_metrics}/metrics")[1]
a_text = http_get(f"http://127.0.0.1:{a_metrics}/metrics")[1]
check((metric(b_text, "p2psip_dns_fallbacks_total") or 0) >= 1, "gateway B fell back to DNS")
check((metric(b_text, "p2psip_sip_requests_forwarded_total", '{method="INVITE",route="dns"}') or 0) == 1,
      "gateway B forwarded the INVITE by route dns")
check((metric(a_text, "p2psip_sip_requests_forwarded_total", '{method="INVITE",route="overlay"}') or 0) == 1,
      "gateway A forwarded it by route overlay")

check(gw_b.stop(10) == 0, "gateway B exits 0 on SIGTERM")
check(gw_a.stop(10) == 0, "gateway A exits 0 on SIGTERM")
nsd.stop()
print("PASS")
