#include "gateway/sip/overload.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace p2psip::sip {

namespace {

constexpr Millis kPruneEvery{1000};

double fraction(double value, double limit) { return limit > 0 ? value / limit : 0.0; }

}  // namespace

SourceBuckets::SourceBuckets(double rate, double burst, std::size_t max_sources)
    : rate_(rate), burst_(std::max(burst, 1.0)), max_sources_(max_sources) {
  overflow_.tokens = burst_;
}

void SourceBuckets::refill(Bucket& b, Millis now) const {
  if (now > b.last) {
    b.tokens = std::min(burst_, b.tokens + rate_ * static_cast<double>((now - b.last).count()) / 1000.0);
  }
  b.last = std::max(b.last, now);
}

bool SourceBuckets::take_from(Bucket& b, Millis now) const {
  refill(b, now);
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

void SourceBuckets::prune(Millis now) {
  last_prune_ = now;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
  }
}

bool SourceBuckets::take(std::string_view source, Millis now) {
  if (rate_ <= 0) return true;
  auto it = buckets_.find(source);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_sources_ && now - last_prune_ >= kPruneEvery) prune(now);
    if (buckets_.size() >= max_sources_) return take_from(overflow_, now);
    it = buckets_.emplace(std::string(source), Bucket{burst_, now}).first;
  }
  return take_from(it->second, now);
}

void StandingDelay::sample(double wait_ms, Millis now) {
  if (!started_) {
    started_ = true;
    window_start_ = now;
  }
  if (now - window_start_ >= interval_) {
    // No request for a whole interval: the queue was empty, whatever the last ones waited.
    bool idle = now - last_sample_ >= interval_;
    standing_ = std::isinf(window_min_) || idle ? 0.0 : window_min_;
    window_min_ = std::numeric_limits<double>::infinity();
    window_start_ = now;
  }
  if (wait_ms >= 0) {
    window_min_ = std::min(window_min_, wait_ms);
    last_sample_ = now;
  }
}

void StandingDelay::restart(Millis now) {
  started_ = true;
  window_start_ = now;
  window_min_ = std::numeric_limits<double>::infinity();
  standing_ = 0;
}

double OverloadGuard::pressure(const LoadSignals& s, double delay_ms) const {
  return std::max({fraction(delay_ms, static_cast<double>(limits_.max_queue_delay.count())),
                   fraction(s.udp_backlog, limits_.max_udp_backlog),
                   fraction(static_cast<double>(s.loop_lag.count()),
                            static_cast<double>(limits_.max_loop_lag.count())),
                   fraction(static_cast<double>(s.transactions), static_cast<double>(limits_.max_transactions)),
                   fraction(static_cast<double>(s.lookups), static_cast<double>(limits_.max_lookups))});
}

bool OverloadGuard::update(const LoadSignals& s, Millis now) {
  delay_.sample(s.queue_delay_ms, now);
  if (!shedding_) {
    shedding_ = pressure(s, delay_.value()) >= 1.0;
    return shedding_;
  }
  // Shedding drains the queue; it ends with the first request that waited less than the
  // resume share of the limit (a drained queue), not a whole interval later: an interval of
  // refusing everything at twice the capacity left the gateway serving a quarter of it
  // (bench/RESULTS-sip.md, 2026-12-06 23:10). Over TCP (no wait known) the standing value.
  double wait = s.queue_delay_ms >= 0 ? s.queue_delay_ms : delay_.value();
  if (pressure(s, wait) < limits_.resume_fraction) {
    shedding_ = false;
    delay_.restart(now);  // the waits before the drain say nothing about the queue now
  }
  return shedding_;
}

std::string_view to_string(Admission a) {
  switch (a) {
    case Admission::admit: return "admit";
    case Admission::shed: return "overload";
    case Admission::over_source_limit: return "source_limit";
  }
  return "admit";
}

AdmissionControl::AdmissionControl(const OverloadLimits& limits)
    : limits_(limits),
      buckets_(limits.source_rate, limits.source_burst, limits.max_sources),
      guard_(limits) {}

Admission AdmissionControl::decide(const AdmissionRequest& r, const LoadSignals& s, Millis now) {
  bool shedding = guard_.update(s, now);
  if (!r.initial) return Admission::admit;
  if (!r.trusted && !buckets_.take(r.source, now)) return Admission::over_source_limit;
  return shedding ? Admission::shed : Admission::admit;
}

}  // namespace p2psip::sip
