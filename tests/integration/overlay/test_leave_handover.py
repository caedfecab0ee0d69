"""Issue 14: the data of a peer leaving cleanly survives through its handover alone. Six real
`p2psip peer` processes form a ring; registrations are stored whose Resource-IDs (first 128
bits of SHA-1 of the AoR) fall in one peer R's range, so exactly R and its two successors S1,
S2 hold them (/status shows it). S1 and S2 are frozen (SIGSTOP) at the moment R gets SIGTERM
and SIGKILLed once R has exited: nothing R sends after its SIGTERM is processed by them, and
no other peer holds a copy. Every registration must still be found through each surviving
peer: only R's leave handover (to its successors up to S3, the replica set once R is gone) can
have put it there."""

import concurrent.futures
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from harness import P2P_BIN, check, fail, run, temp_dir  # noqa: E402
from test_overlay_ring import Node, wait_ring  # noqa: E402
from test_overlay_restart import issue_user_cert, overlay_client, pick_aors, wait_joined  # noqa: E402

N = 6
AORS = 6


def main():
    if not P2P_BIN:
        fail("P2P_BIN is not set")
    t_start = time.monotonic()
    work = temp_dir("p2p-handover-")
    ca_dir = os.path.join(work, "ca")
    check(run([P2P_BIN, "ca", "init", "--overlay", "ring.test.example", "--dir", ca_dir]).returncode == 0,
          "ca init")
    ca = os.path.join(ca_dir, "ca.crt")
    nodes = [Node(work, ca_dir, f"peer{i}") for i in range(N)]
    nodes[0].launch(work)
    wait_joined(nodes[0])
    for n in nodes[1:]:
        n.launch(work, bootstrap=nodes[0])
        wait_joined(n)
    wait_ring(nodes, 60, f"{N} peers")

    ring = sorted(nodes, key=lambda n: n.node_id)
    k = next(k for k in range(N) if nodes[0] not in (ring[k], ring[(k + 1) % N], ring[(k + 2) % N]))
    leaver, s1, s2 = ring[k], ring[(k + 1) % N], ring[(k + 2) % N]
    survivors = [n for n in nodes if n not in (leaver, s1, s2)]
    aors = pick_aors([n.node_id for n in nodes], [leaver.node_id], per_owner=AORS, others=0)

    def issue_user(aor):
        return issue_user_cert(work, ca_dir, aor)

    def client(cmd, node, cert, key, *args):
        return overlay_client(ca, cmd, node, cert, key, *args)

    def contact(aor):
        return f"sip:{aor.split('@')[0]}@192.0.2.9:5060"

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        users = list(pool.map(issue_user, aors))
        stored = list(pool.map(lambda u: client("register", survivors[0], u[1], u[2], "--lifetime", "600",
                                                u[0], contact(u[0])), users))
    bad = [(u[0], r.returncode, r.stderr.strip()[-200:]) for u, r in zip(users, stored) if r.returncode != 0]
    check(not bad, f"{AORS} AoRs in {leaver.name}'s range registered" + (f"; failures: {bad[:3]}" if bad else ""))

    # Exactly the responsible peer and its two successors hold them (stores replicate at once;
    # /status is published once a second).
    want = {n.name: (AORS if n in (leaver, s1, s2) else 0) for n in nodes}
    deadline = time.monotonic() + 20
    have = {}
    while time.monotonic() < deadline:
        have = {n.name: n.status().get("stored_resources") for n in nodes}
        if have == want:
            break
        time.sleep(0.25)
    check(have == want, f"copies on {leaver.name} (responsible), {s1.name} and {s2.name} only: {have}")

    for n in (s1, s2):
        n.proc.signal(signal.SIGSTOP)
    leaver.proc.signal(signal.SIGTERM)
    rc = leaver.proc.wait(10)
    check(rc is not None, f"{leaver.name} exits after SIGTERM (exit {rc}) while {s1.name} and {s2.name} "
                          f"are frozen")
    for n in (s1, s2):
        n.proc.signal(signal.SIGKILL)
        n.proc.wait(5)
    t_kill = time.monotonic()
    wait_ring(survivors, 60, "after the leave and the two kills")
    print(f"the {len(survivors)} survivors form a ring {time.monotonic() - t_kill:.1f} s after the kills",
          flush=True)

    def lookup(pair):
        (aor, cert, key), node = pair
        return aor, node.name, client("lookup", node, cert, key, aor)
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lookup, [(u, n) for u in users for n in survivors]))
    bad = [(aor, via, r.returncode, r.stdout.strip(), r.stderr.strip()[-200:]) for aor, via, r in results
           if r.returncode != 0 or r.stdout.split() != [contact(aor)]]
    check(not bad, f"every AoR of the leaver's range is found through every survivor "
                   f"({len(results) - len(bad)}/{len(results)} lookups)" + (f"; first failures: {bad[:3]}" if bad else ""))
    for n in survivors:
        n.proc.stop(10)
    print(f"PASS in {time.monotonic() - t_start:.1f} s")


if __name__ == "__main__":
    main()
