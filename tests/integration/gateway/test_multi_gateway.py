"""Issue 19, first part: two gateways behind a real Kamailio's dispatcher (round robin), the
phones' state in the overlay, not in one gateway.

The ring: two `p2psip peer` processes and two gateways A and B (each with its own certificate
and, in <data_dir>/phones/, a certificate per phone for its Node-ID). Both gateways read the
same nonce_secret_file and the same phones file, and list the dispatcher's address as an alias
(the phones' Request-URI). Kamailio sends every REGISTER and every request for the overlay
domain to ds_select_dst(1, "4") (round robin over A and B).
- SIPp phones (alice, bob) register through Kamailio: each REGISTER succeeds, and the
  gateways' logs show that each phone's challenge (401) and answer (200) hit different
  gateways (a nonce one gateway issued verifies at the other); an OPTIONS through Kamailio in
  between shifts the round robin so that alice registers through one gateway and bob through
  the other.
- A call (INVITE/200/ACK/BYE) to each phone succeeds through either gateway (SIPp caller
  straight to each gateway: the one without the binding finds the phone's Contact in the
  overlay), and through Kamailio's dispatcher.
- After the gateway a phone registered through is restarted (SIGTERM: exit 0, then started
  again with the same data), a call to that phone through it (and through the other one)
  still succeeds (the restarted gateway has no binding of its own: it finds the phone in the
  overlay): a clean shutdown leaves the binding in the overlay, and the value there is the
  phone's own Contact, not the gateway's. Both phones then register through the dispatcher
  again."""

import os
import re
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, metric, raw, request, scenario, uac, uas  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-multigw-")
sip_tools.set_workdir(work)
ca_dir, ca = sip_tools.ca_dir()
PHONES = {"alice": "alice-secret", "bob": "bob-secret"}

phones_file = os.path.join(work, "phones")
with open(phones_file, "w") as f:
    f.write("".join(f"{u} {p}\n" for u, p in PHONES.items()))
os.chmod(phones_file, 0o600)
secret_file = os.path.join(work, "nonce-secret")
with open(secret_file, "w") as f:
    f.write(os.urandom(32).hex() + "\n")
os.chmod(secret_file, 0o600)


def healthy(metrics_port):
    return http_get(f"http://127.0.0.1:{metrics_port}/health", timeout=2)[0] == 200


# ---- the ring: two peers, then the gateways ----
peers = []
for i in range(2):
    _, cert, key = sip_tools.issue(f"peer{i}@{DOMAIN}", f"peer{i}")
    port, mport = free_port(), free_port()
    boot = ["--bootstrap", f"127.0.0.1:{peers[0][1]}"] if peers else []
    p = start([P2P_BIN, "peer", "--overlay", DOMAIN, "--overlay-listen", f"127.0.0.1:{port}",
               "--metrics-listen", f"127.0.0.1:{mport}", "--cert", cert, "--key", key, "--ca", ca,
               *boot, "--data-dir", os.path.join(work, f"peer{i}-data"), "--log-level", "debug"],
              f"peer{i}", work)
    wait_until(lambda: healthy(mport) or not p.alive(), 30, f"peer{i} in the overlay")
    check(p.alive(), f"peer{i} is in the overlay")
    peers.append((p, port))

kam_port = free_port()


class Gateway:
    def __init__(self, name):
        self.name = name
        self.node_id, self.identity = sip_tools.gateway_identity(f"gw-{name}")
        self.sip, self.metrics, self.overlay = free_port(), free_port(), free_port()
        self.data = os.path.join(work, f"{name}-data")
        os.makedirs(os.path.join(self.data, "phones"))
        for user in PHONES:  # the phones' certificates for this gateway's Node-ID
            sip_tools.issue(f"{user}@{DOMAIN}",
                            os.path.join(f"{name}-data", "phones", f"{user}@{DOMAIN}"), self.node_id)
        self.proc, self.runs = None, 0

    def launch(self):
        self.runs += 1
        self.proc = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{self.sip}",
                           "--metrics-listen", f"127.0.0.1:{self.metrics}",
                           "--overlay-listen", f"127.0.0.1:{self.overlay}", "--overlay", DOMAIN,
                           "--bootstrap", f"127.0.0.1:{peers[0][1]}", *self.identity,
                           "--phones-file", phones_file, "--nonce-secret-file", secret_file,
                           "--digest-md5-first", "true", "--alias", "127.0.0.1",
                           "--data-dir", self.data, "--log-level", "debug"],
                          f"gateway-{self.name}-{self.runs}", work)
        wait_until(lambda: healthy(self.metrics) or not self.proc.alive(), 30,
                   f"gateway {self.name} in the overlay")
        check(self.proc.alive(), f"gateway {self.name} (run {self.runs}) is up and in the overlay")

    def register_lines(self, user):
        """The registrar's outcome lines for `user` in this run's log: '401' or '200' each."""
        out = []
        for line in self.proc.output().splitlines():
            m = re.search(rf"REGISTER {user}@{re.escape(DOMAIN)} from \S+: (\d+ binding|401)", line)
            if m:
                out.append("200" if "binding" in m.group(1) else "401")
        return out


gws = {"A": Gateway("A"), "B": Gateway("B")}
for g in gws.values():
    g.launch()

# ---- Kamailio: the dispatcher, round robin over A and B ----
kam = sip_tools.start_kamailio(kam_port, None, dispatch=[g.sip for g in gws.values()])
wait_until(lambda: raw(kam_port, request("OPTIONS", "sip:nobody@elsewhere.example"), wait=0.5) is not None
           or not kam.alive(), 20, "Kamailio to answer")
check(kam.alive(), "Kamailio is running")

# ---- the phones register through the dispatcher ----
phone_port = {user: free_port() for user in PHONES}


def register(user):
    """SIPp as the phone (MD5 first: SIPp 3.6 answers only the first challenge): REGISTER,
    401, REGISTER with credentials, 200; from the phone's own port (its Contact)."""
    return run(["sipp", "-sf", scenario("uac_register_digest.xml"), "-i", "127.0.0.1",
                "-p", phone_port[user], "-t", "u1", "-m", 1, "-s", user, "-set", "domain", DOMAIN,
                "-au", user, "-ap", PHONES[user], "-nostdin", "-timeout", "30", "-timeout_error",
                "-trace_err", "-error_file", os.path.join(work, f"register-{user}-err.log"),
                f"127.0.0.1:{kam_port}"], timeout=60)


registered_through = {}
for user in PHONES:
    r = register(user)
    check(r.returncode == 0, f"{user} registers through Kamailio's dispatcher: 401 then 200 "
                             f"(sipp {r.returncode}: {r.stderr.strip()[-300:]})")
    # The registrar logs its answer just after sending it: wait for both lines.
    wait_until(lambda: sum(len(g.register_lines(user)) for g in gws.values()) >= 2, 10,
               f"the gateways to log {user}'s REGISTERs")
    seen = {name: g.register_lines(user) for name, g in gws.items()}
    challenged = [n for n, lines in seen.items() if "401" in lines]
    accepted = [n for n, lines in seen.items() if "200" in lines]
    check(len(challenged) == 1 and len(accepted) == 1 and challenged != accepted,
          f"{user}'s challenge and answer went to different gateways, the answer accepted "
          f"(the shared nonce secret): {seen}")
    registered_through[user] = accepted[0]
    # One more request through the dispatcher moves the round robin by one: the next phone's
    # REGISTERs hit the gateways in the other order.
    check(raw(kam_port, request("OPTIONS", f"sip:{DOMAIN}")) == "SIP/2.0 200 OK",
          "an OPTIONS through the dispatcher is answered by a gateway")
check(sorted(registered_through.values()) == ["A", "B"],
      f"the phones registered through different gateways: {registered_through}")


def registered_phones(g):
    return metric(http_get(f"http://127.0.0.1:{g.metrics}/metrics")[1], "p2psip_registered_phones")


def call_each(phase):
    """A call to each phone through each gateway, straight to the gateway's port; then as many
    through Kamailio (the round robin takes each gateway in turn)."""
    for user in PHONES:
        callee = uas(f"phone-{user}-{phase}", scenario("uas_call.xml"), phone_port[user],
                     calls=2 * len(gws))
        for name, g in gws.items():
            r = uac(scenario("uac_call.xml"), g.sip, user)
            how = ("its binding" if registered_through[user] == name and g.runs == 1
                   else "the overlay")
            check(r.returncode == 0, f"{phase}: a call to {user} through gateway {name} ({how}) "
                                     f"completes (sipp {r.returncode})")
        for i in range(len(gws)):
            r = uac(scenario("uac_call.xml"), kam_port, user, source="127.0.0.2")
            check(r.returncode == 0, f"{phase}: call {i + 1} to {user} through Kamailio's "
                                     f"dispatcher completes (sipp {r.returncode})")
        check(callee.wait(30) == 0, f"{phase}: {user}'s phone took every call (INVITE, ACK, BYE)")


call_each("both running")

# ---- restart the gateway each phone registered through ----
for user in PHONES:
    g = gws[registered_through[user]]
    check(g.proc.stop(15) == 0, f"gateway {g.name} ({user} registered through it) exits 0 on SIGTERM")
    g.launch()
    check(registered_phones(g) == 0, f"the restarted gateway {g.name} has no binding of its own")
    call_each(f"after gateway {g.name} restarted")

# Every REGISTER succeeds also after the restarts (the nonce secret is the file's, not the run's).
for user in PHONES:
    r = register(user)
    check(r.returncode == 0, f"{user} registers again through the dispatcher after the restarts "
                             f"(sipp {r.returncode}: {r.stderr.strip()[-300:]})")

kam.stop()
for g in gws.values():
    check(g.proc.stop(15) == 0, f"gateway {g.name} exits 0 on SIGTERM")
for p, _ in peers:
    p.stop(10)
print("PASS")
