"""Issue 13 finding 3: one datagram must not freeze the event loop, and no reply may go to a
third party named in Via.

Sofia's own error replies (505 for another SIP version, 400 for an unparsable CSeq, and the
gateway's own stateless errors) go to the top Via's maddr/received/host; a host name there was
resolved with a blocking getaddrinfo() on the loop. The gateway runs here in its own mount
namespace whose /etc/resolv.conf names a DNS stub on 127.53.x.y:53 that records every query and
never answers (timeout 30 s): a resolution on the loop would hold the loop for 30 s.

For each attack, sent from 127.0.0.2: the reply (if any) reaches the attacker's own address,
the DNS stub has seen no query, a "victim" socket on 127.0.0.3 named in Via/received/maddr
gets nothing, and a legitimate OPTIONS from 127.0.0.1 sent right after the attack gets its 200
before the stub's resolver timeout could have elapsed (it is in fact answered at once; on a
frozen loop it would only come after the stub's query plus 30 s). Needs root (unshare, a
bind mount, port 53); exit 77 otherwise.
On the unfixed gateway (Debian's Sofia 1.12.11) these froze the loop: another SIP version
(505), a bad CSeq with a Via transport other than UDP (400), a maddr name; and a 505 went to a
victim named in maddr/received, a 400 to a victim named as sent-by with a wrong transport."""

import os
import random
import socket
import sys
import threading
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity  # noqa: E402

RESOLVER_TIMEOUT = 30  # s, the stub never answers: a frozen loop stays frozen this long

if not P2P_BIN:
    fail("P2P_BIN not set")
if os.geteuid() != 0 or not os.path.exists("/usr/bin/unshare"):
    print("SKIP: needs root and unshare (a private /etc/resolv.conf for the gateway)")
    sys.exit(77)
work = temp_dir("p2p-edge-sofia-")
sip_tools.set_workdir(work)
probe = os.path.join(work, "probe.conf")
with open(probe, "w") as f:
    f.write("# probe\n")
if run(["unshare", "-m", "sh", "-c", f"mount --bind {probe} /etc/resolv.conf && grep -q probe /etc/resolv.conf"],
       timeout=10).returncode != 0:
    print("SKIP: cannot give the gateway its own /etc/resolv.conf (unshare -m, mount --bind)")
    sys.exit(77)


class DnsStub:
    """UDP port 53 on a random 127.53/16 address: records (time, bytes) of every query."""

    def __init__(self):
        for _ in range(50):
            self.ip = f"127.53.{random.randint(1, 254)}.{random.randint(1, 254)}"
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                self.sock.bind((self.ip, 53))
                break
            except OSError:
                self.sock.close()
        else:
            fail("no free 127.53.x.y:53 for the DNS stub")
        self.queries = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            data, _ = self.sock.recvfrom(4096)
            self.queries.append((time.monotonic(), data))


stub = DnsStub()
resolv = os.path.join(work, "resolv.conf")
with open(resolv, "w") as f:
    f.write(f"nameserver {stub.ip}\noptions timeout:{RESOLVER_TIMEOUT} attempts:1\n")

gw_port, metrics_port, overlay_port = free_port(), free_port(), free_port()
_, gw_identity = gateway_identity("gateway")
gw_cmd = " ".join([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
                   "--metrics-listen", f"127.0.0.1:{metrics_port}",
                   "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
                   "--data-dir", os.path.join(work, "data"), "--log-level", "debug", *gw_identity])
# unshare execs sh, sh execs the gateway: the PID we hold is the gateway's.
gw = start(["unshare", "-m", "sh", "-c", f"mount --bind {resolv} /etc/resolv.conf && exec {gw_cmd}"],
           "gateway", work)
wait_until(lambda: http_get(f"http://127.0.0.1:{metrics_port}/health")[0] == 200 or not gw.alive(),
           30, "gateway /health")
check(gw.alive(), "the gateway runs with a resolver that never answers")
check(not stub.queries, "starting the gateway resolved no name")


def udp(ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, 0))
    return s, s.getsockname()[1]


def final_reply(sock, wait):
    """The first non-1xx reply on sock within `wait` s, or None."""
    sock.settimeout(wait)
    try:
        while True:
            data = sock.recv(65535).decode(errors="replace")
            if not data.startswith("SIP/2.0 1"):
                return data
    except socket.timeout:
        return None


def legit_options():
    n = time.time_ns()
    s, port = udp("127.0.0.1")
    s.sendto((f"OPTIONS sip:127.0.0.1:{gw_port} SIP/2.0\r\n"
              f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK-legit{n};rport\r\n"
              f"From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1:{gw_port}>\r\n"
              f"Call-ID: legit{n}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
              "Content-Length: 0\r\n\r\n").encode(), ("127.0.0.1", gw_port))
    return s


def attack(name, start_line, via, cseq="1 OPTIONS", extra="Max-Forwards: 70\r\n", expect=None):
    """Sends one attack datagram from 127.0.0.2 and at once a legitimate OPTIONS. `via` may
    use LPORT (the attacker's port), VIP/VPORT (the victim's address)."""
    a, aport = udp("127.0.0.2")
    v, vport = udp("127.0.0.3")
    via = via.replace("LPORT", str(aport)).replace("VIP", "127.0.0.3").replace("VPORT", str(vport))
    n = time.time_ns()
    msg = (f"{start_line}\r\nVia: {via};branch=z9hG4bK-{n}\r\nFrom: <sip:a@x.example>;tag=1\r\n"
           f"To: <sip:bob@{DOMAIN}>\r\nCall-ID: {n}@x.example\r\nCSeq: {cseq}\r\n{extra}"
           "Content-Length: 0\r\n\r\n")
    queries_before = len(stub.queries)
    sent = time.monotonic()
    a.sendto(msg.encode(), ("127.0.0.1", gw_port))
    probe = legit_options()
    answer = final_reply(probe, RESOLVER_TIMEOUT / 3)
    answered = time.monotonic()
    new = stub.queries[queries_before:]
    if new:  # the loop resolved a name: the legit answer must not have waited for the stub
        limit = new[0][0] + RESOLVER_TIMEOUT
        print(f"  {name}: the gateway asked the DNS stub {len(new)}x, {new[0][0] - sent:.2f}s after the attack")
        check(answer is not None and answered < limit,
              f"{name}: the legit OPTIONS is answered before the resolver timeout")
    check(answer is not None and answer.startswith("SIP/2.0 200"),
          f"{name}: a legit OPTIONS sent right after the attack gets 200 ({(answered - sent):.3f}s)")
    reply = final_reply(a, 2) if expect else None
    first = reply.split("\r\n", 1)[0] if reply else None
    if expect:
        check(first is not None and first.startswith(f"SIP/2.0 {expect}"),
              f"{name}: the attacker's own address gets {expect} ({first})")
    check(final_reply(v, 0.2) is None, f"{name}: nothing reaches the third party named in Via")
    check(len(stub.queries) == queries_before, f"{name}: Sofia resolved no name (DNS stub saw no query)")
    for s in (a, v, probe):
        s.close()


SLOW = "slow.attacker.example"
# The datagram of the issue (host name in Via, another SIP version): 505 to the source.
attack("bad SIP version", f"OPTIONS sip:{DOMAIN} SIP/7.0", f"SIP/2.0/UDP {SLOW}:LPORT", expect=505)
attack("bad SIP version, rport", f"OPTIONS sip:{DOMAIN} SIP/7.0", f"SIP/2.0/UDP {SLOW}:5060;rport",
       expect=505)
# A Via transport other than the one it came over: dropped or answered to the source.
attack("wrong Via transport", f"OPTIONS sip:{DOMAIN} SIP/2.0", f"SIP/2.0/TCP {SLOW}:LPORT")
attack("wrong Via transport, bad version", f"OPTIONS sip:{DOMAIN} SIP/7.0", f"SIP/2.0/TCP {SLOW}:LPORT;rport")
# Sofia's 400 before the application sees the request.
attack("unparsable CSeq", f"OPTIONS sip:{DOMAIN} SIP/2.0", f"SIP/2.0/UDP {SLOW}:LPORT", cseq="x OPTIONS",
       expect=400)
# nta checks the Via transport before it adds received=, so with both errors its 400 went to
# the Via host.
attack("unparsable CSeq, wrong Via transport", f"OPTIONS sip:{DOMAIN} SIP/2.0",
       f"SIP/2.0/TCP {SLOW}:LPORT", cseq="x OPTIONS", expect=400)
# (nta's stateless reply honours rport only for a UDP Via: this 400 goes to the source address
# at the Via's port, where the attacker does not listen; never to the victim.)
attack("victim as sent-by, bad CSeq, wrong transport", f"OPTIONS sip:{DOMAIN} SIP/2.0",
       "SIP/2.0/TCP VIP:VPORT;rport", cseq="x OPTIONS")
# Well-formed requests the proxy answers itself with an error (483, 400 for a CSeq method
# mismatch): a name in Via.
attack("483 from the proxy", f"MESSAGE sip:bob@{DOMAIN} SIP/2.0", f"SIP/2.0/UDP {SLOW}:LPORT",
       cseq="1 MESSAGE", extra="Max-Forwards: 0\r\n", expect=483)
attack("400 from the proxy", f"MESSAGE sip:bob@{DOMAIN} SIP/2.0", f"SIP/2.0/UDP {SLOW}:LPORT;rport",
       cseq="1 INVITE", expect=400)
# A third party named as maddr, received or sent-by: the reply goes to the source only.
attack("maddr/received of a victim", f"OPTIONS sip:{DOMAIN} SIP/7.0",
       "SIP/2.0/UDP VIP:VPORT;maddr=VIP;received=VIP;rport", expect=505)
attack("victim as sent-by, bad CSeq", f"OPTIONS sip:{DOMAIN} SIP/2.0", "SIP/2.0/UDP VIP:VPORT;rport",
       cseq="x OPTIONS", expect=400)
# The same, each parameter twice: a reply carries a copy of the Via, whose fields come from the
# parameters, the last one winning (found by tests/fuzz/sip/fuzz_sip_message).
attack("repeated maddr/received/rport of a victim", f"OPTIONS sip:{DOMAIN} SIP/7.0",
       "SIP/2.0/UDP VIP:VPORT;maddr=127.0.0.2;maddr=VIP;received=127.0.0.2;received=VIP;rport;rport=VPORT",
       expect=505)
attack("maddr name", f"OPTIONS sip:{DOMAIN} SIP/7.0", f"SIP/2.0/UDP 127.0.0.2:LPORT;maddr={SLOW}",
       expect=505)


def attack_tcp_closed():
    """Over TCP, closed right after sending: the reply cannot use the connection, so nta would
    open a new one to the Via's host."""
    queries_before = len(stub.queries)
    c = socket.create_connection(("127.0.0.1", gw_port), source_address=("127.0.0.2", 0))
    n = time.time_ns()
    c.sendall((f"OPTIONS sip:{DOMAIN} SIP/7.0\r\nVia: SIP/2.0/TCP {SLOW}:5060;branch=z9hG4bK-{n}\r\n"
               f"From: <sip:a@x.example>;tag=1\r\nTo: <sip:bob@{DOMAIN}>\r\nCall-ID: {n}@x\r\n"
               "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode())
    c.close()
    probe = legit_options()
    answer = final_reply(probe, RESOLVER_TIMEOUT / 3)
    check(answer is not None and answer.startswith("SIP/2.0 200"),
          "TCP, closed at once: a legit OPTIONS right after gets 200")
    check(len(stub.queries) == queries_before, "TCP, closed at once: Sofia resolved no name")
    probe.close()


attack_tcp_closed()
check(gw.alive(), "the gateway is still running")
check(not stub.queries, "no DNS query at all during the test")
check(gw.stop(10) == 0, "gateway exits 0 on SIGTERM")
print("PASS")
