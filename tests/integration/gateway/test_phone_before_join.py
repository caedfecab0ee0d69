"""Issue 19: a phone that registers before the gateway's overlay node has joined is stored in
the overlay once the node joins, not only at the phone's next REGISTER.

A gateway starts with a bootstrap peer that is not running yet (its node keeps trying to
join); a SIPp phone (alice, with a certificate for the gateway's Node-ID in
<data_dir>/phones/) registers: 200 from the gateway's own registrar. Then the peer starts, the
gateway joins, and `p2psip lookup` through the peer finds alice's Contact in the overlay, with
no second REGISTER."""

import os
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, raw, request, scenario  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-prejoin-")
sip_tools.set_workdir(work)
ca_dir, ca = sip_tools.ca_dir()

phones_file = sip_tools.write_phones({"alice": "alice-secret"})

peer_port, peer_metrics = free_port(), free_port()
node_id, identity = sip_tools.gateway_identity("gw")
data = os.path.join(work, "gw-data")
os.makedirs(os.path.join(data, "phones"))
sip_tools.issue(f"alice@{DOMAIN}", os.path.join("gw-data", "phones", f"alice@{DOMAIN}"), node_id)
sip_port, metrics_port = free_port(), free_port()
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{sip_port}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{free_port()}", "--overlay", DOMAIN,
            "--bootstrap", f"127.0.0.1:{peer_port}", *identity, "--phones-file", phones_file,
            "--digest-md5-first", "true", "--alias", "127.0.0.1", "--data-dir", data,
            "--log-level", "debug"], "gateway", work)
# SIP answers (503: not ready, the node has not joined) before the overlay is there.
wait_until(lambda: raw(sip_port, request("OPTIONS", f"sip:127.0.0.1:{sip_port}"), wait=0.5) is not None
           or not gw.alive(), 20, "the gateway's SIP side")
check(gw.alive(), "the gateway runs, its bootstrap peer not yet")
check(http_get(f"http://127.0.0.1:{metrics_port}/health", timeout=2)[0] != 200,
      "the gateway's node has not joined (no peer)")

phone_port = free_port()
r = run(["sipp", "-sf", scenario("uac_register_digest.xml"), "-i", "127.0.0.1", "-p", phone_port,
         "-t", "u1", "-m", 1, "-s", "alice", "-set", "domain", DOMAIN, "-au", "alice", "-ap",
         "alice-secret", "-nostdin", "-timeout", "30", "-timeout_error", "-trace_err",
         "-error_file", os.path.join(work, "register-err.log"), f"127.0.0.1:{sip_port}"], timeout=60)
check(r.returncode == 0, f"alice registers before the join: 401 then 200 (sipp {r.returncode})")
wait_until(lambda: "has not joined yet; stored once it has" in gw.output(), 10,
           "the gateway to say alice waits for the join")
check("has not joined yet; stored once it has" in gw.output(),
      "the gateway logs that alice's binding waits for the join")

_, pcert, pkey = sip_tools.issue(f"peer@{DOMAIN}", "peer")
peer = start([P2P_BIN, "peer", "--overlay", DOMAIN, "--overlay-listen", f"127.0.0.1:{peer_port}",
              "--metrics-listen", f"127.0.0.1:{peer_metrics}", "--cert", pcert, "--key", pkey,
              "--ca", ca, "--data-dir", os.path.join(work, "peer-data")], "peer", work)
wait_until(lambda: http_get(f"http://127.0.0.1:{metrics_port}/health", timeout=2)[0] == 200
           or not gw.alive(), 60, "the gateway to join through the peer")
check(gw.alive() and peer.alive(), "the gateway joined once its bootstrap peer started")

_, ccert, ckey = sip_tools.issue(f"carol@{DOMAIN}", "carol")
want = f"sip:alice@127.0.0.1:{phone_port}"


def lookup():
    return run([P2P_BIN, "lookup", "--bootstrap", f"127.0.0.1:{peer_port}", "--cert", ccert,
                "--key", ckey, "--ca", ca, "--timeout", "10", f"alice@{DOMAIN}"], timeout=30)


wait_until(lambda: want in lookup().stdout, 30, "alice in the overlay", interval=1)
last = lookup()
check(want in last.stdout, f"p2psip lookup finds alice's Contact {want} after the join, without a "
                           f"second REGISTER (got {last.returncode}: {last.stdout.strip()!r} "
                           f"{last.stderr.strip()[-200:]!r})")
check("phone alice@" + DOMAIN + ": stored in the overlay" in gw.output(),
      "the gateway logs alice stored in the overlay")
print("PASS")
