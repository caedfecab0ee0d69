"""`p2psip ca init` / `ca issue` end to end: files and modes, what `openssl x509 -text` shows
(reload:// Node-ID URIs, the rfc822Name, an empty subject, critical SAN), `openssl verify`
against the CA, a signature made with the issued key, and the error cases (exit code, one
line on stderr, nothing written)."""

import os
import re
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import *  # noqa: E402,F403

OVERLAY = "p2p.example.com"
NODE_A = "00112233445566778899aabbccddeeff"
NODE_B = "ffeeddccbbaa99887766554433221100"


def p2p(*args):
    return run([P2P_BIN, *args])


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def x509_text(path):
    r = run(["openssl", "x509", "-in", path, "-noout", "-text"])
    check(r.returncode == 0, f"openssl parses {os.path.basename(path)}")
    return r.stdout


def expect_error(args, code, text, workdir):
    before = sorted(os.listdir(workdir))
    r = p2p(*args)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(r.returncode == code, f"{' '.join(args[:2])} {text!r}: exit {r.returncode} == {code}")
    check(len(lines) == 1 and text in lines[0], f"one stderr line mentioning {text!r}: {r.stderr!r}")
    check(sorted(os.listdir(workdir)) == before, "nothing written")


def test_init(work, cadir, key_type):
    r = p2p("ca", "init", "--overlay", OVERLAY, "--dir", cadir, "--key-type", key_type)
    check(r.returncode == 0, f"ca init ({key_type}) exits 0: {r.stderr}")
    check(f"overlay: {OVERLAY}" in r.stdout, "ca init reports the overlay")
    crt, key = os.path.join(cadir, "ca.crt"), os.path.join(cadir, "ca.key")
    check(mode(key) == 0o600, "ca.key is 0600")
    check(mode(cadir) == 0o700, "CA directory is 0700")
    text = x509_text(crt)
    check(f"CN = {OVERLAY} RELOAD root" in text or f"CN={OVERLAY} RELOAD root" in text, "root CN names the overlay")
    check(re.search(r"Basic Constraints: critical\s+CA:TRUE", text) is not None, "root is CA:TRUE, critical")
    check("Certificate Sign" in text, "root has keyCertSign")
    check(f"DNS:{OVERLAY}" in text, "root records the overlay as a dNSName")


def test_issue(work, cadir, key_type):
    prefix = os.path.join(work, f"alice-{key_type}")
    r = p2p("ca", "issue", "--dir", cadir, "--user", "alice@p2p.example.com", "--node-id", NODE_A,
            "--node-id", NODE_B.upper(), "--key-type", key_type, "--days", "30", "--out", prefix)
    check(r.returncode == 0, f"ca issue ({key_type}) exits 0: {r.stderr}")
    check(f"node-id: {NODE_A}" in r.stdout and f"node-id: {NODE_B}" in r.stdout, "prints both Node-IDs")
    check("user: alice@p2p.example.com" in r.stdout, "prints the user")
    crt, key = prefix + ".crt", prefix + ".key"
    check(mode(key) == 0o600, "issued key is 0600")
    text = x509_text(crt)
    check(re.search(r"Subject:\s*\n", text) is not None, "subject DN is empty")
    check(re.search(r"Subject Alternative Name: critical", text) is not None, "SAN is critical")
    for node in (NODE_A, NODE_B):
        check(f"URI:reload://0110{node}@{OVERLAY}/" in text, f"SAN holds the reload URI of {node}")
    check(text.count("email:") == 1 and "email:alice@p2p.example.com" in text, "exactly one rfc822Name")
    check("TLS Web Server Authentication, TLS Web Client Authentication" in text, "EKU server+client")
    check("Key Encipherment" in text if key_type == "rsa" else "Key Encipherment" not in text,
          "keyUsage matches the key type")
    v = run(["openssl", "verify", "-x509_strict", "-CAfile", os.path.join(cadir, "ca.crt"), crt])
    check(v.returncode == 0 and "OK" in v.stdout, f"openssl verify -x509_strict: {v.stdout}{v.stderr}")
    # The key belongs to the certificate: sign with it, verify with the certificate.
    data = os.path.join(work, "data.bin")
    with open(data, "wb") as f:
        f.write(b"overlay||transaction_id||MessageContents||SignerIdentity")
    sig = data + f".{key_type}.sig"
    s = run(["openssl", "dgst", "-sha256", "-sign", key, "-out", sig, data])
    pub = run(["openssl", "x509", "-in", crt, "-noout", "-pubkey"])
    pubfile = os.path.join(work, f"pub-{key_type}.pem")
    with open(pubfile, "w") as f:
        f.write(pub.stdout)
    vv = run(["openssl", "dgst", "-sha256", "-verify", pubfile, "-signature", sig, data])
    check(s.returncode == 0 and vv.returncode == 0, "issued key signs, certificate verifies")

    rnd = p2p("ca", "issue", "--dir", cadir, "--user", "bob@p2p.example.com", "--key-type", key_type,
              "--out", os.path.join(work, f"bob-{key_type}"))
    ids = re.findall(r"^node-id: ([0-9a-f]{32})$", rnd.stdout, re.M)
    check(rnd.returncode == 0 and len(ids) == 1, "random Node-ID when none is given")
    check(f"reload://0110{ids[0]}@{OVERLAY}/" in x509_text(os.path.join(work, f"bob-{key_type}.crt")),
          "the printed Node-ID is the one in the certificate")


def test_errors(work, cadir):
    out = os.path.join(work, "carol")
    base = ["ca", "issue", "--dir", cadir, "--user", "carol@p2p.example.com", "--out", out]
    expect_error(["ca", "init", "--overlay", OVERLAY, "--dir", cadir], 2, "already exists", cadir)
    expect_error(["ca", "init", "--overlay", "bad overlay!", "--dir", os.path.join(work, "x")], 2,
                 "not a DNS-style name", work)
    expect_error(["ca", "init", "--dir", os.path.join(work, "x")], 2, "--overlay is required", work)
    expect_error(["ca", "issue", "--dir", cadir, "--user", "carol", "--out", out], 2, "user@domain", work)
    expect_error(base + ["--node-id", "abc"], 2, "32 hex digits", work)
    expect_error(base + ["--node-id", NODE_A + "00"], 2, "32 hex digits", work)
    expect_error(base + ["--key-type", "dsa"], 2, "--key-type", work)
    expect_error(base + ["--days", "0"], 2, "--days", work)
    expect_error(["ca", "issue", "--dir", os.path.join(work, "no-ca"), "--user", "carol@p2p.example.com",
                  "--out", out], 1, "does not exist", work)
    expect_error(["ca", "issue", "--dir", cadir, "--user", "carol@p2p.example.com",
                  "--out", os.path.join(work, "alice-rsa")], 2, "already exists", work)
    expect_error(["ca", "issue", "--dir", cadir, "--user", "carol@p2p.example.com"], 2, "--out is required", work)
    # A CA directory whose key does not match its certificate is a runtime failure.
    broken = os.path.join(work, "broken")
    os.makedirs(broken)
    other = os.path.join(work, "other-ca")
    check(p2p("ca", "init", "--overlay", OVERLAY, "--dir", other, "--key-type", "ec").returncode == 0, "second CA")
    with open(os.path.join(cadir, "ca.crt"), "rb") as src, open(os.path.join(broken, "ca.crt"), "wb") as dst:
        dst.write(src.read())
    with open(os.path.join(other, "ca.key"), "rb") as src, open(os.path.join(broken, "ca.key"), "wb") as dst:
        dst.write(src.read())
    expect_error(["ca", "issue", "--dir", broken, "--user", "carol@p2p.example.com", "--out", out], 1,
                 "does not match", work)
    v = run(["openssl", "verify", "-CAfile", os.path.join(other, "ca.crt"), os.path.join(work, "alice-rsa.crt")])
    check(v.returncode == 2 and "unable to get local issuer certificate" in v.stderr
          and "verification failed" in v.stderr,
          f"a certificate does not verify against another CA (no issuer there): {v.stderr.strip()}")
    h = p2p("ca", "issue", "--help")
    check(h.returncode == 0 and "--node-id" in h.stdout, "ca issue --help")
    h = p2p("ca", "init", "--help")
    check(h.returncode == 0 and "--overlay" in h.stdout, "ca init --help")


def main():
    if not P2P_BIN:
        fail("P2P_BIN not set")
    work = temp_dir("p2p-ca-")
    for key_type in ("rsa", "ec"):
        cadir = os.path.join(work, f"ca-{key_type}")
        test_init(work, cadir, key_type)
        test_issue(work, cadir, key_type)
    test_errors(work, os.path.join(work, "ca-rsa"))
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
