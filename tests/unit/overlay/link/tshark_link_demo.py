#!/usr/bin/env python3
"""tshark demo of a real link (DESIGN.md §7). Needs root (capture on lo) and tshark.

Runs the "link demo" case of unit_link (a RELOAD Ping request and answer over a TLS link on
port 6084) while tshark captures lo, decrypts the capture with the SSLKEYLOGFILE the links
wrote, turns the decrypted stream back into a plain TCP capture and dissects it as RELOAD
framing: the data frames (sequence 0) with their Ping messages and the ack frames.

usage: tshark_link_demo.py /path/to/unit_link [port]
"""

import os
import re
import struct
import subprocess
import sys
import tempfile
import time

CLIENT_PORT = 40001


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def packet(sport, dport, seq, ack, payload):
    lo = bytes([127, 0, 0, 1])
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x18, 65535, 0, 0)
    pseudo = struct.pack("!4s4sBBH", lo, lo, 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6,
                     0, lo, lo)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp + payload


def decrypted_chunks(pcap, keys, port):
    out = subprocess.run(["tshark", "-r", pcap, "-o", f"tls.keylog_file:{keys}",
                          "-d", f"tcp.port=={port},tls", "-q", "-z", "follow,tls,raw,0"],
                         capture_output=True, text=True, check=True).stdout
    chunks = []
    for line in out.splitlines():
        text = line.strip()
        if not text or not re.fullmatch(r"[0-9a-f]+", text):
            continue
        chunks.append((line.startswith("\t"), bytes.fromhex(text)))  # tab: client -> server
    return chunks


def frames(chunks):
    """Re-cuts each direction's byte stream at framing-header boundaries, one frame per packet."""
    streams = {True: b"", False: b""}
    out = []
    for to_server, data in chunks:
        streams[to_server] += data
        buf = streams[to_server]
        while buf:
            need = 9 if buf[0] == 129 else (8 + int.from_bytes(buf[5:8], "big") if len(buf) >= 8 else 1 << 30)
            if len(buf) < need:
                break
            out.append((to_server, buf[:need]))
            buf = buf[need:]
        streams[to_server] = buf
    return out


def write_pcap(path, chunks, port):
    seq = {True: 1000, False: 5000}
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (to_server, data) in enumerate(chunks):
            sport, dport = (CLIENT_PORT, port) if to_server else (port, CLIENT_PORT)
            p = packet(sport, dport, seq[to_server], seq[not to_server], data)
            seq[to_server] += len(data)
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(p), len(p)) + p)


def main():
    binary = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 6084
    work = tempfile.mkdtemp(prefix="p2p-link-demo-")
    keys, capture = os.path.join(work, "keys.log"), os.path.join(work, "link.pcapng")
    err = open(os.path.join(work, "tshark.err"), "w+")
    tshark = subprocess.Popen(["tshark", "-q", "-i", "lo", "-f", f"tcp port {port}", "-w", capture],
                              stderr=err)
    try:
        for _ in range(100):  # until dumpcap says it is capturing
            err.seek(0)
            if "Capturing on" in err.read():
                break
            time.sleep(0.1)
        env = dict(os.environ, SSLKEYLOGFILE=keys, P2PSIP_LINK_DEMO_PORT=str(port))
        subprocess.run([binary, "-tc=link demo*"], env=env, check=True, capture_output=True)
        time.sleep(0.5)  # the last packets reach the file
    finally:
        tshark.terminate()
        tshark.wait()
    print(f"key log: {sum(1 for _ in open(keys))} lines")
    chunks = decrypted_chunks(capture, keys, port)
    plain = os.path.join(work, "decrypted.pcap")
    write_pcap(plain, frames(chunks), port)
    dissected = subprocess.run(["tshark", "-r", plain, "-V", "-o",
                                "reload.topology_plugin:CHORD-RELOAD",
                                "-d", f"tcp.port=={port},reload-framing"],
                               capture_output=True, text=True, check=True).stdout
    with open(os.path.join(work, "dissected.txt"), "w") as f:
        f.write(dissected)
    wanted = [r"DATA \(128\)", r"ACK \(129\)", r"\(ping_req\)", r"\(ping_ans\)"]
    for line in dissected.splitlines():
        if re.search(r"FramedMessageType|sequence \(uint32|received \(|message_code", line):
            print(line)
    missing = [w for w in wanted if not re.search(w, dissected)]
    print(f"decrypted {len(chunks)} TLS records; dissection in {work}/dissected.txt")
    if missing or "Malformed" in dissected:
        print(f"FAIL: missing {missing}" if missing else "FAIL: malformed packet")
        return 1
    print("ok: RELOAD framing (data + ack) and the Ping messages dissect")
    return 0


if __name__ == "__main__":
    sys.exit(main())
