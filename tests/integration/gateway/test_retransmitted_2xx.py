"""2xx retransmissions through the proxy (RFC 3261 §16.7 step 10, §13.3.1.4; RFC 6026 §7),
with real SIPp UAs and the real `p2psip gateway` on loopback:
- a caller that does not ACK the first 200 gets the callee's retransmitted 200 through the
  gateway (the client transaction is gone by then: nta hands the 2xx to the message callback),
  ACKs it and the call completes; p2psip_sip_stray_responses_total{action="forwarded"} counts it;
- forged 2xx to INVITE whose top Via is not ours, or ours with a branch we never used, are
  dropped and counted, and nothing reaches the address their next Via names (no reflection)."""

import os
import socket
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, finish, free_port, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import (DOMAIN, scenario, static_gateway, stray_responses, uac, uas,  # noqa: E402
                       waiting_datagram)

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-retrans2xx-")
sip_tools.set_workdir(work)

uas_port = free_port()
gw, gw_port, base = static_gateway([(f"carol@{DOMAIN}", f"sip:carol@127.0.0.1:{uas_port}")])
check(gw.alive(), "gateway is running")


def stray(action):
    return stray_responses(base, action)


# --- the caller's first ACK is lost -------------------------------------------------------------
callee = uas("uas", scenario("uas_call.xml"), uas_port)
r = uac(scenario("uac_lost_ack.xml"), gw_port, "carol", source="127.0.0.2", extra=("-nr",))
if not gw.alive():
    fail(f"gateway died:\n{gw.output()[-3000:]}")
check(r.returncode == 0,
      f"the caller got the callee's retransmitted 200 through the gateway, ACKed it and hung up "
      f"(sipp {r.returncode} {r.stderr[-300:]})")
check(callee.wait(20) == 0, "the callee got the ACK (its 200 retransmissions stopped) and the BYE")
check(stray("forwarded") >= 1, f"the retransmission is counted forwarded ({stray('forwarded')})")

# --- forged 2xx: never relayed ------------------------------------------------------------------
victim = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
victim.bind(("127.0.0.1", 0))
victim.setblocking(False)
victim_port = victim.getsockname()[1]
sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sender.bind(("127.0.0.1", 0))


def forged(top_via):
    n = time.time_ns()
    return (f"SIP/2.0 200 OK\r\nVia: {top_via}\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{victim_port};branch=z9hG4bK-v{n};received=127.0.0.1\r\n"
            f"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:carol@{DOMAIN}>;tag=2\r\n"
            f"Call-ID: forged-{n}\r\nCSeq: 1 INVITE\r\nContact: <sip:x@127.0.0.1:{victim_port}>\r\n"
            f"Content-Length: 0\r\n\r\n").encode()


dropped = stray("dropped")
forwarded = stray("forwarded")
# Top Via not ours (another host's sent-by), then ours with a branch we never generated.
sender.sendto(forged(f"SIP/2.0/UDP 127.0.0.1:{sender.getsockname()[1]};branch=z9hG4bK-x"),
              ("127.0.0.1", gw_port))
sender.sendto(forged(f"SIP/2.0/UDP 127.0.0.1:{gw_port};branch=z9hG4bK-notours"), ("127.0.0.1", gw_port))
wait_until(lambda: stray("dropped") >= dropped + 2 or not gw.alive(), 10, "the forged 2xx counted dropped")
check(stray("dropped") == dropped + 2, "both forged 2xx counted dropped")
check(stray("forwarded") == forwarded, "neither counted forwarded")
leaked = waiting_datagram(victim)
check(leaked is None, f"nothing reached the address of the forged next Via ({leaked!r:.200})")
check(gw.alive(), "gateway still running")
finish()
