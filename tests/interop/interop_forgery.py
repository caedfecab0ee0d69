"""Insider checks (issue 16, "Insiders"): the interop node holds a valid certificate of the
overlay, which must not make its answers acceptable for requests that were not for it.

RFC 6940 §6.3.4: "responses MUST be checked as follows by the requesting node: 1. The response
to a message sent to a Node-ID MUST have been sent by that Node-ID ...". The node makes a peer
send a request through it to a Node-ID that is not its own (a source-routed Attach to a
candidate neighbour, §10.6 / §6.5.1), answers it itself with a correctly signed AttachAns that
carries the request's transaction id, and watches the peer: a peer that refuses the answer
retransmits the request with the same transaction id (§6.2.1: no valid response arrived) and
never treats the forged answer as the Attach's result; a peer that accepted it sends nothing
more (its transaction is over)."""

import secrets
import threading
import time

import reload_bodies as B
from reload_codec import LINK_TLS_TCP_FH_NO_ICE, node

RETRANSMIT_WAIT = 10  # the overlay-reliability-timer is 3 s; two of them and some slack


def _fake_neighbor(peer_id):
    """A Node-ID just clockwise of the peer that no node holds: a would-be successor."""
    base = int.from_bytes(peer_id, "big")
    return ((base + (1 << 100) + secrets.randbits(96)) % (1 << 128)).to_bytes(16, "big")


def step_forged_answer(rep, n, peer):
    """The peer (connected to the node, which has sent it Updates) hears from the node's Update
    of a candidate `fake`; it Attaches to it source-routed through the node. The node answers
    that Attach itself and counts the peer's transmissions of the same transaction."""
    name = "forged_answer_refused"
    section = "§6.3.4, §6.2.1"
    link = n.live_link(peer.node_id)
    if link is None:
        return rep.not_run(name, section, "no link to the peer")
    fake = _fake_neighbor(peer.node_id)
    seen = []  # (monotonic time, txid) of each Attach to `fake` the peer sent through us
    cv = threading.Condition()
    original = n._forward

    def intercept(in_link, msg):
        if msg.name == "attach_req" and msg.dest and msg.dest[0] == node(fake):
            with cv:
                seen.append((time.monotonic(), msg.txid))
                first = len(seen) == 1
                cv.notify_all()
            if first:  # forge: our own valid signature, the request's transaction id
                host, port = n.listen_addr
                cand = B.ice_candidate(host, port, LINK_TLS_TCP_FH_NO_ICE)
                n.answer(in_link, msg, "attach_ans",
                         B.attach_req_ans(b"", b"", b"active", [cand], False))
            return  # never forwarded: `fake` does not exist
        original(in_link, msg)

    n._forward = intercept
    try:
        body = B.chord_update(int(time.monotonic() - n.start), B.CHORD_NEIGHBORS, [], [fake])
        ans = n.request("update_req", body, [node(peer.node_id)], link=link, timeout=10)
        deadline = time.monotonic() + RETRANSMIT_WAIT
        with cv:
            while not seen and time.monotonic() < deadline:
                cv.wait(0.2)
            first = seen[0] if seen else None
            while first and time.monotonic() < deadline and \
                    not any(t == first[1] for _, t in seen[1:]):
                cv.wait(0.2)
            again = [s for s in seen[1:] if first and s[1] == first[1]]
    finally:
        n._forward = original
    if ans is None or first is None:
        what = "did not answer our Update" if ans is None else \
            "sent no Attach to the candidate through us"
        return rep.not_run(name, section, f"the peer {what} within {RETRANSMIT_WAIT} s")
    return rep.add(name, section, bool(again),
                   f"the peer retransmitted its Attach to {fake.hex()[:8]}.. (transaction "
                   f"{first[1]:#x}) {again[0][0] - first[0]:.1f} s after our forged AttachAns: "
                   f"an answer signed by a valid certificate, but not by the Node-ID the "
                   f"request was for, was refused" if again else
                   f"after our forged AttachAns (signed by us, not by {fake.hex()[:8]}.., the "
                   f"request's destination) the peer sent no retransmission of transaction "
                   f"{first[1]:#x} within {RETRANSMIT_WAIT} s: it took the forged answer as the "
                   f"Attach's result")
