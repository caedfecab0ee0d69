"""Issue 17: the configuration sequence (RFC 6940 §6.3.2.1, §6.5.4) and bad-node entries (§11.1)
with real processes over real HTTPS and TLS links.

An enrollment server with a --bad-nodes-file serves sequence 1; alice, bob and carol enroll
(`p2psip enroll`) and run `p2psip peer` from those files (--config-document): all run sequence
1. carol's Node-ID is written into the bad-node file: the server serves sequence 2 (the document
validates with jing). dave enrolls and joins with sequence 2: the seed peer answers
Error_Config_Too_New and fetches the new document, bob gets it by ConfigUpdate or fetch; both
then run sequence 2, refuse carol's links (counted in p2psip_overlay_bad_node_refusals_total) and
drop the values carol signed before (her certificate in the overlay).
carol, restarted with the new document, refuses to start with a clear error. Every node's
/metrics reports its sequence (p2psip_overlay_configuration_sequence)."""

import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F403
from test_enroll import GRAMMAR, OVERLAY, enroll, p2p, start_server, status_of  # noqa: E402


def metric(port, series):
    code, text = http_get(f"http://127.0.0.1:{port}/metrics", timeout=2)
    if code != 200:
        return None
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return None


def served(work, url, name):
    path = os.path.join(work, name)
    r = run(["curl", "-sk", "-o", path, url])
    check(r.returncode == 0, f"curl fetches the document ({name})")
    v = run(["jing", "-c", GRAMMAR, path])
    check(v.returncode == 0, f"jing validates {name} against RFC 6940 §11.1.1: {v.stdout}{v.stderr}")
    return open(path).read()


class Peer:
    def __init__(self, work, name, bootstrap=None):
        self.dir = os.path.join(work, name)
        self.name, self.work = name, work
        self.port, self.metrics = free_port(), free_port()
        self.bootstrap = bootstrap
        self.proc = None

    def args(self):
        d = self.dir
        a = [P2P_BIN, "peer", "--overlay", OVERLAY, "--overlay-listen", f"127.0.0.1:{self.port}",
             "--metrics-listen", f"127.0.0.1:{self.metrics}", "--cert", os.path.join(d, "node.crt"),
             "--key", os.path.join(d, "node.key"), "--ca", os.path.join(d, "ca.crt"),
             "--config-document", os.path.join(d, "reload-config.xml"),
             "--data-dir", os.path.join(self.work, self.name + "-data"), "--log-level", "debug"]
        if self.bootstrap:
            a += ["--bootstrap", f"127.0.0.1:{self.bootstrap.port}"]
        return a

    def start(self):
        self.proc = start(self.args(), self.name, self.work)
        return self

    def status(self):
        return status_of(self.metrics)

    def joined(self):
        return self.status().get("state") == "joined"

    def sequence(self):
        return self.status().get("configuration_sequence")

    def node_id(self):
        return self.status().get("node_id")


def wait_joined(peers, timeout=60):
    wait_until(lambda: all(p.joined() or not p.proc.alive() for p in peers), timeout,
               "the peers join: " + ", ".join(p.name for p in peers))
    for p in peers:
        check(p.proc.alive() and p.joined(), f"{p.name} joined: {p.proc.output()[-1500:]}")


def main():
    require_tools("jing", "curl", "openssl")
    work = temp_dir()
    cadir = os.path.join(work, "ca")
    check(p2p("ca", "init", "--overlay", OVERLAY, "--dir", cadir, "--key-type", "ec").returncode == 0, "ca init")
    users = os.path.join(work, "users")
    open(users, "w").write("alice pw1\nbob pw2\ncarol pw3\ndave pw4\nerin pw5\n")
    bad_file = os.path.join(work, "bad-nodes")
    open(bad_file, "w").write("# revoked Node-IDs\n")

    alice = Peer(work, "alice")
    srv, _, url, fingerprint = start_server(work, cadir, users, alice.port, free_port(),
                                            ["--bad-nodes-file", bad_file])
    check('sequence="1"' in served(work, url, "served1.xml"), "the server serves sequence 1")
    for name, pw in (("alice", "pw1"), ("bob", "pw2"), ("carol", "pw3"), ("erin", "pw5")):
        r = enroll(work, url, name, pw, name, ["--enroll-fingerprint", fingerprint])
        check(r.returncode == 0, f"{name} enrolls: {r.stderr}")

    alice.start()
    wait_joined([alice])
    bob, carol = Peer(work, "bob", alice).start(), Peer(work, "carol", alice).start()
    wait_joined([bob, carol])
    for p in (alice, bob, carol):
        check(p.sequence() == 1, f"{p.name} runs configuration sequence 1 ({p.sequence()})")
        check(metric(p.metrics, "p2psip_overlay_configuration_sequence") == 1, f"{p.name} exports sequence 1")
    carol_id = carol.node_id()
    # carol's certificate is in the overlay (§8 kinds, at alice and bob) before she is revoked.
    wait_until(lambda: "certificate stored in the overlay" in carol.proc.output(), 30, "carol stores her certificate")

    # The operator revokes carol: one line in the bad-node file.
    with open(bad_file, "a") as f:
        f.write(f"{carol_id}  # carol's lost laptop\n")
    wait_until(lambda: "configuration sequence 2" in srv.stderr() or not srv.alive(), 10,
               "the server notices the bad-node file")
    doc = served(work, url, "served2.xml")
    check('sequence="2"' in doc and f"<bad-node>{carol_id}</bad-node>" in doc,
          "the server serves sequence 2 listing carol as bad-node")

    # dave enrolls now (sequence 2) and joins through alice, who still runs 1.
    r = enroll(work, url, "dave", "pw4", "dave", ["--enroll-fingerprint", fingerprint])
    check(r.returncode == 0, f"dave enrolls: {r.stderr}")
    dave = Peer(work, "dave", alice).start()
    wait_until(lambda: alice.sequence() == 2 and bob.sequence() == 2, 60,
               "alice and bob pick up sequence 2")
    def errors():
        too_new = sum(metric(p.metrics, 'p2psip_overlay_config_sequence_errors_total{error="too_new"}') or 0
                      for p in (alice, bob, carol))  # carol may be the destination of dave's Attach
        too_old = metric(dave.metrics, 'p2psip_overlay_config_sequence_errors_total{error="too_old"}') or 0
        return too_new, too_old
    # Whoever speaks first: dave's request is answered Error_Config_Too_New by its destination
    # (alice, bob or carol; alice fetches on seeing the newer sequence as she forwards it), or alice's request to dave (a link probe, an Update) is answered
    # Error_Config_Too_Old with a ConfigUpdate by dave. Both are §6.3.2.1; timing picks one.
    # The counters reach /metrics on the exporter's next refresh: polled, not read once.
    wait_until(lambda: sum(errors()) >= 1, 15, "the error answers in /metrics")
    too_new, too_old = errors()
    check(too_new + too_old >= 1,
          f"the sequences met: Error_Config_Too_New from the ring ({too_new}) or Too_Old from dave ({too_old})")
    fetched = [p.name for p in (alice, bob) if "fetching the configuration from" in p.proc.output()]
    check(fetched or too_old >= 1,
          f"a peer that saw the newer sequence fetched the new document, or got it by ConfigUpdate ({fetched})")
    for p in (alice, bob):
        log = p.proc.output()
        how = "ConfigUpdate" if "from a ConfigUpdate of" in log else "fetch" if "from https://" in log else None
        check(how is not None, f"{p.name} got sequence 2 by {how}")
    stored = open(os.path.join(alice.dir, "reload-config.xml")).read()
    check('sequence="2"' in stored, "alice replaced her stored document with sequence 2")
    wait_joined([dave])

    # The values carol signed before her entry appeared (her certificate under the §8 kinds) are
    # dropped by the peers that hold them when they take sequence 2.
    dropped = "signed by bad-node certificates dropped (configuration sequence 2)"
    wait_until(lambda: any(dropped in p.proc.output() for p in (alice, bob)), 10, "carol's stored data dropped")
    check(any(dropped in p.proc.output() for p in (alice, bob)), "alice or bob dropped the data carol signed")
    # carol's links are refused by the peers that run sequence 2.
    wait_until(lambda: (metric(alice.metrics, 'p2psip_overlay_bad_node_refusals_total{what="link"}') or 0) >= 1,
               30, "alice refuses carol's link")
    wait_until(lambda: carol_id not in alice.status().get("successors", []) + alice.status().get("predecessors", []),
               30, "carol drops out of alice's neighbour table")
    for p in (alice, bob, dave):
        check(metric(p.metrics, "p2psip_overlay_configuration_sequence") == 2, f"{p.name} exports sequence 2")

    # erin enrolled at sequence 1 and starts now, with the server gone (no fetch possible): the
    # peers answer her requests Error_Config_Too_Old and send her the document (ConfigUpdate).
    check(srv.stop() == 0, "the server exits 0")
    erin = Peer(work, "erin", alice).start()
    wait_until(lambda: erin.sequence() == 2 or not erin.proc.alive(), 60, "erin gets sequence 2")
    check("from a ConfigUpdate of" in erin.proc.output(), "erin got sequence 2 by ConfigUpdate (RFC 6940 §6.5.4)")
    check((metric(alice.metrics, 'p2psip_overlay_config_sequence_errors_total{error="too_old"}') or 0) +
          (metric(bob.metrics, 'p2psip_overlay_config_sequence_errors_total{error="too_old"}') or 0) +
          (metric(dave.metrics, 'p2psip_overlay_config_sequence_errors_total{error="too_old"}') or 0) >= 1,
          "erin's older sequence was answered with Error_Config_Too_Old")
    wait_joined([erin])

    # carol, restarted with the new document, refuses to start.
    carol.proc.stop()
    shutil.copy(os.path.join(work, "served2.xml"), os.path.join(carol.dir, "reload-config.xml"))
    revoked = start(carol.args(), "carol-revoked", work)
    wait_until(lambda: not revoked.alive(), 20, "carol, revoked, to exit instead of joining")
    rc, err = revoked.wait(1), revoked.stderr()
    check(rc == 2 and "bad-node" in err and carol_id in err,
          f"carol refuses to start with her revoked certificate (exit {rc}): {err.strip()}")
    for p in (erin, dave, bob, alice):
        p.proc.stop()
    finish()


if __name__ == "__main__":
    main()
