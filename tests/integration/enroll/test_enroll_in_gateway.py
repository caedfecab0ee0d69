"""Issue 17: `p2psip gateway` with enroll_listen runs the enrollment server in-process (a small
site needs one box): the CA in DATA_DIR/ca, the users from its phones file, the document's
bootstrap-node its own overlay address (all defaults). A `p2psip peer` started with only
--enroll/--user/--password-file/--enroll-fingerprint against that URL joins the gateway's ring;
the gateway's metrics port counts the enrollment (p2psip_enroll_*); SIGTERM ends the gateway,
server thread included, with exit 0. The standalone server's lockout and sequence options are the
gateway's enroll_lockout (flag) and enroll_sequence (env): one wrong password locks `locked`
out, and the peer runs sequence 7."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import *  # noqa: E402,F403
from test_enroll_nodes import metric, status_of  # noqa: E402

OVERLAY = "onebox.example.org"


def p2p(*args):
    return run([P2P_BIN, *args], timeout=60)


def logs(proc):
    return proc.stdout() + proc.stderr()


def check_lockout(work, url, fingerprint):
    """enroll_lockout 1: after one wrong password the right one is refused too (default 3)."""
    def enroll(password, name):
        pw = os.path.join(work, f"{name}.pw")
        with open(pw, "w") as f:
            f.write(password + "\n")
        return p2p("enroll", "--url", url, "--user", "locked", "--password-file", pw,
                   "--enroll-fingerprint", fingerprint, "--data-dir", os.path.join(work, name), "--ec")
    r = enroll("wrong", "locked1")
    check(r.returncode == 1 and "failed_authentication" in r.stderr, f"wrong password refused: {r.stderr}")
    r = enroll("locked-secret", "locked2")
    check(r.returncode == 1 and "failed_authentication" in r.stderr,
          f"enroll_lockout 1: after one wrong password the right one is refused: {r.returncode} {r.stderr}")


def main():
    if not P2P_BIN:
        fail("P2P_BIN not set")
    work = temp_dir("p2p-enroll-gw-")
    data = os.path.join(work, "gw-data")
    cadir = os.path.join(data, "ca")
    check(p2p("ca", "init", "--overlay", OVERLAY, "--dir", cadir, "--key-type", "ec").returncode == 0, "ca init")
    r = p2p("ca", "issue", "--dir", cadir, "--user", f"gateway@{OVERLAY}", "--key-type", "ec",
            "--out", os.path.join(work, "gw"))
    check(r.returncode == 0, f"ca issue gateway: {r.stderr}")
    phones = os.path.join(work, "phones")
    with open(phones, "w") as f:
        f.write("peer1 peer-secret\nlocked locked-secret\n")
    gm, oport = free_port(), free_port()
    gw = start([P2P_BIN, "gateway", "--overlay", OVERLAY, "--cert", os.path.join(work, "gw.crt"),
                "--key", os.path.join(work, "gw.key"), "--ca", os.path.join(cadir, "ca.crt"),
                "--phones-file", phones, "--sip-listen", f"127.0.0.1:{free_port()}",
                "--overlay-listen", f"127.0.0.1:{oport}", "--metrics-listen", f"127.0.0.1:{gm}",
                "--data-dir", data, "--log-level", "debug", "--enroll-lockout", "1"], "gateway", work,
               env={"P2PSIP_ENROLL_LISTEN": f"127.0.0.1:{free_port()}", "P2PSIP_ENROLL_SEQUENCE": "7"})
    wait_until(lambda: "certificate sha256" in logs(gw) or not gw.alive(), 30, "the in-process enrollment server")
    check(gw.alive(), f"the gateway runs the enrollment server: {logs(gw)[-1500:]}")
    url = re.search(r"serving (https://\S+)", logs(gw)).group(1)
    fingerprint = re.search(r"certificate sha256 ([0-9a-f]{64})", logs(gw)).group(1)
    wait_until(lambda: status_of(gm).get("state") == "joined" or not gw.alive(), 60, "the gateway starts the ring")
    gw_id = status_of(gm).get("node_id")

    pw = os.path.join(work, "peer1.pw")
    with open(pw, "w") as f:
        f.write("peer-secret\n")
    pm = free_port()
    peer = start([P2P_BIN, "peer", "--enroll", url, "--user", "peer1", "--password-file", pw,
                  "--enroll-fingerprint", fingerprint, "--overlay-listen", f"127.0.0.1:{free_port()}",
                  "--metrics-listen", f"127.0.0.1:{pm}", "--data-dir", os.path.join(work, "peer-data"),
                  "--log-level", "debug"], "peer", work)

    def joined():
        s = status_of(pm)
        return s.get("state") == "joined" and gw_id in s.get("successors", []) + s.get("predecessors", [])
    wait_until(lambda: joined() or not peer.alive(), 60, "the enrolled peer joins the gateway")
    check(peer.alive() and joined(), f"the peer enrolled at the gateway joins its ring: {logs(peer)[-1500:]}")
    seq = status_of(pm).get("configuration_sequence")
    check(seq == 7, f"enroll_sequence 7 (environment): the peer runs sequence {seq}")
    check_lockout(work, url, fingerprint)
    issued = metric(gm, "p2psip_enroll_certificates_issued_total")
    check(issued == 1, f"the gateway's metrics port counts the enrollment ({issued})")
    check(peer.stop() == 0, "the peer exits 0")
    check(gw.stop() == 0, f"SIGTERM ends the gateway and its enrollment server with exit 0: {logs(gw)[-800:]}")
    check(re.search(r"enroll-server: stopped: \d+ documents, 1 enrollments", logs(gw)) is not None,
          "the server thread stopped and logged its counts")
    # Issue 19: no secrets in logs, even at debug level: the enrollment password, the private
    # keys the peer got and the gateway's CA holds.
    keys = [os.path.join(root, f) for d in (data, os.path.join(work, "peer-data"))
            for root, _, files in os.walk(d) for f in files if f.endswith(".key")]
    bodies = ["".join(open(k).read().splitlines()[1:-1]) for k in keys]
    check(len(keys) >= 2 and "peer-secret" not in logs(gw) + logs(peer) and
          not any(b[:64] in logs(gw) + logs(peer) for b in bodies),
          f"neither the password nor any of {len(keys)} private keys appear in the debug logs")
    print("PASS: a one-box site: the gateway enrolls the peer that joins its ring")


if __name__ == "__main__":
    main()
