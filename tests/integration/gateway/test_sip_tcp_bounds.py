"""Issue 13 finding 6: SIP over TCP is bounded. Real TCP connections to a real gateway:
- 200 connections each holding an unfinished request of 60 KB are closed by the gateway
  within a bound (polled); the gateway's RSS grows by far less than their number times the
  old 2 MB message limit (numbers printed);
- a request bigger than the message limit is refused: 413 or the connection closes before
  all of it is taken;
- connections that trickle one byte every 0.2 s (never stalled, never complete) are closed;
- idle connections that never sent a byte are closed;
- connections from one address beyond the per-address cap are closed at once (the newest),
  and beyond the total cap as well, while a client from another address still gets 200.
Limits for the test: --sip-tcp-max-per-ip 50, --sip-tcp-max-connections 260."""

import os
import select
import socket
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity, metric  # noqa: E402

PER_IP, TOTAL = 50, 260
OLD_LIMIT = 2 * 1024 * 1024  # nta's default message size limit, before the fix
BOUND = 60  # s: how long the test polls for connections to be closed (they close in ~10 s)

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-tcp-bounds-")
sip_tools.set_workdir(work)

gw_port, metrics_port, overlay_port = free_port(), free_port(), free_port()
_, gw_identity = gateway_identity("gateway")
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
            "--data-dir", os.path.join(work, "data"), "--log-level", "info",
            "--sip-tcp-max-per-ip", str(PER_IP), "--sip-tcp-max-connections", str(TOTAL),
            *gw_identity], "gateway", work)
wait_until(lambda: http_get(f"http://127.0.0.1:{metrics_port}/health")[0] == 200 or not gw.alive(),
           30, "gateway /health")
check(gw.alive(), "the gateway started")


def rss_kb():
    with open(f"/proc/{gw.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def connect(source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close
    s.bind((source, 0))
    s.connect(("127.0.0.1", gw_port))
    return s


def closed_by_peer(s):
    """True once the gateway closed (FIN or RST); reads and drops anything before that."""
    try:
        while select.select([s], [], [], 0)[0]:
            if not s.recv(65536):
                return True
    except (ConnectionResetError, OSError):
        return True
    return False


def open_ones(socks):
    return [s for s in socks if not closed_by_peer(s)]


def head(n):
    return (f"INVITE sip:bob@{DOMAIN} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-{n}\r\n"
            f"From: <sip:a@x>;tag=1\r\nTo: <sip:bob@{DOMAIN}>\r\nCall-ID: {n}@x\r\nCSeq: 1 INVITE\r\n"
            "Max-Forwards: 70\r\n").encode()


def legit_options(source):
    """An OPTIONS over a new TCP connection from `source`: the status line, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(5)
    try:
        s.connect(("127.0.0.1", gw_port))
        port = s.getsockname()[1]
        n = time.time_ns()
        s.sendall((f"OPTIONS sip:127.0.0.1:{gw_port} SIP/2.0\r\n"
                   f"Via: SIP/2.0/TCP {source}:{port};branch=z9hG4bK-ok{n};rport\r\n"
                   f"From: <sip:probe@{source}>;tag=1\r\nTo: <sip:127.0.0.1:{gw_port}>\r\n"
                   f"Call-ID: ok{n}@x\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                   "Content-Length: 0\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0].decode() if data else None
    except OSError:
        return None
    finally:
        s.close()


def wait_closed(socks, what, tick=None):
    start_t = time.monotonic()
    deadline = start_t + BOUND
    left = socks
    while time.monotonic() < deadline:
        left = open_ones(left)
        if not left:
            took = time.monotonic() - start_t
            print(f"  {what}: all {len(socks)} closed by the gateway after {took:.1f} s")
            return took
        if tick:
            tick(left)
        time.sleep(0.2)
    fail(f"{what}: {len(left)} of {len(socks)} still open after {BOUND} s")


# 1. 200 unfinished requests of 60 KB each (under the 64 KiB limit), from 4 addresses.
rss0 = rss_kb()
half = []
pad = b"X-Pad: " + b"a" * 60_000 + b"\r\n"
for i in range(200):
    s = connect(f"127.0.1.{1 + i % 4}")
    s.sendall(head(f"half{i}") + pad)  # no blank line: the request never ends
    half.append(s)
check(legit_options("127.0.0.3") == "SIP/2.0 200 OK", "with 200 half-sent requests open a client still gets 200")
rss_peak = rss_kb()
wait_closed(half, "200 half-sent requests")
rss_after = rss_kb()
print(f"  RSS: {rss0} kB before, {rss_peak} kB with 200 x 60 KB half-sent requests "
      f"(+{(rss_peak - rss0) / 1024:.1f} MB), {rss_after} kB after they were closed")
check(rss_peak - rss0 < 200 * OLD_LIMIT // 1024 // 8,
      f"RSS grew by {(rss_peak - rss0) / 1024:.1f} MB, far less than 200 x the old 2 MB limit (400 MB)")
for s in half:
    s.close()

# 2. A complete request bigger than the message limit (a 200 KB MESSAGE body; the old limit
# took it): refused with 413 or the connection closed, never handled.
big = connect("127.0.2.1")
big.settimeout(BOUND)
body = b"m" * 200_000
n = time.time_ns()
reply = b""
try:
    big.sendall((f"MESSAGE sip:bob@{DOMAIN} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.2.1:5060;branch=z9hG4bK-big{n}\r\n"
                 f"From: <sip:a@x>;tag=1\r\nTo: <sip:bob@{DOMAIN}>\r\nCall-ID: big{n}@x\r\nCSeq: 1 MESSAGE\r\n"
                 f"Max-Forwards: 70\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n").encode()
                + body)
    while True:
        data = big.recv(65536)
        if not data:
            break
        reply += data
except OSError:
    pass
statuses = [line.decode() for line in reply.split(b"\r\n") if line.startswith(b"SIP/2.0 ")]
print(f"  over-size: the gateway answered {statuses or 'nothing'} and closed")
check(all(st.startswith("SIP/2.0 413") for st in statuses),
      f"a 200 KB request is refused: 413 or closed, not handled ({statuses})")
big.close()

# 3. Trickling one byte every 0.2 s: never stalled, never complete.
drip = [connect("127.0.3.1") for _ in range(20)]
drip_data = head("drip") + b"X-Slow: " + b"s" * 100_000


def trickle(left):
    global drip_pos
    for s in left:
        try:
            s.send(drip_data[drip_pos:drip_pos + 1])
        except OSError:
            pass
    drip_pos += 1


drip_pos = 0
wait_closed(drip, "20 connections trickling a byte every 0.2 s", tick=trickle)
for s in drip:
    s.close()

# 4. Idle connections that never send a byte.
idle = [connect(f"127.0.4.{1 + i % 4}") for i in range(200)]
wait_closed(idle, "200 idle connections")
for s in idle:
    s.close()

# 5. Per-address cap: 70 from 127.0.0.2, the 20 newest close at once; 127.0.0.3 still served.
many = [connect("127.0.0.2") for _ in range(PER_IP + 20)]
wait_until(lambda: len(open_ones(many)) <= PER_IP, 10, "the per-address cap")
left = open_ones(many)
check(len(left) == PER_IP, f"{PER_IP + 20} connections from one address: {len(left)} stay open (cap {PER_IP})")
check(all(not closed_by_peer(s) for s in many[:PER_IP]), "the oldest ones are those kept")
check(legit_options("127.0.0.3") == "SIP/2.0 200 OK", "a client from another address still gets 200")
for s in many:
    s.close()

# 6. Total cap: 6 addresses x 45 = 270 > 260: the newest 10 close; another address is served.
crowd = [connect(f"127.0.5.{1 + i // 45}") for i in range(270)]
wait_until(lambda: len(open_ones(crowd)) <= TOTAL, 10, "the total cap")
check(len(open_ones(crowd)) == TOTAL, f"270 connections: {len(open_ones(crowd))} stay open (cap {TOTAL})")
check(legit_options("127.0.0.3") == "SIP/2.0 200 OK", "at the total cap a new client that sends a request gets 200")
for s in crowd:
    s.close()

_, text = http_get(f"http://127.0.0.1:{metrics_port}/metrics")
closed = {r: metric(text, "p2psip_sip_connections_closed_total", f'{{reason="{r}"}}') or 0
          for r in ("no_request", "per_ip", "total")}
print(f"  p2psip_sip_connections_closed_total: {closed}")
check(closed["per_ip"] >= 20 and closed["total"] >= 10 and closed["no_request"] >= 220,
      "every connection the gateway closed is counted by reason")
check(gw.alive(), "the gateway is still running")
check(gw.stop(10) == 0, "gateway exits 0 on SIGTERM")
print("PASS")
