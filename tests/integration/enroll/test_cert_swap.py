"""Issues 17 and 19: a running node switches to a renewed certificate without a restart.

Part 1, SIGHUP (`p2psip ca` credentials): peer A (alice, --register alice's AoR) and peer B run;
A's cert/key files are overwritten with a certificate for the same Node-ID (a new key) and A gets
SIGHUP: `openssl s_client` to A's overlay port is shown the new certificate, peer C joining through
A alone links with it, A's registration (stored again, signed by the new certificate) is found by
`p2psip lookup` through C, and p2psip_config_reloads_total{result="ok"} counts it. Then a pair for
another Node-ID is refused: a log line, {result="refused"} 1, s_client still sees the good one.

Part 2, renewal while running (real HTTPS enrollment): `p2psip enroll-server
--test-certificate-seconds 180`; an enrolled gateway (the first node) and an enrolled peer renew
while they run (same Node-ID) and swap the renewed certificate in: log line, the expiry gauge moves
forward, s_client to each overlay port sees the renewed certificate, and the gateway's service AoR,
stored again signed by its renewed certificate, is found by `p2psip lookup` through the peer.
The gateway also renews the certificate it enrolled on behalf of its plain phone alice (file
replaced, the gateway's Node-ID in the new one, {result="renewed"} counted) and stores her
phone's binding again signed with it: `p2psip lookup` still finds her Contact.
A SIGHUP at the gateway with another node's pair in its files is refused (counted, logged)."""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import *  # noqa: E402,F403
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gateway"))
import sip_tools  # noqa: E402
from test_enroll_nodes import metric, p2p, status_of  # noqa: E402

OVERLAY = "swap.example.org"


def fingerprint_of_pem(pem):
    r = run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input=pem)
    return r.stdout.strip().split("=")[-1] if r.returncode == 0 else None


def file_fingerprint(path):
    with open(path) as f:
        return fingerprint_of_pem(f.read())


def shown_certificate(port, cert, key):
    """The certificate the overlay TLS listener at `port` presents to a new connection."""
    r = run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-cert", cert, "-key", key],
            input="", timeout=20)
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", r.stdout, re.S)
    return fingerprint_of_pem(m.group(0)) if m else None


def joined(proc, mport, what, timeout=60):
    wait_until(lambda: status_of(mport).get("state") == "joined" or not proc.alive(), timeout, what)
    check(proc.alive() and status_of(mport).get("state") == "joined", f"{what}: {proc.output()[-1500:]}")


def issue(ca, user, out, node_id=None):
    args = ["ca", "issue", "--dir", ca, "--user", f"{user}@{OVERLAY}", "--key-type", "ec", "--out", out]
    r = p2p(*args, *(["--node-id", node_id] if node_id else []))
    check(r.returncode == 0, f"ca issue {user} {node_id or ''}: {r.stderr.strip()}")
    return out + ".crt", out + ".key"


def start_peer(work, name, ca, cert, key, bootstrap=None, extra=()):
    port, mport = free_port(), free_port()
    proc = start([P2P_BIN, "peer", "--overlay", OVERLAY, "--cert", cert, "--key", key, "--ca", ca,
                  "--overlay-listen", f"127.0.0.1:{port}", "--metrics-listen", f"127.0.0.1:{mport}",
                  "--data-dir", os.path.join(work, name + "-data"),
                  *(["--bootstrap", f"127.0.0.1:{bootstrap}"] if bootstrap else []), *extra], name, work)
    return proc, port, mport


def put_in_place(cert, key, into_cert, into_key):
    """Over the running node's files (each replaced whole, as an operator's mv does)."""
    os.replace(key, into_key)
    os.replace(cert, into_cert)


def lookup(via, cert, key, ca, aor):
    return p2p("lookup", "--bootstrap", f"127.0.0.1:{via}", "--cert", cert, "--key", key, "--ca", ca,
               "--timeout", "20", aor, timeout=40)


def node_ids_in(cert):
    r = run(["openssl", "x509", "-noout", "-text", "-in", cert])
    return [i.lower() for i in re.findall(r"reload://0110([0-9A-Fa-f]{32})", r.stdout)]


def check_phone_renewal(work, gw, gm, dave, pport, phone_first):
    """alice's phone certificate (enrolled by the gateway at its start) is renewed while the
    gateway runs, and her binding is stored again with it."""
    aor = f"alice@{OVERLAY}"
    crt = os.path.join(work, "gw-data", "phones", aor + ".crt")
    renewed_line = f"phone {aor}: renewed its certificate"
    wait_until(lambda: renewed_line in gw.stderr() or not gw.alive(), 90, "the gateway renews alice's certificate")
    check(gw.alive() and renewed_line in gw.stderr(), f"the gateway renews alice's phone certificate: {gw.stderr()[-2000:]}")
    check(file_fingerprint(crt) != phone_first, "alice's certificate file holds the renewed certificate")
    check(node_ids_in(crt) == [status_of(gm).get("node_id").lower()],
          f"the renewed certificate holds the gateway's Node-ID ({node_ids_in(crt)})")
    renewed = metric(gm, 'p2psip_enroll_phones_total{result="renewed"}') or 0
    check(renewed >= 1, f'p2psip_enroll_phones_total{{result="renewed"}} counts it ({renewed})')
    stored = f"phone {aor}: stored in the overlay"
    wait_until(lambda: stored in gw.stderr()[gw.stderr().index(renewed_line):] or not gw.alive(), 30,
               "alice's binding stored again")
    check(stored in gw.stderr()[gw.stderr().index(renewed_line):],
          f"alice's binding is stored again after the renewal: {gw.stderr()[-1500:]}")
    r = lookup(pport, os.path.join(dave, "node.crt"), os.path.join(dave, "node.key"), os.path.join(dave, "ca.crt"), aor)
    check(r.returncode == 0 and "sip:alice@127.0.0.1:5999" in r.stdout,
          f"`p2psip lookup {aor}` still finds alice's Contact after the renewal ({r.stdout.strip()} {r.stderr.strip()[-300:]})")


def reloads(mport, result):
    return metric(mport, f'p2psip_config_reloads_total{{result="{result}"}}') or 0


def sighup_swap(work):
    cadir = os.path.join(work, "ca")
    check(p2p("ca", "init", "--overlay", OVERLAY, "--dir", cadir, "--key-type", "ec").returncode == 0, "ca init")
    ca = os.path.join(cadir, "ca.crt")
    a_cert, a_key = issue(cadir, "alice", os.path.join(work, "alice"))
    b_cert, b_key = issue(cadir, "bob", os.path.join(work, "bob"))
    c_cert, c_key = issue(cadir, "carol", os.path.join(work, "carol"))
    d_cert, d_key = issue(cadir, "dave", os.path.join(work, "dave"))  # the lookup client
    aor = f"alice@{OVERLAY}"
    a, a_port, a_m = start_peer(work, "peer-a", ca, a_cert, a_key, extra=["--register", f"{aor}=sip:alice@192.0.2.7"])
    joined(a, a_m, "peer A starts the ring")
    b, b_port, b_m = start_peer(work, "peer-b", ca, b_cert, b_key, bootstrap=a_port)
    joined(b, b_m, "peer B joins A")
    a_id = status_of(a_m).get("node_id")
    first = file_fingerprint(a_cert)
    check(shown_certificate(a_port, b_cert, b_key) == first, "before: A's overlay listener shows its first certificate")

    # The same Node-ID, a new key: written over the running node's files, then SIGHUP.
    put_in_place(*issue(cadir, "alice", os.path.join(work, "alice-renewed"), node_id=a_id), a_cert, a_key)
    renewed = file_fingerprint(a_cert)
    check(renewed and renewed != first, "a renewed certificate for A's Node-ID is in A's files")
    a.signal(signal.SIGHUP)
    wait_until(lambda: "SIGHUP: the running node now uses" in a.stderr() or not a.alive(), 20, "A swaps on SIGHUP")
    check(a.alive() and "SIGHUP: the running node now uses" in a.stderr(), f"A swaps its certificate on SIGHUP: {a.stderr()[-1500:]}")
    check(reloads(a_m, "ok") == 1, f"p2psip_config_reloads_total{{result=\"ok\"}} counts the swap ({reloads(a_m, 'ok')})")
    check(shown_certificate(a_port, b_cert, b_key) == renewed, "after SIGHUP a new connection to A is shown the renewed certificate")
    c, c_port, c_m = start_peer(work, "peer-c", ca, c_cert, c_key, bootstrap=a_port)
    joined(c, c_m, "peer C joins through A after the swap (A's messages signed by the renewed certificate)")
    wait_until(lambda: "stored again" in a.stderr(), 20, "A re-stores its kept registration")
    r = lookup(c_port, d_cert, d_key, ca, aor)
    check(r.returncode == 0 and "sip:alice@192.0.2.7" in r.stdout,
          f"A's registration, stored again with the renewed certificate, is found through C ({r.stdout.strip()} {r.stderr.strip()[-300:]})")

    # Another Node-ID (alice's user, a random Node-ID): refused, the running certificate kept.
    put_in_place(*issue(cadir, "alice", os.path.join(work, "alice-other")), a_cert, a_key)
    a.signal(signal.SIGHUP)
    wait_until(lambda: reloads(a_m, "refused") == 1 or not a.alive(), 20, "A refuses the other Node-ID")
    check(a.alive() and reloads(a_m, "refused") == 1, "p2psip_config_reloads_total{result=\"refused\"} counts the refusal")
    check("new certificate files are refused" in a.stderr() and "Node-ID" in a.stderr(),
          "the refusal is logged with the reason (another Node-ID)")
    check(shown_certificate(a_port, b_cert, b_key) == renewed, "A still presents the renewed certificate")
    check(status_of(a_m).get("node_id") == a_id and status_of(a_m).get("state") == "joined", "A keeps running as before")
    for name, p in (("C", c), ("B", b), ("A", a)):
        check(p.stop() == 0, f"peer {name} stops cleanly")


def renewal_while_running(work):
    cadir = os.path.join(work, "ca2")
    check(p2p("ca", "init", "--overlay", OVERLAY, "--dir", cadir, "--key-type", "ec").returncode == 0, "ca init")
    users = os.path.join(work, "users")
    with open(users, "w") as f:
        f.write("peer1 peer-secret\ngateway gw-secret\ndave pw4\nalice alice-pw\n")
    phones = os.path.join(work, "phones")
    with open(phones, "w") as f:
        f.write("alice alice-pw\n")
    gw_overlay = free_port()
    srv = start([P2P_BIN, "enroll-server", "--overlay", OVERLAY, "--listen", f"127.0.0.1:{free_port()}",
                 "--ca-dir", cadir, "--users", users, "--bootstrap", f"127.0.0.1:{gw_overlay}",
                 "--test-certificate-seconds", "180"], "enroll-server", work)
    wait_until(lambda: "certificate sha256" in srv.stdout() or not srv.alive(), 20, "enroll-server")
    check(srv.alive(), f"enroll-server runs: {srv.output()}")
    url = re.search(r"serving (https://\S+)", srv.stdout()).group(1)
    fp = re.search(r"certificate sha256 ([0-9a-f]{64})", srv.stdout()).group(1)

    def enroll_args(user, password):
        pw = os.path.join(work, user + ".pw")
        with open(pw, "w") as f:
            f.write(password + "\n")
        return ["--enroll", url, "--user", user, "--password-file", pw, "--enroll-fingerprint", fp]

    dave = os.path.join(work, "dave")
    r = p2p("enroll", "--url", url, *enroll_args("dave", "pw4")[2:], "--data-dir", dave, "--ec")
    check(r.returncode == 0, f"p2psip enroll dave (for lookups): {r.stderr.strip()}")
    sip, gm = free_port(), free_port()
    gw = start([P2P_BIN, "gateway", *enroll_args("gateway", "gw-secret"), "--sip-listen", f"127.0.0.1:{sip}",
                "--overlay-listen", f"127.0.0.1:{gw_overlay}", "--metrics-listen", f"127.0.0.1:{gm}",
                "--phones-file", phones, "--data-dir", os.path.join(work, "gw-data")], "gateway", work)
    joined(gw, gm, "the enrolled gateway starts the ring")
    phone_first = file_fingerprint(os.path.join(work, "gw-data", "phones", f"alice@{OVERLAY}.crt"))
    check(phone_first, "the gateway enrolled alice's phone at its start")
    statuses = sip_tools.register(sip, "alice", "alice-pw", "sip:alice@127.0.0.1:5999", domain=OVERLAY)[0]
    check(statuses and statuses[-1] == "SIP/2.0 200 OK", f"alice's phone registers at the gateway ({statuses})")
    pport, pm = free_port(), free_port()
    peer = start([P2P_BIN, "peer", *enroll_args("peer1", "peer-secret"), "--overlay-listen", f"127.0.0.1:{pport}",
                  "--metrics-listen", f"127.0.0.1:{pm}", "--data-dir", os.path.join(work, "peer-data")], "peer", work)
    joined(peer, pm, "the enrolled peer joins the gateway")
    gw_files = [os.path.join(work, "gw-data", "enrollment", "node." + x) for x in ("crt", "key")]
    peer_files = [os.path.join(work, "peer-data", "enrollment", "node." + x) for x in ("crt", "key")]
    expiry = {gm: metric(gm, "p2psip_certificate_expiry_timestamp_seconds"),
              pm: metric(pm, "p2psip_certificate_expiry_timestamp_seconds")}
    check(all(e and e - time.time() < 200 for e in expiry.values()),
          f"both run short-lived certificates (--test-certificate-seconds 180): {expiry}")
    ids = {gm: status_of(gm).get("node_id"), pm: status_of(pm).get("node_id")}
    first = {gm: file_fingerprint(gw_files[0]), pm: file_fingerprint(peer_files[0])}
    for name, proc, m in (("the gateway", gw, gm), ("the peer", peer, pm)):
        wait_until(lambda: "renewal: the running node now uses" in proc.stderr() or not proc.alive(), 120,
                   f"{name} renews while running")
        check(proc.alive() and "renewal: the running node now uses" in proc.stderr(),
              f"{name} renews its certificate and swaps it in while running: {proc.stderr()[-2000:]}")
        later = metric(m, "p2psip_certificate_expiry_timestamp_seconds")
        check(later and later > expiry[m], f"{name}: the expiry gauge moves forward ({expiry[m]} -> {later})")
        check(status_of(m).get("node_id") == ids[m] and status_of(m).get("state") == "joined",
              f"{name} keeps its Node-ID and stays joined")
    for port, files, m in ((gw_overlay, gw_files, gm), (pport, peer_files, pm)):
        now = file_fingerprint(files[0])
        check(now != first[m], "the enrollment files hold the renewed certificate")
        shown = shown_certificate(port, os.path.join(dave, "node.crt"), os.path.join(dave, "node.key"))
        # A later renewal may have happened meanwhile: the listener shows what the files hold now.
        check(shown == file_fingerprint(files[0]), f"a new connection to port {port} is shown the renewed certificate")
    aor = f"gateway@{OVERLAY}"
    wait_until(lambda: "stored again" in gw.stderr(), 30, "the gateway re-stores its service AoR")
    r = lookup(pport, os.path.join(dave, "node.crt"), os.path.join(dave, "node.key"), os.path.join(dave, "ca.crt"), aor)
    check(r.returncode == 0 and f"sip:gateway@127.0.0.1:{sip}" in r.stdout,
          f"the gateway's service AoR, stored again with its renewed certificate, is found through the peer "
          f"({r.stdout.strip()} {r.stderr.strip()[-300:]})")
    check_phone_renewal(work, gw, gm, dave, pport, phone_first)
    # SIGHUP at the gateway with a pair of another Node-ID (dave's) in its files: the reload is
    # refused as a whole, the running certificate kept.
    put_in_place(os.path.join(dave, "node.crt"), os.path.join(dave, "node.key"), *gw_files)
    gw.signal(signal.SIGHUP)
    wait_until(lambda: reloads(gm, "refused") == 1 or not gw.alive(), 20, "the gateway refuses dave's pair")
    check(gw.alive() and reloads(gm, "refused") == 1 and "new certificate files are refused" in gw.stderr(),
          f"the gateway refuses a pair of another Node-ID on SIGHUP (counted, logged): {gw.stderr()[-1500:]}")
    check(status_of(gm).get("node_id") == ids[gm] and status_of(gm).get("state") == "joined",
          "the gateway keeps running with its own certificate")
    check(peer.stop() == 0 and gw.stop() == 0, "peer and gateway stop cleanly")
    srv.stop()


def main():
    require_tools("openssl")
    work = temp_dir("p2p-cert-swap-")
    sighup_swap(work)
    renewal_while_running(work)
    finish()


if __name__ == "__main__":
    main()
