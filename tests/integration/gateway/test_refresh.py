"""Issue 14: refresh before expiry, on real processes. A gateway with registration_lifetime 12 s
(the minimum is 10) and two `p2psip peer` processes form the overlay. The gateway keeps a
static registration (pstn@<domain>) and its service AoR (gateway@<domain>) in the overlay, and
stores a plain phone's binding (alice, with a certificate in <data_dir>/phones/) with the
phone's own Contact and Expires, again at each REGISTER of the phone (a phone's binding is
refreshed by the phone: it lasts exactly as long in the overlay as at the registrar, issue 19);
these are the only values stored. At the end of each of three lifetimes every one is still
found by `p2psip lookup` through a peer (a value not re-stored would have expired), and the
oldest storage time on every holder (/status oldest_storage_time_ms) has moved past the
previous lifetime's."""

import json
import os
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity, metric, register, static_config  # noqa: E402

LIFETIME = 12

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-refresh-")
sip_tools.set_workdir(work)
ca = sip_tools.ca_dir()[1]

gw_node, gw_identity = gateway_identity("gateway")
_, dave_cert, dave_key = sip_tools.issue(f"dave@{DOMAIN}", "dave")
gw_port, metrics_port, overlay_port = free_port(), free_port(), free_port()
pstn_contact = "sip:pstn@192.0.2.60:5060"
config = static_config("gateway", [(f"pstn@{DOMAIN}", pstn_contact)], gw_node)
with open(config, "a") as f:
    f.write(f"registration_lifetime: {LIFETIME}\n")
phones = os.path.join(work, "phones")
with open(phones, "w") as f:
    f.write("alice alice-secret\n")
os.makedirs(os.path.join(work, "gw-data", "phones"))
sip_tools.issue(f"alice@{DOMAIN}", os.path.join("gw-data", "phones", f"alice@{DOMAIN}"), gw_node)

gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
            *gw_identity, "--config", config, "--phones-file", phones,
            "--data-dir", os.path.join(work, "gw-data"), "--log-level", "debug"], "gateway", work)
base = f"http://127.0.0.1:{metrics_port}"
wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 30, "gateway /health")
check(gw.alive(), "the gateway started the overlay")

peers = []  # (process, overlay port, metrics port)
for i in range(2):
    _, cert, key = sip_tools.issue(f"peer{i}@{DOMAIN}", f"peer{i}")
    port, mport = free_port(), free_port()
    p = start([P2P_BIN, "peer", "--overlay", DOMAIN, "--overlay-listen", f"127.0.0.1:{port}",
               "--metrics-listen", f"127.0.0.1:{mport}", "--cert", cert, "--key", key, "--ca", ca,
               "--bootstrap", f"127.0.0.1:{overlay_port}",
               "--data-dir", os.path.join(work, f"peer{i}-data"), "--log-level", "debug"],
              f"peer{i}", work)
    wait_until(lambda: http_get(f"http://127.0.0.1:{mport}/health")[0] == 200 or not p.alive(), 30,
               f"peer{i} joined")
    check(p.alive(), f"peer{i} joined the overlay")
    peers.append((p, port, mport))

statuses, _ = register(gw_port, "alice", "alice-secret", "sip:alice@127.0.0.1:5999", expires=600)
check(statuses[-1] == "SIP/2.0 200 OK", f"alice registers at the gateway for 600 s ({statuses})")

WANT = {f"pstn@{DOMAIN}": [pstn_contact],
        f"gateway@{DOMAIN}": [f"sip:gateway@127.0.0.1:{gw_port}"],
        f"alice@{DOMAIN}": ["sip:alice@127.0.0.1:5999"]}


def lookup(aor, via):
    r = run([P2P_BIN, "lookup", "--bootstrap", f"127.0.0.1:{via}", "--cert", dave_cert,
             "--key", dave_key, "--ca", ca, "--timeout", "10", aor], timeout=30)
    return r.returncode, r.stdout.split()


def all_found(via):
    return {aor: lookup(aor, via) for aor in WANT}


def oldest_storage_times():
    """name -> (stored_values, oldest_storage_time_ms) of the gateway and each peer."""
    out = {}
    for name, mport in [("gateway", metrics_port)] + [(f"peer{i}", p[2]) for i, p in enumerate(peers)]:
        code, body = http_get(f"http://127.0.0.1:{mport}/status")
        st = json.loads(body) if code == 200 else {}
        out[name] = (st.get("stored_values"), st.get("oldest_storage_time_ms"))
    return out


wait_until(lambda: all(r == (0, c) for r, c in zip(all_found(peers[0][1]).values(), WANT.values())), 30,
           "the three AoRs to be stored in the overlay")
# /status is published once a second: wait until it shows the three values, three copies each
# (the gateway and the two peers hold everything in a ring of three).
wait_until(lambda: all(v == 3 for v, _ in oldest_storage_times().values()), 10,
           "/status to show the three values on every holder")
before = oldest_storage_times()
check(all(isinstance(t, int) and t > 1.7e12 for _, t in before.values()),
      f"/status shows the oldest storage time of each holder: {before}")
refreshed0 = metric(http_get(base + "/metrics")[1], "p2psip_gateway_static_registrations_refresh_timestamp_seconds")
t0 = time.monotonic()

for k in range(1, 4):
    # The subject is time itself: wait until k lifetimes have passed since the values were stored.
    # Half-way, the phone refreshes its own binding (as a phone does before its Expires): the
    # gateway stores it again; the static and service values are the gateway's to refresh.
    time.sleep(max(0.0, t0 + (k - 0.5) * LIFETIME - time.monotonic()))
    statuses, _ = register(gw_port, "alice", "alice-secret", "sip:alice@127.0.0.1:5999", expires=600)
    check(statuses[-1] == "SIP/2.0 200 OK", f"alice refreshes her registration ({statuses})")
    time.sleep(max(0.0, t0 + k * LIFETIME - time.monotonic()))
    via = peers[k % 2][1]
    found = all_found(via)
    bad = {aor: r for aor, r in found.items() if r != (0, WANT[aor])}
    check(not bad, f"after {k} lifetime(s) ({k * LIFETIME} s) all three AoRs are found through "
                   f"peer{k % 2}" + (f"; not: {bad}" if bad else ""))
    now = oldest_storage_times()
    moved = {n: (before[n][1], now[n][1]) for n in now}
    check(all(v == 3 for v, _ in now.values()) and
          all(isinstance(b, int) and isinstance(a, int) and a > b for b, a in moved.values()),
          f"after {k} lifetime(s) the oldest storage time moved forward on every holder "
          f"(ms, before -> now): {moved}")
    before = now

refreshed = metric(http_get(base + "/metrics")[1], "p2psip_gateway_static_registrations_refresh_timestamp_seconds")
check(refreshed is not None and refreshed0 is not None and refreshed > refreshed0,
      f"the static registrations' refresh timestamp moved forward ({refreshed0} -> {refreshed})")
check(gw.stop(10) == 0, "gateway exits 0 on SIGTERM")
for p, _, _ in peers:
    p.stop(10)
print("PASS")
