"""Insiders (issue 16): a node holding a valid certificate of the overlay tries to change data it
may not. Each attempt must be refused with the RFC's error, counted in the peer's
p2psip_overlay_store_total{result=...}, and the stored data must be unchanged afterwards (a
Fetch shows it).

- replay_expired_value: a value whose lifetime, counted from its storage_time, has ended, stored
  as if new (the lifetime field is not signed, §7.1, so only storage_time dates it).
- store_signed_by_other_node: our validly signed value in a StoreReq signed by another node
  ("mallory", a second certificate of the CA): §7.3 "in a non-replica store, both the signer of
  the StoredValue and the signer of the StoreReq MUST conform to the policy".
- replica_store_from_outsider: a replica Store (replica_number 1) to peer0, a replica of the
  resource, from mallory, whose Node-ID lies beyond the replica set: §7.4.1.1 "replica StoreReqs
  MUST come from nodes which are either in the known replica set for a given resource or which
  are closer than some node in the replica set ... Error_Forbidden".
- original_store_to_non_responsible: a Store with replica_number 0 addressed to peer0's
  Node-ID, which is not responsible for the resource: §7.4.1.1 "The peer MUST check that it is
  responsible for the resource if the replica number is zero; if it is not, the peer must
  reject the request" (no code named: Error_Not_Found, as a non-responsible peer answers Find,
  §7.4.4.2, or Error_Forbidden are accepted).
"""

import re
import time

import reload_bodies as B
from harness import http_get
from interop_ring import OVERLAY, issue
from interop_storage import fetch, parse_values, registration_value, signed_stored_data
from reload_codec import KIND_SIP_REGISTRATION, node, resource, sha1_128
from reload_node import Node, now_ms

OPEN_NODES = []
MALLORY_ID = bytes.fromhex("58" + "11" * 15)  # between the interop node (50..) and peer1 (60..)


def error_code(ans):
    if ans is None or ans.name != "error":
        return None
    return B.decode_error(ans.body)[0]


describe = B.answer_name


def with_cert_of(n):
    """`raw` for Node.request: the message also carries n's certificate (the signer of the
    values it holds), so the values' signatures verify and only the StoreReq's own signer or
    sender can be what is refused (the security block's certificates are not covered by the
    message signature, §6.3.4)."""
    def encode(msg):
        msg.certificates.append((0, n.me.der))
        return msg.encode()
    return encode


def store_total(peer, result):
    code, body = http_get(f"http://127.0.0.1:{peer.metrics}/metrics", timeout=2)
    if code != 200:
        return None
    m = re.search(r'^p2psip_overlay_store_total\{[^}]*result="%s"[^}]*\} (\S+)$' % result, body,
                  re.M)
    return float(m.group(1)) if m else 0.0


def counted(peer, result, before, timeout=10):
    """The peer's store counter for `result` rose above `before` (polled: the metrics are
    refreshed from the store's statistics)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = store_total(peer, result)
        if now is not None and before is not None and now > before:
            return True
        time.sleep(0.2)
    return False


def store_body(n, user, contact, storage_time, lifetime=600, replica_number=0, generation=0):
    rid = sha1_128(user.encode())
    sd = signed_stored_data(n, rid, registration_value(n, contact), lifetime, False,
                            storage_time=storage_time)
    return B.store_req(rid, replica_number, [(KIND_SIP_REGISTRATION, generation, [sd])])


def our_values(n, user, **kw):
    ans = fetch(n, user, [n.node_id], **kw)
    if ans is None or ans.name != "fetch_ans":
        return None
    return parse_values(ans)[0]


def snapshot(values):
    """What a fetch showed of our key: (exists, storage_time, value bytes)."""
    return [(v["exists"], v["storage_time"], v["value"]) for v in values or []]


def refused(rep, name, section, ans, codes, peer, result, before, after, expect_after, what):
    counted_ok = counted(peer, result, before)
    ok = error_code(ans) in codes and counted_ok and after == expect_after
    rep.add(name, section, ok,
            f"{what}: {describe(ans)}; counted as {result}: {counted_ok}; stored data "
            f"{'unchanged' if after == expect_after else f'changed: {after} (was {expect_after})'}")


def step_replay(rep, n, user, responsible):
    """Before our registration is stored: nothing is held under our key yet."""
    before = store_total(responsible, "data_too_old")
    body = store_body(n, user, "sip:replayed@192.0.2.66", now_ms() - 600_000, lifetime=60)
    ans = n.request("store_req", body, [resource(sha1_128(user.encode()))])
    after = snapshot(our_values(n, user))
    refused(rep, "replay_expired_value", "§7.1, §7.4.1.1", ans, (9,), responsible,
            "data_too_old", before, after, [(False, 0, b"")],
            "a value signed 600 s ago with lifetime 60 s, stored now")


def open_identity(ca_dir, work, ca, n, peers, name, node_id):
    """Another identity of this code (user name@overlay, a certificate of the CA, never joins)
    with a link to each peer, kept out of routing; its frames go into n's capture."""
    cert, key = issue(ca_dir, work, name, f"{name}@{OVERLAY}", node_id)
    m = Node(OVERLAY, cert, key, ca, work, name=name, capture=n.capture)
    links = {}
    for p in peers:
        try:
            links[p.node_id] = m.connect("127.0.0.1", p.port, register=False)
        except OSError:
            pass
    return m, links


def open_mallory(ca_dir, work, ca, n, peers):
    return open_identity(ca_dir, work, ca, n, peers, "mallory", MALLORY_ID)


def step_insiders(rep, n, user, ca_dir, work, ca, peers):
    """After our registration is stored at peer2 and replicated to peer0 and us."""
    p0, _, p2 = peers
    rid = sha1_128(user.encode())
    m, links = open_mallory(ca_dir, work, ca, n, peers)
    try:
        kept = snapshot(our_values(n, user))
        if not kept or not kept[0][0]:
            for name in ("store_signed_by_other_node", "replica_store_from_outsider",
                         "original_store_to_non_responsible"):
                rep.not_run(name, "§7.3, §7.4.1.1", "our registration is not stored")
            return

        # Our own validly signed, newer value, in a StoreReq signed by mallory.
        before = store_total(p2, "forbidden")
        body = store_body(n, user, "sip:mallory@192.0.2.66", now_ms())
        link = links.get(p2.node_id)
        ans = m.request("store_req", body, [resource(rid)], link=link,
                        raw=with_cert_of(n)) if link else None
        refused(rep, "store_signed_by_other_node", "§7.3, §7.4.1.1", ans, (2,), p2, "forbidden",
                before, snapshot(our_values(n, user)), kept,
                "our value in a StoreReq signed by another node's certificate")

        # A replica Store to peer0 (a replica) from mallory, outside the replica set.
        def at_p0():
            a = m.request("fetch_req", B.fetch_req_dict(rid, KIND_SIP_REGISTRATION, [n.node_id]),
                          [node(p0.node_id)], link=links.get(p0.node_id))
            return snapshot(parse_values(a)[0]) if a is not None and a.name == "fetch_ans" \
                else describe(a)
        kept0 = at_p0()
        before = store_total(p0, "forbidden")
        body = store_body(n, user, "sip:replica@192.0.2.66", now_ms(), replica_number=1,
                          generation=99)
        link = links.get(p0.node_id)
        ans = m.request("store_req", body, [node(p0.node_id)], link=link,
                        raw=with_cert_of(n)) if link else None
        refused(rep, "replica_store_from_outsider", "§7.4.1.1", ans, (2,), p0, "forbidden",
                before, at_p0(), kept0,
                f"replica_number 1 to peer0 from Node-ID {MALLORY_ID.hex()[:8]}.. (beyond the "
                f"replica set)")

        # replica_number 0 to peer0's Node-ID: peer0 is not responsible for the resource.
        before = {r: store_total(p0, r) for r in ("not_found", "forbidden")}
        body = store_body(n, user, "sip:direct@192.0.2.66", now_ms())
        ans = n.request("store_req", body, [node(p0.node_id)])
        result = "forbidden" if error_code(ans) == 2 else "not_found"
        refused(rep, "original_store_to_non_responsible", "§7.4.1.1", ans, (3, 2), p0, result,
                before[result], at_p0(), kept0,
                "replica_number 0 addressed to peer0's Node-ID (peer2 is responsible)")
    finally:
        # Closed with the others at the end (close_nodes): closing it here, next to the
        # subprocesses the following steps start, let its link threads touch a reused fd.
        OPEN_NODES.append(m)


def close_nodes():
    while OPEN_NODES:
        OPEN_NODES.pop().close()
