#pragma once
// Admission control at the SIP edge (issue 13 finding 8): a PURE core. The adapter
// (overload_gate.h) hands in what it knows about a request and the load signals it measured,
// with the time; a verdict comes out. No Sofia, no clock, no sockets.
//
//  - Per-source limit (like Kamailio's pike): each untrusted source address has a token bucket
//    refilled at `source_rate` initial requests/s up to `source_burst`. A source with an empty
//    bucket is refused. The table is bounded (`max_sources`): when it is full, buckets that have
//    refilled completely (idle sources, indistinguishable from new ones) are dropped, at most
//    once a second; sources that still find no room share one overflow bucket, so an attacker
//    with many addresses gets one bucket's rate and no memory.
//  - Global guard with hysteresis on measured signals: the standing queueing delay of the SIP
//    UDP requests (StandingDelay below), how full the SIP UDP receive queue is, event-loop lag,
//    pending server transactions, pending overlay lookups. Shedding starts when any signal
//    reaches its limit and stops only when every signal is below `resume_fraction` of its
//    limit; for the delay that is the wait of the request at hand (the queue has drained).
//  - Only initial requests (outside a dialog, not ACK/CANCEL) are ever refused: in-dialog
//    requests end or continue calls already admitted and free what they hold.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace p2psip::sip {

struct OverloadLimits {
  double source_rate = 50;        // initial requests/s per untrusted source; 0: no limit
  double source_burst = 100;      // bucket depth
  std::size_t max_sources = 4096; // per-source table bound
  Millis max_queue_delay{100};    // standing wait of UDP requests in the queue; 0: not used
  Millis delay_interval{100};     // StandingDelay's window (CoDel's interval, RFC 8289 §4.3)
  double max_udp_backlog = 0.5;    // share of the UDP receive buffer in use; 0: not used
  Millis max_loop_lag{200};       // 0: not used
  std::size_t max_transactions = 5000;  // 0: not used
  std::size_t max_lookups = 200;        // 0: not used
  double resume_fraction = 0.5;   // hysteresis: resume when every signal < fraction * limit
  std::uint32_t retry_after_s = 2;  // Retry-After of the 503 (RFC 3261 §21.5.4)
};

// What the adapter measured just before the decision.
struct LoadSignals {
  double udp_backlog = 0;  // 0..1
  Millis loop_lag{0};
  std::size_t transactions = 0;
  std::size_t lookups = 0;
  double queue_delay_ms = -1;  // how long this request waited in the UDP queue; < 0: unknown
};

// The queueing delay that persists, CoDel's signal (RFC 8289 §3.2): the smallest wait of the
// requests read during the last interval. A burst, or a stall of the loop thread while the host
// runs other work, makes a queue that drains within an interval, so some request in it waited
// little; only arrivals faster than the loop serves keep every request waiting. The per-request
// queue fill alone refused such bursts below capacity (bench/RESULTS-sip.md, 2026-12-06).
class StandingDelay {
 public:
  explicit StandingDelay(Millis interval) : interval_(interval) {}
  // One request's wait read at `now`; a negative wait is no sample (time still moves on).
  void sample(double wait_ms, Millis now);
  // The minimum of the last complete interval; 0 before one and after an interval without
  // samples (no request waited).
  double value() const { return standing_; }
  // Forgets what was measured: a new interval starts at `now`, value() is 0 until it ends.
  void restart(Millis now);

 private:
  Millis interval_;
  bool started_ = false;
  Millis window_start_{0};
  Millis last_sample_{0};
  double window_min_ = std::numeric_limits<double>::infinity();
  double standing_ = 0;
};

// One bucket per source; see the header comment for the bound.
class SourceBuckets {
 public:
  SourceBuckets(double rate, double burst, std::size_t max_sources);
  // Takes one token for `source` at `now`; false: the source is over its rate.
  bool take(std::string_view source, Millis now);
  std::size_t size() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    Millis last{0};
  };
  void refill(Bucket& b, Millis now) const;
  bool take_from(Bucket& b, Millis now) const;
  void prune(Millis now);

  double rate_, burst_;
  std::size_t max_sources_;
  std::map<std::string, Bucket, std::less<>> buckets_;
  Bucket overflow_;
  Millis last_prune_{-1'000'000};
};

// The global on/off state with hysteresis.
class OverloadGuard {
 public:
  explicit OverloadGuard(const OverloadLimits& limits)
      : limits_(limits), delay_(limits.delay_interval) {}
  // Updates the state from the signals read at `now`; true while shedding.
  bool update(const LoadSignals& s, Millis now);
  bool shedding() const { return shedding_; }
  double standing_delay_ms() const { return delay_.value(); }

 private:
  // The highest signal as a fraction of its limit (0 when no limit is set), the queueing
  // delay taken as `delay_ms`.
  double pressure(const LoadSignals& s, double delay_ms) const;
  OverloadLimits limits_;
  StandingDelay delay_;
  bool shedding_ = false;
};

enum class Admission { admit, shed, over_source_limit };
std::string_view to_string(Admission a);  // "admit", "overload", "source_limit" (metric label)

struct AdmissionRequest {
  std::string_view source;  // numeric source address
  bool initial = true;      // outside a dialog and not ACK/CANCEL
  bool trusted = false;     // from a trusted network: no per-source limit
};

class AdmissionControl {
 public:
  explicit AdmissionControl(const OverloadLimits& limits);
  Admission decide(const AdmissionRequest& r, const LoadSignals& s, Millis now);
  bool shedding() const { return guard_.shedding(); }
  double standing_delay_ms() const { return guard_.standing_delay_ms(); }
  std::size_t sources() const { return buckets_.size(); }
  const OverloadLimits& limits() const { return limits_; }

 private:
  OverloadLimits limits_;
  SourceBuckets buckets_;
  OverloadGuard guard_;
};

}  // namespace p2psip::sip
