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

double OverloadGuard::backlog_pressure(double fill, Millis now) {
  double p = fraction(fill, limits_.max_udp_backlog);
  if (p < 1.0) {
    backlog_high_since_.reset();
    return p;
  }
  if (!backlog_high_since_) backlog_high_since_ = now;
  bool sustained = now - *backlog_high_since_ >= limits_.udp_backlog_hold;
  if (sustained || shedding_ || fill >= kUdpBacklogAlmostFull) return p;
  return std::nextafter(1.0, 0.0);  // over the limit for a moment: not yet
}

double OverloadGuard::pressure_without_backlog(const LoadSignals& s) const {
  return std::max({fraction(static_cast<double>(s.loop_lag.count()),
                            static_cast<double>(limits_.max_loop_lag.count())),
                   fraction(static_cast<double>(s.transactions), static_cast<double>(limits_.max_transactions)),
                   fraction(static_cast<double>(s.lookups), static_cast<double>(limits_.max_lookups))});
}

double OverloadGuard::pressure(const LoadSignals& s, Millis now) {
  return std::max(backlog_pressure(s.udp_backlog, now), pressure_without_backlog(s));
}

bool OverloadGuard::update(const LoadSignals& s, Millis now) {
  double p = pressure(s, now);
  if (!shedding_ && p >= 1.0) {
    shedding_ = true;
  } else if (shedding_) {
    // The UDP queue resumes as soon as it is back under its limit, not under resume_fraction
    // of it: every request refused while the loop drains a deep queue is a call it had room
    // for (measured: a 90% -> 25% band refused up to 19% of the calls at 3,200/s). The other
    // signals keep their hysteresis.
    double others = pressure_without_backlog(s);
    double backlog = fraction(s.udp_backlog, limits_.max_udp_backlog);
    if (others < limits_.resume_fraction && backlog < 1.0) shedding_ = false;
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
