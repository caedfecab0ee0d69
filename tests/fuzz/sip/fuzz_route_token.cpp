// Route header text, Call-ID, From-tag and To-tag (separated by LF): the Route is parsed as
// Sofia parses it in a request, its rrtok parameter read as the proxy reads it (proxy.cpp
// own_route: url_param into a 64-octet buffer), and RouteToken::verify must accept it exactly
// when it is the token of the Call-ID with the From-tag or the To-tag (empty tags never).
// With the first octet odd, "TOKEN" in the Route text is replaced by the real token for the
// Call-ID and From-tag, so that the accepting path is reached through every URI form.
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/url.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/sip/route_token.h"

namespace {

using p2psip::sip::RouteToken;

const RouteToken& fixed_key() {
  static const RouteToken token([] {
    RouteToken::Key key{};
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(0xa5 ^ i);
    return key;
  }());
  return token;
}

std::string_view next_field(std::string_view& rest) {
  auto n = rest.find('\n');
  std::string_view field = rest.substr(0, n);
  rest = n == std::string_view::npos ? std::string_view() : rest.substr(n + 1);
  return field;
}

bool is_token_text(const std::string& t) {
  if (t.size() != 32) return false;
  for (char c : t) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// make() is what verify() accepts: for either tag, in either position, never for empty tags.
void check_make(const RouteToken& key, std::string_view call_id, std::string_view from_tag) {
  std::string made = key.make(call_id, from_tag);
  if (!is_token_text(made)) __builtin_trap();
  if (from_tag.empty()) {
    if (key.verify(made, call_id, "", "")) __builtin_trap();
    return;
  }
  if (!key.verify(made, call_id, from_tag, "") || !key.verify(made, call_id, "", from_tag)) {
    __builtin_trap();
  }
  // The Call-ID is length-prefixed: moving octets between it and the tag gives another token.
  if (!call_id.empty() &&
      key.make(call_id.substr(0, call_id.size() - 1), std::string(call_id.substr(call_id.size() - 1)) +
                                                          std::string(from_tag)) == made) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  bool insert_token = data[0] & 1;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string route(next_field(rest));
  std::string_view call_id = next_field(rest), from_tag = next_field(rest), to_tag = next_field(rest);
  const RouteToken& key = fixed_key();
  check_make(key, call_id, from_tag);
  std::string real = key.make(call_id, from_tag);
  if (insert_token) {
    for (auto at = route.find("TOKEN"); at != std::string::npos; at = route.find("TOKEN", at + real.size())) {
      route.replace(at, 5, real);
    }
  }
  su_home_t home[1] = {SU_HOME_INIT(home)};
  sip_route_t* r = sip_route_make(home, route.c_str());  // stops at a NUL, as Sofia's parser
  char token[64] = "";
  if (r && r->r_url->url_params &&
      url_param(r->r_url->url_params, RouteToken::kParam.data(), token, sizeof token) != 0) {
    std::string got(token);
    bool expected = (!from_tag.empty() && got == real) ||
                    (!to_tag.empty() && got == key.make(call_id, to_tag));
    if (key.verify(got, call_id, from_tag, to_tag) != expected) __builtin_trap();
  }
  su_home_deinit(home);
  return 0;
}
