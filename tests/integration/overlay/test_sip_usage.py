"""Issue 5: the SIP usage on real processes. Eight `p2psip peer` processes form a ring; 200
AoRs are stored with `p2psip register` (RELOAD client) through different peers and each is
looked up with `p2psip lookup` through another peer; a store signed by the wrong user is
refused (Forbidden); `p2psip peer --register` keeps its registration alive and removes it on
SIGTERM; two adjacent peers are killed with SIGKILL and all 200 AoRs are still found (the
replicas on their successors). Metrics and /status show the stored resources, and the
captured traffic (ring, first stores and fetches) decodes in tshark with no malformed frame
(as root; without root or tshark the rest runs and the test then exits 77, skipped)."""

import concurrent.futures
import os
import re
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from harness import P2P_BIN, check, fail, finish, free_port, http_get, run, temp_dir  # noqa: E402
import reload_capture  # noqa: E402
from test_overlay_ring import Node, start_capture, wait_ring  # noqa: E402

import test_overlay_ring  # noqa: E402

OVERLAY = test_overlay_ring.OVERLAY
N = 8
AORS = 200
PARALLEL = 6


def aor(i):
    return f"user{i}@{OVERLAY}"


def contact(i):
    return f"sip:user{i}@192.0.2.{i % 250 + 1}:{5060 + i}"


def issue_user(work, ca, i):
    r = run([P2P_BIN, "ca", "issue", "--dir", ca, "--user", aor(i), "--key-type", "ec",
             "--out", os.path.join(work, f"user{i}")])
    if r.returncode != 0:
        fail(f"ca issue user{i}: {r.stderr}")
    return os.path.join(work, f"user{i}.crt"), os.path.join(work, f"user{i}.key")


def client(cmd, node, cert, key, ca, *args):
    return run([P2P_BIN, cmd, "--bootstrap", f"127.0.0.1:{node.port}", "--cert", cert, "--key", key,
                "--ca", ca, "--timeout", "20", *args], timeout=40)


def register(i, node, creds, ca):
    cert, key = creds[i]
    return client("register", node, cert, key, ca, "--lifetime", "600", aor(i), contact(i))


def lookup(name, node, creds, ca, cert_index=0):
    cert, key = creds[cert_index]
    return client("lookup", node, cert, key, ca, name)


def parallel(fn, items):
    with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(fn, items))


def lookups_ok(indices, nodes, creds, ca, what):
    def one(i):
        via = nodes[(i + 3) % len(nodes)]
        r = lookup(f"sip:{aor(i)}", via, creds, ca, cert_index=(i + 1) % AORS)
        return i, r
    bad = [(i, r.returncode, r.stdout.strip(), r.stderr.strip()[-300:])
           for i, r in parallel(one, indices) if r.returncode != 0 or r.stdout.split() != [contact(i)]]
    check(not bad, f"{what}: {len(indices) - len(bad)}/{len(indices)} AoRs found with exactly their "
                   f"contact" + (f"; first failures: {bad[:3]}" if bad else ""))


def metric_sum(nodes, name, labels):
    return sum(n.metric(name, labels) for n in nodes)


def check_cli_errors(work, nodes, creds, ca):
    r = lookup(f"nobody@{OVERLAY}", nodes[1], creds, ca)
    check(r.returncode == 1 and not r.stdout.strip() and "no registration" in r.stderr,
          f"lookup of an unknown AoR prints nothing and exits 1: {r.stderr.strip()}")
    cert, key = creds[0]
    # --bootstrap takes a name: the client session looks it up on its loop (uv_getaddrinfo).
    r = run([P2P_BIN, "lookup", "--bootstrap", f"localhost:{nodes[1].port}", "--cert", cert,
             "--key", key, "--ca", ca, "--timeout", "20", f"nobody@{OVERLAY}"], timeout=40)
    check(r.returncode == 1 and "no registration" in r.stderr,
          f"lookup through a bootstrap name connects: {r.stderr.strip()}")
    r = run([P2P_BIN, "lookup", "--bootstrap", "no-such-host.invalid:1", "--cert", cert,
             "--key", key, "--ca", ca, "--timeout", "20", aor(0)], timeout=40)
    check(r.returncode == 2 and "no-such-host.invalid" in r.stderr,
          f"a bootstrap name that does not resolve is a configuration error: {r.stderr.strip()}")
    dead = free_port()  # nobody listens there: the lookup fails, it does not find "nothing"
    r = run([P2P_BIN, "lookup", "--bootstrap", f"127.0.0.1:{dead}", "--cert", cert, "--key", key,
             "--ca", ca, "--timeout", "2", aor(0)], timeout=30)
    check(r.returncode == 3 and not r.stdout.strip() and "no registration" not in r.stderr,
          f"lookup through an unreachable bootstrap fails with exit 3: {r.stderr.strip()}")
    r = lookup("not-an-aor", nodes[1], creds, ca)
    check(r.returncode == 2, f"lookup of a malformed AoR is a usage error (exit 2): {r.stderr.strip()}")
    cert, key = creds[1]  # user1's certificate may not write user0's AoR
    r = client("register", nodes[2], cert, key, ca, aor(0), "sip:evil@192.0.2.66")
    check(r.returncode == 1 and "Forbidden" in r.stderr and len(r.stderr.strip().splitlines()) == 1,
          f"a store for someone else's AoR is refused: {r.stderr.strip()}")
    r = client("register", nodes[2], cert, key, ca, "not-an-aor", "sip:x@y")
    check(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1,
          f"a bad AoR is a usage error on one line: {r.stderr.strip()}")
    r = run([P2P_BIN, "lookup", "--help"])
    check(r.returncode == 0 and "--bootstrap" in r.stdout and "no registration" in r.stdout
          and "lookup failed" in r.stdout, "lookup --help documents the exit codes")


def check_peer_register(work, ca_dir, nodes, creds, ca):
    extra = Node(work, ca_dir, "registered")
    me = f"registered@{OVERLAY}"
    extra.launch(work, bootstrap=nodes[0], extra=["--register", f"{me}=sip:registered@192.0.2.200:5070"])
    deadline = time.monotonic() + 40
    r = None
    while time.monotonic() < deadline:
        r = lookup(me, nodes[5], creds, ca)
        if r.returncode == 0:
            break
        if not extra.proc.alive():
            fail(f"peer --register exited: {extra.proc.output()[-2000:]}")
        time.sleep(0.5)
    check(r.returncode == 0 and r.stdout.split() == ["sip:registered@192.0.2.200:5070"],
          f"peer --register: its registration is found: {r.stdout.strip()} {r.stderr.strip()}")
    st = {}
    for _ in range(20):  # /status is published once a second
        st = extra.status()
        if st.get("registrations_stored") == 1:
            break
        time.sleep(0.5)
    check(st.get("registrations") == 1 and st.get("registrations_stored") == 1,
          f"/status counts the kept registration: {st.get('registrations')}/{st.get('registrations_stored')}")
    extra.proc.signal(signal.SIGTERM)
    rc = extra.proc.wait(10)
    check(rc == 0, f"peer --register exits 0 on SIGTERM (exit {rc})")
    r = lookup(me, nodes[5], creds, ca)
    check(r.returncode == 1 and not r.stdout.strip() and "no registration" in r.stderr,
          f"its registration is removed on clean shutdown (lookup: exit 1, no registration): "
          f"{r.stdout.strip()} {r.stderr.strip()}")
    r = run([P2P_BIN, "peer", "--overlay", OVERLAY, "--cert", extra.cert, "--key", extra.key, "--ca", extra.ca,
             "--data-dir", os.path.join(work, "refused-data"), "--register", f"{aor(3)}=sip:x@192.0.2.1"],
            timeout=20)
    check(r.returncode == 2 and "USER-NODE-MATCH" in r.stderr and len(r.stderr.strip().splitlines()) == 1,
          f"peer --register for another user's AoR is a config error: {r.stderr.strip()}")


def wait_joined(node, timeout=30):
    deadline = time.monotonic() + timeout
    while node.status().get("state") != "joined":
        if time.monotonic() > deadline or not node.proc.alive():
            fail(f"{node.name} did not join: {node.proc.output()[-3000:]}")
        time.sleep(0.1)


def adjacent_pair(nodes):
    ring = sorted(nodes, key=lambda n: n.node_id)
    return ring[2], ring[3]


def main():
    if not P2P_BIN:
        fail("P2P_BIN is not set")
    t_start = time.monotonic()
    work = temp_dir("p2p-usage-")
    ca_dir = os.path.join(work, "ca")
    check(run([P2P_BIN, "ca", "init", "--overlay", OVERLAY, "--dir", ca_dir]).returncode == 0, "ca init")
    ca = os.path.join(ca_dir, "ca.crt")
    nodes = [Node(work, ca_dir, f"peer{i}") for i in range(N)]
    creds = parallel(lambda i: issue_user(work, ca_dir, i), range(AORS))
    print(f"issued {N + AORS} certificates in {time.monotonic() - t_start:.1f} s", flush=True)

    cap = start_capture(work, [n.port for n in nodes])
    nodes[0].launch(work)
    wait_joined(nodes[0])
    for i, n in enumerate(nodes[1:]):  # one after another, as in overlay_ring
        n.launch(work, bootstrap=nodes[i // 2])
        wait_joined(n)
    wait_ring(nodes, 90, "8 peers")
    t_ring = time.monotonic()
    print(f"ring of {N} formed {t_ring - t_start:.1f} s into the test", flush=True)

    # A few stores and fetches inside the capture window, the rest after it.
    first = list(range(8))
    results = parallel(lambda i: (i, register(i, nodes[i % N], creds, ca)), first)
    lookups_ok(first, nodes, creds, ca, "first 8")
    if cap:
        cap.stop()
    results += parallel(lambda i: (i, register(i, nodes[i % N], creds, ca)), range(8, AORS))
    bad = [(i, r.returncode, r.stderr.strip()[-200:]) for i, r in results if r.returncode != 0]
    check(not bad, f"{AORS} AoRs registered through {N} different peers "
                   f"({time.monotonic() - t_ring:.1f} s)" + (f"; failures: {bad[:3]}" if bad else ""))
    lookups_ok(range(AORS), nodes, creds, ca, "each looked up through another peer")

    stored = metric_sum(nodes, "p2psip_overlay_stored_resources", '{kind="sip_registration"}')
    check(stored >= 3 * AORS,
          f"the peers store every AoR three times (stored_resources sum {stored:.0f} >= {3 * AORS})")
    check(metric_sum(nodes, "p2psip_overlay_store_total", '{result="ok"}') >= AORS, "store_total{result=ok} counts")
    check(metric_sum(nodes, "p2psip_overlay_store_total", '{result="forbidden"}') == 0, "no forbidden store yet")
    st = nodes[0].status()
    check(isinstance(st.get("stored_resources"), int) and isinstance(st.get("replica_resources"), int),
          f"/status shows stored_resources {st.get('stored_resources')} and replica_resources "
          f"{st.get('replica_resources')}")
    code, text = http_get(f"http://127.0.0.1:{nodes[0].metrics}/metrics")
    p = run(["promtool", "check", "metrics"], input=text)
    check(p.returncode == 0, f"promtool accepts the metrics {p.stdout}{p.stderr}")

    check_cli_errors(work, nodes, creds, ca)
    forbidden = 0
    for _ in range(20):  # metrics are published once a second
        forbidden = metric_sum(nodes, "p2psip_overlay_store_total", '{result="forbidden"}')
        if forbidden >= 1:
            break
        time.sleep(0.5)
    check(forbidden >= 1, "store_total{result=forbidden} counts the refused store")
    check_peer_register(work, ca_dir, nodes, creds, ca)

    a, b = adjacent_pair(nodes)
    for victim in (a, b):
        victim.proc.signal(signal.SIGKILL)
        victim.proc.wait(5)
    survivors = [n for n in nodes if n not in (a, b)]
    t_kill = time.monotonic()
    wait_ring(survivors, 90, "after killing two adjacent peers")
    check(True, f"the ring healed in {time.monotonic() - t_kill:.1f} s after SIGKILL of "
                f"{a.name} and {b.name} (adjacent)")
    lookups_ok_via(survivors, creds, ca)

    if cap:
        keys = os.path.join(work, "all.keys")
        with open(keys, "w") as out:
            for n in nodes:
                path = os.path.join(work, f"{n.name}.keys")
                if os.path.exists(path):
                    out.write(open(path).read())
        frames, text = reload_capture.decode(work, cap.path, keys, [n.port for n in nodes])
        codes = set(re.findall(r"\((\w+_(?:req|ans))\)", text))
        print(f"decoded {frames} frames; codes: {sorted(codes)}", flush=True)
        check(frames > 0 and "Malformed" not in text, "no malformed frame in the RELOAD dissection")
        for c in ("store_req", "store_ans", "fetch_req", "fetch_ans"):
            check(c in codes, f"{c} messages dissect as RELOAD")
    for n in survivors:
        n.proc.stop(10)
    finish(f"PASS in {time.monotonic() - t_start:.1f} s")


def lookups_ok_via(survivors, creds, ca):
    def one(i):
        return i, lookup(aor(i), survivors[i % len(survivors)], creds, ca, cert_index=(i + 7) % AORS)
    bad = [(i, r.returncode, r.stdout.strip(), r.stderr.strip()[-200:])
           for i, r in parallel(one, range(AORS)) if r.returncode != 0 or r.stdout.split() != [contact(i)]]
    check(not bad, f"all {AORS - len(bad)}/{AORS} AoRs still found after the two adjacent peers died"
                   + (f"; first failures: {bad[:3]}" if bad else ""))


if __name__ == "__main__":
    main()
