"""Issue 17: a running node learns a kind change (RFC 6940 §6.5.4: "If the update is acceptable,
then the node MUST reconfigure itself to match the new information").

An enrollment server serves sequence 1; alice and bob enroll and alice runs `p2psip peer` with her
document. The test then makes sequence 2 as the overlay's configuration-signer would (the
server's DIR/config-signer key): SIP-REGISTRATION's max-count 16 -> 1, the kind-signature and
the document signature made again. The server is stopped (alice cannot fetch); bob starts with
sequence 2 and joins through alice: alice answers Error_Config_Too_New, bob sends her the document
by ConfigUpdate (§6.5.4: a node that detects old configuration data MUST), she runs sequence 2
and applies the changed kind to her store (her log names the new max-count). A document whose kind
was changed without a new kind-signature is refused (a second run with a forged sequence 3)."""

import base64
import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F403
from test_config_sequence import Peer, wait_joined  # noqa: E402
from test_enroll import OVERLAY, enroll, p2p, start_server  # noqa: E402

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
except ImportError:  # pragma: no cover
    print("SKIP: python3-cryptography missing")
    sys.exit(77)


def resign(block_b64, blob, key):
    """The SecurityBlock `block_b64` (base64) with a new signature_value over `blob`: the
    certificates, algorithm and SignerIdentity stay (RFC 6940 §6.3.4 layout, the value last)."""
    b = base64.b64decode(block_b64)
    at = 2 + struct.unpack(">H", b[:2])[0]   # certificates<0..2^16-1>
    at += 2                                  # SignatureAndHashAlgorithm
    at += 3 + struct.unpack(">H", b[at + 1:at + 3])[0]  # SignerIdentity: type, length, body
    value = key.sign(blob.encode(), ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(b[:at] + struct.pack(">H", len(value)) + value).decode()


def changed_document(text, key, sequence, max_count, sign_kind=True):
    """`text` with SIP-REGISTRATION's max-count changed and the given sequence, signed again."""
    kind = re.search(r'<kind name="SIP-REGISTRATION">.*?</kind>', text, re.S).group(0)
    new_kind = re.sub(r"<max-count>\d+</max-count>", f"<max-count>{max_count}</max-count>", kind)
    check(new_kind != kind, "the SIP-REGISTRATION kind has a max-count")
    text = text.replace(kind, new_kind)
    if sign_kind:
        sig = re.search(re.escape(new_kind) + r"\s*<kind-signature>(.*?)</kind-signature>", text, re.S)
        text = text.replace(sig.group(1), resign(sig.group(1).strip(), new_kind, key))
    text = re.sub(r'sequence="\d+"', f'sequence="{sequence}"', text, count=1)
    conf = re.search(r"<configuration .*?</configuration>", text, re.S).group(0)
    sig = re.search(r"</configuration>\s*<signature>(.*?)</signature>", text, re.S)
    return text.replace(sig.group(1), resign(sig.group(1).strip(), conf, key))


def main():
    require_tools("curl", "openssl")
    work = temp_dir("p2p-kind-update-")
    cadir = os.path.join(work, "ca")
    check(p2p("ca", "init", "--overlay", OVERLAY, "--dir", cadir, "--key-type", "ec").returncode == 0, "ca init")
    users = os.path.join(work, "users")
    open(users, "w").write("alice pw1\nbob pw2\ncarol pw3\n")
    alice = Peer(work, "alice")
    srv, _, url, fingerprint = start_server(work, cadir, users, alice.port, free_port())
    for name, pw in (("alice", "pw1"), ("bob", "pw2"), ("carol", "pw3")):
        r = enroll(work, url, name, pw, name, ["--enroll-fingerprint", fingerprint])
        check(r.returncode == 0, f"{name} enrolls: {r.stderr}")
    check(srv.stop() == 0, "the enrollment server stops (no fetch: alice must take the ConfigUpdate)")
    alice.start()
    wait_joined([alice])
    check(alice.sequence() == 1, f"alice runs sequence 1 ({alice.sequence()})")
    check("kind SIP-REGISTRATION (id 1): max-count 16" in alice.proc.stderr(),
          "alice's store takes the document's SIP-REGISTRATION kind (max-count 16)")

    key = serialization.load_pem_private_key(open(os.path.join(cadir, "config-signer.key"), "rb").read(), None)
    doc1 = open(os.path.join(work, "bob", "reload-config.xml")).read()
    open(os.path.join(work, "bob", "reload-config.xml"), "w").write(changed_document(doc1, key, 2, 1))
    # carol's document: the kind changed but its kind-signature not made again (sequence 3).
    open(os.path.join(work, "carol", "reload-config.xml"), "w").write(
        changed_document(doc1, key, 3, 2, sign_kind=False))
    bob = Peer(work, "bob", alice).start()
    wait_until(lambda: alice.sequence() == 2 or not alice.proc.alive(), 60, "alice gets sequence 2")
    check(alice.sequence() == 2, f"alice runs sequence 2 ({alice.sequence()}): {alice.proc.stderr()[-1500:]}")
    wait_until(lambda: "kind SIP-REGISTRATION (id 1): max-count 1," in alice.proc.stderr(), 10,
               "alice applies the changed kind")
    check(re.search(r"kind SIP-REGISTRATION \(id 1\): max-count 1, max-size \d+ from a ConfigUpdate",
                    alice.proc.stderr()) is not None,
          f"alice's store runs SIP-REGISTRATION max-count 1, from the ConfigUpdate: {alice.proc.stderr()[-1500:]}")
    wait_joined([bob])

    carol = Peer(work, "carol", alice)
    r = run(carol.args(), timeout=30)
    check(r.returncode != 0 and "kind SIP-REGISTRATION" in r.stderr,
          f"a document with an unsigned kind change is refused ({r.returncode}: {r.stderr.strip()[-400:]})")
    check(alice.sequence() == 2, "alice still runs sequence 2")
    bob.proc.stop()
    check(alice.proc.stop() == 0, "alice exits 0")
    finish()


if __name__ == "__main__":
    main()
