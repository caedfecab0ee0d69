#include "gateway/sip/route_token.h"

namespace p2psip::sip {

namespace {

constexpr std::size_t kTokenBytes = 16;  // 128 bits: no online guessing gets anywhere
constexpr std::string_view kPrefix = "p2psip-rr-v1";

}  // namespace

RouteToken::RouteToken(const Key& key) : mac_(key, kPrefix) {}

RouteToken RouteToken::random() { return RouteToken(KeyedMac::random_key()); }

std::string RouteToken::make(std::string_view call_id, std::string_view from_tag) const {
  // Length-prefixed Call-ID: ("ab", "c") and ("a", "bc") must not give the same input.
  return mac_.hex({KeyedMac::length_prefix(call_id.size()), call_id, from_tag}, kTokenBytes);
}

bool RouteToken::verify(std::string_view token, std::string_view call_id,
                        std::string_view from_tag, std::string_view to_tag) const {
  if (token.size() != 2 * kTokenBytes) return false;
  for (std::string_view tag : {from_tag, to_tag}) {
    if (!tag.empty() && same_token(make(call_id, tag), token)) return true;
  }
  return false;
}

}  // namespace p2psip::sip
