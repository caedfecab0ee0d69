#pragma once
// Optional replay protection for digest (RFC 7616 §3.4: the nonce-count must grow). Remembers
// the highest nc accepted per nonce until the nonce is past its lifetime; bounded in size
// (when full, the oldest-issued nonces are forgotten first, which only costs their clients a
// fresh challenge). Pure: time comes in.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace p2psip::registrar {

class NonceCounter {
 public:
  explicit NonceCounter(Millis lifetime, std::size_t max_nonces = 100'000)
      : lifetime_(lifetime), max_nonces_(max_nonces) {}

  // True (and recorded) when nc, 8 hex digits, is higher than every nc seen with this nonce.
  // `issued` is when the nonce was made, so that it can be forgotten once stale.
  bool accept(std::string_view nonce, std::string_view nc, Millis issued, Millis now);
  std::size_t size() const { return last_.size(); }

 private:
  struct Entry {
    std::uint32_t nc = 0;
    Millis issued{0};
  };
  void forget_old(Millis now);

  Millis lifetime_;
  std::size_t max_nonces_;
  std::map<std::string, Entry, std::less<>> last_;
};

// The nc parameter as a number; nullopt unless exactly 8 hex digits.
std::optional<std::uint32_t> parse_nonce_count(std::string_view nc);

}  // namespace p2psip::registrar
