"""The metrics port under idle and slow clients (issue 13, finding 5), against the real gateway:
- a pool of 64 idle TCP connections (each one the server closes is replaced at once) and 8
  slow-loris clients (a request head, one byte a second, reconnecting when closed): /health,
  /metrics and /status answer 200 all along, and the attackers are still at work (their
  threads end on any error other than the server closing them);
- with the pool gone, the server closes the slow-loris connections at the request-head
  deadline (p2psip_http_connections_closed_total{reason="head_timeout"});
- of 200 idle connections, all but the server's bound are evicted as newer ones arrive
  ({reason="evicted"}), and /health still answers.
Before the fix, 4 idle connections held civetweb's 4 worker threads for its 10 s request
timeout each, and the probes waited behind them (the first probe timed out)."""

import os
import select
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, start, temp_dir, wait_until  # noqa: E402

IDLE = 64
SLOW = 8
PROBE_TIMEOUT = 5.0  # seconds a probe may take: half the old 10 s stall
MAX_CONNECTIONS = 32  # metrics/http_server.h kMaxHttpConnections


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setblocking(False)
    return s


def state(sock):
    """'open', or 'closed' when the server ended the connection (EOF, reset or an answer)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return "open"
        sock.recv(4096, socket.MSG_PEEK)
        return "closed"
    except (ConnectionResetError, BrokenPipeError):
        return "closed"


def probe(port, path):
    """(status, body) of one GET on a fresh connection, or (None, reason)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT) as s:
            s.settimeout(PROBE_TIMEOUT)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as e:
        return None, repr(e)
    head, _, body = data.partition(b"\r\n\r\n")
    line = head.split(b"\r\n", 1)[0].split()
    if len(line) < 2:
        return None, f"no status line in {data[:80]!r}"
    return int(line[1]), body.decode(errors="replace")


def closed_total(reason):
    """p2psip_http_connections_closed_total{reason=...}: what the server says it closed."""
    status, text = probe(metrics_port, "/metrics")
    check(status == 200, "/metrics answers")
    series = f'p2psip_http_connections_closed_total{{reason="{reason}"}} '
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(series)]
    check(len(values) == 1, f"/metrics has {series.strip()}")
    return values[0]


class SlowLoris(threading.Thread):
    """Sends a request head one byte a second; reconnects when the server closes it."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.closed_by_server, self.sent = port, 0, 0
        self.stop = threading.Event()

    def run(self):
        payload = b"GET /health HTTP/1.1\r\nX-Slow: " + b"a" * 10_000
        s, i = None, 0
        while not self.stop.is_set():
            try:
                if s is None:
                    s, i = connect(self.port), 0
                if state(s) == "closed":
                    raise ConnectionResetError
                s.send(payload[i:i + 1])
                self.sent += 1
                i += 1
            except (ConnectionResetError, BrokenPipeError, BlockingIOError):
                self.closed_by_server += 1
                s.close()
                s = None
                continue  # reconnect at once
            except OSError:
                return  # cannot connect: is_alive() turns false and the test says so
            self.stop.wait(1.0)
        if s is not None:
            s.close()


class IdlePool(threading.Thread):
    """Holds `size` idle connections: each one the server closes is replaced by a new one (so
    the pressure lasts however the server sheds it). Counts the replacements."""

    def __init__(self, port, size):
        super().__init__(daemon=True)
        self.port, self.replaced, self.rounds = port, 0, 0
        self.socks = [connect(port) for _ in range(size)]
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def run(self):
        while not self.stop.wait(0.1):
            with self.lock:
                for i, s in enumerate(self.socks):
                    if state(s) == "closed":
                        s.close()
                        self.socks[i] = connect(self.port)
                        self.replaced += 1
                self.rounds += 1

    def states(self):
        with self.lock:
            return [state(s) for s in self.socks]


if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-health-")
sip, metrics_port, overlay = free_port(), free_port(), free_port()
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{sip}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{overlay}", "--data-dir", os.path.join(work, "data"),
            "--log-level", "info"], "gateway", work)
base = f"http://127.0.0.1:{metrics_port}"
wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 20, "/health")
check(gw.alive(), "gateway is running and healthy")

pool = IdlePool(metrics_port, IDLE)
check(all(st == "open" for st in pool.states()[-4:]), f"{IDLE} idle connections opened")
pool.start()
slow = [SlowLoris(metrics_port) for _ in range(SLOW)]
for t in slow:
    t.start()
wait_until(lambda: all(t.sent >= 1 for t in slow) and pool.rounds >= 3, 10,
           "every slow-loris client to send a byte and the idle pool to go round")


def probe_all(tries):
    for path, want in (("/health", '"status":"ok"'), ("/metrics", "p2psip_build_info"),
                       ("/status", '"node_id"')):
        for attempt in range(tries):
            status, body = probe(metrics_port, path)
            check(status == 200 and want in body,
                  f"{path} answers 200 under {IDLE} idle and {SLOW} slow clients (try {attempt + 1}: "
                  f"{status} {body[:60]!r})")
            check((pool.is_alive() or pool.stop.is_set()) and all(t.is_alive() for t in slow),
                  "the idle pool and the slow-loris clients are still at work")


probe_all(3)
states = pool.states()
print(f"idle connections after the probes: {states.count('open')} open, {pool.replaced} "
      f"replaced after the server closed them", flush=True)
pool.stop.set()
pool.join(5)
for s in pool.socks:
    s.close()

# Fewer slow clients than the server's bound: the head deadline must end them (the server
# counts why it closed a connection).
timed_out = closed_total("head_timeout")
seen = [t.closed_by_server for t in slow]
wait_until(lambda: closed_total("head_timeout") >= timed_out + SLOW and
           all(t.closed_by_server > n for t, n in zip(slow, seen)), 15,
           f"the server to close {SLOW} slow-loris connections at the request head deadline, "
           "and each slow-loris client to see its connection closed")
probe_all(1)
for t in slow:
    t.stop.set()
for t in slow:
    t.join(5)

# An outsider holds at most the server's bound: of 200 idle connections all but the bound are
# evicted as newer ones arrive (not merely timed out later).
evicted = closed_total("evicted")
many = [connect(metrics_port) for _ in range(200)]
wait_until(lambda: closed_total("evicted") >= evicted + 200 - MAX_CONNECTIONS, 10,
           f"the server to evict at least {200 - MAX_CONNECTIONS} of 200 idle connections")
check(sum(state(s) == "open" for s in many) <= MAX_CONNECTIONS,
      f"at most {MAX_CONNECTIONS} of 200 idle connections stay open")
status, body = probe(metrics_port, "/health")
check(status == 200, f"/health answers with 200 idle connections opened ({status})")
for s in many:
    s.close()

check(gw.stop(10) == 0, "gateway exits 0 on SIGTERM")
print("PASS")
