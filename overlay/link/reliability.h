#pragma once
// The sans-IO half of the framing header (RFC 6940 §6.6.2, §6.6.3, §6.6.5): sequence
// numbers and send times of data frames, ack generation on the receiving side, and the
// RFC 6298 RTT estimator. Time comes in as arguments; nothing here does I/O.

#include <cstdint>
#include <deque>
#include <optional>

#include "overlay/link/link_types.h"
#include "overlay/wire/framing.h"

namespace p2psip::link {

// RFC 6298 §2 with millisecond (here microsecond) granularity instead of seconds.
class RttEstimator {
 public:
  RttEstimator(Micros initial_rto, Micros min_rto, Micros max_rto)
      : rto_(initial_rto), min_rto_(min_rto), max_rto_(max_rto) {}

  void sample(Micros rtt);
  bool has_sample() const { return samples_ > 0; }
  Micros srtt() const { return srtt_; }
  Micros rttvar() const { return rttvar_; }
  Micros rto() const { return rto_; }
  std::uint64_t samples() const { return samples_; }

 private:
  Micros srtt_{0};
  Micros rttvar_{0};
  Micros rto_;
  Micros min_rto_;
  Micros max_rto_;
  std::uint64_t samples_ = 0;
};

// Receiver side: remembers the 32 most recent sequence numbers and builds the AckFrame for
// each data frame (bit i of `received` set: ack_sequence-1-i was among them).
class ReceiveWindow {
 public:
  wire::AckFrame on_data(std::uint32_t sequence);
  // The ack for the last data frame again (keepalive), if any arrived.
  std::optional<wire::AckFrame> last_ack() const { return last_ack_; }

 private:
  static constexpr std::size_t kWindow = 32;
  std::uint32_t recent_[kWindow]{};
  std::size_t count_ = 0;
  std::size_t next_ = 0;
  std::optional<wire::AckFrame> last_ack_;
};

// Sender side: hands out sequence numbers (starting at zero, +1 per frame) and keeps the
// send time of every unacknowledged frame, oldest first.
class SendTracker {
 public:
  std::uint32_t on_send(Micros now);
  // Marks ack_sequence and every frame the bitmask names as acknowledged. Returns the RTT
  // sample of ack_sequence when it was still unacknowledged; acks of unknown sequence
  // numbers (keepalives, duplicates) change nothing.
  std::optional<Micros> on_ack(const wire::AckFrame& ack, Micros now);
  // Send time of the oldest unacknowledged frame.
  std::optional<Micros> oldest_unacked() const;
  std::size_t unacked() const { return unacked_; }
  std::uint32_t next_sequence() const { return next_; }

 private:
  struct Sent {
    Micros at;
    bool acked;
  };
  bool mark(std::uint32_t sequence);  // true if it was unacknowledged
  void drop_acked_front();

  std::uint32_t next_ = 0;
  std::uint32_t front_seq_ = 0;  // sequence number of sent_.front()
  std::deque<Sent> sent_;
  std::size_t unacked_ = 0;
};

// The deadline of an incomplete frame on a verified link. It runs from the first byte of a
// frame not yet complete (in the deframer or still in an incomplete TLS record) and restarts
// when a frame completes, so a steady stream of frames never trips it, only a stalled one.
class FrameDeadline {
 public:
  // After each read: is something incomplete buffered, did at least one frame complete?
  void on_read(bool partial, bool completed_some, Micros now) {
    if (!partial) {
      started_.reset();
    } else if (completed_some || !started_) {
      started_ = now;
    }
  }
  bool expired(Micros now, Millis timeout) const {
    return started_ && timeout.count() > 0 && now - *started_ >= timeout;
  }

 private:
  std::optional<Micros> started_;
};

}  // namespace p2psip::link
