"""An in-dialog BYE over UDP goes through the gateway without a transaction (RFC 3261 §16.11;
gateway/sip/stateless_forward.h), with the real `p2psip gateway` on loopback and a caller and a
callee written here on raw UDP sockets (to see each datagram):
- the BYE reaches the callee with the gateway's keyed stateless branch (z9hG4bK-p2psl-...) and
  the callee's 200 comes back to the caller;
- the caller's retransmission of the same BYE is forwarded again, with the same branch (§16.11:
  a stateless proxy forwards retransmissions; a transaction would have absorbed it), and its 200
  comes back too;
- forged responses carrying the gateway's Via are dropped and counted, and nothing reaches the
  address their next Via names: one with the real branch but the next Via rewritten to a third
  party, one with our prefix and a made-up token."""

import os
import re
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, finish, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import (DOMAIN, answer_to, header_values, receive_starting, static_gateway,  # noqa: E402
                       stray_responses, udp_socket, waiting_datagram)

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-stateless-bye-")
sip_tools.set_workdir(work)


caller, caller_port = udp_socket()
callee, callee_port = udp_socket()
victim, victim_port = udp_socket()
victim.setblocking(False)
gw, gw_port, base = static_gateway([(f"carol@{DOMAIN}", f"sip:carol@127.0.0.1:{callee_port}")])
check(gw.alive(), "gateway is running")
GW = ("127.0.0.1", gw_port)


def receive(sock, want, what):
    return receive_starting(sock, want, what, gw)


headers = header_values
answer = answer_to


def stray(action):
    return stray_responses(base, action)


call_id = f"sl-{time.time_ns()}@127.0.0.1"
common = f"From: <sip:alice@127.0.0.1>;tag=a1\r\nCall-ID: {call_id}\r\nMax-Forwards: 70\r\n"
caller.sendto((f"INVITE sip:carol@{DOMAIN} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{caller_port};branch=z9hG4bK-inv-{time.time_ns()}\r\n"
               f"{common}To: <sip:carol@{DOMAIN}>\r\nCSeq: 1 INVITE\r\n"
               f"Contact: <sip:alice@127.0.0.1:{caller_port}>\r\nContent-Length: 0\r\n\r\n").encode(), GW)
invite = receive(callee, "INVITE ", "the INVITE at the callee")
callee.sendto(answer(invite, "200 OK", "c1", f"Contact: <sip:carol@127.0.0.1:{callee_port}>\r\n"),
              GW)
ok = receive(caller, "SIP/2.0 200", "the 200 at the caller")
route = headers(ok, "Record-Route")
check(len(route) == 1 and "rrtok=" in route[0], f"the gateway record-routed the call ({route})")
to = headers(ok, "To")[0]
caller.sendto((f"ACK sip:carol@127.0.0.1:{callee_port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{caller_port};branch=z9hG4bK-ack-{time.time_ns()}\r\n"
               f"{common}To: {to}\r\nCSeq: 1 ACK\r\nRoute: {route[0]}\r\nContent-Length: 0\r\n\r\n"
               ).encode(), GW)
receive(callee, "ACK ", "the ACK at the callee")

# --- the BYE and its retransmission ----------------------------------------------------------
bye = (f"BYE sip:carol@127.0.0.1:{callee_port} SIP/2.0\r\n"
       f"Via: SIP/2.0/UDP 127.0.0.1:{caller_port};branch=z9hG4bK-bye-{time.time_ns()};rport\r\n"
       f"{common}To: {to}\r\nCSeq: 2 BYE\r\nRoute: {route[0]}\r\nContent-Length: 0\r\n\r\n").encode()
branches = []
for attempt in ("the BYE", "the retransmitted BYE"):
    caller.sendto(bye, GW)
    got = receive(callee, "BYE ", f"{attempt} at the callee")
    top = headers(got, "Via")[0]
    branches.append(re.search(r"branch=([^;]+)", top).group(1))
    check(branches[-1].startswith("z9hG4bK-p2psl-"),
          f"{attempt} carries the gateway's stateless branch ({top})")
    callee.sendto(answer(got, "200 OK", "c1"), GW)
    check(receive(caller, "SIP/2.0 200", f"the 200 to {attempt}").find("CSeq: 2 BYE") > 0,
          f"the callee's 200 to {attempt} reached the caller")
check(branches[0] == branches[1], "a retransmission is forwarded with the same branch (§16.11)")

# --- forged responses: dropped, nothing reflected --------------------------------------------
dropped = stray("dropped")
attacker, _ = udp_socket()
real = answer(got, "200 OK", "c1").decode()
vias = headers(got, "Via")
rewritten = real.replace(f"Via: {vias[1]}",
                         f"Via: SIP/2.0/UDP 127.0.0.1:{victim_port};branch=z9hG4bK-v;"
                         f"received=127.0.0.1;rport={victim_port}")
check(rewritten != real, "the forged response names the victim in its next Via")
made_up = real.replace(branches[0], "z9hG4bK-p2psl-00112233445566778899aabbccddeeff")
for forged in (rewritten, made_up):
    attacker.sendto(forged.encode(), GW)
wait_until(lambda: stray("dropped") >= dropped + 2 or not gw.alive(), 10, "forged responses dropped")
check(stray("dropped") == dropped + 2, "both forged responses counted dropped")
leaked = waiting_datagram(victim)
check(leaked is None, f"nothing reached the address of the forged next Via ({leaked!r:.200})")
check(gw.alive(), "gateway still running")
finish()
