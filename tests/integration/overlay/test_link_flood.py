"""Issue 13, finding 4: overlay link slots must not be taken before authentication. A ring of
three real `p2psip peer` processes holds a registration; an attacker opens 1,100 idle TCP
connections to one peer's overlay port from six loopback addresses (reopening every one the
peer closes, as an attacker keeping the pressure would) plus 20 from four more addresses that
send a real TLS ClientHello one byte every half second: more than the handshake budget, so
handshakes are refused per address, evicted and expired. Meanwhile other connections send
garbage or complete TLS with a certificate from another CA, again and again. While all this
goes on, every `p2psip lookup` through that peer must find the registration, a new peer must
join through it, and it keeps its verified links. The peer's p2psip_overlay_link_errors_total
counts the refused, evicted and expired handshakes (printed by the test)."""

import os
import selectors
import signal
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from harness import P2P_BIN, check, fail, run, temp_dir  # noqa: E402
from test_overlay_ring import OVERLAY, Node  # noqa: E402

IDLE = 1100
IDLE_SOURCES = [f"127.0.0.{i}" for i in range(2, 8)]
SLOW = 20
SLOW_SOURCES = [f"127.0.0.{i}" for i in range(50, 54)]
LOOKUPS = 8
AOR = f"alice@{OVERLAY}"
CONTACT = "sip:alice@192.0.2.10:5060"
REASONS = ("handshakes_per_source", "handshake_evicted", "handshake_timeout", "too_many_links",
           "handshake_failed", "bad_certificate")


def client_hello():
    """The bytes of a real TLS ClientHello (what a slow-handshake attacker trickles)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


class Attacker(threading.Thread):
    """Keeps IDLE silent connections and SLOW trickling ones open against one port. A connection
    the peer closes is opened again: at once if it had held a slot for a while, after 2 s if it
    was refused straight away (so a refusing peer is not hammered in a tight loop)."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.sel = selectors.DefaultSelector()
        self.hello = client_hello()
        self.stop_flag = threading.Event()
        self.opened = self.connected = self.closed_by_peer = self.open_now = 0
        self.peak_open = 0
        self.retry = []  # (when, kind, source)

    def open(self, kind, source):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((source, 0))
            s.connect_ex(("127.0.0.1", self.port))
        except OSError:
            s.close()
            self.retry.append((time.monotonic() + 2, kind, source))
            return
        self.sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE,
                          {"kind": kind, "source": source, "since": time.monotonic(), "sent": 0})
        self.opened += 1

    def close(self, s, data):
        self.sel.unregister(s)
        s.close()
        self.closed_by_peer += 1
        held = time.monotonic() - data["since"]
        self.retry.append((time.monotonic() + (0.2 if held > 1 else 2), data["kind"], data["source"]))

    def run(self):
        # In batches smaller than the listen backlog, each once the previous one is established
        # (or after a second): a burst past the backlog would only have its SYNs dropped.
        plan = [("slow", SLOW_SOURCES[i % len(SLOW_SOURCES)]) for i in range(SLOW)]
        plan += [("idle", IDLE_SOURCES[i % len(IDLE_SOURCES)]) for i in range(IDLE)]
        batch_at = 0
        next_trickle = time.monotonic()
        while not self.stop_flag.is_set():
            if plan and (self.connected >= self.opened or time.monotonic() > batch_at + 1):
                batch_at = time.monotonic()
                for kind, source in plan[:100]:
                    self.open(kind, source)
                plan = plan[100:]
            for key, events in self.sel.select(timeout=0.1):
                if events & selectors.EVENT_WRITE:  # the TCP connection is established
                    self.connected += 1
                    self.sel.modify(key.fileobj, selectors.EVENT_READ, key.data)
                    if not events & selectors.EVENT_READ:
                        continue
                try:
                    chunk = key.fileobj.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    self.close(key.fileobj, key.data)
            now = time.monotonic()
            if now >= next_trickle:  # one more ClientHello byte on every slow connection
                next_trickle = now + 0.5
                for key in list(self.sel.get_map().values()):
                    d = key.data
                    if d["kind"] == "slow" and d["sent"] < len(self.hello):
                        try:
                            d["sent"] += key.fileobj.send(self.hello[d["sent"]:d["sent"] + 1])
                        except OSError:
                            pass
            due = [r for r in self.retry if r[0] <= now]
            self.retry = [r for r in self.retry if r[0] > now]
            for _, kind, source in due:
                self.open(kind, source)
            self.open_now = len(self.sel.get_map())
            self.peak_open = max(self.peak_open, self.open_now)
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()


class Impostors(threading.Thread):
    """Over and over: a connection that sends garbage, and one that runs TLS with a
    certificate of another CA (for the same overlay name)."""

    def __init__(self, port, cert, key):
        super().__init__(daemon=True)
        self.port = port
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE
        self.ctx.load_cert_chain(cert, key)
        self.stop_flag = threading.Event()
        self.garbage = self.foreign = 0

    def connect(self, source):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5, source_address=(source, 0))
        return s

    def drain(self, s):
        try:
            while s.recv(4096):
                pass
        except (OSError, ssl.SSLError):
            pass
        s.close()

    def run(self):
        while not self.stop_flag.wait(0.05):  # pacing, not synchronisation
            try:
                s = self.connect("127.0.0.60")
                s.sendall(b"GET / HTTP/1.0\r\n\r\n" + os.urandom(200))
                self.drain(s)
                self.garbage += 1
                s = self.ctx.wrap_socket(self.connect("127.0.0.61"))
                self.drain(s)
                self.foreign += 1
            except (OSError, ssl.SSLError):
                self.foreign += 1  # refused during the handshake


def metric(node, reason):
    return node.metric("p2psip_overlay_link_errors_total", f'{{reason="{reason}"}}')


def wait_joined(node, timeout):
    deadline = time.monotonic() + timeout
    while node.status().get("state") != "joined":
        if time.monotonic() > deadline or not node.proc.alive():
            return False
        time.sleep(0.2)
    return True


def main():
    if not P2P_BIN:
        fail("P2P_BIN is not set")
    work = temp_dir("p2p-flood-")
    ca = os.path.join(work, "ca")
    check(run([P2P_BIN, "ca", "init", "--overlay", OVERLAY, "--dir", ca]).returncode == 0, "ca init")
    r = run([P2P_BIN, "ca", "issue", "--dir", ca, "--user", AOR, "--key-type", "ec",
             "--out", os.path.join(work, "alice")])
    check(r.returncode == 0, "a user certificate for the registration")
    user = (os.path.join(work, "alice.crt"), os.path.join(work, "alice.key"), os.path.join(ca, "ca.crt"))
    other = os.path.join(work, "other-ca")
    check(run([P2P_BIN, "ca", "init", "--overlay", OVERLAY, "--dir", other]).returncode == 0 and
          run([P2P_BIN, "ca", "issue", "--dir", other, "--user", f"mallory@{OVERLAY}", "--key-type", "ec",
               "--out", os.path.join(work, "mallory")]).returncode == 0,
          "a certificate from another CA for the same overlay name")
    peers = [Node(work, ca, f"peer{i}") for i in range(4)]
    target, newcomer = peers[0], peers[3]

    target.launch(work)
    check(wait_joined(target, 20), "the first peer runs")
    for p in peers[1:3]:
        p.launch(work, bootstrap=target)
        if not wait_joined(p, 30):
            fail(f"{p.name} did not join: {p.proc.output()[-2000:]}")

    def client(cmd, *args):
        cert, key, cafile = user
        return run([P2P_BIN, cmd, "--bootstrap", f"127.0.0.1:{target.port}", "--cert", cert,
                    "--key", key, "--ca", cafile, "--timeout", "8", *args], timeout=30)

    r = client("register", "--lifetime", "600", AOR, CONTACT)
    check(r.returncode == 0, f"registration stored through the target peer {r.stderr.strip()}")
    r = client("lookup", AOR)
    check(r.returncode == 0 and r.stdout.split() == [CONTACT], "found before the attack")
    before = {reason: metric(target, reason) for reason in REASONS}

    attacker = Attacker(target.port)
    attacker.start()
    impostors = Impostors(target.port, os.path.join(work, "mallory.crt"), os.path.join(work, "mallory.key"))
    impostors.start()
    deadline = time.monotonic() + 20
    while attacker.connected < IDLE + SLOW and time.monotonic() < deadline:
        time.sleep(0.1)
    check(attacker.connected >= IDLE + SLOW,
          f"the attacker connected {attacker.connected} times ({IDLE} idle, {SLOW} slow handshakes)")

    def lookup():
        t0 = time.monotonic()
        r = client("lookup", AOR)
        return r.returncode, r.stdout.strip(), r.stderr.strip()[-200:], time.monotonic() - t0

    # One after another: parallel clients with the same certificate share a Node-ID. Half at
    # once, half once the first held handshakes have expired and the attacker reopens them.
    results = [lookup() for _ in range(LOOKUPS // 2)]
    deadline = time.monotonic() + 20
    while metric(target, "handshake_timeout") <= before["handshake_timeout"] and time.monotonic() < deadline:
        time.sleep(0.5)
    results += [lookup() for _ in range(LOOKUPS - LOOKUPS // 2)]
    found = [x for x in results if x[0] == 0 and x[1].split() == [CONTACT]]
    print(f"lookups under attack: {len(found)}/{LOOKUPS} found; "
          f"durations {[round(x[3], 2) for x in results]}", flush=True)
    newcomer.launch(work, bootstrap=target)
    joined = wait_joined(newcomer, 40)
    attacker_state = (f"attacker: {attacker.opened} opened, {attacker.connected} connected, "
                      f"{attacker.closed_by_peer} closed by the "
                      f"peer, {attacker.open_now} open now (peak {attacker.peak_open})")
    after = {reason: metric(target, reason) for reason in REASONS}
    counts = {reason: int(after[reason] - before[reason]) for reason in REASONS}
    print(attacker_state + f"; {impostors.garbage} garbage and {impostors.foreign} foreign-CA "
                           f"connections", flush=True)
    print(f"new peer through the flooded peer: {'joined' if joined else 'did not join'}", flush=True)
    print(f"target peer's link_errors_total during the attack: {counts}", flush=True)
    others = {p.node_id for p in peers[1:]}
    deadline = time.monotonic() + 15
    while set(target.status().get("successors", [])) != others and time.monotonic() < deadline:
        time.sleep(0.2)
    ring_ok = set(target.status().get("successors", [])) == others
    attacker.stop_flag.set()
    impostors.stop_flag.set()
    attacker.join(10)
    impostors.join(10)

    bad = [x for x in results if x not in found]
    check(not bad, f"every lookup through the flooded peer found the registration "
                   f"({len(found)}/{LOOKUPS}); failures: {bad[:3]}")
    check(joined, f"a new peer joined through the flooded peer "
                  f"(state {newcomer.status().get('state')})")
    check(counts["handshakes_per_source"] > 0 and counts["handshake_timeout"] > 0,
          f"refused ({counts['handshakes_per_source']}), evicted ({counts['handshake_evicted']}) "
          f"and expired ({counts['handshake_timeout']}) handshakes are counted")
    check(counts["handshake_failed"] > 0 and counts["bad_certificate"] > 0,
          f"garbage ({counts['handshake_failed']}) and foreign certificates ({counts['bad_certificate']}) "
          f"are refused and counted")
    check(ring_ok, "the flooded peer's verified links stayed: its successors are the other three peers")
    check(target.proc.alive(), "the flooded peer is still running")
    for p in peers:
        p.proc.signal(signal.SIGTERM)
    for p in peers:
        rc = p.proc.wait(30)  # exit code, not speed: generous for a loaded machine
        check(rc == 0, f"{p.name} exits 0 on SIGTERM")
    print("PASS")


if __name__ == "__main__":
    main()
