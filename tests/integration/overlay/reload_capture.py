"""Capture overlay traffic on lo and check it with Wireshark's RELOAD dissector (DESIGN.md §7):
decrypt every TLS stream with the links' key logs (-z follow,tls,raw,N), rebuild a plain TCP
capture on port 6084 with one framing-header frame per packet, dissect it as RELOAD framing
(CHORD-RELOAD), and report the message codes seen and any malformed frame."""

import atexit
import os
import re
import struct
import subprocess
import time

RELOAD_PORT = 6084


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


def decode(work, pcap, keys, ports):
    """Returns (records, dissection text) for every TLS stream of the capture."""
    plain = os.path.join(work, "decrypted.pcap")
    n = 0
    with open(plain, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for stream in _streams(pcap):
            chunks = _decrypted(pcap, keys, ports, stream)
            client = 20000 + stream
            seq = {True: 1000, False: 500000}
            for direction, data in _frames(chunks):
                sport, dport = (client, RELOAD_PORT) if direction else (RELOAD_PORT, client)
                p = _packet(sport, dport, seq[direction], seq[not direction], data)
                seq[direction] += len(data)
                f.write(struct.pack("<IIII", 1700000000 + n, 0, len(p), len(p)) + p)
                n += 1
    dissected = subprocess.run(["tshark", "-r", plain, "-V", "-o", "reload.topology_plugin:CHORD-RELOAD",
                                "-d", f"tcp.port=={RELOAD_PORT},reload-framing"],
                               capture_output=True, text=True, check=True).stdout
    with open(os.path.join(work, "dissected.txt"), "w") as f:
        f.write(dissected)
    return n, dissected
