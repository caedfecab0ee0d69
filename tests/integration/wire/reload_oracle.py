"""Shared pieces of the tshark oracle tests (DESIGN.md §7): the message codes the codec knows,
tshark's expert items with the accepted dissector gaps, and a plain TCP capture writer."""

import collections
import json
import os
import re
import struct
import subprocess
import sys

SKIP = 77  # ctest SKIP_RETURN_CODE

SOURCE_DIR = os.environ.get("P2P_SOURCE_DIR", os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")))

# Severities of _ws.expert.severity (epan/proto.h PI_*).
SEVERITY = {0x00100000: "comment", 0x00200000: "chat", 0x00400000: "note",
            0x00600000: "warning", 0x00800000: "error"}

# Expert items of Wireshark 4.0's RELOAD dissector that are its gaps, not our encoding
# (DESIGN.md §7). Each: (name, predicate on (expert message, the scalar fields of the tree
# nodes around it, innermost first), the reason it is accepted). Every other warning or error
# item fails. (The other §7 gap, version 0x0a shown as "Unknown", is a label, not an expert
# item, in tshark 4.0.17.)
ACCEPTED_GAPS = [
    ("SignerIdentity none(3)",
     lambda msg, ctx: msg == "Unknown identity type"
     and ctx.get("reload.signature.identity.type") == "3",
     "RFC 6940 §6.3.4 defines SignerIdentityType none(3) (e.g. the synthetic values of a Fetch "
     "answer, §7.4.2.2); the dissector names it but knows no value for it"),
]


def skip(why):
    print(f"SKIP: {why}", flush=True)
    sys.exit(SKIP)


def codec_message_codes():
    """{code: name} for every message code overlay/wire/message_codes.h knows, as the RFC names
    them there (message_code_name), without invalidMessageCode."""
    path = os.path.join(SOURCE_DIR, "overlay", "wire", "message_codes.h")
    text = open(path).read()
    block = re.search(r"enum class MessageCode[^{]*\{(.*?)\};", text, re.S).group(1)
    values = dict(re.findall(r"(?m)^\s+(k\w+) = (0x[0-9a-f]+),", block))
    names = dict(re.findall(r'case MessageCode::(k\w+): return "(\w+)";', text))
    out = {int(v, 16): names[k] for k, v in values.items() if k != "kInvalid"}
    if len(out) < 20:
        raise RuntimeError(f"could not read the message codes from {path}")
    return out


def _pairs(pairs):
    """json object hook that keeps repeated keys (tshark repeats _ws.expert, fields)."""
    d = collections.defaultdict(list)
    for k, v in pairs:
        d[k].append(v)
    return d


def _walk(node, out, ctx):
    if isinstance(node, list):
        for n in node:
            _walk(n, out, ctx)
    elif isinstance(node, dict):
        here = {k: v[0] for k, v in node.items() if v and isinstance(v[0], str)}
        inner = {**ctx, **here}
        for key, values in node.items():
            for v in values:
                if key == "_ws.expert" and isinstance(v, dict):
                    sev = int(v.get("_ws.expert.severity", ["0"])[0])
                    msg = v.get("_ws.expert.message", [""])[0]
                    out.append((SEVERITY.get(sev, hex(sev)), msg, inner))
                if key == "_ws.malformed":
                    out.append(("error", "Malformed Packet", inner))
                _walk(v, out, inner)


def expert_items(tshark_args):
    """{frame number: [(severity, message, context)]} from tshark -T json (every frame);
    context: the scalar fields of the tree nodes around the item."""
    res = subprocess.run(["tshark", *tshark_args, "-T", "json"], capture_output=True, text=True,
                         timeout=300)
    if res.returncode != 0:
        raise RuntimeError(f"tshark -T json: {res.stderr.strip()[:300]}")
    frames = {}
    for pkt in json.loads(res.stdout, object_pairs_hook=_pairs):
        layers = pkt["_source"][0]["layers"][0]
        number = int(layers["frame"][0]["frame.number"][0])
        items = []
        _walk(layers, items, {})
        frames[number] = items
    return frames


def gap_of(msg, ctx):
    """The name of the accepted gap this item is, or None."""
    return next((name for name, pred, _ in ACCEPTED_GAPS if pred(msg, ctx)), None)


def unaccepted(items):
    """The warning/error items that are not an accepted gap."""
    return [(sev, msg) for sev, msg, ctx in items
            if sev in ("warning", "error") and not gap_of(msg, ctx)]


def ip_checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def packet(src, dst, seq, ack, flags, payload=b""):
    """An Ethernet/IPv4/TCP packet; src and dst are (ip, port)."""
    tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq, ack, 5 << 4, flags, 65535, 0, 0)
    sip, dip = (bytes(map(int, a[0].split("."))) for a in (src, dst))
    pseudo = struct.pack("!4s4sBBH", sip, dip, 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", ip_checksum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0,
                     sip, dip)
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp + payload


def write_pcap(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(packets):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(p), len(p)) + p)
