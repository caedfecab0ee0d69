"""RFC 4475 torture messages against the real gateway (issue 13, finding 7; DESIGN.md §10).

Every message of RFC 4475's Appendix A archive (rfc4475/, exact bytes, see its README) goes to
`p2psip gateway` over UDP and over TCP, each with the verdict the RFC gives it (TABLE below,
with the RFC section). The gateway has no trusted network, so a valid request for a domain not
its own is processed into a 403 (outbound refused), 483 (Max-Forwards 0) and so on: any final
answer except the error verdicts counts as processed.

Where the answer goes: over TCP it comes back on the connection. Over UDP Sofia answers to
the Via's sent-by with received= (RFC 3261 §18.2.2): the test sends each datagram from a
socket bound to 127.0.0.X and the top Via's port (5060 when absent), so an answer to
received:port reaches it. When the top Via names a host (not an IP literal) or another
transport than the one used, the answer may go elsewhere or, with Sofia's stateless replies,
need a name resolution (issue 13 finding 3, fixed apart): then "no answer" is accepted too.
After each message the gateway must still answer an OPTIONS (it did not die or hang)."""

import os
import re
import select
import socket
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-torture-")
sip_tools.set_workdir(work)
MSG_DIR = os.path.join(HERE, "rfc4475")

VALID = "valid"        # processed: a final answer that is not one of ERRORS
RESPONSE = "response"  # a response matching nothing: never answered, never crashes
ERRORS = {400, 416, 420, 481, 500, 505}

# file: (RFC 4475 section, verdict, allowed answers for invalid ones, drop allowed, note).
# `drop` is True where the RFC lets an element discard the message instead of answering.
TABLE = {
    "wsinv":      ("3.1.1.1", VALID, None, False, "short tortuous INVITE"),
    "intmeth":    ("3.1.1.2", VALID, None, False, "extension method over the whole token charset"),
    "esc01":      ("3.1.1.3", VALID, None, False, "valid % escapes"),
    "escnull":    ("3.1.1.4", VALID, None, False, "escaped nulls in URIs"),
    "esc02":      ("3.1.1.5", VALID, None, False, "% that is not an escape (method RE%47IST%45R)"),
    "lwsdisp":    ("3.1.1.6", VALID, None, False, "no LWS between display name and <"),
    "longreq":    ("3.1.1.7", VALID, None, False, "long values in header fields (3,515 bytes)"),
    "dblreq":     ("3.1.1.8", VALID, None, False, "extra trailing octets in a UDP datagram"),
    "semiuri":    ("3.1.1.9", VALID, None, False, "semicolon-separated parameters in the user part"),
    "transports": ("3.1.1.10", VALID, None, False, "varied and unknown transport types"),
    "mpart01":    ("3.1.1.11", VALID, None, False, "multipart MIME (binary S/MIME part)"),
    "unreason":   ("3.1.1.12", RESPONSE, None, True, "unusual reason phrase (a response)"),
    "noreason":   ("3.1.1.13", RESPONSE, None, True, "empty reason phrase (a response)"),
    "badinv01":   ("3.1.2.1", "invalid", {400}, True, "extraneous header field separators"),
    "clerr":      ("3.1.2.2", "invalid", {400}, True, "Content-Length larger than the message"),
    "ncl":        ("3.1.2.3", "invalid", {400}, True, "negative Content-Length"),
    "scalar02":   ("3.1.2.4", "invalid", {400}, True, "overlarge CSeq, Max-Forwards, Expires"),
    "scalarlg":   ("3.1.2.5", RESPONSE, None, True, "response with overlarge scalar fields"),
    "quotbal":    ("3.1.2.6", "invalid", {400}, True, "unterminated quoted display name"),
    "ltgtruri":   ("3.1.2.7", "invalid", {400}, True, "<> enclosing the Request-URI"),
    # §3.1.2.8: 400 (Sofia's request-line decoder refused the line; liberal_parser.h keeps it).
    "lwsruri":    ("3.1.2.8", "invalid", {400}, False, "embedded LWS in the Request-URI: 400"),
    # §3.1.2.9 and §3.1.2.10: "acceptable to reject ... as malformed"; a liberal element may
    # ignore the extra SP (and must not forward them). Sofia's request-line parser ignores them.
    "lwsstart":   ("3.1.2.9", "lenient", {400}, False, "multiple SP between request-line elements"),
    "trws":       ("3.1.2.10", "lenient", {400}, False, "SP at the end of the request line"),
    # §3.1.2.11: 400, or forward without the escaped headers; this gateway answers 400.
    "escruri":    ("3.1.2.11", "invalid", {400}, False, "escaped headers in the Request-URI"),
    # §3.1.2.12: "could accept" the odd Date (a proxy need not look at it): processed or 400.
    "baddate":    ("3.1.2.12", "lenient", {400}, False, "non-GMT time zone in Date"),
    # §3.1.2.13: 400, or liberally infer the <>.
    "regbadct":   ("3.1.2.13", "lenient", {400}, False, "name-addr URI not in <>"),
    # §3.1.2.14 and §3.1.2.15: 400 or be liberal (a proxy must then not forward the error).
    "badaspec":   ("3.1.2.14", "lenient", {400}, False, "spaces within addr-spec"),
    # This gateway answers baddn 400: Sofia's From/To decoders refuse the unquoted comma.
    "baddn":      ("3.1.2.15", "invalid", {400}, False, "non-token characters in display name: 400"),
    "badvers":    ("3.1.2.16", "invalid", {505}, False, "unknown protocol version SIP/7.0: 505"),
    "mismatch01": ("3.1.2.17", "invalid", {400}, False, "start line and CSeq method mismatch"),
    "mismatch02": ("3.1.2.18", "invalid", {400}, False, "unknown method with CSeq mismatch"),
    "bigcode":    ("3.1.2.19", RESPONSE, None, True, "overlarge response code"),
    # §3.2.1: reject 400 or fall back to RFC 2543 transaction matching.
    "badbranch":  ("3.2.1", "lenient", {400}, False, "branch z9hG4bK with no identifier"),
    "insuf":      ("3.3.1", "invalid", {400}, False, "missing required header fields"),
    "unkscm":     ("3.3.2", "invalid", {416}, False, "Request-URI with an unknown scheme: 416"),
    "novelsc":    ("3.3.3", "invalid", {416}, False, "Request-URI soap.beep: not understood: 416"),
    "unksm2":     ("3.3.4", VALID, None, False, "unknown URI schemes in header fields"),
    "bext01":     ("3.3.5", "invalid", {420}, False, "Proxy-Require with an unknown option: 420"),
    "invut":      ("3.3.6", VALID, None, False, "unknown Content-Type (a proxy forwards)"),
    "regaut01":   ("3.3.7", VALID, None, False, "unknown authorization scheme"),
    "multi01":    ("3.3.8", "invalid", {400}, False, "several values in single-value fields"),
    "mcl01":      ("3.3.9", "invalid", {400}, True, "several Content-Length values"),
    "bcast":      ("3.3.10", RESPONSE, None, True, "200 OK with a broadcast Via"),
    # §3.3.11: a proxy answers 483 (Max-Forwards 0 and the request is not for it).
    "zeromf":     ("3.3.11", "invalid", {483}, False, "Max-Forwards of zero: 483"),
    "cparam01":   ("3.3.12", VALID, None, False, "REGISTER with a Contact header parameter"),
    "cparam02":   ("3.3.13", VALID, None, False, "REGISTER with a url-parameter"),
    "regescrt":   ("3.3.14", VALID, None, False, "REGISTER with an escaped header in Contact"),
    "sdp01":      ("3.3.15", VALID, None, False, "unacceptable Accept (a proxy forwards)"),
    "inv2543":    ("3.4.1", VALID, None, False, "RFC 2543 syntax"),
    # Not one of RFC 4475's §3 messages, but in its archive: a request line without version
    # (and no Via). Sofia's parser takes it; without a Via nothing can be answered: dropped.
    "test":       ("archive", "lenient", {400}, True, "request line without SIP version, no Via"),
}

# Not in the archive: intmeth with the "\" before its NUL removed. A bare NUL in a
# quoted-string is malformed (RFC 3261 §25.1: qdtext excludes %x00): 400, not a silent drop.
EXTRA = {
    "nulbare": ("3261/25.1", "invalid", {400}, False, "intmeth with a bare NUL in its To: 400"),
}

# Per transport exceptions the RFC's text makes (framing):
# - baddn is the one message without the empty line that ends a header section (RFC 3261 §7:
#   it "MUST be present even if the message-body is not"; the RFC 4475 figure ends at `l: 0`
#   too): over UDP the datagram's end ends the message; on a stream (§18.3) only the stream's
#   end can, so send() closes our sending half after such bytes (Sofia then parses what it
#   has, as for a datagram). Without that the gateway rightly waits for more.
# - clerr over TCP: the rest of the body never comes; the server waits (no answer is right).
# - ncl over TCP: the framing is unrecoverable; 400 or the connection closed.
# - inv2543 over TCP: no Content-Length on a stream (RFC 3261 §18.3 requires it): whatever
#   follows the headers is not a body; 400, processed or dropped are all defensible.
# - dblreq over TCP: the trailing octets are a second, complete request (processed too).
TCP_LENIENT = {"clerr", "ncl", "inv2543"}

# intmeth's To display name holds a NUL octet as a quoted-pair (legal, RFC 3261 §25.1) that
# Sofia's parser alone stops at; gateway/sip/liberal_parser.h scrubs it before (checked below
# that the exact bytes still carry it).


gw_port, metrics_port, overlay_port = free_port(), free_port(), free_port()
gw_node, gw_identity = gateway_identity("gateway")
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
            "--data-dir", os.path.join(work, "data"), "--log-level", "debug", *gw_identity],
           "gateway", work)
wait_until(lambda: http_get(f"http://127.0.0.1:{metrics_port}/health")[0] == 200 or not gw.alive(),
           20, "gateway /health")
check(gw.alive(), "gateway is running and joined")


def top_via(data):
    """(transport, host, port) of the first Via (folded lines joined), or None."""
    text = re.sub(rb"\r\n[ \t]+", b" ", data.split(b"\r\n\r\n", 1)[0]).decode(errors="replace")
    for line in text.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() in ("via", "v"):
            m = re.match(r"\s*SIP\s*/\s*[\d.]+\s*/\s*(\w+)\s+(\[[^\]]*\]|[^\s:;,]+)(?:\s*:\s*(\d+))?", value, re.I)
            if m:
                return m.group(1).upper(), m.group(2), int(m.group(3) or 5060)
            return None
    return None


def is_ip(host):
    try:
        socket.inet_pton(socket.AF_INET6 if host.startswith("[") else socket.AF_INET, host.strip("[]"))
        return True
    except OSError:
        return False


def call_id(data):
    m = re.search(rb"\r\n(?:Call-ID|i)[ \t]*:[ \t]*([^\r\n]*)", data, re.I)
    return m.group(1).strip() if m else None


def finals(socks, cid, timeout):
    """The first final status received on any of `socks` (UDP or a TCP connection) for Call-ID
    `cid` within `timeout`, or None. Answers for other Call-IDs (a 403 to an earlier INVITE
    retransmitted until timer H) are ignored."""
    deadline = time.monotonic() + timeout
    bufs = {s: b"" for s in socks}
    while time.monotonic() < deadline:
        ready, _, _ = select.select(list(bufs), [], [], max(0.0, deadline - time.monotonic()))
        for s in ready:
            try:
                data = s.recv(65535)
            except (ConnectionResetError, OSError):
                data = b""
            if not data:
                bufs.pop(s)
                continue
            udp = s.type == socket.SOCK_DGRAM
            bufs[s] = data if udp else bufs[s] + data
            for msg in re.split(rb"(?=SIP/2\.0 \d{3} )", bufs[s]):
                m = re.match(rb"SIP/2\.0 (\d{3}) ", msg)
                if m and not m.group(1).startswith(b"1") and call_id(msg) == cid:
                    return int(m.group(1))
        if not bufs:
            return None
    return None


SRC = None  # a 127.0.0.X whose port 5060 (and the Vias' other ports) we can bind


def udp_socket(port):
    """A UDP socket on SRC:port (SRC chosen on first use among 127.0.0.60-119)."""
    global SRC
    for x in range(60, 120) if SRC is None else [SRC]:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((f"127.0.0.{x}" if isinstance(x, int) else x, port))
            SRC = s.getsockname()[0]
            return s
        except OSError:
            s.close()
    print(f"cannot bind {SRC}:{port} for the Via's port: skipping")
    sys.exit(77)


def alive(what):
    """The gateway still answers an OPTIONS to itself."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    cid = f"{time.time_ns()}@probe"
    msg = (f"OPTIONS sip:127.0.0.1:{gw_port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-a{time.time_ns()}\r\n"
           f"From: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:127.0.0.1:{gw_port}>\r\nCall-ID: {cid}\r\n"
           f"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        s.sendto(msg, ("127.0.0.1", gw_port))
        if finals([s], cid.encode(), 1.0) == 200:
            s.close()
            return
    s.close()
    fail(f"after {what} the gateway no longer answers OPTIONS (alive: {gw.alive()})")


def rewrite_via(data, transport, port):
    """The message with its first Via (and its folded lines) replaced by one of ours."""
    lines = data.split(b"\r\n")
    for i, line in enumerate(lines[1:], 1):
        if re.match(rb"(?i)(via|v)[ \t]*:", line):
            j = i + 1
            while j < len(lines) and lines[j][:1] in (b" ", b"\t"):
                j += 1
            via = f"Via: SIP/2.0/{transport} {SRC}:{port};branch=z9hG4bK-t{time.time_ns()};rport".encode()
            return b"\r\n".join(lines[:i] + [via] + lines[j:])
    return None


def send(data, transport, via_port):
    """Sends `data`; returns the sockets an answer can come back on (closed by the caller)."""
    u = udp_socket(via_port)
    if transport == "UDP":
        u.sendto(data, ("127.0.0.1", gw_port))
        return [u]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind((SRC, 0))
    t.connect(("127.0.0.1", gw_port))
    t.sendall(data)
    if not re.search(rb"\r?\n\r?\n", data):
        t.shutdown(socket.SHUT_WR)  # no empty line: only the stream's end ends the headers
    return [t, u]


def judge(name, verdict, allowed, drop, status, strict):
    """(ok, what was wanted)."""
    if verdict == RESPONSE:
        return status is None, "nothing (a response is never answered)"
    if verdict == VALID:
        return ((status is not None and status not in ERRORS) or (status is None and not strict),
                "processed (a final answer, not " + "/".join(map(str, sorted(ERRORS))) + ")")
    if verdict == "lenient":
        return (status is None and (drop or not strict)) or (status is not None and (
            status in (allowed or set()) or status not in ERRORS)), f"{sorted(allowed or [])} or processed"
    return status in allowed or (status is None and (drop or not strict)), \
        f"{sorted(allowed)}" + (" or dropped" if drop or not strict else "")


def run(name, transport, data, label):
    section, verdict, allowed, drop, note = TABLE.get(name) or EXTRA[name]
    via = top_via(data)
    # Strict: the answer must reach us: the Via names the transport used and, for UDP, an IP
    # literal (the answer goes to received:port, our UDP socket); over TCP it comes back on
    # the connection. A Via for another transport than the one used makes nta complain
    # ("Via check: invalid transport") and answer elsewhere or not at all.
    strict = via is not None and via[0] == transport and (transport == "TCP" or is_ip(via[1]))
    if transport == "TCP" and name in TCP_LENIENT:
        verdict, strict, allowed = "lenient", False, {400}
    socks = send(data, transport, via[2] if via else 5060)
    status = finals(socks, call_id(data), 5.0 if strict and verdict != RESPONSE else 1.0)
    for s in socks:
        s.close()
    ok, want = judge(name, verdict, allowed, drop, status, strict)
    line = f"{name:<11} §{section:<8} {transport} {label}: got {status}, want {want} ({note})"
    results.append((ok, line))
    print(("ok:   " if ok else "BAD:  ") + line, flush=True)
    alive(f"{name} over {transport}")
    return strict


results = []
names = sorted(TABLE)
missing = set(n[:-4] for n in os.listdir(MSG_DIR) if n.endswith(".dat")) ^ set(names)
check(not missing, f"the table covers exactly the archive's messages (difference: {missing})")
intmeth = open(os.path.join(MSG_DIR, "intmeth.dat"), "rb").read()
check(intmeth.count(b"NUL:\\\x00") == 1, "intmeth carries one escaped NUL in its To")
for transport in ("UDP", "TCP"):
    for name in names:
        data = open(os.path.join(MSG_DIR, name + ".dat"), "rb").read()
        strict = run(name, transport, data, "exact bytes")
        # Where the answer to the exact bytes cannot reach us (a Via host name, another
        # transport), the same message with only its top Via replaced by ours must get it.
        if not strict and TABLE[name][1] != RESPONSE and top_via(data):
            run(name, transport, rewrite_via(data, transport, 5060), "own Via")
    run("nulbare", transport, rewrite_via(intmeth.replace(b"NUL:\\\x00", b"NUL: \x00"), transport, 5060),
        "own Via")
bad = [line for ok, line in results if not ok]
check(not bad, f"every torture message got its RFC 4475 verdict ({len(results) - len(bad)}/{len(results)}):\n  "
      + "\n  ".join(bad))
check(gw.stop(10) == 0, "gateway exits 0 on SIGTERM")
print("PASS")
