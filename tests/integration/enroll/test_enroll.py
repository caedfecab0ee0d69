"""Issue 17: `p2psip enroll-server` and `p2psip enroll` end to end over real HTTPS.

The served configuration document validates with jing against the RFC 6940 §11.1.1 RELAX NG
grammar (tests/data/rfc6940-config.rnc); `p2psip enroll` gets a certificate (trusting the server
by CA file), the same user enrolling again (trusting it by fingerprint) gets the same Node-ID; a
wrong fingerprint is refused before any password is sent; the §11.3 refusals come back as 403
with the RFC's tokens (wrong password, then the lockout even with the right one; unknown user;
malformed CSR; a CSR asking for another user name; too many Node-IDs), malformed multipart is a
400, and the server survives all of it; finally a `p2psip peer` with the enrolled certificate
joins a ring started with a `p2psip ca issue` certificate of the same CA."""

import json
import os
import re
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import *  # noqa: E402,F403

OVERLAY = "enroll.example.org"
GRAMMAR = os.path.join(SOURCE_DIR, "tests", "data", "rfc6940-config.rnc")


def p2p(*args, timeout=60):
    return run([P2P_BIN, *args], timeout=timeout)


def curl(*args):
    return run(["curl", "-sk", "--max-time", "10", "-w", "\n%{http_code}", *args])


def post(url, fields, out=None):
    """A raw multipart POST with curl: (status, body as text), the body also kept in `out`."""
    out = out or os.path.join(os.path.dirname(fields[-1].split("@")[-1].split(";")[0]), "answer.bin")
    args = []
    for f in fields:
        args += ["-F", f]
    r = run(["curl", "-sk", "--max-time", "10", "-o", out, "-w", "%{http_code}", *args, url])
    body = open(out, "rb").read() if os.path.exists(out) else b""
    return int(r.stdout or 0), body.decode(errors="replace").strip()


def status_of(metrics_port):
    code, body = http_get(f"http://127.0.0.1:{metrics_port}/status", timeout=2)
    try:
        return json.loads(body) if code == 200 else {}
    except ValueError:
        return {}


def start_server(work, cadir, users, bootstrap_port, metrics_port, extra=(), name="enroll-server", env=None):
    port = free_port()
    srv = start([P2P_BIN, "enroll-server", "--overlay", OVERLAY, "--listen", f"127.0.0.1:{port}",
                 "--ca-dir", cadir, "--users", users, "--bootstrap", f"127.0.0.1:{bootstrap_port}",
                 "--lockout", "3", "--metrics-listen", f"127.0.0.1:{metrics_port}", *extra], name, work, env=env)
    wait_until(lambda: "certificate sha256" in srv.stdout() or not srv.alive(), 20, "enroll-server ready")
    check(srv.alive(), f"enroll-server runs: {srv.output()}")
    url = re.search(r"serving (https://\S+)", srv.stdout()).group(1)
    fingerprint = re.search(r"certificate sha256 ([0-9a-f]{64})", srv.stdout()).group(1)
    return srv, port, url, fingerprint


def check_document(work, url, bootstrap_port):
    path = os.path.join(work, "served.xml")
    r = run(["curl", "-sk", "-D", path + ".head", "-o", path, url])
    check(r.returncode == 0, "curl fetches the configuration document")
    head = open(path + ".head").read().lower()
    check("content-type: application/p2p-overlay+xml" in head, "served as application/p2p-overlay+xml")
    r = run(["curl", "-sk", "-I", url])
    check(r.returncode == 0 and " 200 " in r.stdout.splitlines()[0] and "<overlay" not in r.stdout,
          "HEAD answers the head without the document")
    v = run(["jing", "-c", GRAMMAR, path])
    check(v.returncode == 0, f"jing validates the served document against RFC 6940 §11.1.1: {v.stdout}{v.stderr}")
    doc = open(path).read()
    enroll_url = url.replace("/.well-known/reload-config", "/enroll")
    check(f"<enrollment-server>{enroll_url}</enrollment-server>" in doc, "enrollment-server holds the https URL")
    check(f'<bootstrap-node address="127.0.0.1" port="{bootstrap_port}"/>' in doc, "bootstrap-node from --bootstrap")
    check(re.search(r'<kind name="SIP-REGISTRATION"><data-model>DICTIONARY</data-model>'
                    r'<access-control>USER-NODE-MATCH</access-control>', doc) is not None,
          "SIP-REGISTRATION is a DICTIONARY kind with USER-NODE-MATCH")
    check(doc.count("<kind-signature>") == 3 and "<signature>" in doc, "kinds and configuration are signed")
    # A document whose signed bytes were touched must not validate any more on the client: shown
    # by the unit tests; here the grammar must reject a broken document (the check can fail).
    bad = os.path.join(work, "broken.xml")
    open(bad, "w").write(doc.replace("<no-ice>true</no-ice>", "<no-ice>maybe</no-ice>"))
    check(run(["jing", "-c", GRAMMAR, bad]).returncode != 0, "jing rejects a document with no-ice=maybe")


def check_hostile_edge(work, url, port, srv):  # noqa: C901
    """More idle connections than the server keeps (64) must not keep a real client out, and an
    oversized body is refused before it is read."""
    import socket
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(80)]
    for s in idle[:5]:
        s.sendall(b"\x16\x03\x01\x00")  # a TLS record header, then nothing (slow loris)
    r = run(["curl", "-sk", "--max-time", "10", "-o", os.devnull, "-w", "%{http_code}", url])
    check(r.stdout == "200", f"the document is served with 80 idle connections open ({r.stdout!r})")
    # Every one of them was accepted before curl's; the table holds at most 64.
    sockets = [f for f in os.listdir(f"/proc/{srv.pid}/fd")
               if os.readlink(f"/proc/{srv.pid}/fd/{f}").startswith("socket:")]
    check(len(sockets) <= 64 + 1, f"the server holds at most 64 connections (+ its listener): {len(sockets)}")
    for s in idle:
        s.close()
    # The head alone announces 40 kB: the answer comes before any body byte is sent.
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10)) as tls:
        tls.sendall(b"POST /enroll HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=q\r\n"
                    b"Content-Length: 40000\r\n\r\n")
        answer = tls.recv(4096).decode(errors="replace")
    check(answer.startswith("HTTP/1.1 413 "), f"a 40 kB body is refused with 413 ({answer[:40]!r})")
    check(srv.alive(), "the server survives the flood")


def enroll(work, url, user, password, name, trust):
    pwfile = os.path.join(work, f"{name}.pw")
    open(pwfile, "w").write(password + "\n")
    return p2p("enroll", "--url", url, "--user", user, "--password-file", pwfile, *trust,
               "--data-dir", os.path.join(work, name), "--ec")


def check_enrollment(work, url, cadir, fingerprint):
    r = enroll(work, url, "alice", "correct horse", "alice1", ["--enroll-ca", os.path.join(cadir, "ca.crt")])
    check(r.returncode == 0, f"alice enrolls (CA trust): {r.stdout}{r.stderr}")
    m = re.search(r"node-id: ([0-9a-f]{32})", r.stdout)
    check(m is not None and f"user: alice@{OVERLAY}" in r.stdout, f"prints the Node-ID and user: {r.stdout}")
    d = os.path.join(work, "alice1")
    check(stat.S_IMODE(os.stat(os.path.join(d, "node.key")).st_mode) == 0o600, "node.key is 0600")
    v = run(["jing", "-c", GRAMMAR, os.path.join(d, "reload-config.xml")])
    check(v.returncode == 0, "the stored document validates too")
    again = enroll(work, url, "alice", "correct horse", "alice2", ["--enroll-fingerprint", fingerprint])
    check(again.returncode == 0, f"alice enrolls again (fingerprint trust): {again.stderr}")
    check(f"node-id: {m.group(1)}" in again.stdout, "the same user gets the same Node-ID back (§11.3)")
    wrong = enroll(work, url, "alice", "correct horse", "alice3", ["--enroll-fingerprint", "00" * 32])
    check(wrong.returncode == 1 and "fingerprint" in wrong.stderr, f"a wrong fingerprint is refused: {wrong.stderr}")
    return d


def check_refusals(work, url, srv):
    enroll_url = url.replace("/.well-known/reload-config", "/enroll")
    csr = os.path.join(work, "csr.der")
    run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", os.path.join(work, "csr.key"), "-subj", "/", "-outform", "DER", "-out", csr])
    good_csr = f"csr=@{csr};type=application/pkcs10"
    r = enroll(work, url, "bob", "wrong", "bob1", ["--enroll-ca", os.path.join(work, "ca", "ca.crt")])
    check(r.returncode == 1 and "failed_authentication" in r.stderr, f"wrong password: exit 1, token: {r.stderr}")
    for _ in range(2):
        check(post(enroll_url, ["username=bob", "password=nope", good_csr]) == (403, "failed_authentication"),
              "wrong password by curl: 403 failed_authentication")
    r = enroll(work, url, "bob", "s3cret", "bob2", ["--enroll-ca", os.path.join(work, "ca", "ca.crt")])
    check(r.returncode == 1 and "failed_authentication" in r.stderr, "after 3 wrong passwords the right one is refused too")
    check(not os.path.exists(os.path.join(work, "bob2", "node.key")), "nothing written on refusal")
    check(post(enroll_url, ["username=mallory", "password=x", good_csr]) == (403, "failed_authentication"),
          "unknown user: 403 failed_authentication")
    junk = os.path.join(work, "junk.der")
    open(junk, "wb").write(b"\x30\x82\x01\x00not a csr")
    check(post(enroll_url, ["username=carol", "password=pw3", f"csr=@{junk};type=application/pkcs10"]) ==
          (403, "bad_CSR"), "malformed CSR: 403 bad_CSR")
    other = os.path.join(work, "other.der")
    run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", os.path.join(work, "other.key"), "-subj", "/", "-addext",
         f"subjectAltName=email:alice@{OVERLAY}", "-outform", "DER", "-out", other])
    check(post(enroll_url, ["username=carol", "password=pw3", f"csr=@{other};type=application/pkcs10"]) ==
          (403, "username_not_available"), "a CSR asking for another user's name: 403 username_not_available")
    check(post(enroll_url, ["username=carol", "password=pw3", "nodeids=99", good_csr]) ==
          (403, "Node-IDs_not_available"), "99 Node-IDs: 403 Node-IDs_not_available")
    raw = curl("-H", "Content-Type: multipart/form-data; boundary=zz", "--data-binary", "garbage", enroll_url)
    check(raw.stdout.endswith("\n400"), f"malformed multipart: 400 ({raw.stdout!r})")
    der = os.path.join(work, "carol.der")
    code, _ = post(enroll_url, ["username=carol", "password=pw3", good_csr], out=der)
    check(code == 200, "carol (right password, good CSR) gets her certificate from curl")
    text = run(["openssl", "x509", "-inform", "DER", "-in", der, "-noout", "-text"]).stdout
    check(f"email:carol@{OVERLAY}" in text and "URI:reload://" in text, "an RFC 6940 §11.3 certificate for carol")
    check(srv.alive(), "the server survives every refusal")
    log = srv.stderr()  # spdlog: stderr, as every p2psip service
    check("refused user 'bob'" in log and "bad_CSR" in log and "issued a certificate for carol" in log,
          "every enrollment and refusal is logged")


def check_join(work, cadir, enrolled_dir):
    r = p2p("ca", "issue", "--dir", cadir, "--user", f"seed@{OVERLAY}", "--key-type", "ec",
            "--out", os.path.join(work, "seed"))
    check(r.returncode == 0, f"ca issue seed: {r.stderr}")
    return r


def check_usage_errors(work, cadir, users, url):
    r = enroll(work, url, "alice", "correct horse", "both",
               ["--enroll-ca", os.path.join(cadir, "ca.crt"), "--enroll-fingerprint", "00" * 32])
    check(r.returncode == 2 and "exactly one" in r.stderr, f"both trust options: exit 2 ({r.stderr.strip()})")
    r = enroll(work, f"https://127.0.0.1:{free_port()}/.well-known/reload-config", "alice", "x", "nobody",
               ["--enroll-ca", os.path.join(cadir, "ca.crt")])
    check(r.returncode == 1 and "cannot connect" in r.stderr, f"no server: exit 1 ({r.stderr.strip()})")
    base = ["enroll-server", "--listen", f"127.0.0.1:{free_port()}", "--ca-dir", cadir, "--users", users]
    r = p2p(*base, "--overlay", "other.example.org")
    check(r.returncode == 2 and "other.example.org" in r.stderr, f"a CA of another overlay: exit 2 ({r.stderr.strip()})")
    r = p2p(*base)
    check(r.returncode == 2 and "overlay" in r.stderr and "P2PSIP_OVERLAY" in r.stderr,
          f"no overlay: exit 2 naming the key ({r.stderr.strip()})")
    r = p2p(*base, "--overlay", OVERLAY, "--sequence", "65535")
    check(r.returncode == 2 and "sequence" in r.stderr, f"--sequence 65535: exit 2 ({r.stderr.strip()})")
    r = p2p(*base, "--overlay", OVERLAY, "--tls-cert", users)
    check(r.returncode == 2 and "--tls-key" in r.stderr, f"--tls-cert without --tls-key: exit 2 ({r.stderr.strip()})")


def check_bad_node(work, cadir, users, seed_port, enrolled_dir):
    """A restarted server listing alice's Node-ID as bad-node publishes it and gives her a new one."""
    old = re.search(r"reload://0110([0-9a-f]{32})@", run(["openssl", "x509", "-in", os.path.join(enrolled_dir, "node.crt"),
                                                        "-noout", "-text"]).stdout).group(1)
    # The bad node from the YAML file, the sequence from the environment (the keys' twins).
    cfg = os.path.join(work, "enroll-server-2.yaml")
    with open(cfg, "w") as f:
        f.write(f"bad_node: [{old}]\nsequence: 1\nlog_format: json\n")
    srv, _, url, fingerprint = start_server(work, cadir, users, seed_port, free_port(), ["--config", cfg],
                                            name="enroll-server-2", env={"P2PSIP_SEQUENCE": "2"})
    path = os.path.join(work, "served2.xml")
    run(["curl", "-sk", "-o", path, url])
    doc = open(path).read()
    check(f"<bad-node>{old}</bad-node>" in doc and 'sequence="2"' in doc, "the document lists the bad node, sequence 2")
    check(run(["jing", "-c", GRAMMAR, path]).returncode == 0, "the document with a bad-node validates too")
    r = enroll(work, url, "alice", "correct horse", "alice4", ["--enroll-fingerprint", fingerprint])
    m = re.search(r"node-id: ([0-9a-f]{32})", r.stdout)
    check(r.returncode == 0 and m and m.group(1) != old, f"alice gets a new Node-ID instead of the bad one: {r.stdout}")
    check(srv.stop() == 0, "the second server exits 0")
    lines = [json.loads(line) for line in srv.stderr().splitlines() if line.strip()]
    check(any("issued a certificate for alice" in x.get("msg", "") for x in lines),
          "log_format json: every stderr line of the server is a JSON object, the enrollment logged")


def check_metrics(metrics_port):
    code, text = http_get(f"http://127.0.0.1:{metrics_port}/metrics")
    check(code == 200, "the enroll-server serves /metrics")
    promtool = run(["promtool", "check", "metrics"], input=text)
    check(promtool.returncode == 0, f"promtool accepts the metrics: {promtool.stdout}{promtool.stderr}")

    def value(series):
        for line in text.splitlines():
            if line.startswith(series + " "):
                return float(line.split()[-1])
        return None
    check(value("p2psip_enroll_certificates_issued_total") == 3, "3 certificates issued (alice twice, carol)")
    check(value('p2psip_enroll_refusals_total{reason="failed_authentication"}') == 4,
          "4 failed_authentication refusals (bob x3, mallory)")
    for reason in ("locked_out", "bad_CSR", "username_not_available", "Node-IDs_not_available", "bad_request"):
        check(value(f'p2psip_enroll_refusals_total{{reason="{reason}"}}') == 1, f"one {reason} refusal counted")
    check(value("p2psip_enroll_connections_evicted_total") >= 80 + 1 - 64, "evicted connections counted")


def launch_peer(work, name, cert, key, ca, port, metrics, bootstrap=None):
    args = [P2P_BIN, "peer", "--overlay", OVERLAY, "--overlay-listen", f"127.0.0.1:{port}",
            "--metrics-listen", f"127.0.0.1:{metrics}", "--cert", cert, "--key", key, "--ca", ca,
            "--data-dir", os.path.join(work, name + "-data")]
    if bootstrap:
        args += ["--bootstrap", f"127.0.0.1:{bootstrap}"]
    return start(args, name, work)


def main():
    require_tools("jing", "curl", "openssl", "promtool")
    work = temp_dir()
    cadir = os.path.join(work, "ca")
    r = p2p("ca", "init", "--overlay", OVERLAY, "--dir", cadir, "--key-type", "ec")
    check(r.returncode == 0, f"ca init: {r.stderr}")
    users = os.path.join(work, "users")
    open(users, "w").write("# user password\nalice correct horse\nbob s3cret\ncarol pw3\n")
    check_join(work, cadir, None)
    seed_port, seed_metrics = free_port(), free_port()
    seed = launch_peer(work, "seed", os.path.join(work, "seed.crt"), os.path.join(work, "seed.key"),
                       os.path.join(cadir, "ca.crt"), seed_port, seed_metrics)
    srv_metrics = free_port()
    srv, srv_port, url, fingerprint = start_server(work, cadir, users, seed_port, srv_metrics)
    check_document(work, url, seed_port)
    check_hostile_edge(work, url, srv_port, srv)
    enrolled = check_enrollment(work, url, cadir, fingerprint)
    check_refusals(work, url, srv)
    check_metrics(srv_metrics)
    check_usage_errors(work, cadir, users, url)
    check(srv.stop() == 0, "enroll-server exits 0 on SIGTERM")
    m = re.search(r"(\d+) enrollments.* (\d+) connections evicted", srv.stderr())
    check(m is not None and int(m.group(2)) >= 80 + 1 - 64, f"evictions logged at exit: {m and m.group(0)}")
    check_bad_node(work, cadir, users, seed_port, enrolled)
    port, metrics = free_port(), free_port()
    peer = launch_peer(work, "enrolled", os.path.join(enrolled, "node.crt"), os.path.join(enrolled, "node.key"),
                       os.path.join(enrolled, "ca.crt"), port, metrics, bootstrap=seed_port)
    wait_until(lambda: status_of(metrics).get("state") == "joined" or not peer.alive(), 60,
               "the enrolled peer joins the ring")
    check(peer.alive() and status_of(metrics).get("state") == "joined",
          f"the peer with the enrolled certificate joins: {peer.output()[-2000:]}")
    peer.stop()
    seed.stop()
    finish()


if __name__ == "__main__":
    main()
