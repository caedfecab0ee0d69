#!/usr/bin/env python3
"""tshark oracle on live traffic (DESIGN.md §7): five real `p2psip peer` processes (RSA and EC
keys) form a ring while tshark captures on lo; a RELOAD client stores an AoR (Store), another
looks it up (Fetch), a store for someone else's AoR is refused (Error Forbidden), then three
peers leave cleanly on SIGTERM (Leave). The capture is decrypted with the links' SSLKEYLOGFILE
key logs and dissected as RELOAD. Fails when:

- any TLS stream (a handshake the server answered) did not decrypt, or any stream that
  carried application data gave no decrypted bytes;
- one of Join, Update, Attach, Store, Fetch, Leave (requests and answers) or an Error answer
  is not among the messages tshark decoded;
- tshark's expert info has a warning or error item on any decrypted frame that is not an
  accepted dissector gap (reload_oracle.ACCEPTED_GAPS), malformed frames included.

Exit 77 (skipped) when not root, without tshark, or when the capture does not start."""

import os
import re
import shutil
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "overlay"))
sys.path.insert(0, HERE)
from harness import P2P_BIN, check, fail, run, temp_dir  # noqa: E402
import reload_capture  # noqa: E402
import reload_oracle  # noqa: E402
from test_overlay_ring import OVERLAY, Node, wait_ring  # noqa: E402

N = 5
LEAVING = 3
# Every method the ring must show decoded, both directions; and the error answer.
REQUIRED = [f"{m}_{d}" for m in ("join", "update", "attach", "store", "fetch", "leave")
            for d in ("req", "ans")] + ["error"]


def user(work, ca_dir, name):
    r = run([P2P_BIN, "ca", "issue", "--dir", ca_dir, "--user", f"{name}@{OVERLAY}",
             "--key-type", "ec", "--out", os.path.join(work, name)])
    check(r.returncode == 0, f"ca issue {name} {r.stderr.strip()}")
    return os.path.join(work, name + ".crt"), os.path.join(work, name + ".key")


def client(work, cmd, node, creds, ca, *args):
    cert, key = creds
    return run([P2P_BIN, cmd, "--bootstrap", f"127.0.0.1:{node.port}", "--cert", cert,
                "--key", key, "--ca", ca, "--timeout", "20", *args], timeout=40,
               env={"SSLKEYLOGFILE": os.path.join(work, f"client-{cmd}.keys")})


def wait_joined(node, timeout=30):
    deadline = time.monotonic() + timeout
    while node.status().get("state") != "joined":
        if time.monotonic() > deadline or not node.proc.alive():
            fail(f"{node.name} did not join: {node.proc.output()[-3000:]}")
        time.sleep(0.1)


def overlay_traffic(work, nodes, ca_dir):
    """Join, store, fetch, a refused store and clean leaves, all inside the capture."""
    ca = os.path.join(ca_dir, "ca.crt")
    nodes[0].launch(work)
    wait_joined(nodes[0])
    for i, n in enumerate(nodes[1:]):
        n.launch(work, bootstrap=nodes[i // 2])
        wait_joined(n)
    wait_ring(nodes, 90, f"{N} peers")
    check(True, f"{N} peers form a correct ring")
    alice, mallory = user(work, ca_dir, "alice"), user(work, ca_dir, "mallory")
    aor, contact = f"alice@{OVERLAY}", "sip:alice@192.0.2.7:5060"
    r = client(work, "register", nodes[1], alice, ca, "--lifetime", "600", aor, contact)
    check(r.returncode == 0, f"alice's AoR is stored {r.stderr.strip()[-300:]}")
    r = client(work, "lookup", nodes[3], mallory, ca, aor)
    check(r.returncode == 0 and r.stdout.split() == [contact],
          f"alice's AoR is found through another peer {r.stdout.strip()} {r.stderr.strip()[-300:]}")
    r = client(work, "register", nodes[2], mallory, ca, aor, "sip:evil@192.0.2.66")
    check(r.returncode != 0 and "Forbidden" in r.stderr,
          f"mallory's store for alice's AoR is refused with Error_Forbidden: {r.stderr.strip()}")
    for n in nodes[:LEAVING]:
        n.proc.signal(signal.SIGTERM)
        rc = n.proc.wait(10)
        check(rc == 0, f"{n.name} leaves on SIGTERM (exit {rc})")
        wait_ring([m for m in nodes if m.proc.alive()], 60, f"the ring after {n.name} left")


def check_streams(cap, keys, ports):
    report = reload_capture.tls_streams(cap.path, keys, ports)
    tls = sorted(s for s, r in report.items() if r["answered_hello"])
    not_decrypted = {s: report[s] for s in tls if not report[s]["decrypted"]}
    records = sum(report[s]["encrypted"] for s in tls)
    closed = sum(report[s]["undecrypted"] for s in tls)
    check(len(tls) >= N, f"{len(tls)} TLS streams in the capture ({len(report)} with TLS records)")
    check(not not_decrypted, f"{len(tls) - len(not_decrypted)}/{len(tls)} TLS streams decrypted "
                             f"with the key logs, {records - closed}/{records} encrypted records "
                             f"opened" + (f"; not: {not_decrypted}" if not_decrypted else ""))
    return tls


def check_messages(work, cap, keys, ports, tls):
    frames, text, per_stream = reload_capture.decode(work, cap.path, keys, ports, with_streams=True)
    carrying = [s for s in tls if per_stream.get(s, 0) > 0]
    check(len(carrying) >= N, f"{len(carrying)} of the {len(tls)} decrypted TLS streams carried "
                              f"RELOAD frames")
    codes = re.findall(r"(?m)message_code \(uint16\): (?:\d+ \((\w+)\)|(Error))", text)
    seen = {a or b.lower() for a, b in codes}
    print(f"decrypted {len(tls)} TLS streams into {frames} frames; message codes: {sorted(seen)}",
          flush=True)
    missing = [c for c in REQUIRED if c not in seen]
    check(not missing, "tshark decoded " + ", ".join(REQUIRED)
          + (f"; missing: {missing}" if missing else ""))
    check(re.search(r"error_code \(uint16\): Error_Forbidden \(2\)", text),
          "the refused store's answer dissects as Error_Forbidden")
    expert = reload_oracle.expert_items(["-r", os.path.join(work, "decrypted.pcap"),
                                         *reload_capture.DISSECT])
    gaps = sorted({reload_oracle.gap_of(msg, ctx) for items in expert.values()
                   for sev, msg, ctx in items if sev in ("warning", "error")} - {None})
    print(f"accepted dissector gaps seen: {gaps}", flush=True)
    bad = {n: reload_oracle.unaccepted(items) for n, items in expert.items()}
    bad = {n: b for n, b in bad.items() if b}
    check(len(expert) == frames and not bad,
          f"no warning/error expert item on the {len(expert)} decrypted frames except the "
          f"accepted gaps" + (f"; frames: {dict(list(bad.items())[:5])}" if bad else ""))


def main():
    if not P2P_BIN:
        fail("P2P_BIN is not set")
    if os.geteuid() != 0:
        reload_oracle.skip("not root: cannot capture on lo")
    if not shutil.which("tshark"):
        reload_oracle.skip("tshark is not installed")
    t0 = time.monotonic()
    work = temp_dir("p2p-tshark-live-")
    ca_dir = os.path.join(work, "ca")
    r = run([P2P_BIN, "ca", "init", "--overlay", OVERLAY, "--dir", ca_dir])
    check(r.returncode == 0, f"ca init {r.stderr.strip()}")
    nodes = [Node(work, ca_dir, f"peer{i}", key_type="rsa" if i % 2 else "ec") for i in range(N)]
    ports = [n.port for n in nodes]
    cap = reload_capture.Capture(work, ports)
    if not cap.start() or not cap.flush(ports[0]):  # a marker SYN must reach the file
        reload_oracle.skip(f"tshark could not capture on lo: {open(cap.err_path).read()[-500:]}")
    overlay_traffic(work, nodes, ca_dir)
    check(cap.flush(nodes[-1].port), "the capture holds everything up to the last leave")
    cap.stop()
    for n in nodes[LEAVING:]:
        n.proc.stop(10)

    keys = os.path.join(work, "all.keys")
    with open(keys, "w") as out:
        for name in sorted(os.listdir(work)):
            if name.endswith(".keys"):
                out.write(open(os.path.join(work, name)).read())
    check(os.path.getsize(keys) > 0, "the links wrote SSLKEYLOGFILE key logs")
    tls = check_streams(cap, keys, ports)
    check_messages(work, cap, keys, ports, tls)
    print(f"PASS in {time.monotonic() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
