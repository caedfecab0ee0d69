"""SIGHUP serves a renewed SIP TLS certificate to new TLS connections, with Sofia 1.12 as
Debian 12 ships it (gateway/sip/tls_reload.h), without dropping anything:
- the gateway starts with sip_tls_cert "old.test.example"; `openssl s_client` sees it;
- a TLS connection is opened (Python's ssl) and an OPTIONS over it gets 200; a call over UDP
  (SIPp caller -> gateway -> SIPp UAS, a static registration) is established and its caller
  waits before the BYE;
- the certificate and key files are replaced by "new.test.example" ones (rename, as a
  renewal tool does) and the gateway gets SIGHUP: it logs the new certificate;
- `openssl s_client` now sees new.test.example; the connection opened before still works
  (OPTIONS 200 over it) and still shows the old certificate; UDP OPTIONS still 200; the call
  completes (BYE 200 through the gateway);
- a renewal whose key does not match its certificate is refused as a whole (the reload count
  "refused" goes up) and new connections keep getting new.test.example."""

import os
import shutil
import signal
import socket
import ssl
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity, metric, raw, request, scenario, static_config, uas  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-tlsreload-")
sip_tools.set_workdir(work)


def self_signed(name):
    cert, key = os.path.join(work, f"{name}.crt"), os.path.join(work, f"{name}.key")
    r = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", "2", "-subj", f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", key, "-out", cert])
    if r.returncode != 0:
        fail(f"openssl req: {r.stderr}")
    return cert, key


old_cert, old_key = self_signed("old.test.example")
new_cert, new_key = self_signed("new.test.example")
tls_cert, tls_key = os.path.join(work, "sip-tls.crt"), os.path.join(work, "sip-tls.key")
shutil.copy(old_cert, tls_cert)
shutil.copy(old_key, tls_key)
ca = os.path.join(work, "both.crt")
with open(ca, "w") as f:
    f.write(open(old_cert).read() + open(new_cert).read())

sip_port, tls_port, metrics_port, uas_port = free_port(), free_port(), free_port(), free_port()
node, identity = gateway_identity("gw-node")
static = static_config("gw", [(f"bob@{DOMAIN}", f"sip:bob@127.0.0.1:{uas_port}")], node)
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{sip_port}",
            "--sip-tls-listen", f"127.0.0.1:{tls_port}", "--sip-tls-cert", tls_cert,
            "--sip-tls-key", tls_key, "--sip-tls-ca", ca,
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{free_port()}", "--overlay", DOMAIN,
            "--data-dir", os.path.join(work, "data"), "--log-level", "debug", "--config", static,
            *identity], "gateway", work)
base = f"http://127.0.0.1:{metrics_port}"
wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 20, "the gateway's /health")
check(gw.alive(), "the gateway runs with SIP over TLS")


def served_subject():
    """The subject `openssl s_client` sees on a new TLS connection."""
    r = run(["openssl", "s_client", "-connect", f"127.0.0.1:{tls_port}", "-CAfile", ca,
             "-verify_return_error"], input="", timeout=20)
    for line in r.stdout.splitlines():
        if line.startswith("subject="):
            return line.split("=", 1)[1].strip()
    return f"(none: rc {r.returncode} {r.stderr.strip()[-200:]})"


def options_text(n):
    return (f"OPTIONS sip:127.0.0.1:{tls_port};transport=tls SIP/2.0\r\n"
            f"Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-held{n}\r\n"
            f"From: <sip:t@127.0.0.1>;tag={n}\r\nTo: <sip:127.0.0.1>\r\nCall-ID: held{n}@127.0.0.1\r\n"
            f"CSeq: {n} OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")


def status_over(conn, n):
    conn.sendall(options_text(n).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0].decode(errors="replace")


check("CN = old.test.example" in served_subject() or "CN=old.test.example" in served_subject(),
      f"openssl s_client sees the old certificate at start ({served_subject()})")

ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
held = ctx.wrap_socket(socket.create_connection(("127.0.0.1", tls_port), timeout=10))
held_der = held.getpeercert(binary_form=True)
check(status_over(held, 1) == "SIP/2.0 200 OK", "OPTIONS over a TLS connection opened before the reload: 200")

# A call over UDP that stays established across the reload: the caller pauses before its BYE.
callee = uas("uas-bob", scenario("uas_call.xml"), uas_port)
caller, caller_sent_ack = sip_tools.start_long_call(sip_port, "bob")
wait_until(lambda: caller_sent_ack() or not caller.alive(), 20, "the call to bob to be established")
check(caller.alive(), "the call to bob is established and its caller waits before the BYE")


def renew(cert, key):
    for src, dst in ((cert, tls_cert), (key, tls_key)):
        shutil.copy(src, dst + ".tmp")
        os.replace(dst + ".tmp", dst)


def reloads(result):
    return metric(http_get(base + "/metrics")[1], "p2psip_config_reloads_total", f'{{result="{result}"}}')


renew(new_cert, new_key)
gw.signal(signal.SIGHUP)
wait_until(lambda: "SIP TLS serves a new certificate" in gw.stderr() or not gw.alive(), 20,
           "the gateway to serve the renewed certificate")
check(gw.alive(), "the gateway is alive after SIGHUP")
check("CN=new.test.example" in gw.stderr(), "the log names the new certificate")
subject = served_subject()
check("new.test.example" in subject, f"openssl s_client sees the renewed certificate after SIGHUP ({subject})")
check(status_over(held, 2) == "SIP/2.0 200 OK",
      "the TLS connection opened before the reload still works (OPTIONS 200 over it)")
check(held.getpeercert(binary_form=True) == held_der, "... and keeps the certificate it was opened with")
check(raw(sip_port, request("OPTIONS", f"sip:127.0.0.1:{sip_port}")) == "SIP/2.0 200 OK",
      "UDP service goes on after the reload")
check(caller.alive(), "the call was still up when the renewed certificate was served")
check(caller.wait(30) == 0, "the call that spanned the reload completes: BYE answered 200")
check(callee.wait(20) == 0, "bob's UAS saw INVITE, ACK and BYE")
held.close()

refused = reloads("refused")
renew(new_cert, old_key)  # a certificate with the wrong key: refused as a whole
gw.signal(signal.SIGHUP)
wait_until(lambda: reloads("refused") > refused or not gw.alive(), 20, "the broken renewal to be refused")
check(reloads("refused") == refused + 1 and "is not the key of" in gw.stderr(),
      "a renewal whose key does not match its certificate is refused, with a log line naming it")
subject = served_subject()
check("new.test.example" in subject, f"new connections still get the valid certificate ({subject})")
print("PASS")
