"""Capture overlay traffic on lo and check it with Wireshark's RELOAD dissector (DESIGN.md §7):
decrypt every TLS stream with the links' key logs (-z follow,tls,raw,N), rebuild a plain TCP
capture on port 6084 with one framing-header frame per packet, dissect it as RELOAD framing
(CHORD-RELOAD), and report the message codes seen and any malformed frame."""

import atexit
import json
import os
import re
import socket
import struct
import subprocess
import time

RELOAD_PORT = 6084
# How the rebuilt plain capture is dissected as RELOAD.
DISSECT = ["-o", "reload.topology_plugin:CHORD-RELOAD", "-d", f"tcp.port=={RELOAD_PORT},reload-framing"]


class Capture:
    """tshark on lo for the given ports, from start() to stop()."""

    def __init__(self, work, ports):
        self.path = os.path.join(work, "overlay.pcapng")
        self.err_path = os.path.join(work, "tshark-capture.err")
        self.filter = " or ".join(f"tcp port {p}" for p in ports)
        self.proc = None

    def start(self):
        self.err = open(self.err_path, "w+")
        self.proc = subprocess.Popen(["tshark", "-q", "-i", "lo", "-f", self.filter, "-w", self.path],
                                     stdout=subprocess.DEVNULL, stderr=self.err,
                                     start_new_session=True)
        atexit.register(self.stop)  # never outlive the test, even when it fails
        for _ in range(100):  # until dumpcap says it is capturing
            self.err.seek(0)
            if "Capturing on" in self.err.read():
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def flush(self, port, timeout=10):
        """Sends marker TCP connections to `port` (one the filter captures; a refused one still
        sends its SYN), a new one each second, until the capture file holds one of them: then
        everything sent before that marker is in the file, and the capture runs ("Capturing on"
        comes a moment before packets are really captured). False after `timeout` seconds."""
        markers = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                markers.append(s.getsockname()[1])
                s.settimeout(2)
                try:
                    s.connect(("127.0.0.1", port))
                except OSError:
                    pass
            wanted = " or ".join(f"tcp.srcport=={m}" for m in markers)
            for _ in range(5):
                out = subprocess.run(["tshark", "-r", self.path, "-Y", wanted, "-T", "fields",
                                      "-e", "frame.number"], capture_output=True, text=True).stdout
                if out.strip():
                    return True
                time.sleep(0.2)
        return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            time.sleep(0.5)  # the last packets reach the file
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def _packet(sport, dport, seq, ack, payload):
    lo = bytes([127, 0, 0, 1])
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x18, 65535, 0, 0)
    pseudo = struct.pack("!4s4sBBH", lo, lo, 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", _checksum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6,
                     0, lo, lo)
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp + payload


def _streams(pcap):
    out = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "tcp.stream"],
                         capture_output=True, text=True, check=True).stdout
    return sorted({int(x) for x in out.split() if x.strip().isdigit()})


def _decrypted(pcap, keys, ports, stream):
    args = ["tshark", "-r", pcap, "-o", f"tls.keylog_file:{keys}"]
    for p in ports:
        args += ["-d", f"tcp.port=={p},tls"]
    out = subprocess.run(args + ["-q", "-z", f"follow,tls,raw,{stream}"],
                         capture_output=True, text=True, check=True).stdout
    chunks = []
    for line in out.splitlines():
        text = line.strip()
        if text and re.fullmatch(r"[0-9a-f]+", text):
            chunks.append((not line.startswith("\t"), bytes.fromhex(text)))
    return chunks


def _frames(chunks):
    """Re-cuts each direction's byte stream at framing-header boundaries."""
    streams = {True: b"", False: b""}
    out = []
    for direction, data in chunks:
        buf = streams[direction] + data
        while buf:
            need = 9 if buf[0] == 129 else (8 + int.from_bytes(buf[5:8], "big") if len(buf) >= 8 else 1 << 30)
            if len(buf) < need:
                break
            out.append((direction, buf[:need]))
            buf = buf[need:]
        streams[direction] = buf
    return out


def _keep_repeats(pairs):
    """json hook: tshark -T json repeats keys (one "tls.record" per record)."""
    out = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


def _tls_records(layers):
    for tls in layers.get("tls", []):
        if isinstance(tls, dict):
            yield from (r for r in tls.get("tls.record", []) if isinstance(r, dict))


def tls_streams(pcap, keys, ports):
    """{tcp stream: report} for every TCP stream with a TLS record. report: "answered_hello"
    (a ServerHello was sent), "encrypted" (records with an opaque type, TLS 1.3), "undecrypted"
    (those the key log did not open: no inner content type), "decrypted" (a Finished message
    was read, which travels encrypted in TLS 1.2 and 1.3, and no record stayed closed)."""
    args = ["tshark", "-r", pcap, "-o", f"tls.keylog_file:{keys}", "-T", "json", "-J", "tcp tls"]
    for p in ports:
        args += ["-d", f"tcp.port=={p},tls"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    report = {}
    for pkt in json.loads(out, object_pairs_hook=_keep_repeats):
        layers = pkt["_source"][0]["layers"][0]
        records = list(_tls_records(layers))
        if not records:
            continue
        stream = int(layers["tcp"][0]["tcp.stream"][0])
        r = report.setdefault(stream, {"answered_hello": False, "finished": False,
                                       "encrypted": 0, "undecrypted": 0})
        for rec in records:
            types = [h.get("tls.handshake.type", [""])[0] for h in rec.get("tls.handshake", [])
                     if isinstance(h, dict)]
            r["answered_hello"] |= "2" in types
            r["finished"] |= "20" in types
            if "tls.record.opaque_type" in rec:
                r["encrypted"] += 1
                r["undecrypted"] += "tls.record.content_type" not in rec
    for r in report.values():
        r["decrypted"] = r["finished"] and r["undecrypted"] == 0
    return report


def decode(work, pcap, keys, ports, with_streams=False):
    """Returns (records, dissection text) for every TLS stream of the capture, and with
    with_streams the number of framing-header frames per TCP stream."""
    plain = os.path.join(work, "decrypted.pcap")
    n = 0
    per_stream = {}
    with open(plain, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for stream in _streams(pcap):
            chunks = _decrypted(pcap, keys, ports, stream)
            client = 20000 + stream
            seq = {True: 1000, False: 500000}
            frames = _frames(chunks)
            per_stream[stream] = len(frames)
            for direction, data in frames:
                sport, dport = (client, RELOAD_PORT) if direction else (RELOAD_PORT, client)
                p = _packet(sport, dport, seq[direction], seq[not direction], data)
                seq[direction] += len(data)
                f.write(struct.pack("<IIII", 1700000000 + n, 0, len(p), len(p)) + p)
                n += 1
    dissected = subprocess.run(["tshark", "-r", plain, "-V", *DISSECT],
                               capture_output=True, text=True, check=True).stdout
    with open(os.path.join(work, "dissected.txt"), "w") as f:
        f.write(dissected)
    return (n, dissected, per_stream) if with_streams else (n, dissected)
