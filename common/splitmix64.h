#pragma once
// The one deterministic random source of the project: SplitMix64 (Steele, Lea, Flood 2014;
// Vigna's reference splitmix64.c). Seeded once, the same seed gives the same sequence on
// every platform, so the simulator and the sans-IO cores replay exactly. Not a cryptographic
// source: nothing an attacker must not predict may come from it (issue 16: transaction IDs
// will need one).

#include <cstdint>

namespace p2psip {

class SplitMix64 {
 public:
  explicit constexpr SplitMix64(std::uint64_t seed) : state_(seed) {}

  constexpr std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

}  // namespace p2psip
