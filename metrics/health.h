#pragma once
// What the metrics port's probes report, and the pure decisions behind them:
//   /livez   the process works: its event loop ticked recently (LoopBeat in gateway/runtime).
//   /readyz  it should get traffic: SIP listening (gateway), overlay joined, not draining.
//   /health  the older combined check, kept as it was: SIP listening and overlay joined, JSON.
//            SIGTERM makes it 503 at once too (the SIP side reports itself down).
// The event loop thread writes these atomics; the HTTP thread reads them.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace p2psip::metrics {

// A loop that has not ticked for this long is not live (it ticks every kLoopBeatPeriod).
inline constexpr std::chrono::milliseconds kLoopBeatPeriod{1000};
inline constexpr std::chrono::milliseconds kLoopStallLimit{5000};

struct HealthState {
  std::atomic<bool> sip_required{true};  // false for `p2psip peer` (no SIP side)
  std::atomic<bool> sip_listening{false};
  std::atomic<bool> overlay_required{false};  // set once the node has an overlay part
  std::atomic<bool> overlay_joined{false};
  // SIGTERM received: the gateway drains (drain.h), the peer leaves. Never ready again.
  std::atomic<bool> draining{false};
  // steady_clock milliseconds of the event loop's last tick (beat()); only watched once a
  // LoopBeat ticks it (the enrollment server has no loop: live while it answers).
  std::atomic<bool> loop_watched{false};
  std::atomic<std::int64_t> loop_beat_ms{now_ms()};

  bool healthy() const {
    return (!sip_required.load() || sip_listening.load()) &&
           (!overlay_required.load() || overlay_joined.load());
  }
  void beat() { loop_beat_ms = now_ms(); }
  static std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

// The facts the probes decide on, copied out of HealthState (pure functions below).
struct HealthFacts {
  bool sip_required = true;
  bool sip_listening = false;
  bool overlay_required = false;
  bool overlay_joined = false;
  bool draining = false;
  bool loop_watched = false;
  std::chrono::milliseconds since_beat{0};  // since the loop's last tick
};
HealthFacts facts_of(const HealthState& h, std::int64_t now_ms);

// nullopt: live; otherwise why not (one short line).
std::optional<std::string> not_live(const HealthFacts& f);
// nullopt: ready; otherwise why not. Draining is named first: it is the reason that lasts.
std::optional<std::string> not_ready(const HealthFacts& f);

}  // namespace p2psip::metrics
