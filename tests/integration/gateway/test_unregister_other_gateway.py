"""Issue 19: an un-REGISTER through gateway B removes what gateway A stored in the overlay for
the phone, not only B's own value (SIP-REGISTRATION is keyed by Node-ID, RFC 7904 §3.2-3.3).

A peer and two gateways A and B. alice's certificate holds both gateways' Node-IDs (`p2psip ca
issue --user alice@... --node-id A --node-id B`), one copy in each gateway's
<data_dir>/phones/. alice registers through A: `p2psip lookup` finds her Contact. Then she
un-REGISTERs (Expires: 0) through B, where she has no binding: the lookup finds nothing (exit
1) long before her registration's Expires (600 s). bob, whose certificate at each gateway holds
only that gateway's Node-ID (the per-gateway kind), shows the limit: his un-REGISTER through B
leaves A's value."""

import os
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, register  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-unreg-")
sip_tools.set_workdir(work)
ca_dir, ca = sip_tools.ca_dir()
PHONES = {"alice": "alice-secret", "bob": "bob-secret"}
phones_file = sip_tools.write_phones(PHONES)


def healthy(port):
    return http_get(f"http://127.0.0.1:{port}/health", timeout=2)[0] == 200


_, pcert, pkey = sip_tools.issue(f"peer@{DOMAIN}", "peer")
peer_port, peer_metrics = free_port(), free_port()
peer = start([P2P_BIN, "peer", "--overlay", DOMAIN, "--overlay-listen", f"127.0.0.1:{peer_port}",
              "--metrics-listen", f"127.0.0.1:{peer_metrics}", "--cert", pcert, "--key", pkey,
              "--ca", ca, "--data-dir", os.path.join(work, "peer-data")], "peer", work)
wait_until(lambda: healthy(peer_metrics) or not peer.alive(), 30, "the peer to run")

gws = {}
for name in ("A", "B"):
    node_id, identity = sip_tools.gateway_identity(f"gw-{name}")
    gws[name] = {"node": node_id, "identity": identity, "sip": free_port(), "metrics": free_port(),
                 "data": os.path.join(work, f"{name}-data")}
    os.makedirs(os.path.join(gws[name]["data"], "phones"))
both = [gws["A"]["node"], gws["B"]["node"]]
for name, g in gws.items():
    # alice: one certificate holding both Node-IDs, the same at both gateways.
    args = [P2P_BIN, "ca", "issue", "--dir", ca_dir, "--user", f"alice@{DOMAIN}", "--key-type", "ec",
            "--out", os.path.join(g["data"], "phones", f"alice@{DOMAIN}")]
    for n in both:
        args += ["--node-id", n]
    r = run(args)
    check(r.returncode == 0, f"alice's certificate for {name} holds both gateways' Node-IDs")
    # bob: the per-gateway kind, only this gateway's Node-ID.
    sip_tools.issue(f"bob@{DOMAIN}", os.path.join(f"{name}-data", "phones", f"bob@{DOMAIN}"), g["node"])
    g["proc"] = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{g['sip']}",
                       "--metrics-listen", f"127.0.0.1:{g['metrics']}",
                       "--overlay-listen", f"127.0.0.1:{free_port()}", "--overlay", DOMAIN,
                       "--bootstrap", f"127.0.0.1:{peer_port}", *g["identity"],
                       "--phones-file", phones_file, "--alias", "127.0.0.1",
                       "--data-dir", g["data"], "--log-level", "debug"], f"gateway-{name}", work)
for name, g in gws.items():
    wait_until(lambda: healthy(g["metrics"]) or not g["proc"].alive(), 30, f"gateway {name} in the overlay")
    check(g["proc"].alive(), f"gateway {name} joined")

_, ccert, ckey = sip_tools.issue(f"carol@{DOMAIN}", "carol")


def lookup(user):
    return run([P2P_BIN, "lookup", "--bootstrap", f"127.0.0.1:{peer_port}", "--cert", ccert,
                "--key", ckey, "--ca", ca, "--timeout", "10", f"{user}@{DOMAIN}"], timeout=30)


contact = {u: f"sip:{u}@127.0.0.1:{5900 + i}" for i, u in enumerate(PHONES)}
for user, password in PHONES.items():
    statuses, _ = register(gws["A"]["sip"], user, password, contact[user], expires=600)
    check(statuses[-1] == "SIP/2.0 200 OK", f"{user} registers through A ({statuses})")
    wait_until(lambda: contact[user] in lookup(user).stdout, 30, f"{user} in the overlay", interval=1)
    check(True, f"p2psip lookup finds {user}'s Contact stored through A")

for user, password in PHONES.items():
    statuses, _ = register(gws["B"]["sip"], user, password, contact[user], expires=0)
    check(statuses[-1] == "SIP/2.0 200 OK", f"{user} un-REGISTERs through B (Expires: 0): 200 ({statuses})")

# Removals travel through the overlay: poll the lookup (bounded) for the value to go.
wait_until(lambda: lookup("alice").returncode == 1 or not gws["B"]["proc"].alive(), 20,
           "the overlay to hold nothing for alice after her un-REGISTER through B (before the "
           "fix A's value stayed until its Expires)", interval=1)
r = lookup("alice")
check(r.returncode == 1 and contact["alice"] not in r.stdout,
      f"after the un-REGISTER through B the overlay holds nothing for alice (exit {r.returncode}: "
      f"{r.stdout.strip()!r})")
check(f"under Node-ID {gws['A']['node']} removed" in gws["B"]["proc"].output(),
      "B logs that it removed the value stored under A's Node-ID")
r = lookup("bob")
check(contact["bob"] in r.stdout,
      "bob (a certificate per gateway) keeps A's value until its Expires: the documented limit")
print("PASS")
