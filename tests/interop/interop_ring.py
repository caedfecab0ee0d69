"""The ring the interop node meets: a CA made with `p2psip ca`, three `p2psip peer` processes on
loopback with Node-IDs chosen so the test knows the ring order, and the interop node's own
certificate from the same CA (that is how any implementation enrolls: §11.3)."""

import json
import os
import time

from harness import P2P_BIN, fail, free_port, http_get, run, start

from reload_codec import sha1_128

OVERLAY = "interop.test.example"

# Fixed Node-IDs make the ring order known: the interop node (0x50...) sits between peer0 and
# peer1, so peer1 is its admitting peer (responsible for interop+1, §10.5, §11.4).
PEER_IDS = [bytes.fromhex(h) for h in ("20" + "11" * 15, "60" + "22" * 15, "a0" + "33" * 15)]
INTEROP_ID = bytes.fromhex("50" + "44" * 15)
AUX_ID = bytes.fromhex("e0" + "66" * 15)  # the second identity (never joins)
NEIGHBORS = 3


def issue(ca_dir, work, name, user, node_id):
    r = run([P2P_BIN, "ca", "issue", "--dir", ca_dir, "--user", user, "--key-type", "ec",
             "--node-id", node_id.hex(), "--out", os.path.join(work, name)])
    if r.returncode != 0:
        fail(f"ca issue {name}: {r.stderr}")
    return os.path.join(work, name + ".crt"), os.path.join(work, name + ".key")


def pick_user(lo, hi, prefix):
    """A user name (AoR) whose Resource-ID (SHA-1 of the name, §10.2; RFC 7904 §3.3: the
    certificate's user name hashes to the Resource-ID) falls in (lo, hi]."""
    a, b = int.from_bytes(lo, "big"), int.from_bytes(hi, "big")
    for i in range(100000):
        user = f"{prefix}{i}@{OVERLAY}"
        rid = int.from_bytes(sha1_128(user.encode()), "big")
        if a < rid <= b:
            return user
    fail("no user name in range")


class Peer:
    def __init__(self, work, ca_dir, i):
        self.name, self.node_id = f"peer{i}", PEER_IDS[i]
        self.cert, self.key = issue(ca_dir, work, self.name, f"{self.name}@{OVERLAY}", self.node_id)
        self.ca = os.path.join(ca_dir, "ca.crt")
        self.port, self.metrics = free_port(), free_port()
        self.proc = None

    def launch(self, work, bootstrap=None):
        args = [P2P_BIN, "peer", "--overlay", OVERLAY, "--overlay-listen", f"127.0.0.1:{self.port}",
                "--metrics-listen", f"127.0.0.1:{self.metrics}", "--cert", self.cert,
                "--key", self.key, "--ca", self.ca, "--data-dir",
                os.path.join(work, self.name + "-data"), "--log-level", "debug"]
        if bootstrap:
            args += ["--bootstrap", f"127.0.0.1:{bootstrap.port}"]
        self.proc = start(args, self.name, work,
                          env={"SSLKEYLOGFILE": os.path.join(work, f"{self.name}.keys")})

    def status(self):
        code, body = http_get(f"http://127.0.0.1:{self.metrics}/status", timeout=2)
        try:
            return json.loads(body) if code == 200 else {}
        except ValueError:
            return {}


def expected_neighbors(ids):
    ring = sorted(ids)
    k = min(NEIGHBORS, len(ring) - 1)
    return {nid: ([ring[(i - j) % len(ring)] for j in range(1, k + 1)],
                  [ring[(i + j) % len(ring)] for j in range(1, k + 1)])
            for i, nid in enumerate(ring)}


def ring_problems(peers, ids):
    """What differs between each peer's /status and the neighbour sets the Node-IDs give."""
    want = expected_neighbors([i.hex() for i in ids])
    out = []
    for p in peers:
        st = p.status()
        pred, succ = want[p.node_id.hex()]
        if st.get("predecessors") != pred or st.get("successors") != succ:
            out.append(f"{p.name}: preds {st.get('predecessors')} succs {st.get('successors')}")
    return out


def wait_ring(peers, ids, timeout):
    """None when every peer shows the ring of ids within timeout, else the problems."""
    deadline = time.monotonic() + timeout
    problems = ["not checked"]
    while time.monotonic() < deadline:
        problems = ring_problems(peers, ids)
        if not problems:
            return None
        for p in peers:
            if not p.proc.alive():
                fail(f"{p.name} exited: {p.proc.output()[-3000:]}")
        time.sleep(0.3)
    return problems


def start_ring(work):
    ca_dir = os.path.join(work, "ca")
    r = run([P2P_BIN, "ca", "init", "--overlay", OVERLAY, "--dir", ca_dir, "--key-type", "ec"])
    if r.returncode != 0:
        fail(f"ca init: {r.stderr}")
    peers = [Peer(work, ca_dir, i) for i in range(3)]
    peers[0].launch(work)
    deadline = time.monotonic() + 20
    while peers[0].status().get("state") != "joined":
        if time.monotonic() > deadline or not peers[0].proc.alive():
            fail(f"peer0 did not start: {peers[0].proc.output()[-2000:]}")
        time.sleep(0.1)
    for p in peers[1:]:
        p.launch(work, bootstrap=peers[0])
    problems = wait_ring(peers, PEER_IDS, 60)
    if problems:
        fail(f"the 3-peer ring did not form: {problems}")
    return ca_dir, peers
