"""The gateway's own INVITE client transaction to a UDP next hop (RFC 3261 §17.1.1, §9.1;
gateway/sip/invite_client.h), with the real `p2psip gateway` on loopback and a caller and a
callee written here on raw UDP sockets (to see each datagram):
- the INVITE reaches the callee with the gateway's branch (z9hG4bK-p2pic-...) and, unanswered,
  comes again with the same branch (Timer A);
- the caller's CANCEL reaches the callee only once the callee sent a 180, as a CANCEL of that
  branch (§9.1: same branch, CSeq number, Call-ID, From, To, Request-URI, a single Via);
- the callee's 487 gets an ACK of that branch with the 487's To-tag (§17.1.1.3) and goes on to
  the caller; the 487 retransmitted gets the ACK again and is not passed on;
- a second call answered 200 reaches the caller, and the 200 retransmitted reaches it again
  (RFC 6026's Accepted state: the proxy forwards 2xx retransmissions, no ACK from the gateway).
"""

import os
import re
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, finish, http_get, temp_dir  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import (DOMAIN, answer_to, header_values, metric, raw, receive_starting,  # noqa: E402
                       request, static_gateway, udp_socket, waiting_datagram)

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-invite-client-")
sip_tools.set_workdir(work)

caller, caller_port = udp_socket()
callee, callee_port = udp_socket()
gw, gw_port, base = static_gateway([(f"carol@{DOMAIN}", f"sip:carol@127.0.0.1:{callee_port}")])
check(gw.alive(), "gateway is running")
GW = ("127.0.0.1", gw_port)


def receive(sock, want, what):
    return receive_starting(sock, want, what, gw)


def branch_of(request):
    return re.search(r"branch=([^;\s]+)", header_values(request, "Via")[0]).group(1)


def invite(call_id, caller_branch):
    return (f"INVITE sip:carol@{DOMAIN} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{caller_port};branch={caller_branch}\r\n"
            f"From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:carol@{DOMAIN}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
            f"Contact: <sip:alice@127.0.0.1:{caller_port}>\r\nContent-Length: 0\r\n\r\n").encode()


def nothing_more(sock, what):
    """No datagram starting with `what` waits on `sock` (others are read and skipped)."""
    sock.setblocking(False)
    try:
        while (data := waiting_datagram(sock)) is not None:
            if data.decode(errors="replace").startswith(what):
                return False
        return True
    finally:
        sock.settimeout(5)


# --- Timer A: the unanswered INVITE comes again with the same branch -------------------------
call_id = f"ic-{time.time_ns()}@127.0.0.1"
caller_branch = f"z9hG4bK-inv-{time.time_ns()}"
caller.sendto(invite(call_id, caller_branch), GW)
first = receive(callee, "INVITE ", "the INVITE at the callee")
branch = branch_of(first)
check(branch.startswith("z9hG4bK-p2pic-"), f"the INVITE carries the gateway's own branch ({branch})")
again = receive(callee, "INVITE ", "the INVITE retransmitted (Timer A)")
check(branch_of(again) == branch, "the retransmission has the same branch (§17.1.1.2)")

# --- CANCEL: held until the 180 (§9.1), then with the INVITE's branch --------------------------
caller.sendto((f"CANCEL sip:carol@{DOMAIN} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{caller_port};branch={caller_branch}\r\n"
               f"From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: <sip:carol@{DOMAIN}>\r\n"
               f"Call-ID: {call_id}\r\nCSeq: 1 CANCEL\r\nMax-Forwards: 70\r\n"
               f"Content-Length: 0\r\n\r\n").encode(), GW)
receive(caller, "SIP/2.0 200", "the gateway's 200 to the CANCEL")
# The gateway answers an OPTIONS only after the datagrams before it.
check(raw(gw_port, request("OPTIONS", f"sip:{DOMAIN}")) == "SIP/2.0 200 OK", "OPTIONS answered")
check(nothing_more(callee, "CANCEL "), "no CANCEL before a provisional response (§9.1)")
callee.sendto(answer_to(first, "180 Ringing", "c1"), GW)
cancel = receive(callee, "CANCEL ", "the CANCEL at the callee")
check(branch_of(cancel) == branch, "the CANCEL has the INVITE's branch (§9.1)")
check(len(header_values(cancel, "Via")) == 1, "the CANCEL has a single Via (§9.1)")
check(header_values(cancel, "CSeq")[0] == "1 CANCEL", "the CANCEL has the INVITE's CSeq number")
check(cancel.split(" ")[1] == first.split(" ")[1], "the CANCEL has the INVITE's Request-URI")
check(header_values(cancel, "Call-ID") == header_values(first, "Call-ID") and
      header_values(cancel, "From") == header_values(first, "From") and
      header_values(cancel, "To") == header_values(first, "To"),
      "the CANCEL has the INVITE's Call-ID, From and To (§9.1)")
callee.sendto(answer_to(cancel, "200 OK", "c1"), GW)

# --- 487: ACKed by the gateway, passed on once ------------------------------------------------
terminated = answer_to(first, "487 Request Terminated", "c1")
for attempt in ("the 487", "the 487 retransmitted"):
    callee.sendto(terminated, GW)
    ack = receive(callee, "ACK ", f"the gateway's ACK for {attempt}")
    check(branch_of(ack) == branch, f"the ACK for {attempt} has the INVITE's branch (§17.1.1.3)")
    check("tag=c1" in header_values(ack, "To")[0], f"the ACK for {attempt} has the 487's To-tag")
    check(header_values(ack, "CSeq")[0] == "1 ACK", f"the ACK for {attempt} has CSeq 1 ACK")
got = receive(caller, "SIP/2.0 487", "the 487 at the caller")
# After an OPTIONS answered, what the gateway did with the retransmitted 487 shows in its counters.
check(raw(gw_port, request("OPTIONS", f"sip:{DOMAIN}")) == "SIP/2.0 200 OK", "OPTIONS answered")
text = http_get(base + "/metrics")[1]
check(metric(text, "p2psip_sip_responses_received_total", '{code_class="4xx"}') == 1,
      "the retransmitted 487 was not passed on: one 4xx received by the proxy")
check(metric(text, "p2psip_sip_responses_sent_total", '{code_class="4xx"}') == 1,
      "one 487 relayed to the caller")
caller.sendto((f"ACK sip:carol@{DOMAIN} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{caller_port};branch={caller_branch}\r\n"
               f"From: <sip:alice@127.0.0.1>;tag=a1\r\nTo: {header_values(got, 'To')[0]}\r\n"
               f"Call-ID: {call_id}\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
               ).encode(), GW)

# --- a 2xx, and its retransmission, go on to the caller ---------------------------------------
call_id2 = f"ic2-{time.time_ns()}@127.0.0.1"
caller.sendto(invite(call_id2, f"z9hG4bK-inv2-{time.time_ns()}"), GW)
second = receive(callee, "INVITE ", "the second INVITE at the callee")
check(branch_of(second) != branch, "a new INVITE gets a new branch")
ok = answer_to(second, "200 OK", "c2", f"Contact: <sip:carol@127.0.0.1:{callee_port}>\r\n")
for attempt in ("the 200", "the 200 retransmitted"):
    callee.sendto(ok, GW)
    receive(caller, "SIP/2.0 200", f"{attempt} at the caller")
check(raw(gw_port, request("OPTIONS", f"sip:{DOMAIN}")) == "SIP/2.0 200 OK", "OPTIONS answered")
check(nothing_more(callee, "ACK "), "no ACK from the gateway for a 2xx (the caller's, end to end)")
check(gw.alive(), "gateway still running")
finish()
