"""TLS-TCP-FH-NO-ICE overlay links (RFC 6940 §6.6.2, §6.6.5): TLS over TCP carrying framed
messages, each data frame acknowledged. A Link owns one TLS socket and a reader thread; every
frame sent or received is kept (plain bytes) so a session can be dissected by tshark later."""

import socket
import ssl
import threading
import time

from cryptography import x509

from reload_codec import FRAME_ACK, FRAME_DATA, DecodeError, frame_ack, frame_data, split_frames
from reload_security import cert_identities


def tls_contexts(cert, key, ca, keylog=None):
    """(server, client) contexts. §6.5.1.13: the server MUST request client authentication; both
    sides check the other's certificate against the overlay CA. Host names play no part: the
    Node-ID in the certificate is what is checked."""
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    for ctx in (server, client):
        ctx.load_cert_chain(cert, key)
        ctx.load_verify_locations(ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
        if keylog:
            ctx.keylog_filename = keylog
    return server, client


class Link:
    """One overlay link. on_message(link, bytes) is called on the reader thread for each data
    frame, after its ACK has been sent."""

    def __init__(self, sock, role, on_message, capture, label):
        self.sock, self.role, self.label = sock, role, label
        der = sock.getpeercert(binary_form=True)
        self.peer_cert = x509.load_der_x509_certificate(der)
        nodes, users = cert_identities(self.peer_cert)
        self.peer_ids, self.peer_users = nodes, users
        self.peer_id = nodes[0] if nodes else None
        self.on_message, self.capture = on_message, capture
        self.send_lock = threading.Lock()
        self.next_seq = 0          # §6.6.2: "Initially, the value is zero"
        self.received = []         # the 32 most recent sequence numbers received
        self.rx_seqs = []          # every data sequence number received, in order
        self.acked = set()         # sequence numbers the other side acknowledged
        self.acks_cv = threading.Condition()
        self.closed = threading.Event()
        self.closed_at = None
        self.created = time.monotonic()
        self.last_rx = time.monotonic()
        self.thread = threading.Thread(target=self._read_loop, daemon=True, name=f"link-{label}")
        self.thread.start()

    def send(self, message):
        with self.send_lock:
            seq = self.next_seq
            self.next_seq = (self.next_seq + 1) & 0xFFFFFFFF
            frame = frame_data(seq, message)
            self.capture.record(self, True, frame)
            try:
                self.sock.sendall(frame)
            except OSError:
                self.closed.set()
                return None
        return seq

    def _ack(self, seq):
        # §6.6.2 received: for each of the previous 32 packets M with N-32 < M < N, "the N-M
        # bit" is set. Bit N-M counted from the least significant bit as bit 0 (the RFC does not
        # number the bits; a receiver of our ACKs learns only redundancy from them).
        bits = 0
        for m in self.received:
            if seq - 32 < m < seq:
                bits |= 1 << (seq - m)
        bits &= 0xFFFFFFFF
        self.received = (self.received + [seq])[-32:]
        frame = frame_ack(seq, bits)
        with self.send_lock:
            self.capture.record(self, True, frame)
            try:
                self.sock.sendall(frame)
            except OSError:
                self.closed.set()

    def _read_loop(self):
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                self.last_rx = time.monotonic()
                buf += chunk
                frames, buf = split_frames(buf)
                for ftype, fields in frames:
                    if ftype == FRAME_DATA:
                        seq, message = fields
                        self.rx_seqs.append(seq)
                        self.capture.record(self, False, frame_data(seq, message))
                        self._ack(seq)
                        self.on_message(self, message)
                    elif ftype == FRAME_ACK:
                        self.capture.record(self, False, frame_ack(*fields))
                        with self.acks_cv:
                            self.acked.add(fields[0])
                            self.acks_cv.notify_all()
        except (OSError, ssl.SSLError, DecodeError, ValueError):
            pass
        finally:
            if not self.closed.is_set():
                self.closed_at = time.monotonic()
            self.closed.set()

    def wait_acked(self, seq, timeout):
        deadline = time.monotonic() + timeout
        with self.acks_cv:
            while seq not in self.acked:
                left = deadline - time.monotonic()
                if left <= 0 or self.closed.is_set():
                    return seq in self.acked
                self.acks_cv.wait(min(left, 0.2))
            return True

    def close(self):
        self.closed.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass


class Capture:
    """Every framed message of every link, in order: [(link label, outgoing, frame bytes)]."""

    def __init__(self):
        self.lock = threading.Lock()
        self.frames = []

    def record(self, link, outgoing, frame):
        with self.lock:
            self.frames.append((link.label, outgoing, bytes(frame)))


def connect(client_ctx, host, port, timeout=10):
    raw = socket.create_connection((host, port), timeout=timeout)
    tls = client_ctx.wrap_socket(raw, server_side=False)
    tls.settimeout(None)
    return tls
