#pragma once
// nta's "64*T1" (NTATAG_SIP_T1X64), one value behind several RFC 3261 timers (§17, Table 4):
// B and F (how long a client transaction waits for a silent next hop before it fails over),
// H (how long an INVITE server transaction that sent a non-2xx waits for the ACK) and J (how
// long a completed non-INVITE server transaction, e.g. a BYE with its 200, stays to answer a
// retransmitted request: 64*T1 over UDP). nta has no separate tag for J. Timer D, for which a
// completed INVITE client transaction (2xx included) stays, is max(32 s, this) in nta.
//
// Memory (issue 18, bench/RESULTS-memory.md): a proxied BYE is held for J with its request and
// response, so below 64*T1 a call leaves less behind; Kamailio's tm holds completed
// transactions 5 s (its wait_timer). The price: a BYE retransmitted after J (every 200 to it
// lost for that long) is forwarded as a new request (the callee answers 481), and a silent
// next hop fails over after this time instead of 64*T1. RFC 3261 asks 64*T1: the default.
// Pure.

namespace p2psip::sip {

// `configured_ms` 0: RFC 3261's 64*T1.
constexpr unsigned t1x64_ms(unsigned t1_ms, unsigned configured_ms) {
  return configured_ms != 0 ? configured_ms : 64 * t1_ms;
}

}  // namespace p2psip::sip
