"""Issue 18: the proxy's overlay lookup cache (gateway/router/lookup_cache.h), on real processes.

The ring: two gateways, L (lookup_cache_ttl_ms 600000: an entry lasts for the whole test) and
S (lookup_cache_ttl_ms 1000), S joining through L. bob@<domain> is stored by `p2psip register`
(not through a gateway). Fake callees on UDP answer every INVITE with their own final status
(contact 1: 486, contact 2: 603, the phone's contact at L: 480), so the caller's final status
says where the gateway sent the call.
- Both gateways route bob to contact 1, then again from their cache (p2psip_lookup_cache_total
  hit counted).
- bob is registered again elsewhere (contact 2, same registrant: it replaces the value). S sees
  it again within its 1 s TTL (refreshed ahead of expiry or expired; polled with a bound); L, whose
  entry has not expired, still sends bob to contact 1: the price of the cache, a change made at
  another node is seen up to the TTL late.
- bob, also a plain phone of L, REGISTERs through L (L routes him from its own binding table),
  then un-REGISTERs: L forgets its cached answer, so the next call is looked up again and goes
  to contact 2, not to the stale contact 1 (the invalidated drop counted)."""

import os
import socket
import sys
import threading

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, metric, raw, register, request  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-lookupcache-")
sip_tools.set_workdir(work)
ca = sip_tools.ca_dir()[1]


def callee(status):
    """A UDP socket answering each INVITE with `status` (ACKs ignored); returns its port."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))

    def serve():
        while True:
            msg = s.recv(65535).decode(errors="replace")
            if not msg.startswith("INVITE "):
                continue
            head = msg.split("\r\n\r\n", 1)[0].split("\r\n")
            keep = [h for h in head[1:] if h.split(":", 1)[0].lower() in
                    ("via", "from", "call-id", "cseq", "to")]
            keep = [h + ";tag=callee" if h.lower().startswith("to:") else h for h in keep]
            via = next(h for h in keep if h.lower().startswith("via:"))
            sent_by = via.split()[2].split(";")[0]
            host, port = sent_by.rsplit(":", 1) if ":" in sent_by else (sent_by, "5060")
            s.sendto(("SIP/2.0 " + status + "\r\n" + "\r\n".join(keep) +
                      "\r\nContent-Length: 0\r\n\r\n").encode(), (host, int(port)))

    threading.Thread(target=serve, daemon=True).start()
    return s.getsockname()[1]


c1, c2, c_phone = callee("486 Busy Here"), callee("603 Decline"), callee("480 Temporarily Unavailable")
WHERE = {"SIP/2.0 486 Busy Here": "contact 1", "SIP/2.0 603 Decline": "contact 2",
         "SIP/2.0 480 Temporarily Unavailable": "the phone's binding"}

phones_file = os.path.join(work, "phones")
with open(phones_file, "w") as f:
    f.write("bob bob-secret\n")
os.chmod(phones_file, 0o600)


class Gateway:
    def __init__(self, name, ttl_ms, bootstrap=None):
        _, identity = sip_tools.gateway_identity(f"gw-{name}")
        self.sip, self.metrics, self.overlay = free_port(), free_port(), free_port()
        boot = ["--bootstrap", f"127.0.0.1:{bootstrap}"] if bootstrap else []
        self.proc = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{self.sip}",
                           "--metrics-listen", f"127.0.0.1:{self.metrics}",
                           "--overlay-listen", f"127.0.0.1:{self.overlay}", "--overlay", DOMAIN,
                           *boot, *identity, "--phones-file", phones_file,
                           "--trusted-network", "127.0.0.1/32",
                           "--lookup-cache-ttl-ms", str(ttl_ms),
                           "--data-dir", os.path.join(work, f"{name}-data"), "--log-level", "debug"],
                          f"gateway-{name}", work)
        wait_until(lambda: self.healthy() or not self.proc.alive(), 30, f"gateway {name} up")
        check(self.proc.alive(), f"gateway {name} is up and in the overlay")

    def healthy(self):
        return http_get(f"http://127.0.0.1:{self.metrics}/health", timeout=2)[0] == 200

    def call_bob(self):
        """Where an INVITE to bob through this gateway went (None: no final answer)."""
        return WHERE.get(raw(self.sip, request("INVITE", f"sip:bob@{DOMAIN}"), wait=5))

    def metric(self, name, labels=""):
        return metric(http_get(f"http://127.0.0.1:{self.metrics}/metrics")[1], name, labels) or 0


L = Gateway("L", 600_000)
S = Gateway("S", 1000, bootstrap=L.overlay)

_, bob_cert, bob_key = sip_tools.issue(f"bob@{DOMAIN}", "bob")


def register_user(user, cert, key, port):
    r = run([P2P_BIN, "register", "--bootstrap", f"127.0.0.1:{L.overlay}", "--cert", cert,
             "--key", key, "--ca", ca, "--timeout", "20", "--lifetime", "600",
             f"{user}@{DOMAIN}", f"sip:{user}@127.0.0.1:{port}"], timeout=40)
    check(r.returncode == 0, f"p2psip register {user} -> port {port} ({r.stderr.strip()[-300:]})")


def register_bob(port):
    register_user("bob", bob_cert, bob_key, port)


def burst(port, user, n):
    """n INVITEs to user sent back to back from one socket before any answer is read; the
    final statuses received (bounded wait)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    lport = s.getsockname()[1]
    for i in range(n):
        s.sendto(request("INVITE", f"sip:{user}@{DOMAIN}").replace("LPORT", str(lport))
                 .replace("Call-ID: ", f"Call-ID: {i}-").replace("branch=z9hG4bK-", f"branch=z9hG4bK-{i}-")
                 .encode(), ("127.0.0.1", port))
    finals = []
    try:
        while len(finals) < n:
            line = s.recv(65535).decode(errors="replace").split("\r\n", 1)[0]
            if not line.startswith("SIP/2.0 1"):
                finals.append(line)
    except socket.timeout:
        pass
    s.close()
    return finals


register_bob(c1)
for g, name in ((L, "L"), (S, "S")):
    wait_until(lambda: g.call_bob() == "contact 1", 30, f"{name} to route bob to contact 1")
    check(g.call_bob() == "contact 1", f"{name} routes bob to contact 1 again")
    check(g.metric("p2psip_lookup_cache_total", '{result="hit"}') >= 1,
          f"{name} answered bob from its lookup cache")

# bob registers again elsewhere: only the TTL brings it to S; L's entry has not expired.
register_bob(c2)
wait_until(lambda: S.call_bob() == "contact 2", 30, "S's entry to expire and bob to be looked up again")
check(S.call_bob() == "contact 2", "S routes bob to his new contact after its 1 s TTL")
# Asked again either ahead of expiry (a hit in the entry's last quarter refreshes it) or after.
check(S.metric("p2psip_overlay_lookups_total", '{result="found"}') >= 2,
      "S looked bob up in the overlay again within its TTL")
check(L.call_bob() == "contact 1", "L still routes bob from its 600 s entry: a change at another "
                                   "node is seen only when the entry expires")

# bob REGISTERs through L, then un-REGISTERs: L forgets its cached answer.
statuses, _ = register(L.sip, "bob", "bob-secret", f"sip:bob@127.0.0.1:{c_phone}")
check(statuses[-1] == "SIP/2.0 200 OK", f"bob registers at L ({statuses})")
check(L.call_bob() == "the phone's binding", "L routes bob to the binding he registered there")
statuses, _ = register(L.sip, "bob", "bob-secret", f"sip:bob@127.0.0.1:{c_phone}", expires=0)
check(statuses[-1] == "SIP/2.0 200 OK", f"bob un-REGISTERs at L ({statuses})")
check(L.call_bob() == "contact 2", "after bob's un-REGISTER through L, L looks him up again "
                                   "(contact 2), not its stale cached contact 1")
check(L.metric("p2psip_lookup_cache_dropped_total", '{reason="invalidated"}') >= 1,
      "L counted the invalidated entry")

# Twenty INVITEs to carol, whom S has never looked up, arrive together: they wait for one
# overlay lookup (gateway/router/lookup_flights.h) instead of sending twenty Fetches.
_, carol_cert, carol_key = sip_tools.issue(f"carol@{DOMAIN}", "carol")
register_user("carol", carol_cert, carol_key, c1)
before = S.metric("p2psip_overlay_lookups_total", '{result="found"}')
finals = burst(S.sip, "carol", 20)
check(finals.count("SIP/2.0 486 Busy Here") == 20, f"all 20 INVITEs reached carol ({finals})")
fetches = S.metric("p2psip_overlay_lookups_total", '{result="found"}') - before
check(1 <= fetches < 20, f"the 20 INVITEs shared overlay lookups: {fetches:.0f} sent")
print(f"carol: {fetches:.0f} overlay lookup(s) for 20 INVITEs")

# Calls to carol back to back at S (1 s TTL): the first lookup after her entry was made is a
# refresh in the entry's last quarter, before it expires, so no call misses the cache.
found0 = S.metric("p2psip_overlay_lookups_total", '{result="found"}')
miss0 = S.metric("p2psip_lookup_cache_total", '{result="miss"}')


def looked_up_again():
    status = raw(S.sip, request("INVITE", f"sip:carol@{DOMAIN}"))
    if status != "SIP/2.0 486 Busy Here":
        fail(f"carol's call went elsewhere: {status}")
    return S.metric("p2psip_overlay_lookups_total", '{result="found"}') > found0


wait_until(looked_up_again, 30, "S to look carol up again")
check(S.metric("p2psip_lookup_cache_total", '{result="miss"}') == miss0,
      "S refreshed carol's entry before it expired: no call missed the cache")

check(S.proc.stop(10) == 0, "S exits 0 on SIGTERM")
check(L.proc.stop(10) == 0, "L exits 0 on SIGTERM")
print("PASS")
