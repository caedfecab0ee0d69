"""Plain SIP phones at the gateway's registrar front-end, through a real Kamailio:
- alice@<domain> REGISTERs with RFC 7616 digest (SHA-256; a small Python UA, as SIPp 3.6 only
  answers a challenge whose first WWW-Authenticate is MD5): 401, then 200 with its Contact;
  p2psip_registered_phones counts the binding; carol (MD5) asking for 30 s gets 423;
- a call from a SIPp caller through Kamailio (static route for the overlay domain) to
  alice@<domain> reaches the phone's SIPp UAS (INVITE/200/ACK/BYE);
- bob with a wrong password gets 401, 401, 401, then 403; nothing is stored;
- REGISTER for a domain the gateway does not serve, from an untrusted sender: 403;
- alice's un-REGISTER (Expires: 0) removes the binding: the call then gets 404 (the overlay is
  joined and holds nothing);
- SIPp itself as a phone (dave): against this gateway (SHA-256 offered first) its digest fails;
  against a second gateway with --digest-md5-first it registers (401, then 200)."""

import os
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, metric, raw, register, request, scenario, start_kamailio, uac, uas  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-phones-")
sip_tools.set_workdir(work)

kam_port, gw_port, metrics_port, overlay_port = free_port(), free_port(), free_port(), free_port()
phone_port = free_port()

phones = os.path.join(work, "phones")
with open(phones, "w") as f:
    f.write("# user password\nalice alice-secret\nbob bob-secret\ncarol carol-secret\n"
            "dave dave-secret\n")
os.chmod(phones, 0o600)

kam = start_kamailio(kam_port, gw_port)
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
            "--data-dir", os.path.join(work, "data"), "--log-level", "debug",
            "--phones-file", phones], "gateway", work)
base = f"http://127.0.0.1:{metrics_port}"
wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 20, "gateway /health")
check(gw.alive(), "gateway is running and joined")
wait_until(lambda: raw(kam_port, request("OPTIONS", "sip:nobody@elsewhere.example"), wait=0.5) is not None
           or not kam.alive(), 20, "Kamailio to answer")
check(kam.alive(), "Kamailio is running")


def phones_registered():
    return metric(http_get(base + "/metrics")[1], "p2psip_registered_phones")


# No --trusted-network and no phone registered yet: 127.0.0.1 is an untrusted sender, and the gateway is no registrar for
# other domains.
elsewhere = request("REGISTER", "sip:elsewhere.example").replace(
    "To: <sip:elsewhere.example>", "To: <sip:eve@elsewhere.example>")
check(raw(gw_port, elsewhere) == "SIP/2.0 403 Forbidden",
      "REGISTER for another domain from an untrusted sender: 403")

contact = f"sip:alice@127.0.0.1:{phone_port}"
statuses, last = register(gw_port, "alice", "alice-secret", contact)
check(statuses == ["SIP/2.0 401 Unauthorized", "SIP/2.0 200 OK"],
      f"alice registers with the right password (SHA-256): 401 then 200 ({statuses})")
check(f"<{contact}>;expires=600" in last.replace("\r\n", " "), "the 200 lists alice's Contact")
check(phones_registered() == 1, "p2psip_registered_phones counts alice's binding")
statuses, _ = register(gw_port, "carol", "carol-secret", "sip:carol@127.0.0.1:5999",
                       algorithm="MD5", expires=30)
check(statuses == ["SIP/2.0 401 Unauthorized", "SIP/2.0 423 Interval Too Brief"],
      f"carol (MD5) asking for 30 s: 423 ({statuses})")

callee = uas("phone-alice", scenario("uas_call.xml"), phone_port)
r = uac(scenario("uac_call.xml"), kam_port, "alice", source="127.0.0.2")
check(r.returncode == 0, f"a call through Kamailio to alice@{DOMAIN} completes (sipp {r.returncode})")
check(callee.wait(20) == 0, "the phone's UAS saw INVITE, ACK and BYE")

statuses, _ = register(gw_port, "bob", "wrong-password", "sip:bob@127.0.0.1:5999", attempts=3)
check(statuses == ["SIP/2.0 401 Unauthorized"] * 3 + ["SIP/2.0 403 Forbidden"],
      f"bob with a wrong password: 401 (no credentials), 401, 401, then 403 ({statuses})")
check(phones_registered() == 1, "nothing was stored for bob")

statuses, _ = register(gw_port, "alice", "alice-secret", contact, expires=0)
check(statuses == ["SIP/2.0 401 Unauthorized", "SIP/2.0 200 OK"],
      f"alice un-REGISTERs (Expires: 0): 200 ({statuses})")
check(phones_registered() == 0, "the binding is gone")
r = uac(scenario("uac_expect.xml", EXPECTED=404), kam_port, "alice", source="127.0.0.2")
check(r.returncode == 0, f"a call to alice after the un-REGISTER: 404 (sipp {r.returncode})")

# SIPp 3.6 answers only the first WWW-Authenticate: with SHA-256 offered first it cannot register.
dave = ("-au", "dave", "-ap", "dave-secret")
r = uac(scenario("uac_register_digest.xml"), gw_port, "dave", extra=dave)
# The one way this may fail: SIPp got the 401, read its first WWW-Authenticate (SHA-256) and
# gave up (a fatal error, exit 255); not a timeout, not a 403, not any other failure.
check(r.returncode == 255 and "authentication must use MD5" in r.stderr,
      f"SIPp (reads the first challenge only) gives up on the 401 offering SHA-256 first "
      f"(sipp {r.returncode}: {r.stderr.strip()[-200:]})")
check(phones_registered() == 0, "nothing was stored for dave")
check(gw.stop(10) == 0, "gateway exits 0 on SIGTERM")
kam.stop()

md5_port, md5_metrics = free_port(), free_port()
gw_md5 = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{md5_port}",
                "--metrics-listen", f"127.0.0.1:{md5_metrics}",
                "--overlay-listen", f"127.0.0.1:{free_port()}", "--overlay", DOMAIN,
                "--data-dir", os.path.join(work, "data-md5"), "--log-level", "debug",
                "--phones-file", phones, "--digest-md5-first", "true"], "gateway-md5", work)
wait_until(lambda: http_get(f"http://127.0.0.1:{md5_metrics}/health")[0] == 200 or not gw_md5.alive(),
           20, "the MD5-first gateway /health")
r = uac(scenario("uac_register_digest.xml"), md5_port, "dave", extra=dave)
check(r.returncode == 0, f"with --digest-md5-first SIPp registers: 401 then 200 (sipp {r.returncode})")
check(metric(http_get(f"http://127.0.0.1:{md5_metrics}/metrics")[1], "p2psip_registered_phones") == 1,
      "the MD5-first gateway counts dave's binding")
check(gw_md5.stop(10) == 0, "the MD5-first gateway exits 0 on SIGTERM")
print("PASS")
