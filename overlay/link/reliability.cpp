#include "overlay/link/reliability.h"

#include <algorithm>

namespace p2psip::link {

void RttEstimator::sample(Micros rtt) {
  if (rtt < Micros{0}) rtt = Micros{0};
  if (samples_ == 0) {
    srtt_ = rtt;          // (2.2) SRTT <- R
    rttvar_ = rtt / 2;    //       RTTVAR <- R/2
  } else {
    Micros delta = srtt_ > rtt ? srtt_ - rtt : rtt - srtt_;
    rttvar_ = (3 * rttvar_ + delta) / 4;  // (2.3) beta = 1/4
    srtt_ = (7 * srtt_ + rtt) / 8;        //       alpha = 1/8
  }
  ++samples_;
  // RTO <- SRTT + max(G, K*RTTVAR), K = 4; G (clock granularity) = 1 ms, rounded up to ms.
  Micros rto = srtt_ + std::max(Micros{1000}, 4 * rttvar_);
  rto = Micros{(rto.count() + 999) / 1000 * 1000};
  rto_ = std::clamp(rto, min_rto_, max_rto_);
}

wire::AckFrame ReceiveWindow::on_data(std::uint32_t sequence) {
  wire::AckFrame ack;
  ack.ack_sequence = sequence;
  for (std::size_t i = 0; i < count_; ++i) {
    std::uint32_t distance = sequence - recent_[i];  // modulo 2^32
    if (distance >= 1 && distance <= kWindow) ack.received |= 1u << (distance - 1);
  }
  recent_[next_] = sequence;
  next_ = (next_ + 1) % kWindow;
  count_ = std::min(count_ + 1, kWindow);
  last_ack_ = ack;
  return ack;
}

std::uint32_t SendTracker::on_send(Micros now) {
  if (sent_.empty()) front_seq_ = next_;
  sent_.push_back({now, false});
  ++unacked_;
  return next_++;
}

bool SendTracker::mark(std::uint32_t sequence) {
  std::uint32_t index = sequence - front_seq_;  // modulo 2^32
  if (index >= sent_.size() || sent_[index].acked) return false;
  sent_[index].acked = true;
  --unacked_;
  return true;
}

void SendTracker::drop_acked_front() {
  while (!sent_.empty() && sent_.front().acked) {
    sent_.pop_front();
    ++front_seq_;
  }
}

std::optional<Micros> SendTracker::on_ack(const wire::AckFrame& ack, Micros now) {
  std::optional<Micros> rtt;
  std::uint32_t index = ack.ack_sequence - front_seq_;
  if (index < sent_.size() && !sent_[index].acked) rtt = now - sent_[index].at;
  mark(ack.ack_sequence);
  for (std::uint32_t bit = 0; bit < 32; ++bit) {
    if ((ack.received >> bit) & 1u) mark(ack.ack_sequence - 1 - bit);
  }
  drop_acked_front();
  return rtt;
}

std::optional<Micros> SendTracker::oldest_unacked() const {
  for (const Sent& s : sent_) {
    if (!s.acked) return s.at;
  }
  return std::nullopt;
}

}  // namespace p2psip::link
