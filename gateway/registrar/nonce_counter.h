#pragma once
// Optional replay protection for digest (RFC 7616 §3.4: the nonce-count must grow). Remembers
// the highest nc accepted per nonce until the nonce is past its lifetime; bounded in size
// (when full, the oldest-issued nonces are forgotten first, which only costs their clients a
// fresh challenge). Pure: time comes in.
//
// Several gateways sharing a nonce secret (nonce_secret_file): the counts live in each
// process, so a phone whose requests alternate between gateways shows each of them a growing
// but gappy nc (1 at A, 2 at B, 3 at A ...). The reading taken: nc must be higher than the
// highest this gateway accepted for the nonce, never "the last one plus one" and never "1 for
// a nonce this gateway has not seen", which would refuse every phone behind a round-robin
// dispatcher. What that costs: one captured request can be replayed once at each other
// gateway of the site within the nonce's lifetime (300 s); a replayed REGISTER only re-applies
// what the phone itself sent (qop=auth covers the method and the Request-URI, never Contact
// or Expires), so the exposure is a binding the phone removed coming back until it expires.

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
