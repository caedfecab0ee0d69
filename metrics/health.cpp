#include "metrics/health.h"

namespace p2psip::metrics {

HealthFacts facts_of(const HealthState& h, std::int64_t now_ms) {
  HealthFacts f;
  f.sip_required = h.sip_required;
  f.sip_listening = h.sip_listening;
  f.overlay_required = h.overlay_required;
  f.overlay_joined = h.overlay_joined;
  f.loop_watched = h.loop_watched;
  f.draining = h.draining;
  f.since_beat = std::chrono::milliseconds{now_ms - h.loop_beat_ms.load()};
  return f;
}

std::optional<std::string> not_live(const HealthFacts& f) {
  if (!f.loop_watched || f.since_beat <= kLoopStallLimit) return std::nullopt;
  return "event loop stalled for " + std::to_string(f.since_beat.count() / 1000) + " s";
}

std::optional<std::string> not_ready(const HealthFacts& f) {
  if (f.draining) return "draining";
  if (f.sip_required && !f.sip_listening) return "SIP not listening";
  if (f.overlay_required && !f.overlay_joined) return "overlay not joined";
  if (auto dead = not_live(f)) return dead;
  return std::nullopt;
}

}  // namespace p2psip::metrics
