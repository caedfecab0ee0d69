"""Insider checks (issue 16, "Insiders"): the interop node holds a valid certificate of the
overlay, which must not make its answers acceptable for requests that were not for it.

RFC 6940 §6.3.4: "responses MUST be checked as follows by the requesting node: 1. The response
to a message sent to a Node-ID MUST have been sent by that Node-ID ...". The node makes a peer
send a request through it to a Node-ID that is not its own (a source-routed Attach to a
candidate neighbour, §10.6 / §6.5.1), answers it itself with a correctly signed AttachAns that
carries the request's transaction id, and watches the peer: a peer that refuses the answer
retransmits the request with the same transaction id (§6.2.1: no valid response arrived) and
never treats the forged answer as the Attach's result; a peer that accepted it sends nothing
more (its transaction is over); the peer counts the refusal
(p2psip_overlay_answers_refused_total{reason="wrong_sender"}).

Guessed transaction ids (§6.3.2: "they MUST be randomly generated"): the node sends the peer
answers with transaction ids it made up; none may complete anything, each is dropped and counted
(p2psip_overlay_answers_refused_total{reason="unmatched"}), and the peer goes on answering."""

import re
import secrets
import threading
import time

import reload_bodies as B
from harness import http_get
from reload_codec import LINK_TLS_TCP_FH_NO_ICE, node

RETRANSMIT_WAIT = 10  # the overlay-reliability-timer is 3 s; two of them and some slack
GUESSES = 32


def refused_total(peer, reason):
    """The peer's p2psip_overlay_answers_refused_total{reason}; None when not exported."""
    code, body = http_get(f"http://127.0.0.1:{peer.metrics}/metrics", timeout=2)
    m = re.search(r'^p2psip_overlay_answers_refused_total\{reason="%s"\} (\S+)$' % reason,
                  body if code == 200 else "", re.M)
    return float(m.group(1)) if m else None


def counted(peer, reason, target, timeout=10):
    """Polls the counter (the metrics are published periodically) until it reaches `target`;
    the last value read."""
    deadline = time.monotonic() + timeout
    value = refused_total(peer, reason)
    while (value is None or value < target) and time.monotonic() < deadline:
        time.sleep(0.2)
        value = refused_total(peer, reason)
    return value


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

    refused_before = refused_total(peer, "wrong_sender")
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
    if again:
        after = counted(peer, "wrong_sender", (refused_before or 0) + 1)
        if refused_before is None or after is None or after < refused_before + 1:
            return rep.add(name, section, False,
                           f"the peer refused our forged AttachAns but did not count it: "
                           f"answers_refused_total{{reason=wrong_sender}} {refused_before} -> "
                           f"{after}")
    return rep.add(name, section, bool(again),
                   f"the peer retransmitted its Attach to {fake.hex()[:8]}.. (transaction "
                   f"{first[1]:#x}) {again[0][0] - first[0]:.1f} s after our forged AttachAns: "
                   f"an answer signed by a valid certificate, but not by the Node-ID the "
                   f"request was for, was refused and counted (wrong_sender)" if again else
                   f"after our forged AttachAns (signed by us, not by {fake.hex()[:8]}.., the "
                   f"request's destination) the peer sent no retransmission of transaction "
                   f"{first[1]:#x} within {RETRANSMIT_WAIT} s: it took the forged answer as the "
                   f"Attach's result")


def step_guessed_transaction_ids(rep, n, peer):
    """PingAns with made-up transaction ids, correctly signed by the node, addressed to the
    peer: each is refused and counted as unmatched, and the peer still answers our Ping."""
    name = "guessed_transaction_id_refused"
    section = "§6.3.2, §6.3.4"
    link = n.live_link(peer.node_id)
    if link is None:
        return rep.not_run(name, section, "no link to the peer")
    before = counted(peer, "unmatched", 0)
    if before is None:
        return rep.add(name, section, False, "the peer exports no "
                       "p2psip_overlay_answers_refused_total{reason=\"unmatched\"}")
    for _ in range(GUESSES):
        msg = n.make("ping_ans", B.ping_ans(secrets.randbits(64), int(time.time() * 1000)),
                     [node(peer.node_id)], txid=secrets.randbits(64))
        link.send(msg.encode())
    after = counted(peer, "unmatched", before + GUESSES)
    alive = n.request("ping_req", B.ping_req(), [node(peer.node_id)], link=link,
                      timeout=5) is not None
    ok = after is not None and after >= before + GUESSES and alive
    return rep.add(name, section, ok,
                   f"{GUESSES} PingAns with guessed transaction ids: answers_refused_total"
                   f"{{reason=unmatched}} {before:.0f} -> {after:.0f}, the peer still answers "
                   f"a Ping" if ok else
                   f"{GUESSES} PingAns with guessed transaction ids: answers_refused_total"
                   f"{{reason=unmatched}} {before} -> {after} (want +{GUESSES}); the peer "
                   f"{'answers' if alive else 'no longer answers'} a Ping")
