"""An independent RELOAD peer (RFC 6940, CHORD-RELOAD, TLS-TCP-FH-NO-ICE) for interop tests:
links, symmetric recursive routing of its own requests (§6.2), answers to the requests other
peers send it, a tiny store. Written from the RFC; it keeps what it saw for the checks."""

import os
import secrets
import socket
import ssl
import threading
import time

import reload_bodies as B
from reload_codec import (ARRAY_APPEND, CODES, INITIAL_TTL, KIND_MODELS, LINK_TLS_TCP_FH_NO_ICE,
                          MODEL_ARRAY, DecodeError, Message, Reader, decode_header, decode_message,
                          node, overlay_hash, overlay_hash_alt, u32)
from reload_link import Capture, Link, connect, tls_contexts
from reload_security import Identity, Verifier, empty_signature


DEBUG = bool(os.environ.get("INTEROP_DEBUG"))


def now_ms():
    return int(time.time() * 1000)


def between(x, a, b):
    """x in (a, b] on the ring (§10.1 responsibility; all math modulo 2^128)."""
    x, a, b = (int.from_bytes(v, "big") for v in (x, a, b))
    if a < b:
        return a < x <= b
    return x > a or x <= b


class Node:
    def __init__(self, overlay, cert, key, ca, workdir, listen_host="127.0.0.1", name="interop",
                 capture=None):
        self.overlay_name = overlay
        self.overlay = overlay_hash(overlay)
        self.overlay_ok = {self.overlay, overlay_hash_alt(overlay)}
        self.me = Identity(cert, key)
        self.node_id = self.me.node_id
        self.verifier = Verifier(ca)
        self.verifier.learn([(0, self.me.der)])
        self.server_ctx, self.client_ctx = tls_contexts(
            cert, key, ca, keylog=os.path.join(workdir, f"{name}-node.keys"))
        self.name = name
        self.capture = capture or Capture()
        self.links = {}            # peer node id -> Link (the newest)
        self.all_links = []
        self.lock = threading.Lock()
        self.cv = threading.Condition(self.lock)
        self.pending = {}          # txid -> [Message or None]
        self.inbound = []          # (link, Message) of every request received
        self.errors = []           # decode or signature problems with peers' messages
        self.known = set()         # Node-IDs learned from Updates (the ring as we see it)
        self.store = {}            # (resource, kind) -> {dict key: StoredData bytes}
        self.generation = {}
        self.joined = False
        self.forwarded = []        # (time, previous hop, name) of requests routed through us
        self.update_sent_at = {}   # peer -> when we first sent it an Update
        self.default_link = None
        self.start = time.monotonic()
        self.config_seq = 0
        self.attach_role_answer = "active"   # §6.5.1.1: the answerer says active
        self.answer_certificates = True      # False: our answers carry no certificate
        self.listener = socket.socket()
        self.listener.bind((listen_host, 0))
        self.listener.listen(16)
        self.listen_addr = self.listener.getsockname()
        self.link_count = 0
        threading.Thread(target=self._accept_loop, daemon=True).start()
        self.stopping = threading.Event()
        threading.Thread(target=self._keepalive_loop, daemon=True).start()

    # ---- links -------------------------------------------------------------------------------

    def _label(self, role):
        with self.lock:
            self.link_count += 1
            return f"{self.name}-{role}{self.link_count}"

    def _add_link(self, tls, role, register=True):
        link = Link(tls, role, self._on_message, self.capture, self._label(role))
        with self.cv:
            self.all_links.append(link)
            if link.peer_id and register:
                self.links[link.peer_id] = link
            self.cv.notify_all()
        return link

    def _accept_loop(self):
        while True:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            try:
                raw.settimeout(10)
                tls = self.server_ctx.wrap_socket(raw, server_side=True)
                tls.settimeout(None)
                self._add_link(tls, "server")
            except (OSError, ssl.SSLError, ValueError):
                raw.close()

    def _keepalive_loop(self, interval=10):
        """Pings the peer of every link we route over (CHORD-RELOAD peers ping their neighbours,
        §10.7.4.1, chord-ping-interval); links kept out of routing stay silent."""
        while not self.stopping.wait(interval):
            with self.lock:
                links = [l for l in self.links.values() if not l.closed.is_set()]
            for link in links:
                threading.Thread(target=self.request, daemon=True,
                                 args=("ping_req", B.ping_req(), [node(link.peer_id)]),
                                 kwargs={"link": link, "timeout": 5}).start()

    def connect(self, host, port, register=True):
        """A TLS link we open; register=False keeps it out of the routing choices."""
        return self._add_link(connect(self.client_ctx, host, port), "client", register)

    def wait_link(self, pred, timeout):
        """The first link (incoming or outgoing) satisfying pred, or None after timeout."""
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for link in self.all_links:
                    if pred(link):
                        return link
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cv.wait(min(left, 0.2))

    def live_link(self, node_id):
        with self.lock:
            link = self.links.get(node_id)
        return link if link and not link.closed.is_set() else None

    def route_link(self, dest):
        """§6.2.1: a destination directly connected goes down that connection; otherwise the
        topology (§10.3): the connected peer with the largest Node-ID in (me, target), else the
        smallest greater than the target; before joining, the bootstrap/admitting link."""
        first = dest[0]
        if first.kind == "node":
            link = self.live_link(first.value)
            if link:
                return link
        with self.lock:
            cands = [l for pid, l in self.links.items() if not l.closed.is_set()]
        if not self.joined or not cands:
            return self.default_link
        target = first.value
        me, t = int.from_bytes(self.node_id, "big"), int.from_bytes(target, "big")
        inside = [l for l in cands if between(l.peer_id, self.node_id, target)]
        if inside:
            return max(inside, key=lambda l: (int.from_bytes(l.peer_id, "big") - me) % (1 << 128))
        # "the smallest Node-ID that is greater than k"
        return min(cands, key=lambda l: (int.from_bytes(l.peer_id, "big") - t) % (1 << 128))

    # ---- messages ----------------------------------------------------------------------------

    def make(self, code, body, dest, txid=None, via=(), **kw):
        msg = Message(CODES[code] if isinstance(code, str) else code, body, self.overlay,
                      txid if txid is not None else secrets.randbits(64), dest, via,
                      config_seq=self.config_seq, **kw)
        return self.me.sign_message(msg)

    def request(self, code, body, dest, link=None, timeout=10, raw=None, **kw):
        """Sends a request and waits for its answer: the answer Message, or None."""
        msg = self.make(code, body, dest, **kw)
        with self.lock:
            self.pending[msg.txid] = [None]
        link = link or self.route_link(dest)
        if link is None:
            with self.lock:
                self.pending.pop(msg.txid, None)
            return None
        link.send(raw(msg) if raw else msg.encode())
        return self.wait_answer(msg.txid, timeout)

    def _on_message(self, link, data):
        try:
            msg = decode_message(data)
        except DecodeError as e:
            self.errors.append(f"{link.label}: undecodable message: {e}")
            return
        if msg.overlay not in self.overlay_ok:
            self.errors.append(f"{link.label}: overlay {msg.overlay:#x}")
            return
        if not msg.dest:
            self.errors.append(f"{link.label}: {msg.name} without destination")
            return
        first = msg.dest[0]
        if first.kind == "node" and first.value == self.node_id and len(msg.dest) > 1:
            msg.dest = msg.dest[1:]  # §6.1.1: remove ourselves and route on
            self._forward(link, msg)
            return
        if not self._for_me(first):
            self._forward(link, msg)
            return
        ok, signers, _ = self.verifier.verify_message(msg)
        if not ok:
            self.errors.append(f"{link.label}: {msg.name} signature does not verify")
        msg.signer_ids = signers
        msg.arrived = time.monotonic()
        if DEBUG:
            print(f"  [{time.monotonic() - self.start:6.2f}] <- {link.label} {msg.name} "
                  f"from {signers[0].hex()[:8] if signers else '?'} dest {msg.dest} via {msg.via}"
                  f" {B.decode_update(msg.body) if msg.name == 'update_req' else ''}", flush=True)
        if msg.is_request():
            try:
                self._predecode(msg)
            except DecodeError as e:
                self.errors.append(f"{link.label}: {msg.name}: {e}")
                self.error(link, msg, 20, str(e).encode())
                return
            with self.cv:
                self.inbound.append((link, msg))
                self.cv.notify_all()
            threading.Thread(target=self._serve, args=(link, msg), daemon=True).start()
            return
        with self.cv:
            slot = self.pending.get(msg.txid)
            if slot is not None and slot[0] is None:
                msg.link = link
                slot[0] = msg
                self.cv.notify_all()

    @staticmethod
    def _predecode(msg):
        """Decodes the bodies the checks look at before anyone can see the request."""
        if msg.name == "attach_req":
            msg.attach = B.decode_attach(msg.body)
        elif msg.name == "update_req":
            msg.update = B.decode_update(msg.body)
        elif msg.name == "store_req":
            msg.store = B.decode_store_req(msg.body)
        elif msg.name == "leave_req":
            msg.leave = B.decode_leave_req(msg.body)

    def wait_answer(self, txid, timeout):
        deadline = time.monotonic() + timeout
        with self.cv:
            while self.pending[txid][0] is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.cv.wait(min(left, 0.2))
            return self.pending.pop(txid)[0]

    def _for_me(self, dest):
        if dest.kind == "node":
            return dest.value == self.node_id or dest.value == b"\xff" * 16
        if dest.kind == "resource":
            return self.joined and self.responsible(dest.value)
        return False

    def responsible(self, rid):
        pred = self.predecessor()
        return pred is None or between(rid, pred, self.node_id)

    def predecessor(self):
        with self.lock:
            others = [k for k in self.known if k != self.node_id]
        if not others:
            return None
        me = int.from_bytes(self.node_id, "big")
        return min(others, key=lambda k: (me - int.from_bytes(k, "big")) % (1 << 128))

    def successors(self, n=2, of=None):
        of = of or self.node_id
        with self.lock:
            ring = sorted(self.known | {self.node_id})
        base = int.from_bytes(of, "big")
        return sorted((k for k in ring if k != of),
                      key=lambda k: (int.from_bytes(k, "big") - base) % (1 << 128))[:n]

    def _forward(self, link, msg):
        """§6.1.2: forward towards the first destination, appending the previous hop to the via
        list (responses are not given via entries). A Node-ID that is neither us nor connected
        is dropped (§6.1.1) when we are responsible for it."""
        first = msg.dest[0]
        if msg.ttl == 0:
            return
        nxt = self.route_link(msg.dest)
        if first.kind == "node" and not self.live_link(first.value) and self.joined \
                and self.responsible(first.value):
            return
        if nxt is None or nxt is link:
            return
        if msg.is_request() and link.peer_id:
            msg.via = msg.via + [node(link.peer_id)]
            with self.lock:
                self.forwarded.append((time.monotonic(), link.peer_id, msg.name))
        msg.ttl -= 1
        rest = msg.raw[decode_header(msg.raw)[1]:]  # contents and security block unchanged
        nxt.send(msg.header(len(msg.header(0)) + len(rest)) + rest)

    def answer(self, link, req, code, body):
        """§6.2.2/§6.1.2: the response's destination list is the node the request came from
        followed by the request's via list, reversed."""
        dest = list(reversed(req.via))
        if link.peer_id and not (dest and dest[0] == node(link.peer_id)):
            dest = [node(link.peer_id)] + dest
        msg = self.make(code, body, dest, txid=req.txid, ttl=INITIAL_TTL)
        if not self.answer_certificates:
            msg.certificates = []  # not covered by the signature (§6.3.4)
        link.send(msg.encode())

    def error(self, link, req, code, info=b""):
        self.answer(link, req, "error", B.error_body(code, info))

    # ---- answering other peers' requests -----------------------------------------------------

    def _serve(self, link, req):
        try:
            handler = {
                "ping_req": self._on_ping, "probe_req": self._on_probe,
                "attach_req": self._on_attach, "update_req": self._on_update,
                "leave_req": self._on_leave, "store_req": self._on_store,
                "fetch_req": self._on_fetch, "join_req": self._on_join,
            }.get(req.name)
            if handler is None:
                self.error(link, req, 20, b"not supported by the interop node")
                return
            handler(link, req)
        except (DecodeError, ValueError) as e:
            self.errors.append(f"{link.label}: {req.name}: {e}")
            self.error(link, req, 20, str(e).encode())

    def _on_ping(self, link, req):
        self.answer(link, req, "ping_ans", B.ping_ans(secrets.randbits(64), now_ms()))

    def _on_probe(self, link, req):
        vals = {}
        for t in B.decode_probe_req(req.body):
            if t == B.PROBE_RESPONSIBLE_SET:
                vals[t] = 0
            elif t == B.PROBE_NUM_RESOURCES:
                vals[t] = len(self.store)
            elif t == B.PROBE_UPTIME:
                vals[t] = int(time.monotonic() - self.start)
        self.answer(link, req, "probe_ans", B.probe_ans(vals))

    def _on_attach(self, link, req):
        att = req.attach
        host, port = self.listen_addr
        cand = B.ice_candidate(host, port, LINK_TLS_TCP_FH_NO_ICE)
        self.answer(link, req, "attach_ans",
                    B.attach_req_ans(b"", b"", self.attach_role_answer.encode(), [cand], False))
        if att["role"] == "passive":
            # §6.5.1.13: the node that sent the Attach request is the TLS server; we connect.
            for c in att["candidates"]:
                if c["overlay_link"] == LINK_TLS_TCP_FH_NO_ICE and c["ip"]:
                    try:
                        newlink = self.connect(c["ip"], c["port"])
                        req.attach_link = newlink
                        if att["send_update"]:
                            self.send_update(newlink)
                        return
                    except (OSError, ssl.SSLError) as e:
                        req.attach_error = str(e)
        # An "active" requester opens the connection itself (the other reading of the roles);
        # our listener accepts it.

    def send_update(self, link, timeout=10):
        with self.lock:
            self.update_sent_at.setdefault(link.peer_id, time.monotonic())
        preds = [self.predecessor()] if self.predecessor() else []
        body = B.chord_update(int(time.monotonic() - self.start), B.CHORD_NEIGHBORS,
                              preds, self.successors(3))
        return self.request("update_req", body, [node(link.peer_id)], link=link, timeout=timeout)

    def _on_update(self, link, req):
        upd = req.update
        with self.lock:
            for k in upd["predecessors"] + upd["successors"] + upd["fingers"]:
                self.known.add(k)
            if req.signer_ids:
                self.known.add(req.signer_ids[0])
            self.known.discard(self.node_id)
        self.answer(link, req, "update_ans", b"")

    def _on_leave(self, link, req):
        self.answer(link, req, "leave_ans", b"")

    def _on_join(self, link, req):
        self.error(link, req, 2, b"the interop node admits nobody")

    def _on_store(self, link, req):
        st = req.store
        kinds = []
        for kd in st["kinds"]:
            slot = self.store.setdefault((st["resource"], kd["kind"]), {})
            for raw in kd["values"]:
                sd = B.decode_stored_data(Reader(raw), kd["kind"])
                if "index" in sd:  # an array entry (§7.2.2), keyed by its 4-byte index
                    index = sd["index"]
                    if index == ARRAY_APPEND:
                        index = max((int.from_bytes(k, "big") for k in slot), default=-1) + 1
                    slot[u32(index)] = raw
                else:
                    slot[sd["key"]] = raw
            g = self.generation.get((st["resource"], kd["kind"]), 0) + 1
            self.generation[(st["resource"], kd["kind"])] = g
            kinds.append((kd["kind"], g, []))
        self.answer(link, req, "store_ans", B.store_ans(kinds))

    def _on_fetch(self, link, req):
        fr = B.decode_fetch_req(req.body)
        out = []
        for spec in fr["specifiers"]:
            slot = self.store.get((fr["resource"], spec["kind"]), {})
            if KIND_MODELS.get(spec["kind"]) == MODEL_ARRAY:
                # §7.4.2.1: the entries whose index lies in one of the ranges (no synthetic
                # values for an array).
                ranges = B.decode_array_ranges(spec["model"])
                vals = [slot[k] for k in sorted(slot) if any(
                    a <= int.from_bytes(k, "big") <= b for a, b in ranges)]
                out.append((spec["kind"], self.generation.get((fr["resource"], spec["kind"]), 0),
                            vals))
                continue
            keys_r = Reader(spec["model"])
            keys = []
            while not keys_r.done():
                keys.append(keys_r.opaque(2))
            vals = []
            for k in keys or list(slot):
                if k in slot:
                    vals.append(slot[k])
                else:
                    vals.append(B.stored_data(0, 0, B.dictionary_entry(k, False, b""),
                                              empty_signature()))
            out.append((spec["kind"], self.generation.get((fr["resource"], spec["kind"]), 0), vals))
        self.answer(link, req, "fetch_ans", B.fetch_ans(out))

    def wait_inbound(self, pred, timeout):
        """The first request received satisfying pred(link, msg), or None."""
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for link, msg in self.inbound:
                    if pred(link, msg):
                        return link, msg
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cv.wait(min(left, 0.2))

    def close(self):
        self.stopping.set()
        try:
            self.listener.close()
        except OSError:
            pass
        for link in list(self.all_links):
            link.close()
