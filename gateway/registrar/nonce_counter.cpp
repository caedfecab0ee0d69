#include "gateway/registrar/nonce_counter.h"

#include <algorithm>
#include <optional>

namespace p2psip::registrar {

std::optional<std::uint32_t> parse_nonce_count(std::string_view nc) {
  if (nc.size() != 8) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : nc) {
    int v = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (v < 0) return std::nullopt;
    value = (value << 4) | static_cast<std::uint32_t>(v);
  }
  return value;
}

void NonceCounter::forget_old(Millis now) {
  std::erase_if(last_, [&](const auto& kv) { return now - kv.second.issued > lifetime_; });
  while (last_.size() >= max_nonces_ && !last_.empty()) {
    auto oldest = std::min_element(last_.begin(), last_.end(), [](const auto& a, const auto& b) {
      return a.second.issued < b.second.issued;
    });
    last_.erase(oldest);
  }
}

bool NonceCounter::accept(std::string_view nonce, std::string_view nc, Millis issued, Millis now) {
  auto count = parse_nonce_count(nc);
  if (!count || *count == 0 || max_nonces_ == 0) return false;
  auto it = last_.find(nonce);
  if (it != last_.end()) {
    if (*count <= it->second.nc) return false;
    it->second.nc = *count;
    return true;
  }
  forget_old(now);
  last_.emplace(std::string(nonce), Entry{*count, issued});
  return true;
}

}  // namespace p2psip::registrar
