"""The link and topology steps of the interop run (RFC 6940 §6.4-§6.6, §10, §11.4): TLS to the
bootstrap peer, Ping, Probe, forwarding, Attach in both roles, Join, Updates, fragments, Leave."""

import secrets
import time

import reload_bodies as B
from reload_codec import LINK_TLS_TCP_FH_NO_ICE, decode_header, id_add, node, resource

ATTACH_WAIT = 10  # s: how long a TLS connection announced by an Attach may take to appear


def answer_name(ans):
    if ans is None or ans.name != "error":
        return ans.name if ans else "none"
    code, info = B.decode_error(ans.body)
    return f"error {code} ({info.decode(errors='replace')})"


def ping(n, link, target, timeout=5, **kw):
    return n.request("ping_req", B.ping_req(kw.pop("padding", b"")), [node(target)], link=link,
                     timeout=timeout, **kw)


def step_bootstrap(rep, n, boot_peer):
    try:
        link = n.connect("127.0.0.1", boot_peer.port)
    except OSError as e:
        rep.add("tls_link_to_bootstrap", "§6.6.5, §11.4", False, f"TLS connect: {e}")
        return None
    n.default_link = link
    rep.add("tls_link_to_bootstrap", "§6.6.5, §11.4", link.peer_id == boot_peer.node_id,
            f"TLS 1.x to the bootstrap peer, its certificate chains to the CA and names Node-ID "
            f"{link.peer_id.hex() if link.peer_id else None}")
    return link


def step_ping(rep, n, link, peer):
    ans = ping(n, link, peer.node_id)
    if ans is None or ans.name != "ping_ans":
        return rep.add("ping", "§6.5.3", False, f"answer: {ans and ans.name}")
    body = B.decode_ping_ans(ans.body)
    ok = ans.signer_ids[:1] == [peer.node_id] and ans.dest == [node(n.node_id)]
    rep.add("ping", "§6.5.3, §6.2.2, §6.3.4", ok,
            f"PingAns response_id {body['response_id']:#x}, signed by {ans.signer_ids[0].hex()} "
            f"(cert_hash, alg {ans.signature.hash_alg}/{ans.signature.sig_alg}), destination "
            f"{ans.dest}, overlay field {ans.overlay:#010x} "
            f"({'low' if ans.overlay == n.overlay else 'high'} 32 bits of SHA-1 of the name)")
    return ok


def step_framing(rep, n, link):
    acked = link.wait_acked(0, 5)
    rx = link.rx_seqs[:5]
    ok = acked and rx and rx[0] == 0 and all(b == a + 1 for a, b in zip(rx, rx[1:]))
    rep.add("framing_acks", "§6.6.2", ok,
            f"our data frame 0 acked: {acked}; their data frames numbered {rx}")


def step_oversized(rep, n, peer):
    """§6.3.3.1: "Error_Message_Too_Large: A peer received a request that was too large" (see
    §6.6); the overlay's max-message-size is 5000 bytes, our peers' default (§11.1). The link
    itself is not at fault: it should carry the next message. Run on a link of its own so a
    peer closing it does not disturb the other checks."""
    link = n.connect("127.0.0.1", peer.port, register=False)
    ans = n.request("ping_req", B.ping_req(b"\0" * 5600), [node(peer.node_id)], link=link,
                    timeout=5)
    code = B.decode_error(ans.body)[0] if ans is not None and ans.name == "error" else None
    rep.add("oversized_request_error", "§6.3.3.1, §6.6", code == 11,
            f"a 5.7 kB Ping (max-message-size 5000) got {answer_name(ans)}")
    alive = not link.closed.is_set() and ping(n, link, peer.node_id) is not None
    rep.add("link_survives_oversized_request", "§6.6", alive,
            "the link carries the next Ping" if alive else "the peer closed the link")
    link.close()


def step_ttl(rep, n, link, far):
    """§6.3.2 ttl: a message with TTL 0 not destined for the receiver "MUST NOT be propagated
    further, and an Error_TTL_Exceeded error should be generated"; a TTL above initial-ttl (100)
    MUST be discarded with Error_TTL_Exceeded. Both go to a peer we are not connected to, so the
    bootstrap peer would have to forward them."""
    out = []
    for ttl in (0, 101):
        ans = n.request("ping_req", B.ping_req(), [node(far.node_id)], link=link, timeout=5,
                        ttl=ttl)
        code = B.decode_error(ans.body)[0] if ans is not None and ans.name == "error" else None
        out.append((ttl, answer_name(ans), code))
    rep.add("ttl_exceeded", "§6.3.2", all(c == 10 for _, _, c in out),
            f"Pings with TTL 0 and 101 to an unconnected peer: {[(t, a) for t, a, _ in out]}")


def open_silent_link(n, peer):
    """A second TLS link to a peer on which we send one Ping and afterwards nothing but ACKs
    and answers to what the peer sends: a conformant, silent peer (§6.6.2: the receiver's job
    is to ACK; §6.6.5: failure is judged from the RTO of data the peer sent us)."""
    link = n.connect("127.0.0.1", peer.port, register=False)
    ok = ping(n, link, peer.node_id) is not None
    link.quiet_since = time.monotonic()
    link.quiet_seq = link.next_seq
    return link if ok else None


def step_silent_link(rep, n, link, quiet=40):
    """The silent link is still up after `quiet` s without data from us (a duration the check
    itself needs, not a synchronisation sleep)."""
    if link is None:
        return rep.not_run("silent_link_kept", "§6.6.5, §6.6.2", "the silent link did not open")
    while time.monotonic() - link.quiet_since < quiet and not link.closed.is_set():
        time.sleep(0.5)
    sent = link.next_seq - link.quiet_seq
    rep.add("silent_link_kept", "§6.6.5, §6.6.2", not link.closed.is_set(),
            f"{time.monotonic() - link.quiet_since:.0f} s in which we sent {sent} data frame(s) "
            f"(answers to the peer's requests); the link is "
            + ("up" if not link.closed.is_set() else
               f"closed by the peer after {link.closed_at - link.quiet_since:.0f} s of our silence"))


def step_probe(rep, n, link, peer, ring):
    ans = n.request("probe_req", B.probe_req([1, 2, 3]), [node(peer.node_id)], link=link, timeout=5)
    if ans is None or ans.name != "probe_ans":
        return rep.add("probe", "§6.4.2.5", False, f"answer: {ans and ans.name}")
    info = B.decode_probe_ans(ans.body)
    # responsible_ppb: "the fraction of the overlay for which the responding peer is
    # responsible, in parts per billion": (pred, peer] of the 3-peer ring.
    pred = max((p for p in ring if p < peer.node_id), default=max(ring))
    span = (int.from_bytes(peer.node_id, "big") - int.from_bytes(pred, "big")) % (1 << 128)
    want = span * 10**9 // (1 << 128)
    rep.add("probe", "§6.4.2.5", set(info) == {1, 2, 3} and abs(info[1] - want) <= 1,
            f"ProbeAns responsible_ppb {info.get(1)} (the ring says {want}), num_resources "
            f"{info.get(2)}, uptime {info.get(3)}")


def step_forward_unknown(rep, n, link, peer, last_id):
    """§6.1.1: a Node-ID destination the receiver is responsible for, that is neither itself nor
    a node connected to it, MUST be dropped silently. last_id+2^90 falls in the bootstrap
    peer's range (the ring's first peer holds (last, first])."""
    target = id_add(last_id, 1 << 90)
    ans = n.request("ping_req", B.ping_req(), [node(target)], link=link, timeout=3)
    control = ping(n, link, peer.node_id)
    detail = (f"Ping to absent Node-ID {target.hex()} answered by "
              f"{ans.signer_ids[0].hex() if ans and ans.signer_ids else None} ({ans.name})"
              if ans else "Ping to an absent Node-ID dropped")
    rep.add("drop_unconnected_node_id", "§6.1.1", ans is None and control is not None, detail)


def attach_to(rep, n, name, section, link, dest, expect_id, send_update=False):
    """We are the Attach requester: we say passive and are the TLS server (§6.5.1.1,
    §6.5.1.13); the answerer says active and connects to our candidate. Returns a link to the
    answerer (when the answerer waits instead, we connect to its candidate so the run goes on)."""
    host, port = n.listen_addr
    before = set(id(x) for x in n.all_links)
    body = B.attach_req_ans(secrets.token_hex(4).encode(), secrets.token_hex(8).encode(),
                            b"passive", [B.ice_candidate(host, port, LINK_TLS_TCP_FH_NO_ICE)],
                            send_update)
    ans = n.request("attach_req", body, dest, link=link, timeout=10)
    if ans is None or ans.name != "attach_ans":
        rep.add(name + "_answer_role", section, False, f"answer: {ans and ans.name}")
        return None
    att = B.decode_attach(ans.body)
    signer = ans.signer_ids[0] if ans.signer_ids else None
    rep.add(name + "_answer_role", "§6.5.1.1", att["role"] == "active" and signer == expect_id,
            f"AttachAns from {signer.hex() if signer else None} says role {att['role']!r}, "
            f"{len(att['candidates'])} candidate(s)")
    new = n.wait_link(lambda x: id(x) not in before and x.role == "server"
                      and x.peer_id == expect_id, ATTACH_WAIT)
    rep.add(name + "_answerer_connects", "§6.5.1.13", new is not None,
            "the answerer opened TLS to our candidate (we, the requester, are the TLS server)"
            if new else f"no TLS connection from {expect_id.hex()} within {ATTACH_WAIT} s")
    if new is None:
        for c in att["candidates"]:  # go on with the other reading so later checks still run
            if c["overlay_link"] == LINK_TLS_TCP_FH_NO_ICE and c["ip"]:
                try:
                    new = n.connect(c["ip"], c["port"])
                    break
                except OSError:
                    pass
    return new


def step_attach_ap(rep, n, boot, ap):
    """§11.4/§10.5: Attach to Resource-ID (our Node-ID + 1) through the bootstrap link; the
    admitting peer answers; send_update asks it for an Update after the connection (§6.4.2.3)."""
    link = attach_to(rep, n, "attach_to_admitting_peer", "§6.5.1, §11.4", boot,
                     [resource(id_add(n.node_id, 1))], ap.node_id, send_update=True)
    if link is None:
        return None
    got = n.wait_inbound(lambda l, m: m.name == "update_req" and m.signer_ids[:1] == [ap.node_id],
                         ATTACH_WAIT)
    rep.add("update_after_send_update_attach", "§6.4.2.3", got is not None,
            "the admitting peer sent an Update after the Attach with send_update" if got
            else f"no Update from the admitting peer within {ATTACH_WAIT} s")
    return link


def step_join(rep, n, link, ap):
    since = time.monotonic()  # the AP may send its Update before its JoinAns reaches us
    ans = n.request("join_req", B.join_req(n.node_id), [node(ap.node_id)], link=link, timeout=10)
    ok = ans is not None and ans.name == "join_ans" and ans.signer_ids[:1] == [ap.node_id]
    rep.add("join", "§6.4.2.1, §10.5", ok, f"answer {ans and ans.name}")
    if not ok:
        return False
    n.joined = True

    def labels_us(l, m):
        return (m.name == "update_req" and m.signer_ids[:1] == [ap.node_id]
                and n.node_id in m.update["predecessors"] and m.arrived >= since)
    got = n.wait_inbound(labels_us, 10)
    rep.add("join_update_names_predecessor", "§10.5 step 7", got is not None,
            "the admitting peer's Update lists us among its predecessors" if got
            else "no Update from the admitting peer naming us its predecessor within 10 s")
    return True


def step_updates_after_join(rep, n, peers, since):
    """§10.7.3 (and §6.4.2.3): a peer whose Neighbor Table changed MUST send an Update to each
    member of its Connection Table. Our join changes all three peers' neighbour sets (a 4-node
    ring: everyone is everyone's neighbour), and each has a connection to us."""
    def from_(p):
        return n.wait_inbound(lambda l, m: m.name == "update_req" and m.arrived >= since
                              and m.signer_ids[:1] == [p.node_id], 0.01)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(from_(p) for p in peers):
        time.sleep(0.1)
    got = [p.name for p in peers if from_(p)]
    rep.add("update_from_every_connected_peer", "§10.7.3, §6.4.2.3", len(got) == len(peers),
            f"Updates after our Join came from {got} of {[p.name for p in peers]}")


def step_attach_from_peers(rep, n, others):
    """§10.7.3: peers that learn of a closer neighbour from an Update MUST Attach to it. Their
    Attach request must say passive (they are the TLS server) and we, answering active, open
    the connection (§6.5.1.1, §6.5.1.13)."""
    got = n.wait_inbound(lambda l, m: m.name == "attach_req"
                         and m.signer_ids[:1] in ([o.node_id] for o in others), 15)
    rep.add("peer_attaches_after_join", "§10.7.3", got is not None,
            f"{got[1].signer_ids[0].hex()} Attached to us after learning of us from an Update"
            if got else "no peer sent us an Attach within 15 s of joining")
    if got is None:
        rep.not_run("attach_from_peer_role", "§6.5.1.1", "no Attach received")
        rep.not_run("attach_from_peer_tls_client", "§6.5.1.13", "no Attach received")
        return
    _, req = got
    role = req.attach["role"]
    rep.add("attach_from_peer_role", "§6.5.1.1", role == "passive",
            f"{req.signer_ids[0].hex()} sent an Attach saying role {role!r}")
    deadline = time.monotonic() + ATTACH_WAIT
    while time.monotonic() < deadline and not (hasattr(req, "attach_link")
                                               or hasattr(req, "attach_error")):
        time.sleep(0.05)
    link = getattr(req, "attach_link", None)
    ok = link is not None and link.peer_id == req.signer_ids[0]
    if ok:
        detail = "we (the answerer, active) connected to its candidate as TLS client"
    elif role != "passive":
        theirs = n.wait_link(lambda x: x.role == "server" and x.peer_id == req.signer_ids[0], 5)
        detail = ("not attempted: the requester said it is active"
                  + (" and opened the TLS connection to our candidate itself" if theirs else ""))
    else:
        detail = f"our TLS connection to its candidate failed: {getattr(req, 'attach_error', '?')}"
    rep.add("attach_from_peer_tls_client", "§6.5.1.13", ok, detail)


def step_connect_neighbors(rep, n, ap_link, peers):
    """§10.5 step 3: Attach to every neighbour not yet connected (routed through the AP)."""
    for p in peers:
        if n.live_link(p.node_id):
            continue
        attach_to(rep, n, f"attach_to_{p.name}", "§6.5.1, §10.5", ap_link, [node(p.node_id)],
                  p.node_id)


def step_updates(rep, n, peers):
    answered = []
    for p in peers:
        link = n.live_link(p.node_id)
        ans = n.send_update(link) if link else None
        answered.append((p.name, ans.name if ans else None))
    rep.add("update_answered", "§6.4.2.3, §10.7", all(a == "update_ans" for _, a in answered),
            f"UpdateAns to our Update: {answered}")


def fragmented(msg_bytes, parts):
    """§6.7: the same forwarding header on each fragment (fragment field: high bit, last bit,
    24-bit offset of the data after the header; length: the fragment's size)."""
    _, off = decode_header(msg_bytes)
    head, rest = msg_bytes[:off], msg_bytes[off:]
    size = -(-len(rest) // parts)
    out = []
    for i in range(parts):
        chunk = rest[i * size:(i + 1) * size]
        frag = 0x80000000 | (0x40000000 if i == parts - 1 else 0) | (i * size)
        h = bytearray(head)
        h[12:16] = frag.to_bytes(4, "big")
        h[16:20] = (len(head) + len(chunk)).to_bytes(4, "big")
        out.append(bytes(h) + chunk)
    return out


def step_fragments(rep, n, link, peer):
    """§6.7: a message in two fragments (each >= 256 bytes of body) is reassembled by its
    destination and answered."""
    sent = []

    def send_in_two(msg):
        frags = fragmented(msg.encode(), 2)
        sent.extend(frags)
        return frags
    msg = n.make("ping_req", B.ping_req(b"\0" * 700), [node(peer.node_id)])
    with n.lock:
        n.pending[msg.txid] = [None]
    for f in send_in_two(msg):
        link.send(f)
    ans = n.wait_answer(msg.txid, 5)
    rep.add("fragmented_request_reassembled", "§6.7", ans is not None and ans.name == "ping_ans",
            f"a Ping in {len(sent)} fragments of {[len(f) for f in sent]} bytes: "
            f"answer {answer_name(ans)}")
    alive = ping(n, link, peer.node_id) is not None
    rep.add("link_survives_fragments", "§6.7, §6.6", alive,
            "the link still carries a Ping afterwards" if alive else "the link is gone")


def step_leave(rep, n, peers, ids_after):
    """§6.4.2.2/§10.9: Leave to every neighbour, ChordLeaveData from_succ to predecessors (with
    our successors) and from_pred to successors (with our predecessors)."""
    preds = [p for p in peers if p.node_id < n.node_id]
    answers = []
    for p in peers:
        link = n.live_link(p.node_id)
        if not link:
            answers.append((p.name, "no link"))
            continue
        if p in preds:
            body = B.leave_req(n.node_id, B.FROM_SUCC, n.successors(3))
        else:
            body = B.leave_req(n.node_id, B.FROM_PRED, [x.node_id for x in preds])
        ans = n.request("leave_req", body, [node(p.node_id)], link=link, timeout=5)
        answers.append((p.name, ans.name if ans else None))
    rep.add("leave_answered", "§6.4.2.2, §10.9", all(a == "leave_ans" for _, a in answers),
            f"LeaveAns: {answers}")
