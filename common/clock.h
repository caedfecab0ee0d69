#pragma once
// Time comes in through this interface so that the simulator can run the same code on
// virtual time. Pure cores take time points as arguments instead of holding a Clock.

#include <chrono>
#include <cstdint>

namespace p2psip {

using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for timers and lifetimes measured from "now".
  virtual Millis monotonic() const = 0;
  // Wall-clock milliseconds since the Unix epoch (RELOAD storage_time, certificate checks).
  virtual std::uint64_t wall_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  Millis monotonic() const override {
    return std::chrono::duration_cast<Millis>(
        std::chrono::steady_clock::now().time_since_epoch());
  }
  std::uint64_t wall_ms() const override {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<Millis>(
        std::chrono::system_clock::now().time_since_epoch()).count());
  }
};

// A clock the test or simulator moves by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start = Millis{0}, std::uint64_t wall_start_ms = 1'700'000'000'000)
      : now_(start), wall_base_(wall_start_ms), start_(start) {}
  Millis monotonic() const override { return now_; }
  std::uint64_t wall_ms() const override {
    return wall_base_ + static_cast<std::uint64_t>((now_ - start_).count());
  }
  void advance(Millis d) { now_ += d; }
  void set(Millis t) { now_ = t; }

 private:
  Millis now_;
  std::uint64_t wall_base_;
  Millis start_;
};

}  // namespace p2psip
