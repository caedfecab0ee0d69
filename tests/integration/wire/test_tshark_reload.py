#!/usr/bin/env python3
"""tshark oracle for the RELOAD codec (DESIGN.md §7).

wire_samples prints one message of every message code the codec knows (overlay/wire/
message_codes.h: every request and answer, and error) as TLS-TCP-FH-NO-ICE data frames, signed
as a node signs them (a fresh CA's RSA-2048 certificate, RSASSA-PKCS1-v1_5/SHA-256). This test:

- checks that every code message_codes.h names is there, exactly once (none left out);
- verifies every message signature and every stored-data signature with `openssl`, from the
  bytes alone (the certificate the message carries, SignerIdentity = SHA-256 of it);
- writes the frames into a pcap as one TCP stream on port 6084 and dissects it with tshark:
  every frame is RELOAD with our header fields and message code name, the body fields we set
  show up, and tshark's expert info (-T json, _ws.expert) has no warning or error item on any
  frame except the accepted dissector gaps listed in reload_oracle.ACCEPTED_GAPS.

usage: test_tshark_reload.py /path/to/wire_samples     exit 77 (skipped) without tshark/openssl
"""

import hashlib
import os
import re
import shutil
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, fail, run, temp_dir  # noqa: E402
import reload_oracle  # noqa: E402

CLIENT, SERVER = ("127.0.0.1", 40001), ("127.0.0.1", 6084)
TSHARK = ["-o", "reload.topology_plugin:CHORD-RELOAD", "-d", "tcp.port==6084,reload-framing"]
SIP_URI = r"sip:alice@192\.0\.2\.7:5060"
NODE_5A = "5a" * 16
RESOURCE = r"a1c0dffe1d3c5b7a99b8d7f615345372"  # samples.cpp: filled(16, 0xa1)

# Body fields of each sample (overlay/wire/samples.cpp) that tshark must show: the body was
# dissected, not skipped. The exp_* codes have no body (no RFC defines one).
BODY = {
    "probe_req": [r"type \(ProbeInformationType\): responsible_set", r"type .*: num_resources",
                  r"type \(ProbeInformationType\): uptime"],
    "probe_ans": [r"responsible_ppb \(uint32\): 0x0ee6b280", r"num_resources \(uint32\): 42",
                  r"uptime \(uint32\): 86400"],
    "attach_req": [r"data \(string\): a1b2", r"data \(string\): passive", r"192\.0\.2\.10:6084",
                   r"TLS-TCP-FH-NO-ICE", r"send_update \(Boolean\): True"],
    "attach_ans": [r"data \(string\): c3d4", r"data \(string\): active", r"192\.0\.2\.20:6084"],
    "store_req": [SIP_URI, RESOURCE, r"generation_counter \(uint64\): 7", r"NodeId: " + NODE_5A,
                  r"identity_type \(SignerIdentityType\): cert_hash"],
    "store_ans": [r"NodeId: " + "61" * 16, r"NodeId: " + "62" * 16],
    "fetch_req": [RESOURCE, r"kind \(KindId\): 1 \(SIP-REGISTRATION\)"],
    "fetch_ans": [SIP_URI, r"generation_counter \(uint64\): 8"],
    "find_req": [RESOURCE, r"KindId: 1 \(SIP-REGISTRATION\)"],
    "find_ans": [r"closest \(ResourceId<16>\)", RESOURCE],
    "join_req": [r"joining_peer_id \(NodeId\): " + NODE_5A],
    "join_ans": [r"JoinAns"],
    "leave_req": [r"leaving_peer_id \(NodeId\): " + NODE_5A, r"from_succ", "NodeId: " + "63" * 16],
    "leave_ans": [r"LeaveAns<0>"],
    "update_req": [r"uptime \(uint32\): 86400", r"type \(ChordUpdateType\): full",
                   "NodeId: " + "53" * 16, "NodeId: " + "63" * 16, "NodeId: " + "8f" * 16],
    "update_ans": [r"UpdateAns<0>"],
    "route_query_req": [r"send_update \(Boolean\): False", r"DestinationType\): resource", RESOURCE],
    "route_query_ans": [r"next_peer \(NodeId\): " + "61" * 16],
    "ping_req": [r"padding \(opaque<0>\)"],
    "ping_ans": [r"response_id \(uint64\): 1234605616436508552",  # 0x1122334455667788
                 r"time \(uint64\): Nov 14, 2023 22:13:20"],
    "stat_req": [RESOURCE, r"StatReq"],
    "stat_ans": [r"storage_time \(uint64\): Nov 14, 2023 22:13:20", r"lifetime \(uint32\): 3600",
                 r"NodeId: " + NODE_5A],
    "app_attach_req": [r"application \(uint16\): SIP \(5060\)", r"data \(string\): a1b2"],
    "app_attach_ans": [r"application \(uint16\): SIP \(5060\)", r"data \(string\): c3d4"],
    "config_update_req": [r"type \(ConfigUpdateType\): config", r"config-base",
                          r'instance-name="p2p\.example\.com"'],
    "config_update_ans": [r"ConfigUpdateAns<0>"],
    "error": [r"error_code \(uint16\): Error_Not_Found \(3\)", r"no registration for that AoR"],
}


class Cursor:
    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def uint(self, n):
        return int.from_bytes(self.take(n), "big")

    def vec(self, n):
        return self.take(self.uint(n))


def openssl_verify(cert_der, data, signature, work):
    paths = {k: os.path.join(work, k) for k in ("cert.der", "pub.pem", "data", "sig")}
    for k, v in (("cert.der", cert_der), ("data", data), ("sig", signature)):
        open(paths[k], "wb").write(v)
    pub = run(["openssl", "x509", "-inform", "DER", "-in", paths["cert.der"], "-pubkey", "-noout"])
    open(paths["pub.pem"], "w").write(pub.stdout)
    res = run(["openssl", "dgst", "-sha256", "-verify", paths["pub.pem"], "-signature",
               paths["sig"], paths["data"]])
    return res.returncode == 0 and "Verified OK" in res.stdout


def signature_parts(c):
    """(SignerIdentity bytes, algorithm, signature value) of a Signature at the cursor."""
    algorithm = c.take(2)
    start = c.pos
    c.take(1)
    c.vec(2)
    identity = c.data[start:c.pos]
    return identity, algorithm, c.vec(2)


def stored_data_signatures(code, body):
    """(signature input, identity, value) of every StoredData of a store_req or fetch_ans body
    (§7.1: resource_id || kind || storage_time || StoredDataValue || SignerIdentity)."""
    c = Cursor(body)
    if code == "store_req":
        resource = c.vec(1)
        c.take(1)  # replica_number
    else:
        resource = bytes.fromhex(RESOURCE)
    out = []
    kinds = Cursor(c.vec(4))
    while kinds.pos < len(kinds.data):
        kind = kinds.take(4)
        kinds.take(8)  # generation
        values = Cursor(kinds.vec(4))
        while values.pos < len(values.data):
            d = Cursor(values.vec(4))
            storage_time = d.take(8)
            d.take(4)  # lifetime
            start = d.pos
            d.vec(2)  # dictionary key
            d.take(1)  # exists
            d.vec(4)  # value
            value = d.data[start:d.pos]
            identity, algorithm, sig = signature_parts(d)
            check(algorithm == b"\x04\x01", f"{code}: stored data signed with rsa/sha256")
            out.append((resource + kind + storage_time + value + identity, identity, sig))
    return out


def verify_signatures(name, frame, work):
    """Parses the RELOAD message of a data frame and verifies its signatures with openssl."""
    c = Cursor(frame, 8)  # framing header: type(1) seq(4) length(3)
    header = c.take(38)
    overlay, txid = header[4:8], header[20:28]
    via, dest, opts = struct.unpack("!HHH", header[32:38])
    c.take(via + dest + opts)
    start = c.pos
    c.take(2)
    body = c.vec(4)
    c.vec(4)  # extensions
    contents = frame[start:c.pos]
    certs = Cursor(c.vec(2))
    cert_type, cert_der = certs.take(1), certs.vec(2)
    check(cert_type == b"\0" and certs.pos == len(certs.data), f"{name}: one X.509 certificate")
    identity, algorithm, sig = signature_parts(c)
    check(c.pos == len(frame), f"{name}: the security block ends the message")
    check(algorithm == b"\x04\x01" and len(sig) == 256, f"{name}: RSA-2048/SHA-256 signature")
    want = b"\x01" + struct.pack("!H", 34) + b"\x04\x20" + hashlib.sha256(cert_der).digest()
    check(identity == want, f"{name}: SignerIdentity cert_hash = SHA-256 of the certificate")
    ok = openssl_verify(cert_der, overlay + txid + contents + identity, sig, work)
    check(ok, f"{name}: openssl verifies the message signature")
    if name in ("store_req", "fetch_ans"):
        stored = stored_data_signatures(name, body)
        check(len(stored) == 1, f"{name}: one stored value")
        for data, identity, value in stored:
            check(identity == want and openssl_verify(cert_der, data, value, work),
                  f"{name}: openssl verifies the stored-data signature")


def write_capture(path, frames):
    """frames: list of (is_request, bytes). One TCP connection with a handshake."""
    seq = {CLIENT: 1000, SERVER: 5000}
    pkts = [reload_oracle.packet(CLIENT, SERVER, seq[CLIENT], 0, 0x02),
            reload_oracle.packet(SERVER, CLIENT, seq[SERVER], seq[CLIENT] + 1, 0x12)]
    seq[CLIENT] += 1
    seq[SERVER] += 1
    pkts.append(reload_oracle.packet(CLIENT, SERVER, seq[CLIENT], seq[SERVER], 0x10))
    for is_request, data in frames:
        src, dst = (CLIENT, SERVER) if is_request else (SERVER, CLIENT)
        pkts.append(reload_oracle.packet(src, dst, seq[src], seq[dst], 0x18, data))
        seq[src] += len(data)
    reload_oracle.write_pcap(path, pkts)
    return len(pkts) - 3


def check_dissection(index, name, code, dissected):
    if not re.search(r"(?m)^REsource LOcation And Discovery$", dissected):
        fail(f"{name}: not dissected as RELOAD")
    txid = 0x1001 + index  # wire_samples numbers transactions from 0x1001
    code_text = "Error" if name == "error" else rf"{code} \({name}\)"
    expected = [r"relo_token \(uint32\): 0xd2454c4f",
                r"overlay \(uint32\): 0xbe52d975",  # low 32 bits of SHA-1(p2p.example.com)
                r"ttl \(uint8\): 100",
                rf"transaction_id \(uint\d+\): 0x{txid:016x}",
                rf"message_code \(uint16\): {code_text}$"]
    for pattern in expected:
        if not re.search(pattern, dissected, re.M):
            fail(f"{name}: /{pattern}/ not in the dissection:\n{dissected[-3000:]}")
    start, end = dissected.find("    MessageContents\n"), dissected.find("    SecurityBlock\n")
    contents = dissected[start:end] if 0 <= start < end else ""
    for pattern in BODY.get(name, []):
        if not re.search(pattern, contents, re.M):
            fail(f"{name}: /{pattern}/ not in the dissected message body:\n{contents[:3000]}")


def main():
    if len(sys.argv) < 2:
        fail("usage: test_tshark_reload.py WIRE_SAMPLES")
    for tool in ("tshark", "openssl"):
        if not shutil.which(tool):
            reload_oracle.skip(f"{tool} is not installed")
    codes = reload_oracle.codec_message_codes()
    out = run([sys.argv[1], "--hex"])
    check(out.returncode == 0, f"wire_samples signed and verified every sample {out.stderr.strip()}")
    samples = [line.split() for line in out.stdout.splitlines() if line.strip()]
    names = [name for name, _ in samples]
    missing = sorted(set(codes.values()) - set(names))
    check(not missing and len(names) == len(set(names)) == len(codes),
          f"one sample of each of the {len(codes)} message codes of message_codes.h"
          + (f"; missing: {missing}" if missing else f"; got {len(names)}: {names}"))
    frames = [(name.endswith("_req"), bytes.fromhex(hexstr)) for name, hexstr in samples]

    work = temp_dir("p2p-tshark-")
    for (name, _), (_, frame) in zip(samples, frames):
        verify_signatures(name, frame, work)
    pcap = os.path.join(work, "reload.pcap")
    count = write_capture(pcap, frames)
    res = run(["tshark", "-r", pcap, "-V", *TSHARK], timeout=60)
    check(res.returncode == 0, f"tshark exit status ({res.stderr.strip()[:200]})")
    per_frame = re.split(r"(?m)^Frame \d+: ", res.stdout)[1:]
    data_frames = per_frame[3:]
    check(len(data_frames) == count, f"tshark shows {count} data frames")
    by_name = {v: k for k, v in codes.items()}
    for index, ((name, _), dissected) in enumerate(zip(samples, data_frames)):
        check_dissection(index, name, by_name[name], dissected)

    expert = reload_oracle.expert_items(["-r", pcap, *TSHARK])
    accepted = set()
    for index, (name, _) in enumerate(samples):
        items = expert.get(index + 4, None)
        check(items is not None, f"{name}: tshark -T json has frame {index + 4}")
        bad = reload_oracle.unaccepted(items)
        if bad:
            fail(f"{name}: tshark expert info: {bad}")
        gaps = {reload_oracle.gap_of(msg, ctx) for sev, msg, ctx in items
                if sev in ("warning", "error")}
        accepted |= gaps
        print(f"ok: {name} dissects with no warning/error expert item"
              + (f" but the accepted gaps {sorted(gaps)}" if gaps else ""), flush=True)
    for name, _, reason in reload_oracle.ACCEPTED_GAPS:
        print(f"accepted dissector gap '{name}' ({'seen' if name in accepted else 'not seen'}): "
              f"{reason}", flush=True)
    check(True, f"all {count} messages dissected as RELOAD by tshark")
    return 0


if __name__ == "__main__":
    sys.exit(main())
