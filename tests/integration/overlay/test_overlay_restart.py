"""Issue 14: a restarted peer is re-admitted. Five real `p2psip peer` processes form a ring;
two adjacent peers are restarted one after another as an upgrade does (SIGTERM, then the same
certificate, data dir and port again). After each restart every peer's /status must show
exactly the predecessors and successors the sorted Node-IDs say within 20 s (before the fix
the restarted peer's neighbours kept it out for minutes: they remembered its Leave). Then
registrations stored after the restarts (some in each restarted peer's range) are found
through every peer. Last, a `p2psip gateway` joins and is restarted the same way."""

import concurrent.futures
import hashlib
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from harness import P2P_BIN, check, fail, free_port, run, temp_dir  # noqa: E402
from test_overlay_ring import OVERLAY, Node, ring_problems, wait_ring  # noqa: E402

N = 5
RESTART_BOUND = 20  # seconds from the new process's start to an exact ring


def resource_point(aor):
    """Resource-ID (first 128 bits of SHA-1 over the AoR) as an integer on the ring."""
    return int(hashlib.sha1(aor.encode()).hexdigest()[:32], 16)


def responsible(ring_ids, point):
    ids = sorted(int(i, 16) for i in ring_ids)
    for i in ids:
        if i >= point:
            return f"{i:032x}"
    return f"{ids[0]:032x}"


def pick_aors(ring_ids, wanted_owners, per_owner, others):
    """AoRs user<k>@OVERLAY: `per_owner` whose responsible peer is each of wanted_owners, and
    `others` anywhere else."""
    picked, counts, extra = [], {o: 0 for o in wanted_owners}, 0
    for k in range(100000):
        aor = f"user{k}@{OVERLAY}"
        owner = responsible(ring_ids, resource_point(aor))
        if owner in counts and counts[owner] < per_owner:
            counts[owner] += 1
            picked.append(aor)
        elif owner not in counts and extra < others:
            extra += 1
            picked.append(aor)
        if extra == others and all(c == per_owner for c in counts.values()):
            return picked
    fail("could not pick AoRs")


def issue_user_cert(work, ca_dir, aor):
    """`p2psip ca issue` for a user AoR (EC key): (aor, cert path, key path)."""
    name = aor.split("@")[0]
    r = run([P2P_BIN, "ca", "issue", "--dir", ca_dir, "--user", aor, "--key-type", "ec",
             "--out", os.path.join(work, name)])
    if r.returncode != 0:
        fail(f"ca issue {aor}: {r.stderr}")
    return aor, os.path.join(work, name + ".crt"), os.path.join(work, name + ".key")


def overlay_client(ca, cmd, node, cert, key, *args):
    """A `p2psip register`/`lookup` client through `node` with a 20 s overlay timeout."""
    return run([P2P_BIN, cmd, "--bootstrap", f"127.0.0.1:{node.port}", "--cert", cert, "--key", key,
                "--ca", ca, "--timeout", "20", *args], timeout=40)


def wait_joined(node, timeout=30):
    deadline = time.monotonic() + timeout
    while node.status().get("state") != "joined":
        if time.monotonic() > deadline or not node.proc.alive():
            fail(f"{node.name} did not join: {node.proc.output()[-3000:]}")
        time.sleep(0.1)


def restart(work, node, bootstrap, nodes, extra=()):
    node.proc.signal(signal.SIGTERM)
    rc = node.proc.wait(10)
    check(rc == 0, f"{node.name} exits 0 on SIGTERM (exit {rc})")
    os.rename(os.path.join(work, f"{node.name}.log"), os.path.join(work, f"{node.name}.before-restart.log"))
    t0 = time.monotonic()
    node.launch(work, bootstrap=bootstrap, extra=extra)  # same certificate, data dir and port
    deadline = t0 + RESTART_BOUND
    problems = ["not checked"]
    while time.monotonic() < deadline:
        problems = ring_problems(nodes)
        if not problems:
            check(True, f"{node.name} restarted: the ring of {len(nodes)} is exact {time.monotonic() - t0:.1f} s "
                        f"after the new process started")
            return
        if not node.proc.alive():
            fail(f"{node.name} exited after the restart: {node.proc.output()[-3000:]}")
        time.sleep(0.25)
    fail(f"{node.name} restarted: the ring is not exact {RESTART_BOUND} s later: " + "; ".join(problems))


def main():
    if not P2P_BIN:
        fail("P2P_BIN is not set")
    t_start = time.monotonic()
    work = temp_dir("p2p-restart-")
    ca_dir = os.path.join(work, "ca")
    check(run([P2P_BIN, "ca", "init", "--overlay", OVERLAY, "--dir", ca_dir]).returncode == 0, "ca init")
    ca = os.path.join(ca_dir, "ca.crt")
    nodes = [Node(work, ca_dir, f"peer{i}") for i in range(N)]
    nodes[0].launch(work)
    wait_joined(nodes[0])
    for n in nodes[1:]:
        n.launch(work, bootstrap=nodes[0])
        wait_joined(n)
    wait_ring(nodes, 60, f"{N} peers")
    print(f"ring of {N} formed {time.monotonic() - t_start:.1f} s into the test", flush=True)

    # Two ring neighbours, neither of them the first peer (the others' bootstrap).
    ring = sorted(nodes, key=lambda n: n.node_id)
    i = next(k for k in range(N) if nodes[0] not in (ring[k], ring[(k + 1) % N]))
    first, second = ring[i], ring[(i + 1) % N]
    restart(work, first, nodes[0], nodes)
    restart(work, second, nodes[0], nodes)

    ids = [n.node_id for n in nodes]
    aors = pick_aors(ids, [first.node_id, second.node_id], per_owner=3, others=4)

    def issue_user(aor):
        return issue_user_cert(work, ca_dir, aor)

    def client(cmd, node, cert, key, *args):
        return overlay_client(ca, cmd, node, cert, key, *args)

    def contact(aor):
        return f"sip:{aor.split('@')[0]}@192.0.2.7:5060"

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        users = list(pool.map(issue_user, aors))
        stored = list(pool.map(lambda k: client("register", nodes[k % N], users[k][1], users[k][2],
                                                "--lifetime", "600", users[k][0], contact(users[k][0])),
                               range(len(users))))
        bad = [(users[k][0], r.returncode, r.stderr.strip()[-200:]) for k, r in enumerate(stored)
               if r.returncode != 0]
        check(not bad, f"{len(users)} AoRs registered after the restarts, 3 in each restarted peer's "
                       f"range" + (f"; failures: {bad[:3]}" if bad else ""))

        def lookup(pair):
            k, node = pair
            aor, cert, key = users[k]
            r = client("lookup", node, cert, key, aor)
            return aor, node.name, r
        pairs = [(k, n) for k in range(len(users)) for n in nodes]
        results = list(pool.map(lookup, pairs))
    bad = [(aor, via, r.returncode, r.stdout.strip(), r.stderr.strip()[-200:]) for aor, via, r in results
           if r.returncode != 0 or r.stdout.split() != [contact(aor)]]
    check(not bad, f"every AoR is found with exactly its contact through every peer "
                   f"({len(results) - len(bad)}/{len(results)} lookups)" + (f"; first failures: {bad[:3]}" if bad else ""))

    # A gateway is re-admitted the same way.
    gateway = Node(work, ca_dir, "gateway", kind="gateway")
    gw_extra = ["--sip-listen", f"127.0.0.1:{free_port()}"]
    gateway.launch(work, bootstrap=nodes[1], extra=gw_extra)
    wait_ring(nodes + [gateway], 60, "the gateway joining")
    restart(work, gateway, nodes[1], nodes + [gateway], extra=gw_extra)
    for n in nodes + [gateway]:
        n.proc.stop(10)
    print(f"PASS in {time.monotonic() - t_start:.1f} s")


if __name__ == "__main__":
    main()
