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
    standing_ = std::isinf(window_min_) ? 0.0 : window_min_;
    window_min_ = std::numeric_limits<double>::infinity();
    window_start_ = now;
  }
  if (wait_ms >= 0) window_min_ = std::min(window_min_, wait_ms);
}

double OverloadGuard::pressure(const LoadSignals& s) const {
  return std::max({fraction(delay_.value(), static_cast<double>(limits_.max_queue_delay.count())),
                   fraction(s.udp_backlog, limits_.max_udp_backlog),
                   fraction(static_cast<double>(s.loop_lag.count()),
                            static_cast<double>(limits_.max_loop_lag.count())),
                   fraction(static_cast<double>(s.transactions), static_cast<double>(limits_.max_transactions)),
                   fraction(static_cast<double>(s.lookups), static_cast<double>(limits_.max_lookups))});
}

bool OverloadGuard::update(const LoadSignals& s, Millis now) {
  delay_.sample(s.queue_delay_ms, now);
  double p = pressure(s);
  if (!shedding_ && p >= 1.0) shedding_ = true;
  else if (shedding_ && p < limits_.resume_fraction) shedding_ = false;
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
