#pragma once
// The INVITE client transaction of a proxy over an unreliable transport (RFC 3261 §17.1.1,
// with RFC 6026 §7.2 and the proxy's Timer C of §16.8), sans IO: events in (a response, a
// timer, a transport error, the proxy asking to cancel), actions out; times are passed in.
//
// Why our own (issue 18, bench/RESULTS-memory.md): nta 1.12.11 keeps a completed INVITE
// client transaction for Timer D (32 s) after a 2xx too, with the forwarded INVITE and the
// received 200, about 10 KB per call. RFC 6026 ends the transaction's own work at the 2xx:
// its Accepted state only forwards 2xx retransmissions, which the proxy already does by branch
// (stray_response.h). So this transaction terminates at the 2xx and keeps nothing.
//
// States and timers (T1 from the agent, B = 64*T1 or sip_t1x64_ms):
//   calling     Timer A (T1, doubling, no cap for INVITE) retransmits; Timer B: internal 408.
//   proceeding  after a provisional; no retransmission; Timer C (> 3 min, reset by each
//               provisional, §16.8): CANCEL, then the 487 (or whatever final) ends it.
//   completed   after a 300-699: ACK sent (§17.1.1.3); a retransmitted final gets the ACK
//               again and is not passed on; Timer D (32 s) ends it.
//   terminated  after a 2xx (passed on; RFC 6026's Accepted state is the proxy's), Timer B, D,
//               or a transport error (internal 503, §17.1.4).
//
// CANCEL (§9.1): not before a provisional ("the client MUST wait for the arrival of a
// provisional response"): asked for in calling, it goes out with the first provisional. A
// cancelled branch that gets no final response within 64*T1 of its CANCEL is "considered
// cancelled" (§9.1): an internal 487 ends it.

#include <cstdint>

#include "common/clock.h"

namespace p2psip::sip {

struct InviteClientTimers {
  Millis t1{500};
  Millis timer_b{32'000};   // 64*T1 unless configured (sip_timers.h)
  Millis timer_c{185'000};  // §16.8: "greater than 3 minutes"
  Millis timer_d{32'000};   // §17.1.1.2: "at least 32 seconds for unreliable transports"
};

// What the adapter does after an event, in this order: send, then pass on, then end.
struct InviteClientActions {
  bool retransmit = false;   // send the INVITE again
  bool send_ack = false;     // ACK the final response just received (non-2xx)
  bool send_cancel = false;  // CANCEL the INVITE (same branch, §9.1)
  int pass_on = 0;           // a response status for the proxy (0: none)
  bool internal = false;     // pass_on is made up here (timeout 408, transport 503, 487)
  bool terminated = false;   // forget the transaction: nothing more will come of it
};

class InviteClientCore {
 public:
  enum class State { calling, proceeding, completed, terminated };

  // The INVITE was just sent at `now`; `reliable`: over TCP (nta sends a request too large
  // for UDP over TCP, RFC 3261 §18.1.1): no Timer A, and Timer D is zero (§17.1.1.2).
  InviteClientCore(const InviteClientTimers& timers, Millis now, bool reliable = false);

  InviteClientActions response(int status, Millis now);
  // Call at or after deadline(); does nothing before it.
  InviteClientActions timer(Millis now);
  // Sending failed (synchronously, or an ICMP error for our destination).
  InviteClientActions transport_error();
  // The proxy cancels the branch (§16.10, §16.7 step 10, or Timer C).
  InviteClientActions cancel(Millis now);

  State state() const { return state_; }
  // When timer() must next be called; Millis::max() when nothing is pending.
  Millis deadline() const;

 private:
  void send_cancel(Millis now, InviteClientActions& out);
  InviteClientActions end_internal(int status);

  InviteClientTimers timers_;
  bool reliable_;
  State state_ = State::calling;
  Millis timer_a_at_;
  Millis a_interval_;
  Millis timer_b_at_;
  Millis timer_c_at_;
  Millis timer_d_at_ = Millis::max();
  Millis cancel_expires_at_ = Millis::max();  // 64*T1 after our CANCEL
  bool cancel_wanted_ = false;                // asked for before a provisional
  bool cancel_sent_ = false;
};

}  // namespace p2psip::sip
