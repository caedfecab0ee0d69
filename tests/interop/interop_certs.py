"""The Certificate Store Usage (RFC 6940 §8) and signatures that name a certificate without
carrying it (§6.3.4: "In systems that have an alternative certificate distribution mechanism,
some certificates MAY be omitted").

- peer_certificate_by_node / peer_certificate_by_user: every peer stores its own certificate
  ("A user/node MUST store its certificate at Resource-IDs derived from two Resource Names: the
  user name in the certificate, the Node-ID in the certificate"); the node fetches peer1's from
  both arrays and checks the bytes and the stored-data signature.
- store_certificate_by_node / fetch_certificate_by_node: "carol", a certificate of the CA that
  never joins, stores hers at H(her Node-ID) (array, NODE-MATCH, appended at index 0xffffffff)
  and the node fetches it back.
- certificate_by_node_of_another_node: carol storing at H(dave's Node-ID) is refused (§7.3.2).
- cert_hash_without_certificate: carol Pings peer0 (one of the replicas of her certificate,
  never sent a message signed by her) with a cert_hash identity and no certificate in the
  security block: peer0 verifies it from the certificate it holds and answers.
- unknown_signer_without_certificate: the same from "dave", whose certificate peer0 has never
  seen nor holds: Error_Forbidden (the message cannot be verified; our peers do not Fetch a
  missing certificate, the RFC leaves that open).
"""

import time

from cryptography import x509
from cryptography.hazmat.primitives import serialization

import reload_bodies as B
import interop_adversary as A
from interop_adversary import OPEN_NODES, describe, error_code
from interop_ring import OVERLAY, PEER_IDS
from interop_storage import data_signature_input
from reload_codec import (ARRAY_APPEND, KIND_CERTIFICATE_BY_NODE, KIND_CERTIFICATE_BY_USER, node,
                          resource, sha1_128, u32)
from reload_node import now_ms


def pick_node_id(prefix, lo, hi):
    """A Node-ID starting with `prefix` whose H(Node-ID) (§8: "not stored at its Node-ID but
    rather at a hash of its Node-ID") falls in (lo, hi]."""
    a, b = int.from_bytes(lo, "big"), int.from_bytes(hi, "big")
    for i in range(100000):
        nid = prefix + i.to_bytes(16 - len(prefix), "big")
        if a < int.from_bytes(sha1_128(nid), "big") <= b:
            return nid
    raise RuntimeError("no Node-ID in range")


def signed_certificate(ident, rid, kind, lifetime=600):
    """A StoredData holding ident's DER certificate as an array entry appended at the end
    (§7.4.1.1); the signature covers index 0 (§7.4.2.2: "the index value in the array is set to
    zero before the signature is computed")."""
    st = now_ms()
    value = B.array_entry(ARRAY_APPEND, True, ident.der)
    zeroed = u32(0) + value[4:]
    sig = ident.signature_over(lambda i: data_signature_input(rid, kind, st, zeroed, i, False))
    return B.stored_data(st, lifetime, value, sig)


def fetch_array(n, rid, kind, **kw):
    body = B.fetch_req_array(rid, kind, [(0, 0xFFFFFFFF)])
    return n.request("fetch_req", body, [resource(rid)], **kw)


def certificate_in(n, ans, rid, kind, der):
    """(index, signer node ids) of the entry of a FetchAns holding `der` whose signature
    verifies, or None."""
    if ans is None or ans.name != "fetch_ans":
        return None
    for k in B.decode_fetch_ans(ans.body):
        for v in k["values"] if k["kind"] == kind else []:
            if not v["exists"] or v["value"] != der:
                continue
            n.verifier.learn([(0, v["value"])])
            zeroed = u32(0) + v["value_bytes"][4:]
            data = data_signature_input(rid, kind, v["storage_time"], zeroed,
                                        v["signature"].identity_bytes(), False)
            ok, nodes, _ = n.verifier.verify(v["signature"], data)
            if ok:
                return v["index"], nodes
    return None


def peer_der(work, name):
    with open(f"{work}/{name}.crt", "rb") as f:
        return x509.load_pem_x509_certificate(f.read()).public_bytes(serialization.Encoding.DER)


def step_peer_certificates(rep, n, work, peer):
    """The peer stored its certificate once joined (the ring formed long ago): poll briefly."""
    der = peer_der(work, peer.name)
    for check, kind, rid, what in (
            ("peer_certificate_by_node", KIND_CERTIFICATE_BY_NODE, sha1_128(peer.node_id),
             f"H(Node-ID {peer.node_id.hex()[:8]}..)"),
            ("peer_certificate_by_user", KIND_CERTIFICATE_BY_USER,
             sha1_128(f"{peer.name}@{OVERLAY}".encode()), f"H({peer.name}@{OVERLAY})")):
        deadline, got, ans = time.monotonic() + 20, None, None
        while got is None and time.monotonic() < deadline:
            ans = fetch_array(n, rid, kind)
            got = certificate_in(n, ans, rid, kind, der)
            if got is None:
                time.sleep(0.5)
        rep.add(check, "§8, §7.4.2", got is not None and got[1] == [peer.node_id],
                f"kind {kind} at {what}: {peer.name}'s certificate at index {got[0]}, signed by "
                f"{got[1][0].hex()[:8]}.." if got else
                f"kind {kind} at {what}: no entry with {peer.name}'s certificate and a valid "
                f"signature ({describe(ans)})")


def open_identity(ca_dir, work, ca, n, name, node_id, peers):
    m, links = A.open_identity(ca_dir, work, ca, n, peers, name, node_id)
    # A peer Pings a link that stayed silent for 10 s (§6.6.5); an answer carrying the
    # certificate would teach it that way ("seen"), and these checks are about the certificate
    # it stores.
    m.answer_certificates = False
    OPEN_NODES.append(m)  # closed with the others at the end (interop_adversary.close_nodes)
    return m, links


def without_certificates(msg):
    """`raw` for Node.request: the security block carries no certificate (they are not covered
    by the message signature, §6.3.4)."""
    msg.certificates = []
    return msg.encode()


def step_certificate_store(rep, n, ca_dir, work, ca, peers):
    p0, _, p2 = peers
    # H(carol) in (peer1, peer2]: peer2 is responsible, peer0 and the node are its replicas.
    carol_id = pick_node_id(bytes.fromhex("c3"), PEER_IDS[1], PEER_IDS[2])
    dave_id = pick_node_id(bytes.fromhex("d4"), PEER_IDS[1], PEER_IDS[2])
    carol, links = open_identity(ca_dir, work, ca, n, "carol", carol_id, peers)
    dave, dlinks = open_identity(ca_dir, work, ca, n, "dave", dave_id, peers)
    rid = sha1_128(carol_id)
    since = time.monotonic()
    body = B.store_req(rid, 0, [(KIND_CERTIFICATE_BY_NODE, 0,
                                 [signed_certificate(carol.me, rid, KIND_CERTIFICATE_BY_NODE)])])
    ans = carol.request("store_req", body, [resource(rid)], link=links.get(p2.node_id))
    kinds = B.decode_store_ans(ans.body) if ans is not None and ans.name == "store_ans" else []
    rep.add("store_certificate_by_node", "§8, §7.3.2, §7.4.1", len(kinds) == 1
            and kinds[0]["kind"] == KIND_CERTIFICATE_BY_NODE,
            f"carol's certificate (kind 3, array, appended) at H(her Node-ID) through peer2: "
            f"{describe(ans)}")
    got = certificate_in(n, fetch_array(n, rid, KIND_CERTIFICATE_BY_NODE), rid,
                         KIND_CERTIFICATE_BY_NODE, carol.me.der)
    rep.add("fetch_certificate_by_node", "§8, §7.4.2, §7.4.2.2", got is not None
            and got[0] == 0 and got[1] == [carol_id],
            f"the array holds carol's certificate at index {got[0]}, signed by her" if got else
            "no entry with carol's certificate and a valid signature")

    other = sha1_128(dave_id)
    body = B.store_req(other, 0, [(KIND_CERTIFICATE_BY_NODE, 0,
                                   [signed_certificate(carol.me, other, KIND_CERTIFICATE_BY_NODE)])])
    ans = carol.request("store_req", body, [resource(other)], link=links.get(p2.node_id))
    rep.add("certificate_by_node_of_another_node", "§7.3.2, §8", error_code(ans) == 2,
            f"carol's certificate at H(dave's Node-ID): {describe(ans)}")

    # peer0 holds carol's certificate once peer2's replica Store reached it; the node is the
    # other replica, so its own copy tells when the replicas went out.
    n.wait_inbound(lambda l, m: m.name == "store_req" and m.store["resource"] == rid
                   and m.arrived >= since, 10)
    deadline, ans = time.monotonic() + 10, None
    while time.monotonic() < deadline:
        ans = carol.request("ping_req", B.ping_req(), [node(p0.node_id)],
                            link=links.get(p0.node_id), raw=without_certificates, timeout=5)
        if ans is not None and ans.name == "ping_ans":
            break
        time.sleep(0.3)
    rep.add("cert_hash_without_certificate", "§6.3.4, §8", ans is not None
            and ans.name == "ping_ans" and ans.signer_ids[:1] == [p0.node_id],
            f"carol's Ping to peer0 (a replica of her certificate), cert_hash identity, no "
            f"certificate in the block: {describe(ans)}")
    ans = dave.request("ping_req", B.ping_req(), [node(p0.node_id)], link=dlinks.get(p0.node_id),
                       raw=without_certificates, timeout=5)
    rep.add("unknown_signer_without_certificate", "§6.3.4", error_code(ans) == 2,
            f"dave's Ping to peer0 (his certificate neither seen nor stored), no certificate in "
            f"the block: {describe(ans)}")
