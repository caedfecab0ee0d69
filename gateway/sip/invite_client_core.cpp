#include "gateway/sip/invite_client_core.h"

#include <algorithm>

namespace p2psip::sip {

InviteClientCore::InviteClientCore(const InviteClientTimers& timers, Millis now, bool reliable)
    : timers_(timers),
      reliable_(reliable),
      timer_a_at_(reliable ? Millis::max() : now + timers.t1),
      a_interval_(timers.t1),
      timer_b_at_(now + timers.timer_b),
      timer_c_at_(now + timers.timer_c) {}

Millis InviteClientCore::deadline() const {
  switch (state_) {
    case State::calling: return std::min({timer_a_at_, timer_b_at_, timer_c_at_, cancel_expires_at_});
    case State::proceeding: return std::min(timer_c_at_, cancel_expires_at_);
    case State::completed: return timer_d_at_;
    case State::terminated: break;
  }
  return Millis::max();
}

InviteClientActions InviteClientCore::response(int status, Millis now) {
  InviteClientActions out;
  if (state_ == State::terminated || status < 100) return out;
  if (state_ == State::completed) {
    // §17.1.1.2: a retransmitted final gets the ACK again and goes no further. A 2xx here
    // comes from another fork downstream after this one's non-2xx: the proxy relays every 2xx
    // of an INVITE (§16.7 step 5), and its retransmissions are the proxy's Accepted state's.
    if (status >= 300) {
      out.send_ack = true;
    } else if (status >= 200) {
      out.pass_on = status;
    }
    return out;
  }
  if (status < 200) {
    state_ = State::proceeding;  // Timer A stops (§17.1.1.2)
    timer_c_at_ = now + timers_.timer_c;  // §16.8: reset by each provisional
    out.pass_on = status;
    if (cancel_wanted_ && !cancel_sent_) send_cancel(now, out);
    return out;
  }
  out.pass_on = status;
  if (status < 300) {
    // RFC 6026 §7.2: Accepted; its only work (2xx retransmissions upstream) is the proxy's.
    state_ = State::terminated;
    out.terminated = true;
    return out;
  }
  out.send_ack = true;
  if (reliable_) {
    state_ = State::terminated;  // Timer D is zero: no retransmitted final to ACK again
    out.terminated = true;
    return out;
  }
  state_ = State::completed;
  timer_d_at_ = now + timers_.timer_d;
  return out;
}

InviteClientActions InviteClientCore::timer(Millis now) {
  InviteClientActions out;
  switch (state_) {
    case State::calling:
      if (now >= cancel_expires_at_) return end_internal(487);
      // §16.8: Timer C without a provisional: as if a 408 arrived. Timer B normally comes
      // first (64*T1 < 3 min).
      if (now >= timer_b_at_ || now >= timer_c_at_) return end_internal(408);
      if (now >= timer_a_at_) {
        a_interval_ *= 2;
        timer_a_at_ = now + a_interval_;
        out.retransmit = true;
      }
      return out;
    case State::proceeding:
      if (now >= cancel_expires_at_) return end_internal(487);
      if (now >= timer_c_at_) {
        // §16.8: with a provisional, Timer C CANCELs the branch; the final response (or the
        // CANCEL's own expiry) ends it. Not again: the timer stays off.
        timer_c_at_ = Millis::max();
        if (!cancel_sent_) send_cancel(now, out);
      }
      return out;
    case State::completed:
      if (now >= timer_d_at_) {
        state_ = State::terminated;
        out.terminated = true;
      }
      return out;
    case State::terminated: break;
  }
  return out;
}

InviteClientActions InviteClientCore::transport_error() {
  if (state_ == State::terminated) return {};
  if (state_ == State::completed) {
    // §17.1.1.2: a transport error sending the ACK ends the transaction; the final response
    // was passed on already.
    state_ = State::terminated;
    InviteClientActions out;
    out.terminated = true;
    return out;
  }
  return end_internal(503);  // §17.1.4: a transport error is a 503 for the TU
}

InviteClientActions InviteClientCore::cancel(Millis now) {
  InviteClientActions out;
  if (state_ == State::calling) {
    cancel_wanted_ = true;  // §9.1: wait for a provisional
  } else if (state_ == State::proceeding && !cancel_sent_) {
    send_cancel(now, out);
  }
  return out;
}

void InviteClientCore::send_cancel(Millis now, InviteClientActions& out) {
  cancel_sent_ = true;
  out.send_cancel = true;
  cancel_expires_at_ = now + timers_.timer_b;  // §9.1: 64*T1 without a final: cancelled
}

InviteClientActions InviteClientCore::end_internal(int status) {
  state_ = State::terminated;
  InviteClientActions out;
  out.pass_on = status;
  out.internal = true;
  out.terminated = true;
  return out;
}

}  // namespace p2psip::sip
