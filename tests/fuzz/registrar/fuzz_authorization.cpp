// Any text: parse_authorization returns credentials or an error. Parsed credentials must hold
// every required field, and re-serialising them with quote() must parse to the same values.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/registrar/authorization.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace p2psip::registrar;
  auto c = parse_authorization(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!c) return 0;
  std::string again = "Digest username=" + quote(c->username) + ", realm=" + quote(c->realm) +
                      ", nonce=" + quote(c->nonce) + ", uri=" + quote(c->uri) +
                      ", response=" + quote(c->response);
  auto d = parse_authorization(again);
  if (again.size() <= kMaxHeader &&
      (!d || d->username != c->username || d->realm != c->realm || d->nonce != c->nonce ||
       d->uri != c->uri || d->response != c->response)) {
    __builtin_trap();
  }
  return 0;
}
