"""Never an open relay through a preloaded Route (issue 13, finding 1; DESIGN.md §10).

The real `p2psip gateway` trusts 127.0.0.1/32 only. The attacker sends raw SIP from 127.0.0.2
(untrusted) over UDP and TCP; the victim is a raw UDP+TCP listener on 127.0.0.1 that records
every byte it gets. For INVITE, MESSAGE and SUBSCRIBE:
- `Route: <sip:GATEWAY;lr>` with a To-tag and the victim as Request-URI,
- `Route: <sip:GATEWAY;lr>,<sip:VICTIM;lr>` without a To-tag,
- the same with a forged Record-Route token on the gateway's Route,
each gets a final answer (403) and the victim receives nothing.
A real dialog between two untrusted parties (caller 127.0.0.2, callee 127.0.0.3, a static
registration) still works in both directions: the gateway's Record-Route carries a token, the
caller's ACK and BYE and the callee's BYE (tags swapped) follow it. Replaying that token with
another Call-ID, or without a To-tag, is refused too.
Barrier instead of sleeps: a request from the trusted address routed to the victim must arrive
there after all attacks; then the victim's log must hold that request only."""

import os
import re
import socket
import sys
import threading
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity, static_config  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-edge-relay-")
sip_tools.set_workdir(work)

ATTACKER, CALLEE_IP, TRUSTED = "127.0.0.2", "127.0.0.3", "127.0.0.1"
gw_port, metrics_port, overlay_port, victim_port = free_port(), free_port(), free_port(), free_port()
callee_port = free_port()


class Victim:
    """UDP and TCP on 127.0.0.1:victim_port; keeps every message received, answers nothing."""

    def __init__(self, port):
        self.got = []
        self.lock = threading.Lock()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", port))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", port))
        self.tcp.listen(16)
        threading.Thread(target=self._udp, daemon=True).start()
        threading.Thread(target=self._accept, daemon=True).start()

    def _keep(self, data):
        with self.lock:
            self.got.append(data.decode(errors="replace"))

    def _udp(self):
        while True:
            self._keep(self.udp.recv(65535))

    def _accept(self):
        while True:
            conn, _ = self.tcp.accept()
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn):
        while True:
            data = conn.recv(65535)
            if not data:
                return
            self._keep(data)

    def messages(self):
        with self.lock:
            return list(self.got)


class Client:
    """A raw SIP endpoint bound to `ip` talking to the gateway over UDP or TCP."""

    def __init__(self, ip, transport):
        self.transport = transport
        if transport == "UDP":
            self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.s.bind((ip, 0))
        else:
            self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.s.bind((ip, 0))
            self.s.connect(("127.0.0.1", gw_port))
        self.ip, self.port = self.s.getsockname()
        self.buf = b""

    def send(self, text):
        data = text.replace("LADDR", f"{self.ip}:{self.port}").replace("TRANSPORT", self.transport).encode()
        if self.transport == "UDP":
            self.s.sendto(data, ("127.0.0.1", gw_port))
        else:
            self.s.sendall(data)

    def recv(self, timeout):
        """The next message (text), or None after `timeout` seconds."""
        self.s.settimeout(timeout)
        try:
            if self.transport == "UDP":
                return self.s.recv(65535).decode(errors="replace")
            while True:
                head, sep, rest = self.buf.partition(b"\r\n\r\n")
                if sep:
                    m = re.search(rb"\r\n(?:Content-Length|l)\s*:\s*(\d+)", head, re.I)
                    n = int(m.group(1)) if m else 0
                    if len(rest) >= n:
                        self.buf = rest[n:]
                        return (head + sep + rest[:n]).decode(errors="replace")
                chunk = self.s.recv(65535)
                if not chunk:
                    return None
                self.buf += chunk
        except socket.timeout:
            return None

    def final(self, timeout=5.0, stop=lambda: False):
        """The first final response (its text), skipping provisionals; None on timeout or stop()."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not stop():
            m = self.recv(0.1)
            if m and m.startswith("SIP/2.0 ") and not m.startswith("SIP/2.0 1"):
                return m
        return None

    def close(self):
        self.s.close()


def status(msg):
    return int(msg.split(" ", 2)[1]) if msg else None


def header(msg, name):
    return [line.split(":", 1)[1].strip() for line in msg.split("\r\n")
            if line.lower().startswith(name.lower() + ":")]


def req(method, ruri, route=None, to_tag=None, call_id=None, from_tag="atk", cseq=1, extra=""):
    call_id = call_id or f"{time.time_ns()}@attacker"
    to = f"<{ruri}>" + (f";tag={to_tag}" if to_tag else "")
    body = "v=0\r\n" if method == "INVITE" else ("hi" if method == "MESSAGE" else "")
    ctype = "Content-Type: application/sdp\r\n" if method == "INVITE" else (
        "Content-Type: text/plain\r\n" if method == "MESSAGE" else "Event: presence\r\nExpires: 60\r\n")
    return (f"{method} {ruri} SIP/2.0\r\n"
            f"Via: SIP/2.0/TRANSPORT LADDR;branch=z9hG4bK-{time.time_ns()};rport\r\n"
            + (f"Route: {route}\r\n" if route else "") +
            f"From: <sip:mallory@attacker.example>;tag={from_tag}\r\nTo: {to}\r\n"
            f"Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n"
            f"Contact: <sip:mallory@LADDR;transport=TRANSPORT>\r\n{extra}{ctype}"
            f"Content-Length: {len(body)}\r\n\r\n{body}")


# --- processes -------------------------------------------------------------------------------
victim = Victim(victim_port)
gw_node, gw_identity = gateway_identity("gateway")
static = static_config("gateway", [(f"carol@{DOMAIN}", f"sip:carol@{CALLEE_IP}:{callee_port}")], gw_node)
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
            "--data-dir", os.path.join(work, "data"), "--log-level", "debug", "--config", static,
            "--trusted-network", f"{TRUSTED}/32", "--drain-grace", "0",  # its adversaries' requests
            *gw_identity], "gateway", work)                              # would hold a drain open
wait_until(lambda: http_get(f"http://127.0.0.1:{metrics_port}/health")[0] == 200 or not gw.alive(),
           20, "gateway /health")
check(gw.alive(), "gateway is running and joined")

GW = f"sip:127.0.0.1:{gw_port};lr"
VICTIM_URI = f"sip:victim@127.0.0.1:{victim_port}"
VICTIM_ROUTE = f"<sip:127.0.0.1:{victim_port};lr>"
FORGED = f"<sip:127.0.0.1:{gw_port};lr;rrtok=00112233445566778899aabbccddeeff>"


def refused(what, transport, text):
    c = Client(ATTACKER, transport)
    c.send(text)
    before = len(victim.messages())
    got = c.final(5.0, stop=lambda: len(victim.messages()) > before)
    c.close()
    leaked = victim.messages()[before:]
    if leaked:
        fail(f"{what} over {transport}: FORWARDED to the victim (open relay):\n{leaked[0][:600]}")
    check(status(got) == 403, f"{what} over {transport}: refused {status(got)}, the victim got nothing")


for transport in ("UDP", "TCP"):
    for method in ("INVITE", "MESSAGE", "SUBSCRIBE"):
        refused(f"{method} Route: <gateway> + To-tag, R-URI = victim", transport,
                req(method, VICTIM_URI, route=f"<{GW}>", to_tag="forged"))
        refused(f"{method} Route: <gateway>,<victim> without To-tag", transport,
                req(method, f"sip:anyone@elsewhere.example", route=f"<{GW}>,{VICTIM_ROUTE}"))
        refused(f"{method} forged Record-Route token + To-tag, R-URI = victim", transport,
                req(method, VICTIM_URI, route=FORGED, to_tag="forged"))
    refused("MESSAGE Route: <gateway>,<gateway>,<victim;transport=tcp> + To-tag (double RR shape)",
            transport, req("MESSAGE", VICTIM_URI, to_tag="forged",
                           route=f"<{GW}>,<{GW}>,<sip:127.0.0.1:{victim_port};transport=tcp;lr>"))

# --- a real dialog between two untrusted parties keeps working ---------------------------------
callee = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
callee.bind((CALLEE_IP, callee_port))
callee.settimeout(5)


def callee_recv(method):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        m = callee.recv(65535).decode(errors="replace")
        if m.startswith(method + " "):
            return m
    fail(f"the callee got no {method}")


def answer(request, code, extra=""):
    """A response to `request` from the callee (its Vias, From, To with a tag, Call-ID, CSeq)."""
    keep = [line for line in request.split("\r\n")
            if line.split(":", 1)[0].lower() in ("via", "from", "call-id", "cseq", "record-route")]
    to = header(request, "To")[0]
    if ";tag=" not in to:
        to += ";tag=callee1"
    return (f"SIP/2.0 {code} OK\r\n" + "\r\n".join(keep) + f"\r\nTo: {to}\r\n"
            f"Contact: <sip:carol@{CALLEE_IP}:{callee_port}>\r\n{extra}Content-Length: 0\r\n\r\n")


caller = Client(ATTACKER, "UDP")
call_id = f"{time.time_ns()}@caller"
caller.send(req("INVITE", f"sip:carol@{DOMAIN}", call_id=call_id, from_tag="caller1"))
inv = callee_recv("INVITE")
rr = header(inv, "Record-Route")
check(len(rr) == 1 and "rrtok=" in rr[0], f"the forwarded INVITE carries the gateway's Record-Route with a token: {rr}")
callee.sendto(answer(inv, 200).encode(), ("127.0.0.1", gw_port))
ok = caller.final()
check(status(ok) == 200 and header(ok, "Record-Route") == rr, "the caller got the 200 with that Record-Route")
route = rr[0]
dialog = dict(call_id=call_id, from_tag="caller1", to_tag="callee1")
caller.send(req("ACK", f"sip:carol@{CALLEE_IP}:{callee_port}", route=route, cseq=1, **dialog))
check(callee_recv("ACK") is not None, "the caller's ACK for the 2xx followed the Record-Route to the callee")
caller.send(req("BYE", f"sip:carol@{CALLEE_IP}:{callee_port}", route=route, cseq=2, **dialog))
bye = callee_recv("BYE")
callee.sendto(answer(bye, 200).encode(), ("127.0.0.1", gw_port))
check(status(caller.final()) == 200, "the untrusted caller's BYE went through along its verified route set")

# The callee's side of a dialog: its in-dialog request carries the tags swapped.
caller2 = Client(ATTACKER, "UDP")
call_id2 = f"{time.time_ns()}@caller"
caller2.send(req("INVITE", f"sip:carol@{DOMAIN}", call_id=call_id2, from_tag="caller2"))
inv2 = callee_recv("INVITE")
callee.sendto(answer(inv2, 200).encode(), ("127.0.0.1", gw_port))
check(status(caller2.final()) == 200, "a second call is answered")
route2 = header(inv2, "Record-Route")[0]
callee_bye = (f"BYE sip:mallory@{caller2.ip}:{caller2.port} SIP/2.0\r\n"
              f"Via: SIP/2.0/UDP {CALLEE_IP}:{callee_port};branch=z9hG4bK-cb{time.time_ns()};rport\r\n"
              f"Route: {route2}\r\nFrom: <sip:carol@{DOMAIN}>;tag=callee1\r\n"
              f"To: <sip:mallory@attacker.example>;tag=caller2\r\nCall-ID: {call_id2}\r\n"
              f"CSeq: 1 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
callee.sendto(callee_bye.encode(), ("127.0.0.1", gw_port))
got = caller2.recv(5)
check(got is not None and got.startswith("BYE "), "the untrusted callee's BYE (tags swapped) reached the caller")

# The token is bound to its dialog: not usable with another Call-ID, nor without a To-tag.
for transport in ("UDP", "TCP"):
    refused("INVITE with a real token but another Call-ID, R-URI = victim", transport,
            req("INVITE", VICTIM_URI, route=route, to_tag="callee1", from_tag="caller1"))
    refused("INVITE with a real token and its Call-ID but no To-tag, Route to the victim", transport,
            req("INVITE", VICTIM_URI, route=f"{route},{VICTIM_ROUTE}", call_id=call_id, from_tag="caller1",
                cseq=7))

# --- barrier: a trusted request reaches the victim; nothing else ever did ----------------------
before = len(victim.messages())
trusted = Client(TRUSTED, "UDP")
trusted.send(req("MESSAGE", VICTIM_URI, route=VICTIM_ROUTE, call_id="barrier@trusted"))
wait_until(lambda: any("barrier@trusted" in m for m in victim.messages()), 10,
           "the trusted MESSAGE to reach the victim")
leaked = [m for m in victim.messages() if "barrier@trusted" not in m]
check(not leaked, f"the victim received only the trusted request ({len(leaked)} others: {leaked[:1]})")
check(before == 0, "nothing reached the victim before the trusted request")
check(gw.stop(10) == 0, "gateway exits 0 on SIGTERM")
print("PASS")
