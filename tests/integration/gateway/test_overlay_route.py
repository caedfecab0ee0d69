"""Inbound through the overlay: SIPp caller -> Kamailio (static route for the overlay domain) ->
the gateway -> an AoR looked up in the overlay (RELOAD Fetch of SIP-REGISTRATION by the
gateway's SIP usage client) -> the SIPp UAS registered there by `p2psip register` through
another peer. The ring is the gateway and two `p2psip peer` processes. INVITE/200/ACK/BYE
completes with route `overlay`; an AoR nobody registered gets 404; both lookups are counted in
p2psip_overlay_lookups_total. The gateway's static registration (its own certificate for the
gateway's Node-ID) and its service AoR gateway@<domain> are found by `p2psip lookup` from a
peer (an AoR with two contacts as the gateway's own URI for it), and are gone after the
gateway's SIGTERM. The gateway listens on 0.0.0.0 with --sip-advertise 127.0.0.1:PORT: the
contacts it stores name the advertised address. A caller calls pstn@<domain> through the
gateway (static route to an external SIPp UAS), then calls the contact `p2psip lookup` returned
directly; both complete. A plain phone (alice, with a certificate in
<data_dir>/phones/) registered at the gateway is stored in the overlay with its own Contact
(any gateway of the site reaches it there), and its un-REGISTER removes it."""

import os
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import (DOMAIN, gateway_identity, metric, raw, request, scenario, start_kamailio,  # noqa: E402
                       register, static_config, uac, uas)  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-ovroute-")
sip_tools.set_workdir(work)
ca = sip_tools.ca_dir()[1]


def issue(user, name):
    return sip_tools.issue(user, name)[1:]


gw_node, gw_identity = gateway_identity("gateway")
dave_cert, dave_key = issue(f"dave@{DOMAIN}", "dave")

kam_port, gw_port, metrics_port, overlay_port = free_port(), free_port(), free_port(), free_port()
uas_port, pstn_port = free_port(), free_port()
# pstn: one contact, an external SIPp UAS; desk: two contacts, so the overlay holds the gateway.
pstn_contact = f"sip:pstn@127.0.0.1:{pstn_port}"
static = static_config("gateway", [(f"pstn@{DOMAIN}", pstn_contact),
                                   (f"desk@{DOMAIN}", "sip:desk@192.0.2.50:5070;transport=tcp"),
                                   (f"desk@{DOMAIN}", "sip:desk@192.0.2.51:5070")], gw_node)
# A plain phone whose AoR has a certificate in <data_dir>/phones/: stored in the overlay too.
phones = os.path.join(work, "phones")
with open(phones, "w") as f:
    f.write("alice alice-secret\n")
os.makedirs(os.path.join(work, "gw-data", "phones"))
sip_tools.issue(f"alice@{DOMAIN}", os.path.join("gw-data", "phones", f"alice@{DOMAIN}"), gw_node)
kam = start_kamailio(kam_port, gw_port)
# Listening on the any-address, advertising loopback: the contacts stored in the overlay and the
# Record-Route name 127.0.0.1, not 0.0.0.0 nor the first interface address.
gw = start([P2P_BIN, "gateway", "--sip-listen", f"0.0.0.0:{gw_port}",
            "--sip-advertise", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
            *gw_identity, "--config", static, "--phones-file", phones,
            "--data-dir", os.path.join(work, "gw-data"), "--log-level", "debug"], "gateway", work)
base = f"http://127.0.0.1:{metrics_port}"
wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 30, "gateway /health")
check(gw.alive(), "the gateway started the overlay")

peers = []
for i in range(2):
    cert, key = issue(f"peer{i}@{DOMAIN}", f"peer{i}")
    port, mport = free_port(), free_port()
    p = start([P2P_BIN, "peer", "--overlay", DOMAIN, "--overlay-listen", f"127.0.0.1:{port}",
               "--metrics-listen", f"127.0.0.1:{mport}", "--cert", cert, "--key", key, "--ca", ca,
               "--bootstrap", f"127.0.0.1:{overlay_port}",
               "--data-dir", os.path.join(work, f"peer{i}-data"), "--log-level", "debug"],
              f"peer{i}", work)
    wait_until(lambda: http_get(f"http://127.0.0.1:{mport}/health")[0] == 200 or not p.alive(), 30,
               f"peer{i} joined")
    check(p.alive(), f"peer{i} joined the ring")
    peers.append((p, port))

contact = f"sip:dave@127.0.0.1:{uas_port}"
r = run([P2P_BIN, "register", "--bootstrap", f"127.0.0.1:{peers[1][1]}", "--cert", dave_cert,
         "--key", dave_key, "--ca", ca, "--timeout", "20", "--lifetime", "600",
         f"dave@{DOMAIN}", contact], timeout=40)
check(r.returncode == 0, f"p2psip register dave through a peer ({r.stderr.strip()[-300:]})")
wait_until(lambda: raw(kam_port, request("OPTIONS", "sip:nobody@elsewhere.example"), wait=0.5) is not None
           or not kam.alive(), 20, "Kamailio to answer")

callee = uas("uas-dave", scenario("uas_call.xml"), uas_port)
r = uac(scenario("uac_call.xml"), kam_port, "dave", source="127.0.0.2")
check(r.returncode == 0, f"a call to dave@{DOMAIN} through Kamailio and the overlay completes "
                         f"(sipp {r.returncode})")
check(callee.wait(20) == 0, "dave's UAS saw INVITE, ACK and BYE")
r = uac(scenario("uac_expect.xml", EXPECTED=404), kam_port, "nobody", source="127.0.0.2")
check(r.returncode == 0, f"an AoR nobody registered: 404 (sipp {r.returncode})")

text = http_get(base + "/metrics")[1]
check((metric(text, "p2psip_sip_requests_forwarded_total", '{method="INVITE",route="overlay"}') or 0) == 1,
      "the INVITE was forwarded by route overlay")
check((metric(text, "p2psip_overlay_lookups_total", '{result="found"}') or 0) >= 1, "lookup found counted")
check((metric(text, "p2psip_overlay_lookups_total", '{result="not_found"}') or 0) >= 1,
      "lookup not_found counted")



def lookup_run(aor):
    return run([P2P_BIN, "lookup", "--bootstrap", f"127.0.0.1:{peers[0][1]}", "--cert", dave_cert,
                "--key", dave_key, "--ca", ca, "--timeout", "20", aor], timeout=40)


def lookup(aor):
    return lookup_run(aor).stdout.split()


def removed(aor):
    """`p2psip lookup` exits 1, "no registration": the overlay answered and holds nothing for
    the AoR. A failed lookup (exit 3: timeout, unreachable) does not count as removed."""
    r = lookup_run(aor)
    if r.returncode not in (0, 1):
        print(f"lookup {aor}: exit {r.returncode}: {r.stderr.strip()[-300:]}", flush=True)
    return r.returncode == 1 and not r.stdout.strip() and "no registration" in r.stderr


wait_until(lambda: lookup(f"pstn@{DOMAIN}") == [pstn_contact], 30,
           "the static registration to be stored in the overlay")
check(lookup(f"pstn@{DOMAIN}") == [pstn_contact],
      "p2psip lookup from a peer finds the gateway's static registration")
wait_until(lambda: lookup(f"gateway@{DOMAIN}") == [f"sip:gateway@127.0.0.1:{gw_port}"], 30,
           "the service AoR to be stored in the overlay")
check(lookup(f"gateway@{DOMAIN}") == [f"sip:gateway@127.0.0.1:{gw_port}"],
      "the gateway's service AoR is registered with its advertised SIP URI")
wait_until(lambda: lookup(f"desk@{DOMAIN}") == [f"sip:desk@127.0.0.1:{gw_port}"], 30,
           "the two-contact AoR to be stored in the overlay")
check(lookup(f"desk@{DOMAIN}") == [f"sip:desk@127.0.0.1:{gw_port}"],
      "an AoR with two static contacts is stored with the gateway's own URI for it")
status = http_get(base + "/status")[1]
check(f'"sip_advertise":"127.0.0.1:{gw_port}"' in status, "/status shows the advertised address")

# A caller on the overlay side calls pstn through the gateway (static route to the external UAS),
# then calls the contact `p2psip lookup` returned directly.
pstn = uas("uas-pstn", scenario("uas_call.xml"), pstn_port, calls=2)
r = uac(scenario("uac_call.xml"), gw_port, "pstn", source="127.0.0.3")
check(r.returncode == 0, f"a call to pstn@{DOMAIN} through the gateway reaches the external UAS "
                         f"(sipp {r.returncode})")
found = lookup(f"pstn@{DOMAIN}")
check(len(found) == 1 and found[0].startswith("sip:pstn@"), f"pstn looked up from a peer: {found}")
host_port = found[0].split("@", 1)[1].split(";")[0]
r = uac(scenario("uac_call.xml"), int(host_port.rsplit(":", 1)[1]), "pstn", source="127.0.0.3",
        domain=host_port)
check(r.returncode == 0, f"a call to the looked-up contact {found[0]} completes (sipp {r.returncode})")
check(pstn.wait(20) == 0, "the external UAS saw both calls (INVITE, ACK, BYE each)")
text = http_get(base + "/metrics")[1]
check((metric(text, "p2psip_gateway_static_registrations_refresh_timestamp_seconds") or 0) > 1.7e9,
      "the refresh timestamp of the static registrations is set")
check(metric(text, "p2psip_static_registrations") == 3, "p2psip_static_registrations counts 3 entries")
check((metric(text, "p2psip_sip_requests_forwarded_total", '{method="INVITE",route="static"}') or 0) == 1,
      "the gateway forwarded the first call by route static, the direct one bypassed it")

statuses, _ = register(gw_port, "alice", "alice-secret", "sip:alice@127.0.0.1:5999")
check(statuses[-1] == "SIP/2.0 200 OK", f"alice registers at the gateway ({statuses})")
phone_contact = ["sip:alice@127.0.0.1:5999"]
wait_until(lambda: lookup(f"alice@{DOMAIN}") == phone_contact, 30, "alice to be stored in the overlay")
check(lookup(f"alice@{DOMAIN}") == phone_contact,
      "the registered phone is in the overlay with its own Contact")
statuses, _ = register(gw_port, "alice", "alice-secret", "sip:alice@127.0.0.1:5999", expires=0)
check(statuses[-1] == "SIP/2.0 200 OK", f"alice un-REGISTERs ({statuses})")
wait_until(lambda: removed(f"alice@{DOMAIN}"), 30, "alice to be removed from the overlay")
check(removed(f"alice@{DOMAIN}"), "the un-REGISTER removed alice from the overlay (lookup: exit 1, "
                                  "no registration)")

check(gw.stop(10) == 0, "gateway exits 0 on SIGTERM")
check(removed(f"pstn@{DOMAIN}"), "after the gateway's SIGTERM the static registration is gone "
                                 "(lookup: exit 1, no registration)")
check(removed(f"gateway@{DOMAIN}"), "and so is its service AoR")
check(removed(f"desk@{DOMAIN}"), "and the two-contact AoR")
for p, _ in reversed(peers):
    p.stop(10)
kam.stop()
print("PASS")
