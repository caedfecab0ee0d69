"""SIP over TLS with real TLS clients and the real `p2psip gateway` on loopback (Debian's SIPp
has no TLS, so the TLS ends are openssl s_client and a second gateway):
- inbound: `openssl s_client` sends OPTIONS over TLS to the gateway's sip_tls_listen and reads
  200; a client that does not trust the gateway's certificate fails the handshake;
- outbound: SIPp UAC (UDP) -> gateway A -> TLS -> gateway B (another domain) -> UDP -> SIPp UAS:
  A's static registration has a contact with ;transport=tls at B's TLS listener, B routes the
  AoR to the UAS; the call completes (INVITE/200/ACK/BYE), the BYE routed over TLS by the double
  Record-Route (RFC 5658) with transport=tls;
- certificates are really checked, and a refused one ends the branch at once (a transport
  error, 503 from nta, so the caller gets 500, not the 408 of a timeout): gateway C, the same as
  A but whose sip_tls_ca does not hold B's certificate (sip_tls_verify=true), fails that call;
- host names are checked: C trusts D's certificate, whose only name is d.test.example; a
  contact at d.test.example (nsd gives its address) completes a call through D, the same D
  reached as wrong.test.example is refused for the subject mismatch. (A contact that is an IP
  literal gets the chain check only: Sofia cannot match IP subjectAltNames, see
  gateway/sip/proxy_policy.cpp);
- failover past a refused TLS target: C forks sequentially; for fallback@ the first contact is
  B over TLS (refused), the second a SIPp UAS over UDP, and the call completes there (SIPp's
  30 s call timeout would end it first if the refusal took timer B's 32 s).
Test certificates are self-signed ones from `openssl req -x509` in the test's temp dir."""

import os
import subprocess
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, os.path.join(HERE, "..", "dns"))
from nsd_zone import Nsd  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity, raw, request, scenario, static_config, uac, uas  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-tls-")
sip_tools.set_workdir(work)
B_DOMAIN = "b.test.example"


def self_signed(name, san="IP:127.0.0.1"):
    cert, key = os.path.join(work, f"{name}.crt"), os.path.join(work, f"{name}.key")
    r = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", "2", "-subj", f"/CN={name}", "-addext", f"subjectAltName={san}",
             "-keyout", key, "-out", cert])
    if r.returncode != 0:
        fail(f"openssl req: {r.stderr}")
    return cert, key


def gateway(name, sip_port, tls_port, cert, key, ca, static, identity, domain=DOMAIN, extra=()):
    metrics_port, overlay_port = free_port(), free_port()
    p = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{sip_port}",
               "--sip-tls-listen", f"127.0.0.1:{tls_port}", "--sip-tls-cert", cert,
               "--sip-tls-key", key, "--sip-tls-ca", ca, "--sip-tls-verify", "true",
               "--metrics-listen", f"127.0.0.1:{metrics_port}",
               "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
               "--domain", domain, "--data-dir", os.path.join(work, f"data-{name}"),
               "--log-level", "debug", "--config", static, *identity, *extra], name, work)
    base = f"http://127.0.0.1:{metrics_port}"
    wait_until(lambda: http_get(base + "/health")[0] == 200 or not p.alive(), 20, f"{name} /health")
    if not p.alive():
        fail(f"gateway {name} did not start:\n{p.output()[-3000:]}")
    return p


def options_over_tls(port, cafile):
    """A raw OPTIONS through `openssl s_client`: (returncode, stdout, stderr)."""
    text = (f"OPTIONS sip:127.0.0.1:{port};transport=tls SIP/2.0\r\n"
            "Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-tls1\r\n"
            "From: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: tls1@127.0.0.1\r\n"
            "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
    # s_client -quiet keeps the connection after its input ends: read until the status line
    # (or the end), then end it by its own handle.
    p = subprocess.Popen(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-quiet",
                          "-CAfile", cafile, "-verify_return_error"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdin.write(text)
    p.stdin.flush()
    out = ""
    for line in p.stdout:
        out += line
        if line.startswith("SIP/2.0 ") and not line.startswith("SIP/2.0 1"):
            break
    if p.poll() is None:
        p.kill()
    rc = p.wait(10)
    return (0 if "SIP/2.0 " in out else rc or 1), out, p.stderr.read()


a_sip, a_tls, b_sip, b_tls, c_sip, c_tls, d_sip, d_tls, uas_port, nsd_port = (free_port() for _ in range(10))
a_cert, a_key = self_signed("gw-a")
b_cert, b_key = self_signed("gw-b")
stranger_cert, _ = self_signed("stranger")

b_node, b_identity = gateway_identity("gw-b-node", user=f"gateway@{B_DOMAIN}")
b_static = static_config("gw-b", [(f"bob@{B_DOMAIN}", f"sip:bob@127.0.0.1:{uas_port}")], b_node)
gw_b = gateway("gw-b", b_sip, b_tls, b_cert, b_key, a_cert, b_static, b_identity, domain=B_DOMAIN)

# --- inbound TLS -------------------------------------------------------------------------------
rc, out, err = options_over_tls(b_tls, b_cert)
check("SIP/2.0 200" in out, f"OPTIONS over TLS to the gateway's sip_tls_listen gets 200 ({out[-300:]!r})")
rc, out, err = options_over_tls(b_tls, stranger_cert)
# The handshake fails for the one reason under test: the gateway's (self-signed) certificate
# is not in the client's CA file (X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT), not any failure.
check(rc != 0 and "SIP/2.0" not in out and "verify error:num=18:self-signed certificate" in err,
      f"a client that does not trust the gateway's certificate fails the handshake: "
      f"{err.strip().splitlines()[:2]}")

# --- outbound TLS: UAC -> A -> TLS -> B -> UAS ----------------------------------------------------
a_node, a_identity = gateway_identity("gw-a-node")
a_static = static_config("gw-a", [(f"bob@{DOMAIN}", f"sip:bob@127.0.0.1:{b_tls};transport=tls")], a_node)
gw_a = gateway("gw-a", a_sip, a_tls, a_cert, a_key, b_cert, a_static, a_identity)
callee = uas("uas-tls", scenario("uas_call.xml"), uas_port)
r = uac(scenario("uac_call.xml"), a_sip, "bob", source="127.0.0.1")
if not gw_a.alive() or not gw_b.alive():
    fail(f"a gateway died during the TLS call:\n{gw_a.output()[-2000:]}\n{gw_b.output()[-2000:]}")
check(r.returncode == 0, f"UDP -> A -> TLS -> B -> UDP call completes (sipp {r.returncode} {r.stderr[-300:]})")
check(callee.wait(20) == 0, "the callee behind B saw INVITE, ACK and BYE")
check("tls" in gw_a.stderr().lower() and f"127.0.0.1:{b_tls};transport=tls" in gw_a.stderr(),
      "gateway A forwarded to B's TLS listener with transport=tls")
bye_hops = [l for l in gw_a.stderr().splitlines() if " BYE " in l and " -> " in l]
check(any(f"127.0.0.1:{b_tls};transport=tls" in l for l in bye_hops),
      f"the BYE follows B's Record-Route with transport=tls over TLS ({bye_hops[-1:]})")

# --- certificates are checked: C trusts a stranger's certificate and D's ------------------------
d_cert, d_key = self_signed("d.test.example", san="DNS:d.test.example")
D_DOMAIN = "d.test.example"
d_node, d_identity = gateway_identity("gw-d-node", user=f"gateway@{D_DOMAIN}")
d_static = static_config("gw-d", [(f"bob@{D_DOMAIN}", f"sip:bob@127.0.0.1:{uas_port}")], d_node)
gw_d = gateway("gw-d", d_sip, d_tls, d_cert, d_key, a_cert, d_static, d_identity, domain=D_DOMAIN)
nsd = Nsd(work, nsd_port)
nsd.start("\n".join([
    "$ORIGIN test.example.", "$TTL 300",
    "@ IN SOA ns.test.example. admin.test.example. 1 3600 600 86400 5", "@ IN NS ns",
    "ns IN A 127.0.0.1", "d IN A 127.0.0.1", "wrong IN A 127.0.0.1", ""]))
c_ca = os.path.join(work, "c-ca.pem")
with open(c_ca, "w") as f:
    f.write(open(stranger_cert).read() + open(d_cert).read())
c_node, c_identity = gateway_identity("gw-c-node")
c_static = static_config("gw-c", [
    (f"bob@{DOMAIN}", f"sip:bob@127.0.0.1:{b_tls};transport=tls"),
    (f"dee@{DOMAIN}", f"sip:bob@{D_DOMAIN}:{d_tls};transport=tls"),
    (f"wrong@{DOMAIN}", f"sip:bob@wrong.test.example:{d_tls};transport=tls"),
    (f"fallback@{DOMAIN}", f"sip:bob@127.0.0.1:{b_tls};transport=tls"),
    (f"fallback@{DOMAIN}", f"sip:bob@127.0.0.1:{uas_port}")], c_node)
gw_c = gateway("gw-c", c_sip, c_tls, a_cert, a_key, c_ca, c_static, c_identity,
               extra=("--forking", "sequential", "--dns-server", f"127.0.0.1:{nsd_port}"))
# A refused handshake is a transport error at once: nta answers the branch 503, which the
# proxy turns into 500 upstream (a timeout would be 408). The wait only bounds the test.
line = raw(c_sip, request("INVITE", f"sip:bob@{DOMAIN}"), wait=60)
if not (line or "").startswith("SIP/2.0 500"):
    print(gw_c.output()[-4000:])
check((line or "").startswith("SIP/2.0 500"),
      f"with sip_tls_verify=true and a CA not matching B's certificate the branch fails with a transport error ({line})")
check("Error with certificate" in gw_c.stderr(), "gateway C rejected B's certificate")
# First, while C has no connection to D: Sofia reuses an open TLS connection to the same
# address for another name without checking it again (tport.c tport_by_name).
line = raw(c_sip, request("INVITE", f"sip:wrong@{DOMAIN}"), wait=60)
check((line or "").startswith("SIP/2.0 500"),
      f"D reached as wrong.test.example: its certificate does not name it, refused ({line})")
check("Peer Subject Mismatch (wrong.test.example)" in gw_c.stderr(), "gateway C refused D for its name")
named = uas("uas-named", scenario("uas_call.xml"), uas_port)
r = uac(scenario("uac_call.xml"), c_sip, "dee", source="127.0.0.1")
check(r.returncode == 0, f"C -> TLS -> D by the name in D's certificate: the call completes (sipp {r.returncode})")
check(named.wait(20) == 0, "the callee behind D took the call")
fallback = uas("uas-fallback", scenario("uas_call.xml"), uas_port)
r = uac(scenario("uac_call.xml"), c_sip, "fallback", source="127.0.0.1")
check(r.returncode == 0, f"past the refused TLS contact the call completes on the next (sipp {r.returncode})")
check(fallback.wait(20) == 0, "the second contact took the call")
check(gw_c.alive() and gw_d.alive(), "gateways C and D still run")
for name, gw in (("A", gw_a), ("B", gw_b), ("C", gw_c), ("D", gw_d)):
    data = os.path.join(work, f"data-gw-{name.lower()}")
    check(gw.stop(10) == 0, f"gateway {name} stops cleanly on SIGTERM")
    left = [e for e in os.listdir(data) if e.startswith("sip-tls-")]
    check(not left, f"gateway {name} removed its private TLS credentials directory ({left})")
nsd.stop()
print("PASS")
