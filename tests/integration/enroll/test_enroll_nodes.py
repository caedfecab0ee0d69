"""Issue 17, nodes that enroll themselves: a `p2psip peer` and a `p2psip gateway` started with
nothing but --enroll URL, --user, --password-file and --enroll-fingerprint / --enroll-ca (no
cert, key, ca, overlay or bootstrap) enroll over real HTTPS at a `p2psip enroll-server` and make
the site of the README's quick start: the gateway is the first node (the document's
bootstrap-node is its own address, so it starts the ring), the peer joins it through that
bootstrap-node; the gateway answers OPTIONS (SIPp) and its service AoR gateway@<domain> is found
by `p2psip lookup` (with dave's files from `p2psip enroll`); the gateway enrolls the phones of its
phones file on their behalf (alice: her certificate with the gateway's Node-ID, and her
REGISTER at the gateway is found by `p2psip lookup`; bob, unknown to the server: a warning). Both export
p2psip_certificate_expiry_timestamp_seconds (the issued certificate's notAfter). Restarted,
they reuse data_dir/enrollment: the server's issued-certificates counter does not move. A
wrong password exits 2 with failed_authentication and what to do, an unreachable server exits
2 with what to check, and enroll together with cert is a config error."""

import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import *  # noqa: E402,F403
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gateway"))
import sip_tools  # noqa: E402

OVERLAY = "nodes.example.org"


def p2p(*args, timeout=60):
    return run([P2P_BIN, *args], timeout=timeout)


def status_of(port):
    code, body = http_get(f"http://127.0.0.1:{port}/status", timeout=2)
    try:
        return json.loads(body) if code == 200 else {}
    except ValueError:
        return {}


def metric(port, name):
    code, text = http_get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    for line in text.splitlines() if code == 200 else []:
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def write(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class Site:
    def __init__(self, work):
        self.work = work
        self.cadir = os.path.join(work, "ca")
        check(p2p("ca", "init", "--overlay", OVERLAY, "--dir", self.cadir, "--key-type", "ec").returncode == 0,
              "ca init")
        self.users = write(work, "users", "peer1 peer-secret\ngateway gw-secret\ncarol pw3\ndave pw4\nalice alice-pw\n")
        self.gw_overlay = free_port()  # the first node: the document's bootstrap-node
        self.srv_metrics = free_port()
        self.srv = start([P2P_BIN, "enroll-server", "--overlay", OVERLAY, "--listen", f"127.0.0.1:{free_port()}",
                          "--ca-dir", self.cadir, "--users", self.users, "--bootstrap", f"127.0.0.1:{self.gw_overlay}",
                          "--metrics-listen", f"127.0.0.1:{self.srv_metrics}"], "enroll-server", work)
        wait_until(lambda: "certificate sha256" in self.srv.stdout() or not self.srv.alive(), 20, "enroll-server")
        check(self.srv.alive(), f"enroll-server runs: {self.srv.output()}")
        self.url = re.search(r"serving (https://\S+)", self.srv.stdout()).group(1)
        self.fingerprint = re.search(r"certificate sha256 ([0-9a-f]{64})", self.srv.stdout()).group(1)

    def issued(self):
        return metric(self.srv_metrics, "p2psip_enroll_certificates_issued_total")

    def refused(self):
        return metric(self.srv_metrics, 'p2psip_enroll_refusals_total{reason="failed_authentication"}')

    def enroll_args(self, user, password, trust="fingerprint"):
        pw = write(self.work, f"{user}-{password}.pw", password + "\n")
        how = (["--enroll-fingerprint", self.fingerprint] if trust == "fingerprint"
               else ["--enroll-ca", os.path.join(self.cadir, "ca.crt")])
        return ["--enroll", self.url, "--user", user, "--password-file", pw, *how]


def start_peer(site, name, port, mport):
    return start([P2P_BIN, "peer", *site.enroll_args("peer1", "peer-secret"),
                  "--overlay-listen", f"127.0.0.1:{port}", "--metrics-listen", f"127.0.0.1:{mport}",
                  "--data-dir", os.path.join(site.work, "peer-data")], name, site.work)


def start_gateway(site, name, sip, mport, oport, bob="bob-pw"):
    oport = site.gw_overlay
    # alice is a user of the enrollment server; bob is not (his phone stays gateway-only).
    phones = write(site.work, "phones", f"alice alice-pw\nbob {bob}\n")
    return start([P2P_BIN, "gateway", *site.enroll_args("gateway", "gw-secret", trust="ca"), "--phones-file", phones,
                  "--sip-listen", f"127.0.0.1:{sip}", "--overlay-listen", f"127.0.0.1:{oport}",
                  "--metrics-listen", f"127.0.0.1:{mport}", "--data-dir", os.path.join(site.work, "gw-data")],
                 name, site.work)


def joined_with(proc, mport, other_id, what):
    """Joined, with `other_id` as a neighbour (None: joined, alone or not)."""
    def ok():
        s = status_of(mport)
        return s.get("state") == "joined" and (other_id is None or other_id in s.get("successors", []) or
                                               other_id in s.get("predecessors", []))
    wait_until(lambda: ok() or not proc.alive(), 60, what)
    check(proc.alive() and ok(), f"{what}: {proc.output()[-1500:]}")


def check_expiry_metric(mport, who):
    expiry = metric(mport, "p2psip_certificate_expiry_timestamp_seconds")
    # The server issues 365-day certificates: notAfter is about a year ahead.
    check(expiry is not None and 360 * 86400 < expiry - time.time() < 366 * 86400,
          f"{who} exports its certificate's expiry ({expiry})")


def check_runs_document(mport, who):
    """An enrolled node runs the document it got: its sequence (1: the server's first) is on
    every message it sends and checked on every request (RFC 6940 §6.3.2.1)."""
    seq = status_of(mport).get("configuration_sequence")
    check(seq == 1, f"{who} runs the enrolled configuration document (sequence {seq})")


def lookup(site, aor):
    d = os.path.join(site.work, "dave")  # `p2psip enroll` (a Node-ID of its own)
    return p2p("lookup", "--bootstrap", f"127.0.0.1:{site.gw_overlay}", "--cert", os.path.join(d, "node.crt"),
               "--key", os.path.join(d, "node.key"), "--ca", os.path.join(d, "ca.crt"), "--timeout", "20", aor,
               timeout=40)


def check_phone(site, gw, sip):
    phones = os.path.join(site.work, "gw-data", "phones")
    check(os.path.exists(os.path.join(phones, f"alice@{OVERLAY}.crt")), "the gateway enrolled alice's phone on her behalf")
    check(not os.path.exists(os.path.join(phones, f"bob@{OVERLAY}.crt")) and "phone bob: not enrolled" in gw.stderr(),
          "bob (no user of the enrollment server) is not enrolled, and the log says so")
    statuses = sip_tools.register(sip, "alice", "alice-pw", "sip:alice@127.0.0.1:5999", domain=OVERLAY)[0]
    check(statuses and statuses[-1] == "SIP/2.0 200 OK", f"alice's phone registers at the gateway ({statuses})")
    wait_until(lambda: lookup(site, f"alice@{OVERLAY}").returncode == 0 or not gw.alive(), 60,
               "alice's binding in the overlay")
    r = lookup(site, f"alice@{OVERLAY}")
    check(r.returncode == 0 and "sip:alice@127.0.0.1:5999" in r.stdout,
          f"`p2psip lookup alice@{OVERLAY}` finds her phone's Contact, stored by the gateway "
          f"({r.stdout.strip()})")


def first_start(site):
    sip, gmport = free_port(), free_port()
    gw = start_gateway(site, "gateway", sip, gmport, None)
    joined_with(gw, gmport, None, "the gateway started with only --enroll/--user/--password-file starts the ring "
                                  "(the document's bootstrap-node is its own address)")
    check("enrolled: user gateway@" in gw.stderr(), "the gateway logs its enrollment")
    gw_id = status_of(gmport).get("node_id")
    check_expiry_metric(gmport, "the gateway")
    check_runs_document(gmport, "the gateway")
    port, mport = free_port(), free_port()
    peer = start_peer(site, "peer", port, mport)
    joined_with(peer, mport, gw_id, "the peer started with only --enroll/--user/--password-file joins the gateway "
                                    "through the document's bootstrap-node")
    check("enrolled: user peer1@" in peer.stderr(), "the peer logs its enrollment")
    check_expiry_metric(mport, "the peer")
    check_runs_document(mport, "the peer")
    r = sipp_options(sip, site.work)
    check(r.returncode == 0, f"the enrolled gateway answers OPTIONS (sipp {r.returncode})")
    wait_until(lambda: lookup(site, f"gateway@{OVERLAY}").returncode == 0 or not gw.alive(), 60,
               "the gateway's service AoR in the overlay")
    r = lookup(site, f"gateway@{OVERLAY}")
    check(r.returncode == 0 and f"sip:gateway@127.0.0.1:{sip}" in r.stdout,
          f"`p2psip lookup gateway@{OVERLAY}` finds the enrolled gateway ({r.stdout.strip()} {r.stderr.strip()[-300:]})")
    check_phone(site, gw, sip)
    check(site.issued() == 4, f"four certificates issued: dave, the gateway, the peer, alice ({site.issued()})")
    return peer, gw


def restart(site, peer, gw):
    check(peer.stop() == 0 and gw.stop() == 0, "peer and gateway stop cleanly")
    sip, gmport = free_port(), free_port()
    gw = start_gateway(site, "gateway-again", sip, gmport, None)
    joined_with(gw, gmport, None, "the restarted gateway starts the ring again")
    check("reusing the enrollment" in gw.stderr(), "the restarted gateway reuses its enrollment")
    port, mport = free_port(), free_port()
    peer = start_peer(site, "peer-again", port, mport)
    joined_with(peer, mport, status_of(gmport).get("node_id"), "the restarted peer joins the gateway again")
    check("reusing the enrollment" in peer.stderr(), "the restarted peer reuses its enrollment")
    check(site.issued() == 4, f"no second enrollment on restart: still 4 certificates issued ({site.issued()})")
    check(site.refused() == 1 and "phone bob: refused by the enrollment server (failed_authentication, 1 time(s)); "
          "not asked again before" in gw.stderr(),
          f"the refused phone bob is not asked for again at the restart ({site.refused()} refusals)")
    check(metric(gmport, 'p2psip_enroll_phones_total{result="deferred"}') == 1, "counted as deferred")
    peer.stop()
    gw.stop()
    # bob's users-file entry changes (a new password): asked for again at once.
    gw = start_gateway(site, "gateway-bob", free_port(), free_port(), None, bob="bob-new")
    wait_until(lambda: "phone bob: not enrolled" in gw.stderr() or not gw.alive(), 30, "bob asked for again")
    check(site.refused() == 2, f"a changed entry is asked for again ({site.refused()} refusals)")
    gw.stop()


def check_failures(site):
    data = os.path.join(site.work, "carol-data")
    r = p2p("peer", *site.enroll_args("carol", "wrong"), "--overlay-listen", f"127.0.0.1:{free_port()}",
            "--metrics-listen", f"127.0.0.1:{free_port()}", "--data-dir", data)
    check(r.returncode == 2 and "failed_authentication" in r.stderr and "password_file" in r.stderr,
          f"a wrong password: exit 2, failed_authentication and what to check ({r.returncode}: {r.stderr.strip()})")
    check(not os.path.exists(os.path.join(data, "enrollment", "node.crt")), "nothing kept after the refusal")
    gone = f"https://127.0.0.1:{free_port()}/.well-known/reload-config"
    r = p2p("gateway", "--enroll", gone, "--user", "carol", "--password-file", write(site.work, "c.pw", "pw3\n"),
            "--enroll-fingerprint", site.fingerprint, "--sip-listen", f"127.0.0.1:{free_port()}",
            "--metrics-listen", f"127.0.0.1:{free_port()}", "--data-dir", data)
    check(r.returncode == 2 and "cannot reach the enrollment server" in r.stderr,
          f"an unreachable server: exit 2 and what to check ({r.returncode}: {r.stderr.strip()})")
    r = p2p("peer", *site.enroll_args("carol", "pw3"), "--cert", os.path.join(site.work, "dave", "node.crt"),
            "--data-dir", data)
    check(r.returncode == 2 and "config error: cert" in r.stderr, f"enroll with cert: config error ({r.stderr.strip()})")


def main():
    require_tools("sipp", "curl")
    site = Site(temp_dir("p2p-enroll-nodes-"))
    r = p2p("enroll", "--url", site.url, "--user", "dave", "--password-file", write(site.work, "d.pw", "pw4\n"),
            "--enroll-fingerprint", site.fingerprint, "--data-dir", os.path.join(site.work, "dave"), "--ec")
    check(r.returncode == 0, f"p2psip enroll dave (for lookups): {r.stderr.strip()}")
    peer, gw = first_start(site)
    restart(site, peer, gw)
    check_failures(site)
    check(site.issued() == 4 and site.srv.alive(), "the server issued nothing for the failures")
    site.srv.stop()
    finish()


if __name__ == "__main__":
    main()
